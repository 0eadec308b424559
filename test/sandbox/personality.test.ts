// The sandbox's 17.0 personality, where it differs from 19.0, with the answers
// a real Odoo 17.0 community server gives (XML-RPC, 17.0-20240709).
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { executeKw, executeKwFault, xmlrpcCall } from './helpers';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ serverVersion: '17.0' });
});
afterAll(() => sb.close());
beforeEach(() => sb.store.reset());

const lastLine = (f: { faultString: string }) => f.faultString.trim().split('\n').pop();

describe('sandbox as Odoo 17.0', () => {
  it('reports 17.0 over XML-RPC', async () => {
    expect(await xmlrpcCall(sb, 'common', 'version', [])).toMatchObject({ server_version: '17.0', server_version_info: [17, 0, 0, 'final', 0, ''] });
  });

  it("name_search takes args, not domain", async () => {
    expect(await executeKw(sb, 'res.partner', 'name_search', [], { name: 'SUP-NORD', args: [] })).toEqual([[expect.any(Number), 'Nordic Timber AB']]);
    expect(lastLine(await executeKwFault(sb, 'res.partner', 'name_search', [], { name: 'x', domain: [] }))).toBe("TypeError: BaseModel.name_search() got an unexpected keyword argument 'domain'");
  });

  it('has read_group, not formatted_read_group', async () => {
    const groups = await executeKw(sb, 'res.partner', 'read_group', [[['is_company', '=', true]], [], ['is_company']], { lazy: false });
    expect(groups[0]).toMatchObject({ is_company: true, __count: expect.any(Number) });
    expect(lastLine(await executeKwFault(sb, 'res.partner', 'formatted_read_group', [], { domain: [], groupby: ['is_company'] }))).toBe(
      "AttributeError: The method 'formatted_read_group' does not exist on the model 'res.partner'",
    );
  });

  it('storable products are detailed_type "product" (type follows); is_storable does not exist', async () => {
    const [id] = await executeKw(sb, 'product.product', 'create', [[{ name: 'Pallet', default_code: 'PAL-17', detailed_type: 'product' }]]);
    expect((await executeKw(sb, 'product.product', 'read', [[id], ['type', 'detailed_type', 'uom_id', 'uom_po_id']]))[0]).toMatchObject({ type: 'product', detailed_type: 'product', uom_po_id: [1, 'Units'] });
    expect(lastLine(await executeKwFault(sb, 'product.product', 'create', [[{ name: 'x', is_storable: true }]]))).toBe("ValueError: Invalid field 'is_storable' on model 'product.product'");
  });

  it('purchase lines carry product_uom; a vendor price shows the product purchase unit, read-only', async () => {
    const [partner] = await executeKw(sb, 'res.partner', 'search', [[['ref', '=', 'SUP-NORD']]]);
    const [product] = await executeKw(sb, 'product.product', 'search', [[['detailed_type', '=', 'product']]], { limit: 1 });
    const [po] = await executeKw(sb, 'purchase.order', 'create', [[{ partner_id: partner, order_line: [[0, 0, { product_id: product, product_qty: 2 }]] }]]);
    const [order] = await executeKw(sb, 'purchase.order', 'read', [[po], ['order_line']]);
    expect((await executeKw(sb, 'purchase.order.line', 'read', [order.order_line, ['product_uom']]))[0].product_uom).toEqual([1, 'Units']);
    expect(lastLine(await executeKwFault(sb, 'purchase.order.line', 'read', [order.order_line, ['product_uom_id']]))).toMatch(/Invalid field 'product_uom_id'/);
    const fields = await executeKw(sb, 'product.supplierinfo', 'fields_get', [['product_uom', 'product_uom_id']], { attributes: ['readonly', 'required'] });
    expect(fields).toEqual({ product_uom: { readonly: true, required: false } });
  });

  it("purchase.order.line's write takes values, not vals (Odoo 17's override)", async () => {
    const lines = await executeKw(sb, 'purchase.order.line', 'search', [[]], { limit: 1 });
    expect(lastLine(await executeKwFault(sb, 'purchase.order.line', 'write', [lines], { vals: { product_qty: 3 } }))).toBe("TypeError: PurchaseOrderLine.write() got an unexpected keyword argument 'vals'");
    expect(await executeKw(sb, 'purchase.order.line', 'write', [lines, { product_qty: 3 }])).toBe(true);
  });

  it('a storable product on a confirmed order gets a receipt', async () => {
    const [partner] = await executeKw(sb, 'res.partner', 'search', [[['ref', '=', 'SUP-NORD']]]);
    const [product] = await executeKw(sb, 'product.product', 'search', [[['detailed_type', '=', 'product']]], { limit: 1 });
    const [po] = await executeKw(sb, 'purchase.order', 'create', [[{ partner_id: partner, order_line: [[0, 0, { product_id: product, product_qty: 2 }]] }]]);
    await executeKw(sb, 'purchase.order', 'button_confirm', [[po]]);
    expect((await executeKw(sb, 'purchase.order', 'read', [[po], ['picking_ids']]))[0].picking_ids).toHaveLength(1);
  });
});
