import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { json2 } from './helpers';

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

describe('seed data', () => {
  it('has the distribution company with suppliers, products, prices, stock and orders', async () => {
    expect(await ok('res.partner', 'search_count', { domain: [['ref', '=like', 'SUP-%']] })).toBe(5);
    expect(await ok('product.product', 'search_count', { domain: [] })).toBe(20);
    expect(await ok('product.product', 'search_count', { domain: [['default_code', '!=', false]] })).toBe(20);
    // Dozens ships archived in Odoo 19, as on a fresh real database
    expect(await ok('uom.uom', 'search_read', { domain: [['id', 'in', [1, 3, 15, 16]]], fields: ['name', 'active'], order: 'id', context: { active_test: false } })).toEqual([
      { id: 1, name: 'Units', active: true },
      { id: 3, name: 'Dozens', active: false },
      { id: 15, name: 'g', active: true },
      { id: 16, name: 'kg', active: true },
    ]);
    expect(await ok('res.currency', 'search_read', { domain: [], fields: ['name'], order: 'name' })).toEqual([
      { id: 126, name: 'EUR' },
      { id: 1, name: 'USD' },
    ]);
    const locations = await ok('stock.location', 'search_read', { domain: [], fields: ['complete_name'] });
    expect(locations.map((l: any) => l.complete_name)).toEqual(
      expect.arrayContaining(['WH/Stock', 'WH/Stock/Shelf 1', 'WH/Stock/Shelf 2', 'Vendors']),
    );
    const orders = await ok('purchase.order', 'search_read', { domain: [], fields: ['state', 'picking_ids'], order: 'id' });
    expect(orders.map((o: any) => o.state)).toEqual(['draft', 'draft', 'purchase']);
    expect(orders[2].picking_ids).toHaveLength(1);
    expect(await ok('stock.warehouse', 'search_read', { domain: [], fields: ['code', 'lot_stock_id'] })).toEqual([
      { id: 1, code: 'WH', lot_stock_id: [5, 'WH/Stock'] },
    ]);
  });
});

describe('reads', () => {
  it('many2one as [id, display_name], x2many as ids, display_name field', async () => {
    const [p] = await ok('product.product', 'search_read', {
      domain: [['default_code', '=', 'FAS-BOLT-M8']],
      fields: ['display_name', 'uom_id', 'seller_ids', 'product_tmpl_id', 'categ_id', 'barcode', 'qty_available'],
    });
    expect(p.display_name).toBe('[FAS-BOLT-M8] Hex Bolt M8x40 (box of 100)');
    expect(p.uom_id).toEqual([1, 'Units']);
    expect(p.product_tmpl_id).toEqual([expect.any(Number), '[FAS-BOLT-M8] Hex Bolt M8x40 (box of 100)']);
    expect(p.seller_ids).toHaveLength(2);
    expect(p.qty_available).toBe(40);
    const sellers = await ok('product.supplierinfo', 'read', { ids: p.seller_ids, fields: ['display_name', 'partner_id', 'product_uom_id'] });
    expect(sellers[0].display_name).toMatch(/^Bolt & Nut Trading \(0\.0 Units - \$\u00a06\.20\)$/);
    const [contact] = await ok('res.partner', 'search_read', { domain: [['name', '=', 'Jane Doe']], fields: ['display_name', 'parent_id'] });
    expect(contact.display_name).toBe('Acme Industrial Supplies, Jane Doe');
    expect(contact.parent_id[1]).toBe('Acme Industrial Supplies');
  });

  it('read without fields returns every field, id first', async () => {
    const [uom] = await ok('uom.uom', 'read', { ids: [3] });
    expect(Object.keys(uom)[0]).toBe('id');
    expect(uom).toMatchObject({ id: 3, display_name: 'Dozens', name: 'Dozens', relative_factor: 12, relative_uom_id: [1, 'Units'], factor: 12, active: false });
    expect(uom.create_date).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('search_read with load=None gives bare many2one ids', async () => {
    const [row] = await ok('res.partner', 'search_read', { domain: [['id', '=', 3]], fields: ['company_id'], load: null });
    expect(row).toEqual({ id: 3, company_id: 1 });
  });
});

describe('paging and ordering', () => {
  it('limit/offset/order page without overlap', async () => {
    const all = await ok('product.product', 'search', { domain: [], order: 'id' });
    const pages: number[] = [];
    for (let offset = 0; offset < all.length; offset += 6) {
      pages.push(...(await ok('product.product', 'search', { domain: [], order: 'id', limit: 6, offset })));
    }
    expect(pages).toEqual(all);
    expect(await ok('product.product', 'search', { domain: [], limit: 0 })).toHaveLength(all.length);
  });

  it('default _order per model (product: default_code, name, id)', async () => {
    const rows = await ok('product.product', 'search_read', { domain: [], fields: ['default_code'], limit: 3 });
    expect(rows.map((r: any) => r.default_code)).toEqual(['ELC-CABLE-USBC', 'ELC-LED-STRIP', 'ELC-PSU-12V']);
  });

  it('multi-term order and many2one order by the comodel _order', async () => {
    const rows = await ok('product.supplierinfo', 'search_read', {
      domain: [],
      fields: ['partner_id', 'price'],
      order: 'partner_id desc, price asc',
      limit: 3,
    });
    expect(rows.map((r: any) => r.partner_id[1])).toEqual(['Nordic Timber AB', 'Nordic Timber AB', 'Nordic Timber AB']);
    expect(rows.map((r: any) => r.price)).toEqual([5.6, 19.5, 22.4]);
  });

  it('search_count and name_search', async () => {
    expect(await ok('res.partner', 'search_count', { domain: [['is_company', '=', true]], limit: 2 })).toBe(2);
    expect(await ok('product.product', 'name_search', { name: 'PKG-BOX-S' })).toEqual([[expect.any(Number), '[PKG-BOX-S] Cardboard Box Small']]);
    const boxes = await ok('product.product', 'name_search', { name: 'box', limit: 2 });
    expect(boxes.map((r: any) => r[1])).toEqual(['[PKG-BOX-L] Cardboard Box Large', '[PKG-BOX-M] Cardboard Box Medium']);
    expect(await ok('res.partner', 'name_search', { name: 'SUP-NORD' })).toEqual([[expect.any(Number), 'Nordic Timber AB']]);
  });
});

describe('writes and x2many commands', () => {
  it('creating a product.product creates its template; delegated fields write through', async () => {
    const [id] = await ok('product.product', 'create', { vals_list: [{ name: 'Pallet', default_code: 'PAL-1', list_price: 9, is_storable: true }] });
    const [p] = await ok('product.product', 'read', { ids: [id], fields: ['product_tmpl_id', 'name', 'type', 'uom_id', 'list_price', 'active'] });
    expect(p).toMatchObject({ name: 'Pallet', type: 'consu', uom_id: [1, 'Units'], list_price: 9, active: true });
    const [t] = await ok('product.template', 'read', { ids: [p.product_tmpl_id[0]], fields: ['name', 'default_code', 'product_variant_ids'] });
    expect(t).toMatchObject({ name: 'Pallet', default_code: 'PAL-1', product_variant_ids: [id] });
    await ok('product.product', 'write', { ids: [id], vals: { name: 'Euro Pallet', standard_price: 4.5 } });
    expect(sb.store.get('product.template', p.product_tmpl_id[0])?.name).toBe('Euro Pallet');
    await ok('product.template', 'write', { ids: [p.product_tmpl_id[0]], vals: { default_code: 'PAL-2' } });
    expect(sb.store.get('product.product', id)?.default_code).toBe('PAL-2');
  });

  it('one2many commands 0/1/2/3/4/5/6 on purchase order lines', async () => {
    const [bolt, nut, tape] = await ok('product.product', 'search', { domain: [['default_code', 'in', ['FAS-BOLT-M8', 'FAS-NUT-M8', 'PKG-TAPE-50']]], order: 'default_code' });
    const [po] = await ok('purchase.order', 'create', {
      vals_list: [{ partner_id: 8, order_line: [[0, 0, { product_id: bolt, product_qty: 5 }], [0, 0, { product_id: nut, product_qty: 7 }]] }],
    });
    const lines = async () => (await ok('purchase.order', 'read', { ids: [po], fields: ['order_line'] }))[0].order_line as number[];
    const [l1, l2] = await lines();
    await ok('purchase.order', 'write', { ids: [po], vals: { order_line: [[1, l1, { product_qty: 50 }], [0, 0, { product_id: tape, product_qty: 1 }]] } });
    expect(sb.store.get('purchase.order.line', l1)?.product_qty).toBe(50);
    expect(await lines()).toHaveLength(3);
    await ok('purchase.order', 'write', { ids: [po], vals: { order_line: [[2, l2]] } });
    expect(sb.store.get('purchase.order.line', l2)).toBeUndefined();
    // order_id is ondelete=cascade, so unlinking (3) a line deletes it too
    await ok('purchase.order', 'write', { ids: [po], vals: { order_line: [[3, l1]] } });
    expect(sb.store.get('purchase.order.line', l1)).toBeUndefined();
    await ok('purchase.order', 'write', { ids: [po], vals: { order_line: [[5]] } });
    expect(await lines()).toEqual([]);
  });

  it('many2many commands on partner tags', async () => {
    const [t1, t2, t3] = await ok('res.partner.category', 'create', { vals_list: [{ name: 'T1' }, { name: 'T2' }, { name: 'T3' }] });
    const [id] = await ok('res.partner', 'create', { vals_list: [{ name: 'Tagged', category_id: [[6, 0, [t1, t2]]] }] });
    const tags = async () => (await ok('res.partner', 'read', { ids: [id], fields: ['category_id'] }))[0].category_id;
    expect(await tags()).toEqual([t1, t2]);
    await ok('res.partner', 'write', { ids: [id], vals: { category_id: [[4, t3], [3, t1]] } });
    expect(await tags()).toEqual([t2, t3]);
    await ok('res.partner', 'write', { ids: [id], vals: { category_id: [[0, 0, { name: 'T4' }]] } });
    expect(await tags()).toHaveLength(3);
    await ok('res.partner', 'write', { ids: [id], vals: { category_id: [[5]] } });
    expect(await tags()).toEqual([]);
    await ok('res.partner', 'write', { ids: [id], vals: { category_id: [t1, t3] } });
    expect(await tags()).toEqual([t1, t3]);
    await ok('res.partner', 'write', { ids: [id], vals: { category_id: [[2, t1]] } });
    expect(sb.store.get('res.partner.category', t1)).toBeUndefined();
    expect(await tags()).toEqual([t3]);
  });

  it('archived children are hidden from one2many reads', async () => {
    const [parent] = await ok('res.partner', 'create', {
      vals_list: [{ name: 'Parent', is_company: true, child_ids: [[0, 0, { name: 'Live' }], [0, 0, { name: 'Gone', active: false }]] }],
    });
    const [row] = await ok('res.partner', 'read', { ids: [parent], fields: ['child_ids'] });
    expect(row.child_ids).toHaveLength(1);
  });

  it('a failing nested command rolls the whole write back', async () => {
    const before = sb.store.count('purchase.order.line');
    const res = await json2(sb, 'purchase.order', 'write', { ids: [1], vals: { partner_ref: 'CHANGED', order_line: [[0, 0, { product_id: 1, product_qty: 1 }], [0, 0, { bogus: 1 }]] } });
    expect(res.status).toBe(500);
    expect(sb.store.count('purchase.order.line')).toBe(before);
    expect(sb.store.get('purchase.order', 1)?.partner_ref).toBe(false);
  });
});

describe('metadata and grouping', () => {
  it('fields_get with attributes', async () => {
    const fg = await ok('product.supplierinfo', 'fields_get', { allfields: ['partner_id', 'product_uom_id', 'min_qty', 'nope'], attributes: ['type', 'string', 'required', 'relation', 'readonly'] });
    expect(fg).toEqual({
      partner_id: { readonly: false, relation: 'res.partner', required: true, string: 'Vendor', type: 'many2one' },
      product_uom_id: { readonly: false, relation: 'uom.uom', required: true, string: 'Unit', type: 'many2one' },
      min_qty: { readonly: false, required: true, string: 'Quantity', type: 'float' },
    });
    const all = await ok('purchase.order', 'fields_get', { attributes: ['type'] });
    expect(all.state).toEqual({ type: 'selection' });
    expect(all.order_line).toEqual({ type: 'one2many' });
  });

  it('formatted_read_group and read_group shapes', async () => {
    const groups = await ok('product.supplierinfo', 'formatted_read_group', { domain: [], groupby: ['partner_id'], aggregates: ['price:sum', '__count'] });
    expect(groups[0]).toEqual({
      partner_id: [expect.any(Number), 'Acme Industrial Supplies'],
      __extra_domain: [['partner_id', '=', groups[0].partner_id[0]]],
      'price:sum': expect.any(Number),
      __count: 7,
    });
    const legacy = await ok('product.supplierinfo', 'read_group', { domain: [['price', '>', 0]], fields: ['price:sum'], groupby: ['partner_id', 'currency_id'] });
    expect(Object.keys(legacy[0])).toEqual(['partner_id', 'partner_id_count', 'price', '__domain', '__context']);
    expect(legacy[0].__domain).toEqual(['&', ['price', '>', 0], ['partner_id', '=', legacy[0].partner_id[0]]]);
    expect(legacy[0].__context).toEqual({ group_by: ['currency_id'] });
    const bad = await json2(sb, 'product.supplierinfo', 'formatted_read_group', { domain: [], groupby: ['partner_id'], aggregates: ['price'] });
    expect(bad.json.message).toBe("Aggregate method is mandatory for 'price'");
    const dates = await ok('res.partner', 'formatted_read_group', { domain: [['id', '=', 3]], groupby: ['create_date:month'], aggregates: ['__count'] });
    expect(dates[0]['create_date:month']).toEqual([expect.stringMatching(/^\d{4}-\d\d-01 00:00:00$/), expect.stringMatching(/^[A-Z][a-z]+ \d{4}$/)]);
  });
});
