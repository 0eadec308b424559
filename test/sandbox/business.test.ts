import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { executeKwFault, json2 } from './helpers';

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());
beforeEach(() => sb.store.reset());

async function ok(model: string, method: string, body: unknown): Promise<any> {
  const res = await json2(sb, model, method, body);
  if (res.status !== 200) throw new Error(`${model}.${method}: ${res.status} ${res.text}`);
  return res.json;
}

const productId = (code: string) => sb.store.search('product.product', [['default_code', '=', code]])[0];

describe('purchase flow', () => {
  it('numbers orders, fills lines from the vendor price list, confirms into a receipt', async () => {
    const vendor = sb.store.search('res.partner', [['ref', '=', 'SUP-GLOB']])[0];
    const box = productId('PKG-BOX-M');
    const [po] = await ok('purchase.order', 'create', {
      vals_list: [{ partner_id: vendor, partner_ref: 'GP-77', date_order: '2026-03-02 08:00:00', order_line: [[0, 0, { product_id: box, product_qty: 200 }]] }],
    });
    const [order] = await ok('purchase.order', 'read', { ids: [po], fields: ['name', 'display_name', 'state', 'date_planned', 'amount_total', 'order_line'] });
    expect(order).toMatchObject({ name: 'P00004', display_name: 'P00004 (GP-77)', state: 'draft', date_planned: '2026-03-09 08:00:00', amount_total: 90 });
    const [line] = await ok('purchase.order.line', 'read', { ids: order.order_line, fields: ['name', 'price_unit', 'product_uom_id', 'date_planned', 'price_subtotal'] });
    expect(line).toMatchObject({ name: '[GP-BOX-M] Cardboard Box Medium', price_unit: 0.45, product_uom_id: [1, 'Units'], date_planned: '2026-03-09 08:00:00', price_subtotal: 90 });

    expect(await ok('purchase.order', 'button_confirm', { ids: [po] })).toBe(true);
    const [confirmed] = await ok('purchase.order', 'read', { ids: [po], fields: ['state', 'picking_ids', 'date_approve'] });
    expect(confirmed.state).toBe('purchase');
    expect(confirmed.picking_ids).toHaveLength(1);
    const [picking] = await ok('stock.picking', 'read', {
      ids: confirmed.picking_ids,
      fields: ['name', 'origin', 'state', 'partner_id', 'location_id', 'location_dest_id', 'move_ids', 'purchase_id', 'scheduled_date'],
    });
    expect(picking).toMatchObject({
      name: 'WH/IN/00002',
      origin: 'P00004',
      state: 'assigned',
      partner_id: [vendor, 'Global Packaging Ltd'],
      location_id: [1, 'Vendors'],
      location_dest_id: [5, 'WH/Stock'],
      purchase_id: [po, 'P00004 (GP-77)'],
    });
    const moves = await ok('stock.move', 'read', { ids: picking.move_ids, fields: ['product_id', 'product_uom_qty', 'quantity', 'state', 'purchase_line_id', 'picking_id', 'reference'] });
    expect(moves).toEqual([
      {
        id: picking.move_ids[0],
        product_id: [box, '[PKG-BOX-M] Cardboard Box Medium'],
        product_uom_qty: 200,
        quantity: 200,
        state: 'assigned',
        purchase_line_id: [order.order_line[0], '[GP-BOX-M] Cardboard Box Medium'],
        picking_id: [picking.id, 'WH/IN/00002'],
        reference: 'WH/IN/00002',
      },
    ]);
    // confirming again is a no-op
    expect(await ok('purchase.order', 'button_confirm', { ids: [po] })).toBe(true);
    expect(sb.store.count('stock.picking', [['origin', '=', 'P00004']])).toBe(1);

    // receiving the goods moves stock and updates received quantities
    const before = sb.store.read('product.product', box, ['qty_available'])[0].qty_available as number;
    expect(await ok('stock.picking', 'button_validate', { ids: [picking.id] })).toBe(true);
    expect(sb.store.get('stock.picking', picking.id)).toMatchObject({ state: 'done', date_done: expect.any(String) });
    expect(sb.store.read('product.product', box, ['qty_available'])[0].qty_available).toBe(before + 200);
    expect(sb.store.get('purchase.order.line', order.order_line[0])?.qty_received).toBe(200);
  });

  it('action_confirm does not exist on purchase.order in 19', async () => {
    const res = await json2(sb, 'purchase.order', 'action_confirm', { ids: [1] });
    expect(res.status).toBe(404);
  });

  it('a line without product blocks confirmation', async () => {
    const [po] = await ok('purchase.order', 'create', { vals_list: [{ partner_id: 8, order_line: [[0, 0, { name: 'free text', product_qty: 1, price_unit: 2 }]] }] });
    const res = await json2(sb, 'purchase.order', 'button_confirm', { ids: [po] });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe('Some order lines are missing a product, you need to correct them before going further.');
  });

  it('cancel returns null, cancels the receipt, and allows deletion', async () => {
    expect(await ok('purchase.order', 'button_cancel', { ids: [3] })).toBeNull();
    const picking = sb.store.search('stock.picking', [['origin', '=', 'P00003']])[0];
    expect(sb.store.get('stock.picking', picking)?.state).toBe('cancel');
    expect(await ok('purchase.order', 'unlink', { ids: [3] })).toBe(true);
    expect(await ok('stock.picking', 'unlink', { ids: [picking] })).toBe(true);
    expect(sb.store.count('stock.move', [['picking_id', '=', picking]])).toBe(0);
  });

  it('message_post creates an escaped mail.message and returns its id list', async () => {
    const [msgId] = await ok('purchase.order', 'message_post', { ids: [1], body: 'ASN received <ref 42>', message_type: 'comment', subtype_xmlid: 'mail.mt_comment' });
    expect(sb.store.read('mail.message', msgId, ['model', 'res_id', 'body', 'message_type', 'subtype_id', 'author_id', 'record_name'])[0]).toEqual({
      id: msgId,
      model: 'purchase.order',
      res_id: 1,
      body: '<p>ASN received &lt;ref 42&gt;</p>',
      message_type: 'comment',
      subtype_id: [1, 'Discussions'],
      author_id: [3, 'Administrator'],
      record_name: 'P00001',
    });
    const html = await ok('res.partner', 'message_post', { ids: [7], body: '<b>bold</b>', body_is_html: true });
    expect(sb.store.get('mail.message', html[0])?.body).toBe('<b>bold</b>');
    const multi = await json2(sb, 'res.partner', 'message_post', { ids: [7, 8], body: 'x' });
    expect(multi.json).toMatchObject({ name: 'builtins.ValueError', message: 'Expected singleton: res.partner(7, 8)' });
  });
});

describe('inventory counts', () => {
  it('inventory_quantity + action_apply_inventory sets the quantity and books the difference', async () => {
    const drill = productId('TLS-DRILL-18V');
    const [quant] = sb.store.search('stock.quant', [['product_id', '=', drill], ['location_id', '=', 5]]);
    expect(await ok('stock.quant', 'write', { ids: [quant], vals: { inventory_quantity: 11 } })).toBe(true);
    expect(sb.store.read('stock.quant', quant, ['quantity', 'inventory_quantity', 'inventory_quantity_set', 'inventory_diff_quantity'])[0]).toMatchObject({
      quantity: 8,
      inventory_quantity: 11,
      inventory_quantity_set: true,
      inventory_diff_quantity: 3,
    });
    const res = await json2(sb, 'stock.quant', 'action_apply_inventory', { ids: [quant] });
    expect(res.status).toBe(200);
    expect(res.text).toBe('null');
    expect(sb.store.read('stock.quant', quant, ['quantity', 'inventory_quantity', 'inventory_quantity_set'])[0]).toMatchObject({
      quantity: 11,
      inventory_quantity: 0,
      inventory_quantity_set: false,
    });
    const [move] = sb.store.read('stock.move', sb.store.search('stock.move', [['product_id', '=', drill], ['is_inventory', '=', true]]), ['state', 'quantity', 'reference', 'location_id', 'location_dest_id']);
    expect(move).toMatchObject({ state: 'done', quantity: 3, reference: 'Product Quantity Updated (Administrator)', location_id: [11, 'Inventory adjustment'], location_dest_id: [5, 'WH/Stock'] });
    expect(sb.store.read('product.product', drill, ['qty_available'])[0].qty_available).toBe(11);
  });

  it('inventory_mode create reuses the existing quant; plain create makes a second one', async () => {
    const drill = productId('TLS-DRILL-18V');
    const [existing] = sb.store.search('stock.quant', [['product_id', '=', drill], ['location_id', '=', 5]]);
    expect(await ok('stock.quant', 'create', { vals_list: [{ product_id: drill, location_id: 5, inventory_quantity: 20 }], context: { inventory_mode: true } })).toEqual([existing]);
    const restricted = await json2(sb, 'stock.quant', 'create', { vals_list: [{ product_id: drill, location_id: 5, quantity: 3 }], context: { inventory_mode: true } });
    expect(restricted.json).toMatchObject({ name: 'odoo.exceptions.UserError', message: "Quant's creation is restricted, you can't do this operation." });
    const [other] = await ok('stock.quant', 'create', { vals_list: [{ product_id: drill, location_id: 5, inventory_quantity: 4 }] });
    expect(other).not.toBe(existing);
  });

  it('quants need a storable product and a non-view location', async () => {
    const freight = productId('SRV-FREIGHT');
    const res = await json2(sb, 'stock.quant', 'create', { vals_list: [{ product_id: freight, location_id: 5, inventory_quantity: 1 }] });
    expect(res.json).toMatchObject({ name: 'odoo.exceptions.ValidationError', message: 'Quants cannot be created for consumables or services.' });
    const view = await json2(sb, 'stock.quant', 'create', { vals_list: [{ product_id: productId('TLS-DRILL-18V'), location_id: 4, inventory_quantity: 1 }] });
    expect(view.json.message).toBe('You cannot take products from or deliver products to a location of type "view" (WH).');
  });

  it('over XML-RPC, apply_inventory faults on its None result but still applies', async () => {
    const drill = productId('TLS-DRILL-18V');
    const [quant] = sb.store.search('stock.quant', [['product_id', '=', drill], ['location_id', '=', 5]]);
    sb.store.write('stock.quant', quant, { inventory_quantity: 2 });
    const fault = await executeKwFault(sb, 'stock.quant', 'action_apply_inventory', [[quant]]);
    expect(fault.faultString).toContain('TypeError: cannot marshal None unless allow_none is enabled');
    expect(sb.store.get('stock.quant', quant)?.quantity).toBe(2);
  });
});
