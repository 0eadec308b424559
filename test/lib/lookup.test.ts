import { OdooClient } from '../../lib/odoo/client';
import { LookupCache } from '../../lib/odoo/lookup';
import { Semaphore } from '../../lib/util/semaphore';
import { startSandbox, Sandbox } from '../../sandbox/odoo/server';

let sandbox: Sandbox;
let client: OdooClient;
beforeAll(async () => {
  sandbox = await startSandbox();
  client = new OdooClient({ url: sandbox.url, database: sandbox.database, secret: sandbox.apiKey, protocol: 'json2' });
});
afterAll(async () => {
  client.close();
  await sandbox.close();
});

describe('LookupCache', () => {
  it('finds many keys in one search and answers repeats from the cache until the TTL', async () => {
    let now = 1_000;
    const cache = new LookupCache(client, 60_000, () => now);
    sandbox.resetStats();
    const first = await cache.find('res.partner', 'ref', ['SUP-ACME', 'SUP-BOLT', 'SUP-ACME', 'SUP-NOPE']);
    expect([...first.keys()].sort()).toEqual(['SUP-ACME', 'SUP-BOLT']);
    expect(sandbox.stats.byMethod['res.partner.search_read']).toBe(1);
    await cache.find('res.partner', 'ref', ['SUP-ACME', 'SUP-BOLT']);
    expect(sandbox.stats.byMethod['res.partner.search_read']).toBe(1);
    now += 61_000;
    await cache.find('res.partner', 'ref', ['SUP-ACME']);
    expect(sandbox.stats.byMethod['res.partner.search_read']).toBe(2);
  });

  it('asks again for keys it did not find: a supplier created a minute ago is found now', async () => {
    const cache = new LookupCache(client, 60_000);
    expect((await cache.find('res.partner', 'ref', ['SUP-LATE'])).size).toBe(0);
    sandbox.store.create('res.partner', { name: 'Late Supplier', ref: 'SUP-LATE', is_company: true });
    expect((await cache.find('res.partner', 'ref', ['SUP-LATE'])).get('SUP-LATE')).toHaveLength(1);
  });
});

describe('Semaphore', () => {
  it('never runs more tasks at once than its limit, and runs them all', async () => {
    const gate = new Semaphore(3);
    let active = 0;
    let peak = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_x, i) =>
        gate.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 2 + (i % 3)));
          active--;
          return i;
        }),
      ),
    );
    expect(done).toEqual(Array.from({ length: 20 }, (_x, i) => i));
    expect(peak).toBe(3);
  });
});

describe('protocol auto', () => {
  it.each([
    ['19.0', 'apikey', 'json2'],
    ['19.0', 'password', 'xmlrpc'],
    ['17.0', 'apikey', 'xmlrpc'],
  ] as const)('Odoo %s with %s uses %s and says why', async (serverVersion, secretKind, protocol) => {
    const old = await startSandbox({ serverVersion });
    try {
      const logs: string[] = [];
      const c = new OdooClient({ url: old.url, database: old.database, login: old.login, secret: secretKind === 'apikey' ? old.apiKey : old.password, secretKind, protocol: 'auto', log: (m) => logs.push(m) });
      const info = await c.connect();
      expect(info).toMatchObject({ protocol, serverVersion });
      expect(info.reason).toMatch(new RegExp(`auto: Odoo ${serverVersion.replace('.', '\\.')}`));
      expect(logs.join('\n')).toContain(info.reason);
      expect(await c.searchCount('res.partner', [['ref', '=', 'SUP-ACME']])).toBe(1);
      c.close();
    } finally {
      await old.close();
    }
  });
});

describe('XML-RPC session', () => {
  it('logs in once for many calls, and again when Odoo no longer knows the uid (user re-created)', async () => {
    const s = await startSandbox();
    try {
      const c = new OdooClient({ url: s.url, database: s.database, login: s.login, secret: s.password, secretKind: 'password', protocol: 'xmlrpc' });
      for (let i = 0; i < 5; i++) await c.searchCount('res.partner', []);
      expect(s.stats.authentications).toBe(1);
      // the admin user is replaced: same login, new id; the old uid is gone
      const newUid = s.store.create('res.users', { login: 'admin-v2', partner_id: 3 });
      s.store.write('res.users', [2], { active: false, login: 'admin-old' });
      s.store.write('res.users', [newUid], { login: 'admin' });
      s.store.uid = newUid;
      expect(await c.searchCount('res.partner', [['ref', '=', 'SUP-ACME']])).toBe(1);
      expect(s.stats.authentications).toBe(2);
      c.close();
    } finally {
      await s.close();
    }
  });
});

describe('timeouts', () => {
  it.each(['json2', 'xmlrpc'] as const)('%s: calls that time out free their connection; the next calls go through', async (protocol) => {
    const s = await startSandbox();
    try {
      const c = new OdooClient({ url: s.url, database: s.database, login: s.login, secret: s.apiKey, protocol, concurrency: 2, timeoutMs: 300 });
      await c.connect();
      s.inject({ model: 'res.partner', latencyMs: 2000, times: 2 });
      const slow = await Promise.allSettled([c.searchCount('res.partner', []), c.searchCount('res.partner', [])]);
      expect(slow.map((r) => r.status === 'rejected' && r.reason.code)).toEqual(['TIMEOUT', 'TIMEOUT']);
      const started = Date.now();
      expect(await Promise.all([c.searchCount('res.partner', [['ref', '=', 'SUP-ACME']]), c.searchCount('res.partner', [['ref', '=', 'SUP-BOLT']])])).toEqual([1, 1]);
      expect(Date.now() - started).toBeLessThan(1500); // a blocked socket would wait for the 2 s answer
      c.close();
    } finally {
      await s.close();
    }
  });
});
