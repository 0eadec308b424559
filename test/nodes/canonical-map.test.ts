/**
 * canonical-map in both directions, through the nodes, ending in odoo-write,
 * checked in the sandbox Odoo's records.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Sandbox } from '../../sandbox/odoo/server';
import { helper, odooNodes, until, withSandboxAndRuntime } from '../helpers/red';
import canonicalMapNode = require('../../nodes/canonical-map/canonical-map');
import { readSemicolonCsv } from '../canonical/fixtures';

const MAPPINGS = path.resolve(__dirname, '..', '..', 'mappings');

const ctx = withSandboxAndRuntime();
let sandbox: Sandbox;
beforeAll(() => {
  sandbox = ctx.sandbox;
});

interface Out {
  mapped: any[];
  invalid: any[];
  written: any[];
  failed: any[];
}

/** inject → canonical-map (to-odoo) → odoo-write (operation from msg) */
async function pipeline(extra: Record<string, unknown> = {}): Promise<{ input: any; out: Out }> {
  const flow = [
    { id: 'cfg', type: 'odoo-config', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol: 'json2', timeout: 10 },
    { id: 'cm', type: 'canonical-map', direction: 'to-odoo', server: 'cfg', cacheTtl: 60, wires: [['w', 'mapped'], ['invalid']], ...extra },
    { id: 'w', type: 'odoo-write', server: 'cfg', operation: 'msg', batchWindow: 5, wires: [['written'], ['failed']] },
    { id: 'mapped', type: 'helper' },
    { id: 'invalid', type: 'helper' },
    { id: 'written', type: 'helper' },
    { id: 'failed', type: 'helper' },
  ];
  await helper.load([...odooNodes, canonicalMapNode] as any, flow, { cfg: { secret: sandbox.apiKey } });
  const out: Out = { mapped: [], invalid: [], written: [], failed: [] };
  for (const k of Object.keys(out) as Array<keyof Out>) helper.getNode(k).on('input', (m: any) => out[k].push(m));
  return { input: helper.getNode('cm'), out };
}

const ids = (model: string, domain: unknown[]) => sandbox.store.search(model, domain);
const one = (model: string, domain: unknown[], fields: string[]) => sandbox.store.read(model, ids(model, domain), fields)[0]!;

describe('canonical-map: supplier shape → canonical', () => {
  it('maps a semicolon CSV price list with decimal commas and German dates, one message for valid rows and one for invalid', async () => {
    const spec = fs.readFileSync(path.join(MAPPINGS, 'acme-tools.price-list.json'), 'utf8');
    const flow = [
      { id: 'cm', type: 'canonical-map', direction: 'to-canonical', mapping: spec, output: 'grouped', wires: [['ok'], ['bad']] },
      { id: 'ok', type: 'helper' },
      { id: 'bad', type: 'helper' },
    ];
    await helper.load([canonicalMapNode] as any, flow);
    const ok: any[] = [];
    const bad: any[] = [];
    helper.getNode('ok').on('input', (m: any) => ok.push(m));
    helper.getNode('bad').on('input', (m: any) => bad.push(m));
    const rows = readSemicolonCsv('acme-tools.price-list.sample.csv');
    helper.getNode('cm').receive({ payload: rows });
    await until(() => ok.length === 1 && bad.length === 1, 'two messages');
    // the sample holds 3 good rows, a blank row, a duplicate and 2 broken rows
    expect(ok[0].payload.map((p: any) => p.supplierProductCode)).toEqual(['A-1001', 'A-1002', 'A-1003']);
    expect(ok[0].payload[1]).toMatchObject({ price: expect.any(Number), currency: 'EUR' });
    expect(ok[0].canonical).toMatchObject({ schema: 'supplier-price', version: 1, rows: [1, 2, 3] });
    expect(bad[0].payload.map((r: any) => r['Art.-Nr.'])).toEqual(expect.arrayContaining(['A-1004', 'A-1005']));
    const problems = bad[0].error.details.problems;
    expect(problems.find((p: any) => p.row === 6)).toMatchObject({ path: 'price', received: expect.stringContaining('18,5x') });
  });

  it('10,000 rows with 3 bad ones leave as two messages: 9,997 canonical objects and 3 problems with row numbers', async () => {
    const spec = fs.readFileSync(path.join(MAPPINGS, 'acme-tools.price-list.json'), 'utf8');
    await helper.load([canonicalMapNode] as any, [
      { id: 'cm', type: 'canonical-map', direction: 'to-canonical', mapping: spec, output: 'grouped', wires: [['ok'], ['bad']] },
      { id: 'ok', type: 'helper' },
      { id: 'bad', type: 'helper' },
    ]);
    const ok: any[] = [];
    const bad: any[] = [];
    helper.getNode('ok').on('input', (m: any) => ok.push(m));
    helper.getNode('bad').on('input', (m: any) => bad.push(m));
    const [template] = readSemicolonCsv('acme-tools.price-list.sample.csv');
    const rows: Record<string, string>[] = Array.from({ length: 10_000 }, (_x, i) => ({ ...template, 'Art.-Nr.': `A-${100_000 + i}` }));
    rows[17] = { ...rows[17], Preis: 'abc' };
    rows[4241] = { ...rows[4241], 'Gültig ab': '31.02.2026' };
    rows[9999] = { ...rows[9999], Währung: 'EURO' };
    helper.getNode('cm').receive({ payload: rows });
    await until(() => ok.length === 1 && bad.length === 1, 'two messages', 20_000);
    expect(ok[0].payload).toHaveLength(9_997);
    expect(bad[0].payload).toHaveLength(3);
    expect(bad[0].error.details.problems.map((p: any) => [p.row, p.path])).toEqual([
      [18, 'price'],
      [4242, 'validFrom'],
      [10_000, 'currency'],
    ]);
  });

  it('with the invalid output unwired, Catch gets every bad row and every problem in one error', async () => {
    const spec = fs.readFileSync(path.join(MAPPINGS, 'acme-tools.price-list.json'), 'utf8');
    await helper.load([canonicalMapNode] as any, [{ id: 'cm', type: 'canonical-map', direction: 'to-canonical', mapping: spec, output: 'row', wires: [[], []] }]);
    const n = helper.getNode('cm');
    n.receive({ payload: readSemicolonCsv('acme-tools.price-list.sample.csv') });
    await until(() => n.error.called, 'done(err)');
    expect(n.error.callCount).toBe(1);
    const caught = n.error.firstCall.args[1];
    expect(caught.payload.map((r: any) => r['Art.-Nr.'])).toEqual(expect.arrayContaining(['A-1004', 'A-1005']));
    expect(caught.error.details.problems.map((p: any) => p.row)).toEqual(expect.arrayContaining([6, 7]));
  });

  it('rejects a bad mapping at deploy, naming the field', async () => {
    const flow = [{ id: 'cm', type: 'canonical-map', direction: 'to-canonical', mapping: JSON.stringify({ schema: 'supplier-price@1', specVersion: 1, fields: { prize: { path: 'x' } } }), wires: [[], []] }];
    await helper.load([canonicalMapNode] as any, flow);
    const n = helper.getNode('cm');
    await until(() => n.error.called, 'deploy error');
    expect(String(n.error.firstCall.args[0])).toMatch(/prize/);
  });
});

describe('canonical-map: canonical → Odoo', () => {
  it('supplier-price lands as product.supplierinfo: new price created, existing one updated', async () => {
    const { input, out } = await pipeline({ schema: 'supplier-price@1' });
    const base = { supplierCode: 'SUP-ACME', currency: 'USD', uom: 'Units', leadTimeDays: 4 };
    input.receive({ payload: [
      { ...base, supplierProductCode: 'AC-M8-40', internalRef: 'FAS-BOLT-M8', price: 6.5, minQty: 10 },
      { ...base, supplierProductCode: 'AC-PSU12', internalRef: 'ELC-PSU-12V', price: 7.25, minQty: 5, validFrom: '2027-01-01' },
    ] });
    await until(() => out.written.length === 1, 'written');
    expect(out.written[0].odoo.actions.sort()).toEqual(['created', 'updated']);
    const acme = ids('res.partner', [['ref', '=', 'SUP-ACME']])[0];
    const bolt = ids('product.product', [['default_code', '=', 'FAS-BOLT-M8']])[0];
    const boltTmpl = (sandbox.store.read('product.product', [bolt!], ['product_tmpl_id'])[0]!.product_tmpl_id as [number, string])[0];
    expect(one('product.supplierinfo', [['partner_id', '=', acme], ['product_tmpl_id', '=', boltTmpl], ['min_qty', '=', 10]], ['price', 'delay']).price).toBe(6.5);
    const psu = one('product.supplierinfo', [['partner_id', '=', acme], ['product_code', '=', 'AC-PSU12']], ['price', 'min_qty', 'date_start']);
    expect(psu).toMatchObject({ price: 7.25, min_qty: 5, date_start: '2027-01-01' });
  });

  it('a supplier code unknown to Odoo fails that object only, naming the code', async () => {
    const { input, out } = await pipeline({ schema: 'supplier-price@1' });
    const base = { supplierProductCode: 'X1', internalRef: 'PKG-BOX-S', price: 0.3, currency: 'USD', minQty: 100, uom: 'Units', leadTimeDays: 7 };
    input.receive({ payload: [{ ...base, supplierCode: 'SUP-NOPE' }, { ...base, supplierCode: 'SUP-GLOB', supplierProductCode: 'GP-BOX-S' }] });
    await until(() => out.invalid.length === 1 && out.written.length + out.failed.length === 1, 'one invalid, one written').catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify({ invalid: out.invalid.map((m) => m.error), failed: out.failed.map((m) => m.error) })}`);
    });
    expect(out.failed).toEqual([]);
    expect(out.invalid[0].error.message).toMatch(/supplier code "SUP-NOPE"/);
    expect(out.invalid[0].payload).toEqual([{ ...base, supplierCode: 'SUP-NOPE' }]);
    expect(out.invalid[0].error.details.failures[0]).toMatchObject({ row: 1 });
  });

  it('problems name the rows of the supplier file when msg.canonical.rows says where objects came from', async () => {
    const { input, out } = await pipeline({ schema: 'supplier-price@1' });
    const base = { supplierProductCode: 'X1', internalRef: 'PKG-BOX-S', price: 0.3, currency: 'USD', minQty: 100, uom: 'Units', leadTimeDays: 7 };
    input.receive({ payload: [{ ...base, supplierCode: 'SUP-GLOB', supplierProductCode: 'GP-BOX-S' }, { ...base, supplierCode: 'SUP-NOPE' }], canonical: { schema: 'supplier-price', version: 1, rows: [5, 9] } });
    await until(() => out.invalid.length === 1 && out.written.length === 1, 'one invalid, one written');
    expect(out.invalid[0].error.details.failures[0]).toMatchObject({ row: 9 });
    expect(out.mapped[0].canonical.rows).toEqual([5]);
  });

  it('odoo-write: when the follow-up method fails, the written ids go on and the error message retries only the call', async () => {
    await helper.load(odooNodes as any, [
      { id: 'cfg', type: 'odoo-config', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol: 'json2', timeout: 10 },
      { id: 'w', type: 'odoo-write', server: 'cfg', operation: 'msg', batchWindow: 5, wires: [['ok'], ['err']] },
      { id: 'ok', type: 'helper' },
      { id: 'err', type: 'helper' },
    ], { cfg: { secret: sandbox.apiKey } });
    const ok: any[] = [];
    const err: any[] = [];
    helper.getNode('ok').on('input', (m: any) => ok.push(m));
    helper.getNode('err').on('input', (m: any) => err.push(m));
    helper.getNode('w').receive({ payload: [{ name: 'Then A' }, { name: 'Then B' }], odoo: { model: 'res.partner', operation: 'create', then: { method: 'no_such_method' } } });
    await until(() => ok.length === 1 && err.length === 1, 'ok and error');
    const ids = ok[0].odoo.ids;
    expect(sandbox.store.read('res.partner', ids, ['name']).map((r) => r.name)).toEqual(['Then A', 'Then B']);
    expect(err[0].payload).toEqual({ ids });
    expect(err[0].odoo).toMatchObject({ model: 'res.partner', operation: 'call', method: 'no_such_method' });
    expect(err[0].error).toMatchObject({ code: 'UNKNOWN_METHOD', transient: false });
  });

  it('po-ack updates the PO lines and notes it in the PO chatter', async () => {
    const poId = ids('purchase.order', [['state', '=', 'draft']])[0]!;
    const po = sandbox.store.read('purchase.order', [poId], ['name', 'partner_id', 'order_line'])[0]!;
    const supplier = sandbox.store.read('res.partner', [(po.partner_id as [number, string])[0]], ['ref'])[0]!;
    const [lineId] = po.order_line as number[];
    const { input, out } = await pipeline({ schema: 'po-ack@1' });
    input.receive({ payload: { poNumber: po.name, supplierCode: supplier.ref, acknowledgedAt: '2026-11-20T08:00:00Z', lines: [{ lineRef: String(lineId), status: 'changed', confirmedQty: 7, promisedDate: '2026-12-03' }] } });
    await until(() => out.written.length === 2, 'line write and chatter note');
    expect(sandbox.store.read('purchase.order.line', [lineId!], ['product_qty', 'date_planned'])[0]).toMatchObject({ product_qty: 7, date_planned: '2026-12-03 12:00:00' });
    const notes = sandbox.store.read('mail.message', ids('mail.message', [['model', '=', 'purchase.order'], ['res_id', '=', poId]]), ['body']);
    expect(notes.some((n) => String(n.body).includes('changed, 7 by 2026-12-03'))).toBe(true);
  });

  it('inventory-event: a count sets the on-hand quantity, an adjustment adds its delta', async () => {
    const product = ids('product.product', [['default_code', '=', 'PKG-BOX-M']])[0]!;
    const stock = 5;
    const before = sandbox.store.read('stock.quant', ids('stock.quant', [['product_id', '=', product], ['location_id', '=', stock]]), ['quantity']).reduce((n, q) => n + Number(q.quantity), 0);
    const { input, out } = await pipeline({ schema: 'inventory-event@1' });
    const ev = { site: 'WH', location: 'WH/Stock', internalRef: 'PKG-BOX-M', uom: 'Units', occurredAt: '2026-11-22T10:00:00Z' };
    input.receive({ payload: [{ ...ev, eventId: 'e1', kind: 'adjust', quantity: -25 }] });
    await until(() => out.written.length + out.failed.length + out.invalid.length >= 1, 'adjustment');
    expect([...out.failed, ...out.invalid].map((m) => m.error)).toEqual([]);
    const onHand = () => sandbox.store.read('stock.quant', ids('stock.quant', [['product_id', '=', product], ['location_id', '=', stock]]), ['quantity']).reduce((n, q) => n + Number(q.quantity), 0);
    expect(onHand()).toBe(before - 25);
    input.receive({ payload: { ...ev, eventId: 'e2', kind: 'count', quantity: 400 } });
    await until(() => out.written.length === 2, 'count');
    expect(onHand()).toBe(400);
    // stock moves in Odoo meanwhile (a receipt): the next adjustment builds on Odoo's quantity, not a cached one
    const quant = sandbox.store.search('stock.quant', [['product_id', '=', product], ['location_id', '=', stock]])[0]!;
    sandbox.store.write('stock.quant', [quant], { quantity: 450 });
    input.receive({ payload: { ...ev, eventId: 'e3', kind: 'adjust', quantity: 5 } });
    await until(() => out.written.length === 3, 'second adjustment');
    expect(onHand()).toBe(455);
  });
});
