/**
 * What the one Odoo client sends and accepts at its boundary, against the
 * sandbox Odoo: protocol choice by version, `undefined` values, offsets of
 * name_search / read_group, request deadlines and answer sizes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OdooClient, withoutUndefined } from '../../lib/odoo/client';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
afterEach(() => sandbox.clearFaults());

const PROTOCOLS = ['json2', 'xmlrpc'] as const;
const clientFor = (protocol: 'json2' | 'xmlrpc' | 'auto', url = sandbox.url, extra: Record<string, unknown> = {}) =>
  new OdooClient({ url, database: sandbox.database, login: sandbox.login, secret: sandbox.apiKey, protocol, timeoutMs: 5_000, ...extra });

describe('protocol choice', () => {
  it('auto picks JSON-2 on Odoo Online versions like saas~19.1', async () => {
    const online = await startSandbox({ serverVersion: 'saas~19.1', seed: false });
    const client = new OdooClient({ url: online.url, database: online.database, login: online.login, secret: online.apiKey, protocol: 'auto' });
    try {
      const info = await client.connect();
      expect(info).toMatchObject({ protocol: 'json2', serverVersion: 'saas~19.1' });
      // the grouping method follows the version too: Odoo 19 has formatted_read_group
      online.resetStats();
      await client.readGroup('res.partner', { groupby: ['is_company'] });
      expect(Object.keys(online.stats.byMethod)).toEqual(['res.partner.formatted_read_group']);
    } finally {
      client.close();
      await online.close();
    }
  });
});

describe.each(PROTOCOLS)('undefined field values over %s', (protocol) => {
  it('are left out of what is sent: the field keeps its value, never becomes an empty string', async () => {
    const client = clientFor(protocol);
    try {
      const [id] = await client.create('res.partner', [{ name: `ZZT undefined ${protocol}`, comment: undefined, ref: `ZZT-U-${protocol}` }]);
      expect(sandbox.store.read('res.partner', [id!], ['comment', 'ref'])[0]).toMatchObject({ comment: false, ref: `ZZT-U-${protocol}` });
      await client.write('res.partner', [id!], { ref: undefined, comment: 'kept' });
      expect(sandbox.store.read('res.partner', [id!], ['comment', 'ref'])[0]).toMatchObject({ comment: 'kept', ref: `ZZT-U-${protocol}` });
      // inside x2many commands too
      const [tagged] = await client.create('res.partner', [{ name: `ZZT undefined tags ${protocol}`, category_id: [[0, 0, { name: `ZZT-tag-${protocol}`, color: undefined }]] }]);
      const tags = sandbox.store.read('res.partner', [tagged!], ['category_id'])[0]!.category_id as number[];
      expect(sandbox.store.read('res.partner.category', tags, ['name'])[0]).toMatchObject({ name: `ZZT-tag-${protocol}` });
    } finally {
      client.close();
    }
  });
});

describe('withoutUndefined', () => {
  it('drops undefined fields at any depth and keeps everything else', () => {
    const when = new Date('2026-01-02T03:04:05Z');
    expect(withoutUndefined({ a: 1, b: undefined, c: false, d: null, e: [[0, 0, { x: undefined, y: 2 }]], f: [1, undefined], g: when })).toEqual({ a: 1, c: false, d: null, e: [[0, 0, { y: 2 }]], f: [1, null], g: when });
  });
});

describe.each(PROTOCOLS)('offsets over %s', (protocol) => {
  it('name_search skips `offset` answers (Odoo has no offset: it asks offset + limit)', async () => {
    const client = clientFor(protocol);
    try {
      const all = await client.nameSearch('res.partner', { name: '', limit: 6 });
      expect(all.length).toBe(6);
      expect(await client.nameSearch('res.partner', { name: '', limit: 3, offset: 2 })).toEqual(all.slice(2, 5));
      expect(await client.nameSearch('res.partner', { name: '', offset: 4, limit: 2 })).toEqual(all.slice(4, 6));
    } finally {
      client.close();
    }
  });
});

/** A server that answers /web/version like Odoo 19 and /json/2 calls with `answer`. */
async function fakeOdoo(answer: (res: http.ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/web/version') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ version: '19.0', version_info: [19, 0, 0, 'final', 0, ''] }));
        return;
      }
      answer(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe('request deadline and answer size', () => {
  it('an answer that trickles in byte by byte still fails at the timeout: a deadline, not an idle timeout', async () => {
    const timers: NodeJS.Timeout[] = [];
    const odoo = await fakeOdoo((res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const body = `[${' '.repeat(40)}0]`;
      let i = 0;
      const t = setInterval(() => {
        if (res.destroyed) return clearInterval(t);
        res.write(body[i++]!);
        if (i === body.length) {
          clearInterval(t);
          res.end();
        }
      }, 100);
      timers.push(t);
    });
    const client = new OdooClient({ url: odoo.url, secret: 'k', protocol: 'json2', timeoutMs: 600 });
    const started = Date.now();
    try {
      await expect(client.connect()).rejects.toMatchObject({ code: 'TIMEOUT', transient: true });
      // the whole answer would take 4.2 s; the deadline is 0.6 s
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      client.close();
      timers.forEach(clearInterval);
      await odoo.close();
    }
  });

  it.each(['declared', 'chunked'])('an answer above the maximum size fails with TOO_LARGE, naming the limit (%s length)', async (how) => {
    const big = JSON.stringify([{ id: 1, name: 'x'.repeat(3 * 1024 * 1024) }]);
    const odoo = await fakeOdoo((res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', ...(how === 'declared' ? { 'Content-Length': String(Buffer.byteLength(big)) } : {}) });
      res.end(big);
    });
    const client = new OdooClient({ url: odoo.url, secret: 'k', protocol: 'json2', timeoutMs: 5_000, maxResponseBytes: 1024 * 1024 });
    try {
      await expect(client.connect()).rejects.toMatchObject({ code: 'TOO_LARGE', transient: false, message: expect.stringMatching(/larger than the maximum answer size of 1 MB/) });
    } finally {
      client.close();
      await odoo.close();
    }
  });
});
