/** sandbox/demo/intake.ts: what the intake flows' sample files name exists, once. */
import { ModelStore } from '../../sandbox/odoo/store';
import { seedIntake } from '../../sandbox/demo/intake';

it('seeds suppliers, products, vendor codes and two confirmed orders with open receipts; twice is once', () => {
  const s = new ModelStore({ seed: true });
  const a = seedIntake(s);
  const b = seedIntake(s);
  expect(b).toEqual(a);
  expect(s.read('res.partner', Object.values(a.partners), ['ref']).map((p) => p.ref).sort()).toEqual(['ACME-TOOLS', 'IBERIA-PACK', 'NORDIC-FAST']);
  const [p42, p43] = s.read('purchase.order', [a.orders.P00042, a.orders.P00043], ['name', 'state', 'partner_id', 'picking_ids', 'order_line']);
  expect([p42!.name, p42!.state, (p42!.partner_id as [number, string])[0]]).toEqual(['P00042', 'purchase', a.partners['NORDIC-FAST']]);
  expect([p43!.name, p43!.state, (p43!.picking_ids as number[]).length]).toEqual(['P00043', 'purchase', 1]);
  expect(s.search('product.supplierinfo', [['product_code', 'in', ['NF-M8-40', 'IB-CAJA-60']]])).toHaveLength(2);
});
