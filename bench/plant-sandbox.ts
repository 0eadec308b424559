/**
 * The sandbox Odoo of the plant-inventory benchmark, in its own process (as
 * Odoo is), seeded with the plant's products and locations; the parent asks
 * it over IPC for its call count and the on-hand quantities.
 */
import { startSandbox, type FaultSpec } from '../sandbox/odoo/server';
import { plantMasterData } from '../sandbox/plant/simulator';
import { seedIntake } from '../sandbox/demo/intake';

type Request = { id: number; op: 'reset' | 'stats' | 'onHand' | 'close' | 'inject' | 'clearFaults' | 'seedIntake' | 'vendorPrices'; fault?: FaultSpec; partnerRef?: string; codePrefix?: string };

async function main(): Promise<void> {
  const sites = Number(process.argv[2] ?? 3);
  const productsN = Number(process.argv[3] ?? 2000);
  const prefix = process.argv[4] ?? 'BENCH';
  const sandbox = await startSandbox();
  const data = plantMasterData({ sites, products: productsN, prefix });
  const ids = sandbox.store.createMany('product.product', data.products.map((p) => ({ ...p, is_storable: true })));
  const products = new Map<number, string>(data.products.map((p, i) => [ids[i] as number, p.default_code]));
  const locations = new Map<number, string>();
  for (const l of data.locations) locations.set(sandbox.store.create('stock.location', { name: l.name, barcode: l.barcode, usage: 'internal', location_id: 5 }), l.barcode);
  const onHand = (): Record<string, number> => {
    const out: Record<string, number> = {};
    const quants = sandbox.store.search('stock.quant', [['location_id', 'in', [...locations.keys()]]]);
    for (const q of sandbox.store.read('stock.quant', quants, ['product_id', 'location_id', 'quantity'])) {
      const p = products.get((q.product_id as [number])[0]);
      const l = locations.get((q.location_id as [number])[0]);
      if (!p || !l) continue;
      out[`${p}@${l}`] = Math.round(((out[`${p}@${l}`] ?? 0) + Number(q.quantity)) * 1e6) / 1e6;
    }
    return out;
  };
  process.on('message', (m: Request) => {
    if (m.op === 'reset') sandbox.resetStats();
    // the drills (bench/drills): an outage starts and ends on the parent's word
    if (m.op === 'inject' && m.fault) sandbox.inject(m.fault);
    if (m.op === 'clearFaults') sandbox.clearFaults();
    // the bad-input drill's supplier files: the demo suppliers and products, and what became of them
    if (m.op === 'seedIntake') seedIntake(sandbox.store);
    if (m.op === 'vendorPrices') {
      const s = sandbox.store;
      const partner = s.search('res.partner', [['ref', '=', String(m.partnerRef)]]);
      const rows = s.read('product.supplierinfo', s.search('product.supplierinfo', [['partner_id', 'in', partner], ['product_code', '=like', `${String(m.codePrefix)}%`]]), ['product_code', 'price', 'min_qty']);
      process.send?.({ id: m.id, calls: sandbox.stats.calls, vendorPrices: rows });
      return;
    }
    if (m.op === 'close') void sandbox.close().then(() => process.exit(0));
    process.send?.({ id: m.id, calls: sandbox.stats.calls, ...(m.op === 'onHand' ? { onHand: onHand() } : {}) });
  });
  process.send?.({ ready: true, url: sandbox.url, database: sandbox.database, login: sandbox.login, apiKey: sandbox.apiKey, products: Object.fromEntries([...products].map(([id, code]) => [code, id])), locations: Object.fromEntries([...locations].map(([id, code]) => [code, id])) });
}

void main();
