/** Plant master data in the sandbox Odoo, and what its quants hold. */
import type { Sandbox } from '../../sandbox/odoo/server';
import type { InventoryEvent } from '../../lib/canonical/schemas';
import { rng } from '../../sandbox/plant/simulator';

export interface PlantFixture {
  products: Map<string, number>;
  locations: Map<string, number>;
}

/** `count` storable products `<prefix>-P0001…` and one internal location per site, barcode `<site>-STOCK`, under WH/Stock. */
export function plantFixture(sandbox: Sandbox, prefix: string, count: number, sites: string[]): PlantFixture {
  const products = new Map<string, number>();
  const vals = Array.from({ length: count }, (_x, i) => ({ name: `${prefix} product ${i + 1}`, default_code: `${prefix}-P${String(i + 1).padStart(4, '0')}`, is_storable: true }));
  const ids = sandbox.store.createMany('product.product', vals);
  vals.forEach((v, i) => products.set(v.default_code, ids[i] as number));
  const locations = new Map<string, number>();
  for (const site of sites) locations.set(`${site}-STOCK`, sandbox.store.create('stock.location', { name: `${site} stock`, usage: 'internal', location_id: 5, barcode: `${site}-STOCK` }));
  return { products, locations };
}

/** On-hand quantity per `<internalRef>@<location barcode>` for the fixture's quants. */
export function onHand(sandbox: Sandbox, f: PlantFixture): Map<string, number> {
  const byId = new Map<number, string>([...f.products].map(([code, id]) => [id, code]));
  const locById = new Map<number, string>([...f.locations].map(([code, id]) => [id, code]));
  const out = new Map<string, number>();
  const ids = sandbox.store.search('stock.quant', [['location_id', 'in', [...f.locations.values()]]]);
  for (const q of sandbox.store.read('stock.quant', ids, ['product_id', 'location_id', 'quantity'])) {
    const p = byId.get((q.product_id as [number])[0]);
    const l = locById.get((q.location_id as [number])[0]);
    if (!p || !l) continue;
    const k = `${p}@${l}`;
    out.set(k, Math.round(((out.get(k) ?? 0) + Number(q.quantity)) * 1e6) / 1e6);
  }
  return out;
}

/**
 * What the quants must hold after `events`, computed on its own (not by
 * lib/inventory): the newest count (time, then id) plus the adjustments after
 * it; without a count, every adjustment.
 */
export function expectedQuantities(events: InventoryEvent[]): Map<string, number> {
  const unique = new Map(events.map((e) => [e.eventId, e]));
  const byQuant = new Map<string, InventoryEvent[]>();
  for (const e of unique.values()) {
    const k = `${e.internalRef}@${e.location}`;
    byQuant.set(k, [...(byQuant.get(k) ?? []), e]);
  }
  const out = new Map<string, number>();
  for (const [k, list] of byQuant) {
    list.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.eventId < b.eventId ? -1 : 1));
    let q = 0;
    for (const e of list) q = e.kind === 'count' ? e.quantity : q + e.quantity;
    out.set(k, Math.round(q * 1e6) / 1e6);
  }
  return out;
}

/** A deterministic pseudo-random stream (tests must fail the same way twice): the plant simulator's. */
export { rng };

/** Counts and adjustments over the fixture's quants, in time order. */
export function makeEvents(f: PlantFixture, n: number, seed: number, start = Date.UTC(2026, 0, 1)): InventoryEvent[] {
  const r = rng(seed);
  const refs = [...f.products.keys()];
  const locs = [...f.locations.keys()];
  return Array.from({ length: n }, (_x, i) => {
    const count = r() < 0.2;
    const loc = locs[Math.floor(r() * locs.length)] as string;
    return {
      eventId: `ev-${seed}-${i}`,
      site: loc.replace(/-STOCK$/, ''),
      location: loc,
      internalRef: refs[Math.floor(r() * refs.length)] as string,
      kind: count ? 'count' : 'adjust',
      quantity: count ? Math.floor(r() * 500) : (Math.floor(r() * 20) + 1) * (r() < 0.3 ? -1 : 1),
      uom: 'Units',
      occurredAt: new Date(start + i * 7).toISOString(),
    } as InventoryEvent;
  });
}
