/**
 * Demo master data the intake flows' sample files need (mappings/*.sample.*):
 * the suppliers they name (partner `ref`), the products behind their codes
 * (`default_code`, and the suppliers' own codes as vendor prices), and the
 * confirmed purchase orders their acknowledgement, shipment notice and
 * invoice refer to. Idempotent: seeding twice changes nothing.
 *
 *   ACME Tools (ACME-TOOLS)          price list CSV       → vendor prices of FURN_1001..1003
 *   Iberia Packaging (IBERIA-PACK)   price list CSV       → vendor prices of PACK_*
 *                                    shipment notice JSON → receipt of P00043
 *                                    invoice JSON         → draft bill for P00043
 *   Nordic Fasteners (NORDIC-FAST)   acknowledgement JSON → lines of P00042
 */
import { confirmOrders } from '../odoo/business';
import type { ModelStore } from '../odoo/store';

const EUR = 126;
const UNITS = 1;

export interface IntakeDemo {
  partners: Record<'ACME-TOOLS' | 'IBERIA-PACK' | 'NORDIC-FAST', number>;
  /** product id by default_code */
  products: Record<string, number>;
  /** P00042 (Nordic, to be acknowledged) and P00043 (Iberia, to be shipped and invoiced) */
  orders: Record<'P00042' | 'P00043', number>;
}

export const PARTNERS = [
  ['ACME-TOOLS', 'ACME Tools GmbH', 57],
  ['IBERIA-PACK', 'Iberia Packaging S.L.', 75],
  ['NORDIC-FAST', 'Nordic Fasteners AB', 196],
] as const;

/** default_code, name, [supplier, supplier's code, price] of its vendor price, when the demo needs one before any price list */
export const PRODUCTS: Array<[string, string, [string, string, number]?]> = [
  ['FURN_1001', 'Screwdriver set, 6 pieces'],
  ['FURN_1002', 'Magnetic bit holder'],
  ['FURN_1003', 'Wood drill 8 mm'],
  ['FURN_1004', 'Spirit level 60 cm'],
  ['FURN_1005', 'Utility knife'],
  ['PACK_4030', 'Cardboard box 40x30x30', ['IBERIA-PACK', 'IB-CAJA-40', 0.85]],
  ['PACK_4060', 'Cardboard box 60x40x40', ['IBERIA-PACK', 'IB-CAJA-60', 1.1]],
  ['PACK_FILM23', 'Stretch film 23 µm'],
  ['PACK_TAPE48', 'Adhesive tape 48 mm', ['IBERIA-PACK', 'IB-CINTA-48', 1.05]],
  ['NORD_M8_40', 'Hex bolt M8x40', ['NORDIC-FAST', 'NF-M8-40', 0.12]],
  ['NORD_M10_60', 'Hex bolt M10x60', ['NORDIC-FAST', 'NF-M10-60', 0.2]],
  ['NORD_WASH_8', 'Washer 8 mm', ['NORDIC-FAST', 'NF-WASH-8', 0.02]],
  ['NORD_NUT_M8', 'Hex nut M8', ['NORDIC-FAST', 'NF-NUT-M8', 0.07]],
];

/** Lines of the two orders: product, quantity ordered, planned date */
export const ORDERS: Record<'P00042' | 'P00043', { supplier: 'NORDIC-FAST' | 'IBERIA-PACK'; lines: Array<[string, number, number]> }> = {
  P00042: { supplier: 'NORDIC-FAST', lines: [['NORD_M8_40', 1500, 0.12], ['NORD_M10_60', 200, 0.22], ['NORD_WASH_8', 500, 0.02], ['NORD_NUT_M8', 300, 0.07]] },
  P00043: { supplier: 'IBERIA-PACK', lines: [['PACK_4030', 1200, 0.85], ['PACK_4060', 1200, 1.1], ['PACK_TAPE48', 36, 1.05]] },
};

const one = (s: ModelStore, model: string, domain: unknown[]): number | undefined => s.search(model, domain, { context: { active_test: false } })[0];

export function seedIntake(s: ModelStore): IntakeDemo {
  const partners = {} as IntakeDemo['partners'];
  for (const [ref, name, country] of PARTNERS) {
    partners[ref] = one(s, 'res.partner', [['ref', '=', ref]]) ?? s.create('res.partner', { name, ref, is_company: true, supplier_rank: 1, country_id: country });
  }
  const products: Record<string, number> = {};
  for (const [code, name, seller] of PRODUCTS) {
    let id = one(s, 'product.product', [['default_code', '=', code]]);
    if (id === undefined) {
      id = s.create('product.product', { name, default_code: code, type: 'consu', ...s.personality.storableVals, uom_id: UNITS, categ_id: 1 });
      if (seller) {
        const tmpl = s.raw('product.product', id)?.product_tmpl_id as number;
        s.create('product.supplierinfo', { partner_id: partners[seller[0] as keyof IntakeDemo['partners']], product_tmpl_id: tmpl, product_code: seller[1], price: seller[2], min_qty: 0, delay: 7, currency_id: EUR });
      }
    }
    products[code] = id;
  }
  const orders = {} as IntakeDemo['orders'];
  for (const [name, o] of Object.entries(ORDERS) as Array<[keyof typeof ORDERS, (typeof ORDERS)[keyof typeof ORDERS]]>) {
    let id = one(s, 'purchase.order', [['name', '=', name]]);
    if (id === undefined) {
      id = s.create('purchase.order', {
        name,
        partner_id: partners[o.supplier],
        currency_id: EUR,
        order_line: o.lines.map(([code, qty, price]) => [0, 0, { product_id: products[code], product_qty: qty, price_unit: price, date_planned: '2026-04-01 10:00:00' }]),
      });
      s.transaction(() => confirmOrders(s, [id as number]));
    }
    orders[name] = id;
  }
  return { partners, products, orders };
}
