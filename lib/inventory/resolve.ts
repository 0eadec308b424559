/**
 * Odoo ids of the products and locations inventory events name, found by
 * business key in one cached search per key kind (product `default_code`,
 * location `complete_name` or `barcode`), as canonical-map's planner does.
 */
import type { LookupCache } from '../odoo/lookup';
import type { InventoryEvent } from '../canonical/schemas';

export interface Resolved {
  product_id: number;
  location_id: number;
}

export type Resolution = { ok: true; ids: Resolved } | { ok: false; message: string };

/** Canonical units are Odoo's English unit names, compared by id (names are translated). */
const ALL_UNITS = { active_test: false, lang: 'en_US' };

export async function resolveEvents(events: InventoryEvent[], lookups: LookupCache): Promise<Resolution[]> {
  const products = await lookups.find('product.product', 'default_code', events.map((e) => e.internalRef), { fields: ['uom_id', 'tracking'] });
  const units = await lookups.find('uom.uom', 'name', events.map((e) => e.uom), { context: ALL_UNITS });
  // a full name has a "/" (WH/Stock): names without one are tried as barcodes first, so a batch
  // of barcodes does not search for names that cannot be (a value not found is asked again next time)
  const locs = [...new Set(events.map((e) => e.location))];
  const byName = await lookups.find('stock.location', 'complete_name', locs.filter((l) => l.includes('/')), { fields: ['usage'] });
  const byCode = await lookups.find('stock.location', 'barcode', locs.filter((l) => !byName.has(l)), { fields: ['usage'] });
  const lateNames = await lookups.find('stock.location', 'complete_name', locs.filter((l) => !l.includes('/') && !byCode.has(l)), { fields: ['usage'] });
  const names = new Map([...byName, ...lateNames]);
  const barcodes = byCode;
  return events.map((e): Resolution => {
    if (e.kind === 'move') return { ok: false, message: `event ${e.eventId}: kind "move" is not applied to Odoo yet; send counts or adjustments` };
    if (e.lotNumber !== undefined) return { ok: false, message: `event ${e.eventId}: stock by lot/serial number ("${e.lotNumber}") is not applied to Odoo yet` };
    const p = products.get(e.internalRef) ?? [];
    if (p.length !== 1) return { ok: false, message: `internal reference "${e.internalRef}" is not the default_code of ${p.length ? 'exactly one' : 'any'} product in Odoo` };
    const product = p[0] as Record<string, unknown>;
    const unit = product.uom_id;
    const u = units.get(e.uom) ?? [];
    if (u.length !== 1) return { ok: false, message: `unit "${e.uom}" is not a unit of measure in Odoo` };
    // quantities are applied as sent: another unit than the product's would silently scale stock
    if (Array.isArray(unit) && u[0]?.id !== unit[0]) return { ok: false, message: `event ${e.eventId}: unit "${e.uom}" differs from the product's unit "${String(unit[1])}"; convert it in the mapping` };
    const hits = names.get(e.location) ?? barcodes.get(e.location) ?? [];
    if (hits.length !== 1) return { ok: false, message: `location "${e.location}" is not the full name or barcode of ${hits.length ? 'exactly one' : 'any'} stock location in Odoo` };
    if (hits[0]?.usage !== 'internal') return { ok: false, message: `location "${e.location}" is not an internal stock location (usage ${String(hits[0]?.usage)})` };
    return { ok: true, ids: { product_id: product.id as number, location_id: hits[0]?.id as number } };
  });
}
