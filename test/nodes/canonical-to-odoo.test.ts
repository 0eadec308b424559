/**
 * canonical → Odoo through canonical-map and odoo-write, against the sandbox:
 * lines named only by the supplier's product code, units under a translated
 * context language, and date-only values on Odoo datetime fields.
 */
import type { Sandbox } from '../../sandbox/odoo/server';
import { helper, odooNodes, until, withSandboxAndRuntime } from '../helpers/red';
import canonicalMapNode = require('../../nodes/canonical-map/canonical-map');

const ctx = withSandboxAndRuntime();
let sandbox: Sandbox;
beforeAll(() => {
  sandbox = ctx.sandbox;
});

interface Out {
  invalid: any[];
  written: any[];
  failed: any[];
}

/** canonical-map (to-odoo) → odoo-write (operation from msg), the server with this context */
async function pipeline(schema: string, context?: Record<string, unknown>, protocol: 'json2' | 'xmlrpc' = 'json2'): Promise<{ input: any; out: Out }> {
  const flow = [
    { id: 'cfg', type: 'odoo-config', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol, timeout: 10, ...(context ? { context: JSON.stringify(context) } : {}) },
    { id: 'cm', type: 'canonical-map', direction: 'to-odoo', server: 'cfg', schema, cacheTtl: 60, wires: [['w'], ['invalid']] },
    { id: 'w', type: 'odoo-write', server: 'cfg', operation: 'msg', batchWindow: 5, wires: [['written'], ['failed']] },
    { id: 'invalid', type: 'helper' },
    { id: 'written', type: 'helper' },
    { id: 'failed', type: 'helper' },
  ];
  await helper.load([...odooNodes, canonicalMapNode] as any, flow, { cfg: { secret: sandbox.apiKey } });
  const out: Out = { invalid: [], written: [], failed: [] };
  for (const k of Object.keys(out) as Array<keyof Out>) helper.getNode(k).on('input', (m: any) => out[k].push(m));
  return { input: helper.getNode('cm'), out };
}

const problems = (out: Out) => [...out.invalid, ...out.failed].map((m) => m.error?.message);
const search = (model: string, domain: unknown[]) => sandbox.store.search(model, domain);
const read = (model: string, ids: number[], fields: string[]) => sandbox.store.read(model, ids, fields);

/** The seeded confirmed order of SUP-EURO: USB-C cables (vendor code EE-USBC-1) and 12 V supplies (EE-PSU12-2). */
function euroOrder() {
  const euro = search('res.partner', [['ref', '=', 'SUP-EURO']])[0]!;
  const poId = search('purchase.order', [['partner_id', '=', euro], ['state', '=', 'purchase']])[0]!;
  const po = read('purchase.order', [poId], ['name', 'order_line', 'picking_ids'])[0]!;
  const lines = read('purchase.order.line', po.order_line as number[], ['product_id', 'product_qty']);
  const cable = search('product.product', [['default_code', '=', 'ELC-CABLE-USBC']])[0]!;
  const cableLine = lines.find((l) => (l.product_id as [number, string])[0] === cable)!;
  return { poId, name: String(po.name), cableLine: cableLine.id as number, cable, pickings: po.picking_ids as number[] };
}

describe('lines named only by the supplier product code (vendor price product_code)', () => {
  it('po-ack: the line is found through the supplier\'s vendor prices, as with internalRef', async () => {
    const po = euroOrder();
    const { input, out } = await pipeline('po-ack@1');
    input.receive({ payload: { poNumber: po.name, supplierCode: 'SUP-EURO', acknowledgedAt: '2026-11-20T08:00:00Z', lines: [{ supplierProductCode: 'EE-USBC-1', status: 'changed', confirmedQty: 90, uom: 'Units' }] } });
    await until(() => out.written.length === 2 || out.invalid.length + out.failed.length > 0, 'ack applied');
    expect(problems(out)).toEqual([]);
    expect(read('purchase.order.line', [po.cableLine], ['product_qty'])[0]!.product_qty).toBe(90);
  });

  it('po-ack: a code that is not in this supplier\'s vendor prices is named', async () => {
    const po = euroOrder();
    const { input, out } = await pipeline('po-ack@1');
    // AC-M8-40 is a vendor code of another supplier (SUP-ACME)
    input.receive({ payload: { poNumber: po.name, supplierCode: 'SUP-EURO', acknowledgedAt: '2026-11-20T08:00:00Z', lines: [{ supplierProductCode: 'AC-M8-40', status: 'accepted', confirmedQty: 1 }] } });
    await until(() => out.invalid.length === 1, 'refused');
    expect(out.invalid[0].error.message).toMatch(/supplier product code "AC-M8-40" is not in this supplier's vendor prices/);
    expect(out.written).toEqual([]);
  });

  it('shipment-notice: move quantities by supplier product code', async () => {
    const po = euroOrder();
    const { input, out } = await pipeline('shipment-notice@1');
    input.receive({ payload: { asnNumber: 'ZZT-ASN-SPC', poNumber: po.name, supplierCode: 'SUP-EURO', shipDate: '2026-11-25', lines: [{ supplierProductCode: 'EE-USBC-1', quantity: 40, uom: 'Units' }] } });
    await until(() => out.written.length === 3 || out.invalid.length + out.failed.length > 0, 'notice applied');
    expect(problems(out)).toEqual([]);
    const moves = read('stock.move', search('stock.move', [['purchase_line_id', '=', po.cableLine], ['picking_id', 'in', po.pickings]]), ['quantity']);
    expect(moves.map((m) => m.quantity)).toEqual([40]);
  });

  it('supplier-invoice: the bill line links to the PO line found by supplier product code', async () => {
    const po = euroOrder();
    const { input, out } = await pipeline('supplier-invoice@1');
    input.receive({ payload: { number: 'ZZT-INV-SPC', supplierCode: 'SUP-EURO', poNumber: po.name, invoiceDate: '2026-11-30', currency: 'EUR', lines: [{ supplierProductCode: 'EE-USBC-1', quantity: 40, unitPrice: 2.05, lineTotal: 82 }], totals: { untaxed: 82, tax: 0, total: 82 } } });
    await until(() => out.written.length === 1 || out.invalid.length + out.failed.length > 0, 'bill created');
    expect(problems(out)).toEqual([]);
    const bill = search('account.move', [['ref', '=', 'ZZT-INV-SPC']]);
    expect(bill).toHaveLength(1);
    const billLines = read('account.move.line', search('account.move.line', [['move_id', '=', bill[0]!]]), ['purchase_line_id', 'product_id']);
    expect(billLines.map((l) => [(l.purchase_line_id as [number, string])[0], (l.product_id as [number, string])[0]])).toEqual([[po.cableLine, po.cable]]);
  });
});

describe('units under a translated context ({"lang": "fr_FR"}: "Units" reads "Unités")', () => {
  it('supplier-price: the unit is found by its canonical (English) name', async () => {
    const { input, out } = await pipeline('supplier-price@1', { lang: 'fr_FR' });
    input.receive({ payload: { supplierCode: 'SUP-GLOB', supplierProductCode: 'ZZT-GP-FR', internalRef: 'PKG-BOX-S', price: 0.31, currency: 'USD', minQty: 1000, uom: 'Units', leadTimeDays: 6 } });
    await until(() => out.written.length === 1 || out.invalid.length + out.failed.length > 0, 'price written');
    expect(problems(out)).toEqual([]);
    expect(read('product.supplierinfo', search('product.supplierinfo', [['product_code', '=', 'ZZT-GP-FR']]), ['product_uom_id'])[0]!.product_uom_id).toEqual([1, 'Units']);
  });

  it('po-ack: a line in the order line\'s unit is not refused because Odoo names it in French', async () => {
    const po = euroOrder();
    const { input, out } = await pipeline('po-ack@1', { lang: 'fr_FR' });
    input.receive({ payload: { poNumber: po.name, supplierCode: 'SUP-EURO', acknowledgedAt: '2026-11-20T08:00:00Z', lines: [{ lineRef: String(po.cableLine), status: 'accepted', confirmedQty: 95, uom: 'Units' }] } });
    await until(() => out.written.length === 2 || out.invalid.length + out.failed.length > 0, 'ack applied');
    expect(problems(out)).toEqual([]);
    expect(read('purchase.order.line', [po.cableLine], ['product_qty'])[0]!.product_qty).toBe(95);
  });

  it('po-ack: another unit is still refused, naming both', async () => {
    const po = euroOrder();
    const { input, out } = await pipeline('po-ack@1', { lang: 'fr_FR' });
    input.receive({ payload: { poNumber: po.name, supplierCode: 'SUP-EURO', acknowledgedAt: '2026-11-20T08:00:00Z', lines: [{ lineRef: String(po.cableLine), status: 'accepted', confirmedQty: 8, uom: 'Dozens' }] } });
    await until(() => out.invalid.length === 1, 'refused');
    expect(out.invalid[0].error.message).toMatch(/unit "Dozens" differs from the order line's unit "Unités"/);
  });

  it('inventory-event: an adjustment in the product\'s unit applies', async () => {
    const product = search('product.product', [['default_code', '=', 'PKG-BOX-S']])[0]!;
    const onHand = () => read('stock.quant', search('stock.quant', [['product_id', '=', product], ['location_id', '=', 5]]), ['quantity']).reduce((n, q) => n + Number(q.quantity), 0);
    const before = onHand();
    const { input, out } = await pipeline('inventory-event@1', { lang: 'fr_FR' });
    input.receive({ payload: { eventId: 'zzt-fr-1', kind: 'adjust', site: 'WH', location: 'WH/Stock', internalRef: 'PKG-BOX-S', quantity: 7, uom: 'Units', occurredAt: '2026-11-22T10:00:00Z' } });
    await until(() => out.written.length === 1 || out.invalid.length + out.failed.length > 0, 'adjusted');
    expect(problems(out)).toEqual([]);
    expect(onHand()).toBe(before + 7);
  });
});

describe('date-only values on Odoo datetime fields', () => {
  /** The calendar day a UTC datetime from Odoo falls on in a time zone. */
  const dayIn = (utc: string, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(`${utc.replace(' ', 'T')}Z`));

  it.each(['America/Los_Angeles', 'Pacific/Honolulu', 'Europe/Paris', 'Asia/Tokyo', 'Pacific/Auckland'])('a promised date lands on that day in %s (the context tz)', async (tz) => {
    const po = euroOrder();
    const { input, out } = await pipeline('po-ack@1', { tz });
    input.receive({ payload: { poNumber: po.name, supplierCode: 'SUP-EURO', acknowledgedAt: '2026-11-20T08:00:00Z', lines: [{ lineRef: String(po.cableLine), status: 'accepted', confirmedQty: 100, promisedDate: '2026-12-03' }] } });
    await until(() => out.written.length === 2 || out.invalid.length + out.failed.length > 0, 'ack applied');
    expect(problems(out)).toEqual([]);
    const planned = String(read('purchase.order.line', [po.cableLine], ['date_planned'])[0]!.date_planned);
    expect(dayIn(planned, tz)).toBe('2026-12-03');
  });

  it('without a tz, noon UTC: the same day from UTC-11 to UTC+11', async () => {
    const po = euroOrder();
    const { input, out } = await pipeline('shipment-notice@1');
    input.receive({ payload: { asnNumber: 'ZZT-ASN-DATE', poNumber: po.name, supplierCode: 'SUP-EURO', shipDate: '2026-11-25', expectedArrival: '2026-11-28', lines: [{ lineRef: String(po.cableLine), quantity: 10, uom: 'Units' }] } });
    await until(() => out.written.length === 3 || out.invalid.length + out.failed.length > 0, 'notice applied');
    expect(problems(out)).toEqual([]);
    const open = read('stock.picking', po.pickings, ['scheduled_date', 'state']).filter((p) => p.state !== 'done' && p.state !== 'cancel');
    expect(open.map((p) => p.scheduled_date)).toEqual(open.map(() => '2026-11-28 12:00:00'));
    for (const tz of ['America/Los_Angeles', 'Asia/Tokyo']) expect(dayIn('2026-11-28 12:00:00', tz)).toBe('2026-11-28');
  });
});

describe('the original file (msg.original) on the plan', () => {
  it('po-ack: only the note on the order carries the file on; the line write does not; odoo-write without Audit attaches nothing', async () => {
    const po = euroOrder();
    const { input, out } = await pipeline('po-ack@1');
    const original = { name: 'ack-77.json', data: Buffer.from('{"ack":77}') };
    input.receive({ payload: { poNumber: po.name, supplierCode: 'SUP-EURO', acknowledgedAt: '2026-11-21T08:00:00Z', supplierReference: 'ACK-77', lines: [{ supplierProductCode: 'EE-USBC-1', status: 'accepted', confirmedQty: 90, uom: 'Units' }] }, original, correlationId: 'corr-77' });
    await until(() => out.written.length === 2 || out.invalid.length + out.failed.length > 0, 'ack applied');
    expect(problems(out)).toEqual([]);
    const note = out.written.find((m) => m.odoo.operation === 'note');
    const lineWrite = out.written.find((m) => m.odoo.operation === 'write');
    expect(note).toMatchObject({ odoo: { model: 'purchase.order' }, original: { name: 'ack-77.json' }, correlationId: 'corr-77' });
    expect(lineWrite).toMatchObject({ odoo: { model: 'purchase.order.line' }, correlationId: 'corr-77' });
    expect(lineWrite.original).toBeUndefined();
    // the note names the correlation id; this odoo-write has Audit off: no file on the order
    const bodies = read('mail.message', search('mail.message', [['model', '=', 'purchase.order'], ['res_id', '=', po.poId]]), ['body']).map((m) => String(m.body));
    expect(bodies.find((b) => b.includes('ACK-77'))).toContain('Correlation id: corr-77');
    expect(search('ir.attachment', [['res_model', '=', 'purchase.order'], ['res_id', '=', po.poId]])).toEqual([]);
  });
});
