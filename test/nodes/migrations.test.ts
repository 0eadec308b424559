/**
 * Config migrations: a flow saved by the previous release (options without a
 * version, and for odoo-config without secretEnv, as saved before it existed)
 * still loads and works, with the same results the current shape gives.
 * One test per migration step of each node (nodes/<type>/migrations.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { currentVersion, migrate, type Migration } from '../../lib/migrations';
import type { Sandbox } from '../../sandbox/odoo/server';
import { helper, odooNodes, until, withSandboxAndRuntime } from '../helpers/red';
import canonicalMapNode = require('../../nodes/canonical-map/canonical-map');
import { migrations as configMigrations } from '../../nodes/odoo-config/migrations';
import { migrations as readMigrations } from '../../nodes/odoo-read/migrations';
import { migrations as writeMigrations } from '../../nodes/odoo-write/migrations';
import { migrations as mapMigrations } from '../../nodes/canonical-map/migrations';

const ctx = withSandboxAndRuntime();
let sandbox: Sandbox;
beforeAll(() => {
  sandbox = ctx.sandbox;
});

/** odoo-config as the release before options carried a version saved it (no secretEnv, no maxResponseMb, no version). */
const configV0 = () => ({ id: 'cfg', type: 'odoo-config', name: 'sandbox', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol: 'json2', secretKind: 'apikey', timeout: 10, concurrency: 4, context: '' });

describe('lib/migrations', () => {
  const steps: Migration[] = [
    { to: 1, change: 'a', up: (o) => ({ ...o, a: 1 }) },
    { to: 2, change: 'b renamed to c', up: ({ b, ...o }) => ({ ...o, c: b }) },
  ];

  it('applies the steps after the saved version, in order, and stamps the version', () => {
    expect(migrate({ b: 'x' }, steps)).toMatchObject({ from: 0, to: 2, options: { a: 1, c: 'x', version: 2 } });
    expect(migrate({ version: 1, b: 'y' }, steps).options).toEqual({ version: 2, c: 'y' });
    expect(migrate({ version: 2, c: 'z' }, steps).applied).toEqual([]);
  });

  it('leaves options from a newer release as they are, saying so (from > to)', () => {
    const r = migrate({ version: 7, d: 1 }, steps);
    expect(r).toMatchObject({ from: 7, to: 2, applied: [], options: { version: 7, d: 1 } });
  });

  it('refuses steps that are not numbered 1, 2, 3…', () => {
    expect(() => migrate({}, [{ to: 2, change: 'gap', up: (o) => o }])).toThrow(/numbered 1, 2, 3/);
  });

  it.each([
    ['odoo-config', configMigrations],
    ['odoo-read', readMigrations],
    ['odoo-write', writeMigrations],
    ['canonical-map', mapMigrations],
  ])('%s: every step is numbered and described; the current version is at least 1', (_type, m) => {
    expect(currentVersion(m)).toBeGreaterThanOrEqual(1);
    m.forEach((step, i) => {
      expect(step.to).toBe(i + 1);
      expect(step.change.length).toBeGreaterThan(5);
    });
  });
});

describe('odoo-config 0 → 1 (secretEnv and maxResponseMb added)', () => {
  it('a server saved without secretEnv and version connects, and odoo-read 0 → 1 (no domain saved) reads every supplier', async () => {
    expect(migrate(configV0(), configMigrations).options).toMatchObject({ version: 1, secretEnv: '', maxResponseMb: 256 });
    const readV0 = { id: 'read', type: 'odoo-read', name: '', server: 'cfg', operation: 'search_read', model: 'res.partner', fields: 'name', groupby: '', aggregates: '', limit: '', offset: '', order: 'id asc', pageSize: 500, output: 'all', context: '', wires: [['ok'], ['err']] };
    expect(migrate(readV0, readMigrations).options).toMatchObject({ version: 1, domain: '[]', domainType: 'json' });
    await helper.load(odooNodes as any, [configV0(), readV0, { id: 'ok', type: 'helper' }, { id: 'err', type: 'helper' }], { cfg: { secret: sandbox.apiKey } });
    const ok: any[] = [];
    const err: any[] = [];
    helper.getNode('ok').on('input', (m: any) => ok.push(m));
    helper.getNode('err').on('input', (m: any) => err.push(m));
    helper.getNode('read').receive({ payload: null });
    await until(() => ok.length + err.length === 1, 'odoo-read result');
    expect(err).toEqual([]);
    expect(ok[0].payload.map((r: any) => r.id)).toEqual(sandbox.store.search('res.partner', []).sort((a, b) => a - b));
  });
});

describe('odoo-write 0 → 2 (version, then the audit option off)', () => {
  it('a writer saved without a version creates the record and attaches nothing', async () => {
    const writeV0 = { id: 'w', type: 'odoo-write', name: '', server: 'cfg', operation: 'create', model: 'res.partner', keyFields: '', method: '', batchSize: '200', batchWindow: '10', context: '', wires: [['ok'], ['err']] };
    expect(migrate(writeV0, writeMigrations).options).toEqual({ ...writeV0, version: 2, attach: false });
    expect(migrate({ ...writeV0, version: 1 }, writeMigrations).options).toEqual({ ...writeV0, version: 2, attach: false });
    await helper.load(odooNodes as any, [configV0(), writeV0, { id: 'ok', type: 'helper' }, { id: 'err', type: 'helper' }], { cfg: { secret: sandbox.apiKey } });
    const ok: any[] = [];
    helper.getNode('ok').on('input', (m: any) => ok.push(m));
    const name = `Migrated writer ${Date.now()}`;
    // a file beside the record: a node saved before the audit option existed does not attach it
    helper.getNode('w').receive({ payload: { name, ref: 'MIG-1' }, original: { name: 'x.csv', data: Buffer.from('a;b\n') } });
    await until(() => ok.length === 1, 'written');
    const ids = sandbox.store.search('res.partner', [['name', '=', name]]);
    expect(ids).toHaveLength(1);
    expect(sandbox.store.search('ir.attachment', [['res_model', '=', 'res.partner'], ['res_id', '=', ids[0]]])).toEqual([]);
  });
});

describe('canonical-map 0 → 1 (version only)', () => {
  it('a mapper saved without a version maps a supplier row', async () => {
    const spec = fs.readFileSync(path.resolve(__dirname, '..', '..', 'mappings', 'acme-tools.price-list.json'), 'utf8');
    const mapV0 = { id: 'cm', type: 'canonical-map', name: '', direction: 'to-canonical', mapping: spec, schema: '', server: '', output: 'grouped', cacheTtl: '300', wires: [['ok'], ['bad']] };
    expect(migrate(mapV0, mapMigrations).options).toEqual({ ...mapV0, version: 1 });
    await helper.load([canonicalMapNode] as any, [mapV0, { id: 'ok', type: 'helper' }, { id: 'bad', type: 'helper' }]);
    const ok: any[] = [];
    helper.getNode('ok').on('input', (m: any) => ok.push(m));
    const row = { 'Art.-Nr.': 'A-1001', Bezeichnung: 'Set', 'Unsere Nr.': 'fas-bolt-m8', Preis: '12,50', 'Währung': 'EUR', MinMenge: '1', Einheit: 'Stk', 'Lieferzeit (Tage)': '5', 'Gültig ab': '01.01.2026', 'Gültig bis': '31.12.2026', 'Rabatt %': '' };
    helper.getNode('cm').receive({ payload: [row] });
    await until(() => ok.length === 1, 'mapped');
    expect(ok[0].payload[0]).toMatchObject({ supplierProductCode: 'A-1001', internalRef: 'FAS-BOLT-M8', price: 12.5 });
  });
});

describe('options from a newer release', () => {
  it('still load, with a warning naming both versions', async () => {
    const readV9 = { id: 'read', type: 'odoo-read', server: 'cfg', version: 9, operation: 'search_count', model: 'res.partner', domain: '[]', domainType: 'json', wires: [['ok'], ['err']] };
    await helper.load(odooNodes as any, [configV0(), readV9, { id: 'ok', type: 'helper' }, { id: 'err', type: 'helper' }], { cfg: { secret: sandbox.apiKey } });
    const warnings = (helper.log().args as unknown[][]).map((a) => a[0] as { level: number; msg: unknown }).filter((e) => e.level === 30);
    expect(warnings.map((w) => String(w.msg))).toContainEqual(expect.stringMatching(/odoo-read was saved by a newer release \(options version 9; this release reads up to 1\)/));
  });
});
