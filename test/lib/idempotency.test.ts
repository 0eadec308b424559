import { externalIdFor, loadMatrix, stableJson } from '../../lib/odoo/idempotency';

const types = { name: { type: 'char' }, partner_id: { type: 'many2one' }, tag_ids: { type: 'many2many' }, order_line: { type: 'one2many' }, active: { type: 'boolean' } };
const lineTypes = { product_id: { type: 'many2one' }, product_qty: { type: 'float' }, name: { type: 'char' } };

describe('external ids and load rows', () => {
  it('the same parts give the same external id; key order does not matter', () => {
    expect(externalIdFor(['m', stableJson({ a: 1, b: 2 })])).toBe(externalIdFor(['m', stableJson({ b: 2, a: 1 })]));
    expect(externalIdFor(['m', 1])).not.toBe(externalIdFor(['m', 2]));
    expect(externalIdFor(['m'])).toMatch(/^odoo_supply\.x[0-9a-f]{40}$/);
  });

  it('many2one and many2many by id, document lines as sub-rows with their own external ids', () => {
    const m = loadMatrix([{ name: 'PO', partner_id: 7, tag_ids: [[6, 0, [1, 2]]], order_line: [[0, 0, { product_id: 3, product_qty: 2 }], [0, 0, { product_id: 4, product_qty: 5 }]] }], ['odoo_supply.x1'], types, () => lineTypes);
    expect(m).toEqual({
      fields: ['id', 'name', 'partner_id/.id', 'tag_ids/.id', 'order_line/id', 'order_line/product_id/.id', 'order_line/product_qty'],
      rows: [
        ['odoo_supply.x1', 'PO', '7', '1,2', 'odoo_supply.x1_order_line_0', '3', '2'],
        ['', '', '', '', 'odoo_supply.x1_order_line_1', '4', '5'],
      ],
    });
  });

  it('says it cannot when an empty cell would blank a field: lines with different fields, unknown fields, other commands', () => {
    expect(loadMatrix([{ order_line: [[0, 0, { product_id: 3, name: 'x' }], [0, 0, { product_id: 4 }]] }], ['x'], types, () => lineTypes)).toBeUndefined();
    expect(loadMatrix([{ bogus: 1 }], ['x'], types, () => lineTypes)).toBeUndefined();
    expect(loadMatrix([{ tag_ids: [[4, 1]] }], ['x'], types, () => lineTypes)).toBeUndefined();
    expect(loadMatrix([{ order_line: [[1, 5, { product_qty: 1 }]] }], ['x'], types, () => lineTypes)).toBeUndefined();
  });
});
