import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { executeKw, json2 } from './helpers';

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());
beforeEach(() => sb.store.reset());

async function load(model: string, fields: string[], data: string[][]): Promise<any> {
  const res = await json2(sb, model, 'load', { fields, data });
  expect(res.status).toBe(200);
  return res.json;
}

describe('load (bulk import)', () => {
  it('creates records, registers external ids, and updates them on a second load', async () => {
    const first = await load('product.product', ['id', 'name', 'default_code', 'list_price', 'is_storable'], [
      ['sku_100', 'Corner Bracket', 'BRK-100', '2.50', '1'],
      ['__import__.sku_101', 'Shelf Pin', 'PIN-101', '0.10', 'yes'],
    ]);
    expect(first).toEqual({ ids: [expect.any(Number), expect.any(Number)], messages: [], nextrow: 0 });
    expect(sb.store.xmlid('__import__.sku_100')).toEqual({ model: 'product.product', id: first.ids[0] });
    const second = await load('product.product', ['id', 'list_price'], [['sku_100', '2.75']]);
    expect(second.ids).toEqual([first.ids[0]]);
    expect(sb.store.read('product.product', first.ids[0], ['list_price', 'name'])[0]).toMatchObject({ list_price: 2.75, name: 'Corner Bracket' });
    const imd = await json2(sb, 'ir.model.data', 'search_read', { domain: [['name', '=like', 'sku_%']], fields: ['module', 'name', 'model', 'res_id'], order: 'name' });
    expect(imd.json.map((r: any) => [r.module, r.name, r.model])).toEqual([
      ['__import__', 'sku_100', 'product.product'],
      ['__import__', 'sku_101', 'product.product'],
    ]);
  });

  it('resolves many2one columns by name, external id (/id) and database id (/.id)', async () => {
    const acme = sb.store.search('res.partner', [['ref', '=', 'SUP-ACME']])[0];
    const tmpl = sb.store.get('product.product', sb.store.search('product.product', [['default_code', '=', 'PKG-BOX-M']])[0])!.product_tmpl_id as number;
    const res = await load('product.supplierinfo', ['partner_id', 'product_tmpl_id/.id', 'price', 'min_qty', 'date_start'], [
      ['Acme Industrial Supplies', String(tmpl), '0.44', '500', '2026-01-01'],
    ]);
    expect(res.messages).toEqual([]);
    expect(sb.store.get('product.supplierinfo', res.ids[0])).toMatchObject({ partner_id: acme, product_tmpl_id: tmpl, price: 0.44, min_qty: 500, date_start: '2026-01-01' });
    const byXmlid = await load('product.supplierinfo', ['partner_id/id', 'product_tmpl_id/.id', 'price'], [['sandbox_demo.partner_acme', String(tmpl), '0.43']]);
    expect(sb.store.get('product.supplierinfo', byXmlid.ids[0])?.partner_id).toBe(acme);
  });

  it('an error row means ids=false, messages with 0-based rows, and nothing saved', async () => {
    const before = sb.store.count('res.partner');
    const res = await load('res.partner', ['name', 'is_company'], [
      ['Good Row', '0'],
      ['Bad Bool', 'maybe'],
    ]);
    expect(res).toEqual({
      ids: false,
      messages: [
        {
          rows: { from: 1, to: 1 },
          type: 'error',
          record: 1,
          field: 'is_company',
          message: "Unknown value 'maybe' for boolean field 'Is a Company'",
          moreinfo: "Use '1' for yes and '0' for no",
          field_name: 'Is a Company',
        },
      ],
      nextrow: 0,
    });
    expect(sb.store.count('res.partner')).toBe(before);
  });

  it('reports unresolved references and the resulting missing required value', async () => {
    const res = await load('product.supplierinfo', ['partner_id', 'product_tmpl_id', 'price'], [['Nobody Inc', 'Cardboard Box Small', '3.5']]);
    expect(res.ids).toBe(false);
    expect(res.messages).toEqual([
      {
        rows: { from: 0, to: 0 },
        type: 'error',
        record: 0,
        field: 'partner_id',
        message: "No matching record found for name 'Nobody Inc' in field 'Vendor'",
        moreinfo: {
          name: 'Possible Values',
          type: 'ir.actions.act_window',
          target: 'new',
          view_mode: 'list,form',
          views: [
            [false, 'list'],
            [false, 'form'],
          ],
          context: { create: false },
          help: 'See all possible values',
          res_model: 'res.partner',
        },
        field_name: 'Vendor',
      },
      {
        rows: { from: 0, to: 0 },
        record: 0,
        type: 'error',
        message:
          "Missing required value for the field 'Vendor' (partner_id).\nModel: 'Supplier Pricelist' (product.supplierinfo)\n" +
          '- create/update: a mandatory field is not set\n- delete: another model requires the record being deleted, you can archive it instead\n',
        field: 'partner_id',
      },
    ]);
    const ext = await load('res.partner', ['name', 'parent_id/id'], [['Orphan', 'nope_xx']]);
    expect(ext.messages[0].message).toBe("No matching record found for external id 'nope_xx' in field 'Related Company'");
    expect(ext.messages[0].moreinfo).toMatchObject({ res_model: 'ir.model.data', domain: [['model', '=', 'res.partner']] });
  });

  it('type errors name the field label; delegated required fields say "Model: Unknown"', async () => {
    const float = await load('product.product', ['name', 'list_price'], [['X', 'abc']]);
    expect(float.messages[0]).toMatchObject({ field: 'list_price', message: "'abc' does not seem to be a number for field 'Sales Price'" });
    const sel = await load('res.partner', ['name', 'type'], [['X', 'Nope']]);
    expect(sel.messages[0]).toMatchObject({ message: "Value 'Nope' not found in selection field 'Address Type'", moreinfo: ['Contact', 'Invoice', 'Delivery', 'Other'] });
    const noName = await load('product.product', ['default_code'], [['ZZP7']]);
    expect(noName.messages).toEqual([
      {
        rows: { from: 0, to: 0 },
        record: 0,
        type: 'error',
        message:
          "Missing required value for the field 'Name' (name).\nModel: Unknown\n- create/update: a mandatory field is not set\n- delete: another model requires the record being deleted, you can archive it instead\n",
      },
    ]);
    const partner = await load('res.partner', ['name', 'ref'], [['A ok', 'r1'], ['', 'r2']]);
    expect(partner.messages).toEqual([{ rows: { from: 1, to: 1 }, record: 1, type: 'error', message: 'Contacts require a name' }]);
  });

  it('an unknown column is a ValueError, not a message', async () => {
    const res = await json2(sb, 'res.partner', 'load', { fields: ['name', 'bogus'], data: [['x', 'y']] });
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ name: 'builtins.ValueError', message: "Invalid field name 'bogus'" });
  });

  it('one2many sub-columns: following rows with empty main columns add lines', async () => {
    const res = await load('purchase.order', ['id', 'partner_id', 'order_line/product_id', 'order_line/product_qty'], [
      ['po_imp_1', 'Bolt & Nut Trading', '[FAS-BOLT-M8] Hex Bolt M8x40 (box of 100)', '3'],
      ['', '', '[FAS-NUT-M8] Hex Nut M8 (box of 100)', '4'],
    ]);
    expect(res.messages).toEqual([]);
    const [po] = sb.store.read('purchase.order', res.ids, ['order_line', 'name']);
    expect(po.order_line).toHaveLength(2);
  });

  it('works over XML-RPC too', async () => {
    const res = await executeKw(sb, 'res.partner', 'load', [['name', 'ref'], [['XR Import', 'XRI-1']]]);
    expect(res).toEqual({ ids: [expect.any(Number)], messages: [], nextrow: 0 });
  });
});
