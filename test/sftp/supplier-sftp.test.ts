/**
 * supplier-sftp → canonical-map in a Node-RED runtime against a real OpenSSH
 * server: the three supplier mappings read their files in each encoding, the
 * same objects and the same file lines as canonical-map alone; outcomes move
 * the files; upload leaves a complete file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as iconv from 'iconv-lite';
import { Client } from 'pg';
import { helper, until } from '../helpers/red';
import { startSshd, type Sshd } from '../helpers/sshd';
import canonicalMapNode = require('../../nodes/canonical-map/canonical-map');
import sftpServerNode = require('../../nodes/sftp-server/sftp-server');
import supplierSftpNode = require('../../nodes/supplier-sftp/supplier-sftp');

const MAPPINGS = path.resolve(__dirname, '..', '..', 'mappings');
const read = (f: string) => fs.readFileSync(path.join(MAPPINGS, f), 'utf8');

let sshd: Sshd;
let n = 0;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.destroy();
});
beforeEach((done) => {
  helper.settings({ userDir: fs.mkdtempSync(path.join(os.tmpdir(), 'nr-user-')) });
  helper.startServer(done);
});
afterEach(async () => {
  await helper.unload();
  await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
});

function encodings(text: string): Array<[string, Buffer]> {
  return [
    ['utf8', Buffer.from(text)],
    ['utf8bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
    ['cp1252', iconv.encode(text, 'windows-1252')],
  ];
}

const server = () => ({ id: 'srv', type: 'sftp-server', host: sshd.host, port: sshd.port, username: sshd.user, hostKeyCheck: 'fingerprint', fingerprint: sshd.fingerprint, timeout: 10 });

async function pipeline(dir: string, mapping: string) {
  await helper.load([sftpServerNode, supplierSftpNode, canonicalMapNode] as any, [
    server(),
    { id: 'in', type: 'supplier-sftp', server: 'srv', mode: 'poll', dir, include: '*', interval: 1, readiness: 'age', minAge: 0, wires: [['cm'], ['sftpErr']] },
    { id: 'cm', type: 'canonical-map', direction: 'to-canonical', mapping, output: 'grouped', wires: [['ok', 'in'], ['bad', 'in']] },
    { id: 'ok', type: 'helper' },
    { id: 'bad', type: 'helper' },
    { id: 'sftpErr', type: 'helper' },
  ], { srv: { privateKey: sshd.privateKey } });
  const out = { ok: [] as any[], bad: [] as any[], sftpErr: [] as any[] };
  for (const k of Object.keys(out) as Array<keyof typeof out>) helper.getNode(k).on('input', (m: any) => out[k].push(m));
  return out;
}

describe('supplier-sftp → canonical-map on OpenSSH', () => {
  it('ACME price list in UTF-8, UTF-8 with BOM and Windows-1252: same objects, same file lines; files with failed rows end in the error folder', async () => {
    const dir = `${sshd.home}/acme${++n}`;
    for (const [name, bytes] of encodings(read('acme-tools.price-list.sample.csv'))) sshd.put(`${dir}/preise-${name}.csv`, bytes);
    const out = await pipeline(dir, read('acme-tools.price-list.json'));
    await until(() => out.ok.length === 3 && out.bad.length === 3, 'three files mapped', 20_000);
    for (const m of out.ok) {
      expect(m.payload.map((p: any) => p.supplierProductCode)).toEqual(['A-1001', 'A-1002', 'A-1003']);
      expect(m.payload[1]).toMatchObject({ currency: 'EUR', validFrom: '2026-01-01', validTo: '2026-12-31' });
      expect(m.canonical.rows).toEqual([2, 3, 4]);
      expect(m.file).toMatchObject({ name: expect.stringMatching(/^preise-/), supplier: expect.any(String) });
    }
    expect(out.ok.map((m) => m.payload)).toEqual([out.ok[0].payload, out.ok[0].payload, out.ok[0].payload]);
    for (const m of out.bad) expect([...new Set(m.error.details.problems.map((p: any) => p.row))]).toEqual([6, 7, 8]);
    await until(() => sshd.ls(`${dir}/error`).length === 3, `files in the error folder (${JSON.stringify([sshd.ls(dir), sshd.ls(dir + '/archive'), sshd.ls(dir + '/error'), sshd.ls(dir + '/.processing'), out.sftpErr.map((m) => m.error.message)])})`, 10_000);
    expect(sshd.ls(dir).filter((f) => f.endsWith('.csv'))).toEqual([]);
  });

  it.each(encodings(read('iberia-packaging.price-list.sample.csv')))('Iberia price list (%s): a clean file is archived; a file that does not fit goes to the error folder', async (enc, bytes) => {
    const dir = `${sshd.home}/iberia${++n}`;
    sshd.put(`${dir}/precios.csv`, bytes);
    sshd.put(`${dir}/vacio.csv`, '');
    const out = await pipeline(dir, read('iberia-packaging.price-list.json'));
    await until(() => out.ok.length === 1 && out.bad.length === 1, 'both files', 20_000);
    expect(out.ok[0].payload.map((p: any) => p.productName)).toContain('Film estirable 23 µm');
    expect(out.ok[0].canonical.rows).toEqual([2, 3, 4, 5]);
    expect(out.ok[0].canonical.file.encoding).toBe(enc === 'cp1252' ? 'windows-1252' : 'utf-8');
    expect(out.bad[0].error).toMatchObject({ code: 'BAD_INPUT', details: { reason: 'empty' } });
    await until(() => sshd.ls(`${dir}/archive`).length === 1 && sshd.ls(`${dir}/error`).length === 1, 'moved', 10_000);
    expect(sshd.ls(`${dir}/archive`)[0]).toMatch(/^precios\.\d{8}T\d{6}Z\.csv$/);
    expect(sshd.ls(`${dir}/error`)[0]).toMatch(/^vacio\./);
  });

  it.each([
    ['nordic-fasteners.po-ack.json', 'nordic-fasteners.po-ack.sample.json', { poNumber: 'P00042' }],
    ['iberia-packaging.shipment-notice.json', 'iberia-packaging.shipment-notice.sample.json', { asnNumber: 'ALB-2026-0315' }],
  ])('%s: JSON documents in each encoding', async (spec, sample, expected) => {
    const dir = `${sshd.home}/json${++n}`;
    for (const [name, bytes] of encodings(read(sample))) sshd.put(`${dir}/${name}.json`, bytes);
    const out = await pipeline(dir, read(spec));
    await until(() => out.ok.length + out.bad.length >= 3, 'three documents', 20_000);
    const results = [...out.ok.map((m) => JSON.stringify(m.payload)), ...out.bad.map((m) => JSON.stringify(m.error.details))];
    expect(new Set(results).size).toBe(1); // the same outcome for each encoding
    if (out.ok.length) expect(out.ok[0].payload).toMatchObject(expected);
  });

  it('a file above the whole-file size is streamed and mapped in chunks of 500 rows with their file lines, then archived', async () => {
    const dir = `${sshd.home}/big${++n}`;
    const [header, row] = read('acme-tools.price-list.sample.csv').split('\n') as [string, string];
    const lines = [header, ...Array.from({ length: 1800 }, (_x, i) => row.replace('A-1001', `A-${i}`))];
    sshd.put(`${dir}/gross.csv`, iconv.encode(lines.join('\r\n') + '\r\n', 'windows-1252'));
    await helper.load([sftpServerNode, supplierSftpNode, canonicalMapNode] as any, [
      server(),
      { id: 'in', type: 'supplier-sftp', server: 'srv', mode: 'poll', dir, include: '*.csv', interval: 1, readiness: 'age', maxSize: 0.05, wires: [['cm'], ['sftpErr']] },
      { id: 'cm', type: 'canonical-map', direction: 'to-canonical', mapping: read('acme-tools.price-list.json'), output: 'grouped', wires: [['ok', 'in'], ['bad', 'in']] },
      { id: 'ok', type: 'helper' },
      { id: 'bad', type: 'helper' },
      { id: 'sftpErr', type: 'helper' },
    ], { srv: { privateKey: sshd.privateKey } });
    const ok: any[] = [];
    helper.getNode('ok').on('input', (m: any) => ok.push(m));
    await until(() => ok.length === 4, 'four chunks', 20_000);
    expect(ok.map((m) => [m.canonical.chunk.index, m.payload.length])).toEqual([[0, 500], [1, 500], [2, 500], [3, 300]]);
    expect(ok[3].canonical.chunk.last).toBe(true);
    expect(ok.flatMap((m) => m.canonical.rows)).toEqual(Array.from({ length: 1800 }, (_x, i) => i + 2));
    expect(ok[0].file).toMatchObject({ name: 'gross.csv', streamed: true });
    expect(ok[0].payload[0]).toMatchObject({ supplierProductCode: 'A-0', currency: 'EUR', validFrom: '2026-01-01' });
    await until(() => sshd.ls(`${dir}/archive`).length === 1, 'archived', 10_000);
  });

  it('upload: msg.payload becomes a complete file under its name, with a done-marker', async () => {
    const dir = `${sshd.home}/out${++n}`;
    await helper.load([sftpServerNode, supplierSftpNode] as any, [
      server(),
      { id: 'up', type: 'supplier-sftp', server: 'srv', mode: 'upload', dir, exists: 'unique', uploadMarker: '.done', wires: [['ok'], ['err']] },
      { id: 'ok', type: 'helper' },
      { id: 'err', type: 'helper' },
    ], { srv: { password: sshd.password } });
    const ok: any[] = [];
    const err: any[] = [];
    helper.getNode('ok').on('input', (m: any) => ok.push(m));
    helper.getNode('err').on('input', (m: any) => err.push(m));
    helper.getNode('up').receive({ payload: 'PO;P00042\n', filename: 'P00042.csv' });
    helper.getNode('up').receive({ payload: 'PO;P00042 v2\n', filename: 'P00042.csv' });
    helper.getNode('up').receive({ payload: 'x' });
    await until(() => ok.length === 2 && err.length === 1, 'two uploads and one error', 10_000);
    expect(ok.map((m) => m.sftp.name).sort()).toEqual(['P00042-1.csv', 'P00042.csv']);
    expect(sshd.ls(dir)).toEqual(['P00042-1.csv', 'P00042-1.csv.done', 'P00042.csv', 'P00042.csv.done']);
    expect(err[0].error.message).toMatch(/needs a file name/);
  });

  it('a server presenting another host key is refused and nothing is taken', async () => {
    const dir = `${sshd.home}/mitm${++n}`;
    sshd.put(`${dir}/a.csv`, 'x');
    await helper.load([sftpServerNode, supplierSftpNode] as any, [
      { ...server(), fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      { id: 'in', type: 'supplier-sftp', server: 'srv', mode: 'poll', dir, interval: 1, readiness: 'age', wires: [['ok'], ['err']] },
      { id: 'ok', type: 'helper' },
      { id: 'err', type: 'helper' },
    ], { srv: { privateKey: sshd.privateKey } });
    const err: any[] = [];
    helper.getNode('err').on('input', (m: any) => err.push(m));
    await until(() => err.length >= 1, 'the refusal', 10_000);
    expect(err[0].error).toMatchObject({ code: 'AUTH', message: expect.stringContaining(`is ${sshd.fingerprint}, not the pinned`) });
    expect(sshd.ls(dir)).toEqual(['a.csv']);
  });
});

describe('supplier-sftp with ODOO_SUPPLY_DATABASE_URL', () => {
  it('keeps its file ledger in PostgreSQL (not in the user dir): a file sent again unchanged is skipped', async () => {
    const url = process.env.DEAD_LETTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const id = `in-${Date.now().toString(36)}`;
    const dir = `${sshd.home}/shared${++n}`;
    const db = new Client({ connectionString: url });
    await db.connect();
    process.env.ODOO_SUPPLY_DATABASE_URL = url;
    try {
      sshd.put(`${dir}/prices.csv`, 'a;b\n1;2\n');
      await helper.load([sftpServerNode, supplierSftpNode] as any, [
        server(),
        { id, type: 'supplier-sftp', server: 'srv', mode: 'poll', dir, include: '*.csv', interval: 1, readiness: 'age', minAge: 0, settle: 'emit', wires: [['ok'], ['err']] },
        { id: 'ok', type: 'helper' },
        { id: 'err', type: 'helper' },
      ], { srv: { privateKey: sshd.privateKey } });
      const ok: any[] = [];
      const err: any[] = [];
      helper.getNode('ok').on('input', (m: any) => ok.push(m));
      helper.getNode('err').on('input', (m: any) => err.push(m));
      await until(() => ok.length === 1 || err.length > 0, 'the file', 10_000);
      expect(err).toEqual([]);
      const row = async () => (await db.query('SELECT key, sha256 FROM odoo_supply_sftp_ledger WHERE scope = $1', [id])).rows;
      await until(async () => (await row()).length === 1, 'the ledger row in PostgreSQL', 10_000);
      expect(await row()).toEqual([{ key: expect.stringContaining('prices.csv'), sha256: ok[0].file.sha256 }]);
      // no local ledger file for this node in any test user dir
      const userDirs = fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('nr-user-'));
      expect(userDirs.length).toBeGreaterThan(0);
      expect(userDirs.filter((d) => fs.existsSync(path.join(os.tmpdir(), d, 'odoo-supply', `sftp-ledger-${id}.jsonl`)))).toEqual([]);
      sshd.put(`${dir}/prices.csv`, 'a;b\n1;2\n', new Date(Date.now() + 5000)); // the same bytes again
      await until(() => (sshd.ls(`${dir}/archive`) ?? []).length === 2, 'the second upload, skipped and archived', 10_000);
      expect(ok).toHaveLength(1);
    } finally {
      delete process.env.ODOO_SUPPLY_DATABASE_URL;
      await db.query('DELETE FROM odoo_supply_sftp_ledger WHERE scope = $1', [id]).catch(() => undefined);
      await db.end();
    }
  });
});

describe('supplier-sftp on a cron schedule', () => {
  it('polls on the cron expression (not the interval) and archives the file; a bad expression is refused at deploy, naming it', async () => {
    const dir = `${sshd.home}/cron${++n}`;
    sshd.put(`${dir}/prices.csv`, 'a;b\n1;2\n');
    // interval 86400 s: only the cron (every 2 s, in a named zone) can pick the file up after the first poll
    await helper.load([sftpServerNode, supplierSftpNode] as any, [
      server(),
      { id: 'in', type: 'supplier-sftp', server: 'srv', mode: 'poll', dir, include: '*.csv', interval: 86400, schedule: 'cron', cron: '*/2 * * * * *', timezone: 'Europe/Berlin', readiness: 'stable', settle: 'emit', wires: [['ok'], ['err']] },
      { id: 'bad', type: 'supplier-sftp', server: 'srv', mode: 'poll', dir, schedule: 'cron', cron: '61 * * * *', wires: [[], ['err']] },
      { id: 'ok', type: 'helper' },
      { id: 'err', type: 'helper' },
    ], { srv: { privateKey: sshd.privateKey } });
    const ok: any[] = [];
    helper.getNode('ok').on('input', (m: any) => ok.push(m));
    // "stable" needs two polls that see the same size and mtime: the first one at start, the next from the cron
    await until(() => ok.length >= 1, 'the file, taken by the cron poll', 10_000);
    expect(ok[0].file).toMatchObject({ name: 'prices.csv' });
    expect(ok[0].payload.toString()).toBe('a;b\n1;2\n');
    await until(() => (sshd.ls(`${dir}/archive`) ?? []).length === 1, 'the archived file', 10_000);
    expect(sshd.ls(dir)).not.toContain('prices.csv');
    const err: any[] = [];
    helper.getNode('err').on('input', (m: any) => err.push(m));
    helper.getNode('bad').receive({ payload: 'poll' });
    await until(() => err.length >= 1, 'the refusal of the bad schedule', 5_000);
    expect(err[0].error).toMatchObject({ code: 'CONFIG', transient: false, message: expect.stringMatching(/cron "61 \* \* \* \*": .*minute: 61/) });
  });
});
