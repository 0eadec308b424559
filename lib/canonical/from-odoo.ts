/**
 * From Odoo to canonical: purchase orders as `purchase-order@1`, the object a
 * supplier gets. Reads a batch of orders in a fixed number of calls whatever
 * its size (orders, all their lines, products, vendors, units, vendor prices:
 * six calls), never one call per order or line.
 *
 * - `number` is the order's name (P00042), `supplierCode` the vendor's `ref`;
 * - `internalRef` is our product reference (`default_code`),
 *   `supplierProductCode` the vendor's own code from its vendor price
 *   (`product.supplierinfo.product_code` of that vendor: the variant's own
 *   price first, else the template's);
 * - quantities and prices are in the line's unit (Odoo sets it from the
 *   vendor price's unit: the supplier's unit), named in English;
 * - dates are calendar dates in the context's `tz` (UTC without one).
 * Section and note lines (no product) are not order lines for the supplier.
 */
import { IntegrationError } from '../errors';
import type { Context, OdooClient, OdooRecord } from '../odoo/client';
import { odooVersion } from '../odoo/versions';
import { purchaseOrderSchema, type PurchaseOrder } from './schemas';

export interface FromOdooResult {
  ok: Array<{ id: number; payload: PurchaseOrder; odoo: { model: 'purchase.order'; id: number; name: string; writeDate: string | undefined } }>;
  failed: Array<{ id: number; error: IntegrationError }>;
  calls: number;
}

const m2oId = (v: unknown): number | undefined => (Array.isArray(v) ? (v[0] as number) : typeof v === 'number' ? v : undefined);
const m2oName = (v: unknown): string | undefined => (Array.isArray(v) ? String(v[1]) : undefined);

/** A UTC datetime of Odoo as the calendar date in `tz` (an IANA zone), or UTC. */
export function odooDateIn(value: unknown, tz: string | undefined): string | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  if (value.length === 10) return value;
  const t = new Date(`${value.replace(' ', 'T')}Z`);
  if (Number.isNaN(t.getTime())) return undefined;
  if (!tz) return t.toISOString().slice(0, 10);
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(t);
  const get = (k: string) => parts.find((p) => p.type === k)?.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

const byId = (rows: OdooRecord[]) => new Map(rows.map((r) => [r.id as number, r]));

/** Reads orders `ids` and returns each as `purchase-order@1`, or why it cannot be one (naming the order and line). */
export async function purchaseOrdersFromOdoo(client: OdooClient, ids: number[], context: Context = {}): Promise<FromOdooResult> {
  const version = await client.version().catch(() => odooVersion('19.0'));
  const uomField = version.fields.purchaseLineUom;
  const partnerField = version.fields.supplierInfoPartner;
  const tz = typeof context.tz === 'string' ? context.tz : undefined;
  const before = client.calls;
  const unique = [...new Set(ids)];
  const orders = unique.length ? await client.read('purchase.order', unique, ['name', 'partner_id', 'date_order', 'currency_id', 'write_date'], context) : [];
  const lines = orders.length
    ? await client.searchRead('purchase.order.line', { domain: [['order_id', 'in', orders.map((o) => o.id as number)]], fields: ['order_id', 'product_id', 'name', 'product_qty', uomField, 'price_unit', 'date_planned', 'sequence'], order: 'order_id, sequence, id', context })
    : [];
  const productIds = [...new Set(lines.map((l) => m2oId(l.product_id)).filter((x): x is number => x !== undefined))];
  const partnerIds = [...new Set(orders.map((o) => m2oId(o.partner_id)).filter((x): x is number => x !== undefined))];
  const uomIds = [...new Set(lines.map((l) => m2oId(l[uomField])).filter((x): x is number => x !== undefined))];
  const [products, partners, uoms] = await Promise.all([
    productIds.length ? client.read('product.product', productIds, ['default_code', 'product_tmpl_id'], context) : Promise.resolve([]),
    partnerIds.length ? client.read('res.partner', partnerIds, ['ref'], context) : Promise.resolve([]),
    // unit names in English whatever the user's language: the canonical units are Odoo's English names
    uomIds.length ? client.read('uom.uom', uomIds, ['name'], { ...context, lang: 'en_US' }) : Promise.resolve([]),
  ]);
  const productById = byId(products);
  const partnerById = byId(partners);
  const uomById = byId(uoms);
  const templateIds = [...new Set(products.map((p) => m2oId(p.product_tmpl_id)).filter((x): x is number => x !== undefined))];
  const sellers = templateIds.length && partnerIds.length
    ? await client.searchRead('product.supplierinfo', { domain: [[partnerField, 'in', partnerIds], ['product_tmpl_id', 'in', templateIds]], fields: [partnerField, 'product_id', 'product_tmpl_id', 'product_code', 'sequence', 'min_qty'], order: 'sequence, min_qty, id', context })
    : [];
  /** The vendor's own code of a product: its variant's vendor price first, else its template's. */
  const supplierCode = (partner: number, product: OdooRecord): string | undefined => {
    const tmpl = m2oId(product.product_tmpl_id);
    const mine = sellers.filter((s) => m2oId(s[partnerField]) === partner && m2oId(s.product_tmpl_id) === tmpl && s.product_code);
    const own = mine.find((s) => m2oId(s.product_id) === product.id) ?? mine.find((s) => !m2oId(s.product_id));
    return own ? String(own.product_code) : undefined;
  };

  const linesOf = new Map<number, OdooRecord[]>();
  for (const l of lines) {
    const o = m2oId(l.order_id) as number;
    linesOf.set(o, [...(linesOf.get(o) ?? []), l]);
  }
  const result: FromOdooResult = { ok: [], failed: [], calls: 0 };
  for (const id of unique) {
    const order = orders.find((o) => o.id === id);
    const fail = (message: string, details: Record<string, unknown> = {}) => result.failed.push({ id, error: new IntegrationError({ message, code: 'VALIDATION', transient: false, details: { model: 'purchase.order', id, ...details } }) });
    if (!order) {
      fail(`purchase order ${id} does not exist (or this user may not read it)`);
      continue;
    }
    const partnerId = m2oId(order.partner_id) as number;
    const partner = partnerById.get(partnerId);
    const code = partner?.ref;
    if (!code) {
      fail(`${order.name}: the vendor ${m2oName(order.partner_id) ?? partnerId} has no reference (ref), which is its supplier code`, { partner: partnerId });
      continue;
    }
    const problems: string[] = [];
    const canonicalLines = (linesOf.get(id) ?? [])
      .filter((l) => m2oId(l.product_id) !== undefined)
      .map((l) => {
        const product = productById.get(m2oId(l.product_id) as number) as OdooRecord;
        if (!product?.default_code) problems.push(`line ${l.id} (${m2oName(l.product_id) ?? 'product'}) has a product without an internal reference`);
        const spc = product ? supplierCode(partnerId, product) : undefined;
        const uom = uomById.get(m2oId(l[uomField]) as number)?.name;
        return {
          lineRef: String(l.id),
          internalRef: String(product?.default_code ?? ''),
          ...(spc ? { supplierProductCode: spc } : {}),
          ...(typeof l.name === 'string' && l.name ? { description: l.name.slice(0, 512) } : {}),
          quantity: Number(l.product_qty),
          uom: String(uom ?? ''),
          price: Number(l.price_unit),
          ...(odooDateIn(l.date_planned, tz) ? { requestedDate: odooDateIn(l.date_planned, tz) } : {}),
        };
      });
    if (problems.length) {
      fail(`${order.name}: ${problems.join('; ')}`);
      continue;
    }
    const candidate = { number: String(order.name), supplierCode: String(code), orderDate: odooDateIn(order.date_order, tz), currency: m2oName(order.currency_id), lines: canonicalLines };
    const parsed = purchaseOrderSchema.safeParse(candidate);
    if (!parsed.success) {
      fail(`${order.name} is not a valid purchase-order@1: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { problems: parsed.error.issues });
      continue;
    }
    result.ok.push({ id, payload: parsed.data, odoo: { model: 'purchase.order', id, name: String(order.name), writeDate: typeof order.write_date === 'string' ? order.write_date : undefined } });
  }
  result.calls = client.calls - before;
  return result;
}

