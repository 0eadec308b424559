/** The batching writer against the sandbox Odoo: what lands in Odoo when batches overlap or go wrong. */
import { OdooClient } from '../../lib/odoo/client';
import { OdooWriter } from '../../lib/odoo/writer';
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

describe('OdooWriter', () => {
  it('upsert: one key in two batches that flush at once still makes one record', async () => {
    const writer = new OdooWriter(client, { maxSize: 3, windowMs: 5 });
    const rows = ['DUPX', 'A1', 'A2', 'A3', 'DUPX', 'A4'].map((ref, i) => ({ ref: `W-${ref}`, name: `Partner ${ref} v${i}` }));
    const results = await Promise.all(rows.map((record) => writer.submit({ operation: 'upsert', model: 'res.partner', keyFields: ['ref'], record })));
    expect(sandbox.store.search('res.partner', [['ref', '=', 'W-DUPX']])).toHaveLength(1);
    expect(results[0]!.action).toBe('created');
    expect(results[4]!.action).toBe('updated');
    expect(sandbox.store.read('res.partner', sandbox.store.search('res.partner', [['ref', '=', 'W-DUPX']]), ['name'])[0]!.name).toBe('Partner DUPX v4');
  });

  it('upsert_xid: a record without a field does not blank that field', async () => {
    const writer = new OdooWriter(client, { maxSize: 50, windowMs: 10 });
    const [first] = await Promise.all([writer.submit({ operation: 'upsert_xid', model: 'product.product', record: { xid: '__import__.w_x1', name: 'X1', list_price: 10 } })]);
    await Promise.all([
      writer.submit({ operation: 'upsert_xid', model: 'product.product', record: { xid: '__import__.w_x1', name: 'X1 renamed' } }),
      writer.submit({ operation: 'upsert_xid', model: 'product.product', record: { xid: '__import__.w_x2', name: 'X2', list_price: 21 } }),
    ]);
    expect(sandbox.store.read('product.product', [first!.id as number], ['name', 'list_price'])[0]).toMatchObject({ name: 'X1 renamed', list_price: 10 });
  });

  it('create_missing: a document sent twice, in one batch or later, is created once and never changed', async () => {
    const writer = new OdooWriter(client, { maxSize: 50, windowMs: 10 });
    const partner = sandbox.store.search('res.partner', [['ref', '=', 'SUP-ACME']])[0];
    const product = sandbox.store.search('product.product', [])[0];
    const po = { partner_id: partner, origin: 'EXT-PO-1', order_line: [[0, 0, { product_id: product, product_qty: 3, price_unit: 1 }]] };
    const [a, b] = await Promise.all([0, 1].map(() => writer.submit({ operation: 'create_missing', model: 'purchase.order', keyFields: ['partner_id', 'origin'], record: po })));
    const c = await writer.submit({ operation: 'create_missing', model: 'purchase.order', keyFields: ['partner_id', 'origin'], record: po });
    expect([a!.action, b!.action, c.action]).toEqual(['created', 'unchanged', 'unchanged']);
    const ids = sandbox.store.search('purchase.order', [['origin', '=', 'EXT-PO-1']]);
    expect(ids).toEqual([a!.id]);
    expect(sandbox.store.search('purchase.order.line', [['order_id', '=', ids[0]]])).toHaveLength(1);
  });

  it('adjust_quant: deltas of overlapping messages all count', async () => {
    const writer = new OdooWriter(client, { maxSize: 50, windowMs: 5 });
    const product = sandbox.store.search('product.product', [['default_code', '=', 'PKG-BOX-L']])[0]!;
    const onHand = () => sandbox.store.read('stock.quant', sandbox.store.search('stock.quant', [['product_id', '=', product], ['location_id', '=', 5]]), ['quantity']).reduce((n, q) => n + Number(q.quantity), 0);
    const before = onHand();
    const first = writer.submit({ operation: 'adjust_quant', model: 'stock.quant', record: { product_id: product, location_id: 5, quantity: 5 } });
    await new Promise((r) => setTimeout(r, 10));
    const second = writer.submit({ operation: 'adjust_quant', model: 'stock.quant', record: { product_id: product, location_id: 5, quantity: 3 } });
    await Promise.all([first, second]);
    expect(onHand()).toBe(before + 8);
  });

  it('a wrong key fails a batch of 100 in one call, without splitting it 99 times', async () => {
    const bad = new OdooClient({ url: sandbox.url, database: sandbox.database, secret: 'wrong', protocol: 'json2' });
    const writer = new OdooWriter(bad, { maxSize: 100, windowMs: 5 });
    sandbox.resetStats();
    const settled = await Promise.allSettled(Array.from({ length: 100 }, (_x, i) => writer.submit({ operation: 'create', model: 'res.partner', record: { name: `n${i}` } })));
    expect(settled.every((s) => s.status === 'rejected' && s.reason.code === 'AUTH')).toBe(true);
    expect(writer.batchCalls).toBe(1);
    bad.close();
  });
});
