/**
 * The demo master data that the committed sample files (mappings/*.sample.*)
 * and flows (flows/) refer to, so that `npm start` moves data end to end on a
 * fresh sandbox Odoo: the suppliers by their `ref`, our products by their
 * `default_code`. It goes through the package's own Odoo client, and only
 * creates what is missing (by the same business key), so it can run again.
 *
 * A list of sections: a flow that needs more (purchase orders for the
 * acknowledgements, stock locations for the plants) adds its own section to
 * `sections`.
 */
import { OdooClient, type OdooRecord } from '../../lib/odoo/client';
import { plantMasterData } from '../plant/simulator';
import { seedPlantMasterData } from '../plant/seed';
import { ORDERS, PRODUCTS as INTAKE_PRODUCTS } from './intake';

export interface SeedContext {
  odoo: OdooClient;
  /** Ids found or created by earlier sections, by `<model>:<key>`. */
  ids: Map<string, number>;
  log(line: string): void;
}

export interface DemoSection {
  name: string;
  /** What it is for, for the log. */
  purpose: string;
  run(ctx: SeedContext): Promise<{ created: number; existing: number }>;
}

/**
 * Creates the records whose `key` value is not in Odoo yet; records every id
 * under `<model>:<key value>` in ctx.ids.
 */
export async function ensure(ctx: SeedContext, model: string, key: string, records: OdooRecord[]): Promise<{ created: number; existing: number }> {
  const values = records.map((r) => r[key]);
  const found = await ctx.odoo.searchRead(model, { domain: [[key, 'in', values]], fields: [key], context: { active_test: false } });
  const have = new Map(found.map((r) => [String(r[key]), r.id as number]));
  const missing = records.filter((r) => !have.has(String(r[key])));
  const ids = missing.length ? await ctx.odoo.create(model, missing) : [];
  missing.forEach((r, i) => have.set(String(r[key]), ids[i]));
  for (const [k, id] of have) ctx.ids.set(`${model}:${k}`, id);
  return { created: missing.length, existing: records.length - missing.length };
}

export const SUPPLIERS: OdooRecord[] = [
  { ref: 'ACME-TOOLS', name: 'ACME Tools GmbH', is_company: true, supplier_rank: 1 },
  { ref: 'IBERIA-PACK', name: 'Iberia Packaging S.L.', is_company: true, supplier_rank: 1 },
  { ref: 'NORDIC-FAST', name: 'Nordic Fasteners AB', is_company: true, supplier_rank: 1 },
];

/** Our products, by internal reference, as the suppliers' files name them in "our number" columns. */
export const PRODUCTS: OdooRecord[] = [
  // acme-tools.price-list.sample.csv
  { default_code: 'FURN_1001', name: 'Screwdriver set, 6 pieces' },
  { default_code: 'FURN_1002', name: 'Magnetic bit holder' },
  { default_code: 'FURN_1003', name: 'Wood drill 8 mm' },
  // iberia-packaging.price-list.sample.csv
  { default_code: 'PACK_4030', name: 'Cardboard box 40x30x30' },
  { default_code: 'PACK_FILM23', name: 'Stretch film 23 µm' },
  { default_code: 'PACK_TAPE48', name: 'Adhesive tape 48 mm' },
];

export const sections: DemoSection[] = [
  {
    name: 'suppliers',
    purpose: 'the suppliers of the sample files, by ref (ACME-TOOLS, IBERIA-PACK, NORDIC-FAST)',
    run: (ctx) => ensure(ctx, 'res.partner', 'ref', SUPPLIERS),
  },
  {
    name: 'products',
    purpose: 'the products the sample price lists name, by internal reference (FURN_…, PACK_…)',
    run: (ctx) => ensure(ctx, 'product.product', 'default_code', PRODUCTS),
  },
  {
    name: 'orders',
    purpose: 'the confirmed purchase orders the sample acknowledgement, shipment notice and invoice name (P00042 Nordic, P00043 Iberia), their products and the suppliers\' codes',
    run: async (ctx) => {
      const version = await ctx.odoo.version();
      const products = await ensure(ctx, 'product.product', 'default_code', INTAKE_PRODUCTS.map(([default_code, name]) => ({ default_code, name, ...version.fields.storableProduct })));
      let created = products.created;
      let existing = products.existing;
      for (const [code, , seller] of INTAKE_PRODUCTS) {
        if (!seller) continue;
        const partner = ctx.ids.get(`res.partner:${seller[0]}`) as number;
        const [p] = await ctx.odoo.read('product.product', [ctx.ids.get(`product.product:${code}`) as number], ['product_tmpl_id']);
        const tmpl = (p?.product_tmpl_id as [number, string])[0];
        const have = await ctx.odoo.searchCount('product.supplierinfo', [['partner_id', '=', partner], ['product_tmpl_id', '=', tmpl], ['product_code', '=', seller[1]]]);
        if (have) existing++;
        else {
          await ctx.odoo.create('product.supplierinfo', [{ partner_id: partner, product_tmpl_id: tmpl, product_code: seller[1], price: seller[2], min_qty: 0, delay: 7 }]);
          created++;
        }
      }
      for (const [name, o] of Object.entries(ORDERS)) {
        if ((await ctx.odoo.searchCount('purchase.order', [['name', '=', name]])) > 0) {
          existing++;
          continue;
        }
        const [id] = await ctx.odoo.create('purchase.order', [
          {
            name,
            partner_id: ctx.ids.get(`res.partner:${o.supplier}`),
            order_line: o.lines.map(([code, qty, price]) => [0, 0, { product_id: ctx.ids.get(`product.product:${code}`), product_qty: qty, price_unit: price, date_planned: '2026-04-01 10:00:00' }]),
          },
        ]);
        await ctx.odoo.call('purchase.order', 'button_confirm', { ids: [id as number] });
        created++;
      }
      return { created, existing };
    },
  },
  {
    name: 'plant',
    purpose: 'the parts and stock locations the plant simulator publishes events for (PLANT-00001…, PLANT-S1-STOCK…)',
    run: async (ctx) => {
      const data = plantMasterData();
      const made = await seedPlantMasterData(ctx.odoo, data, await ctx.odoo.version());
      const created = made.products + made.locations;
      return { created, existing: data.products.length + data.locations.length - created };
    },
  },
];

/** Runs each section in order; a failing section stops the seed with its name in the error. */
export async function seedDemo(odoo: OdooClient, opts: { sections?: DemoSection[]; log?: (line: string) => void } = {}): Promise<Map<string, number>> {
  const ctx: SeedContext = { odoo, ids: new Map(), log: opts.log ?? (() => undefined) };
  for (const s of opts.sections ?? sections) {
    let r: { created: number; existing: number };
    try {
      r = await s.run(ctx);
    } catch (err) {
      throw new Error(`demo data, section "${s.name}": ${(err as Error).message}`);
    }
    ctx.log(`demo data: ${s.name}: ${r.created} created, ${r.existing} already there (${s.purpose})`);
  }
  return ctx.ids;
}
