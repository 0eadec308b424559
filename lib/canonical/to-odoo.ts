/**
 * Canonical objects → the Odoo operations odoo-write executes. Ids are found
 * by business keys (supplier `ref`, product `default_code`, PO `name`, location
 * `complete_name`/`barcode`) in one batched, cached search per key, never one
 * call per row. A key Odoo does not know fails that object only, with a
 * message naming the key.
 */
import { badInput, IntegrationError } from '../errors';
import { withoutUndefined, type Context, type OdooRecord } from '../odoo/client';
import type { LookupCache } from '../odoo/lookup';
import type { FieldNames } from '../odoo/versions';
import type { InventoryEvent, PoAck, PurchaseOrder, ShipmentNotice, SupplierInvoice, SupplierPrice } from './schemas';

export interface OdooOperation {
  model: string;
  operation: 'create' | 'write' | 'upsert' | 'call' | 'create_missing' | 'adjust_quant' | 'set_quant' | 'note';
  keyFields?: string[];
  /** One idempotency key per record (plant event ids): every delivery of the same events writes the same keys. */
  keys?: string[];
  method?: string;
  context?: Context;
  /** odoo-write calls this method on the written ids afterwards (one call per batch). */
  then?: { method: string };
  /**
   * The records this write produces (or, for a note, the records it notes) are
   * the documents the supplier's file became: odoo-write's audit option
   * attaches the original file to them.
   */
  attach?: boolean;
}

/** What travels beside the objects: put into the chatter notes the plans write. */
export interface PlanMeta {
  correlationId?: string;
}

/** The line of a chatter note naming the correlation id, so a person can find the logs and dead letters of the message. */
function correlationLine(meta: PlanMeta): string {
  return meta.correlationId ? `<p>Correlation id: ${escapeHtml(meta.correlationId)}</p>` : '';
}

export interface PlannedWrite {
  odoo: OdooOperation;
  /** Records for create/write/upsert; `{ids, kwargs}` for call. */
  payload: OdooRecord[] | { ids: number[]; kwargs: Record<string, unknown> };
  /** Which input objects (0-based) this write carries. */
  rows: number[];
}

export interface Plan {
  writes: PlannedWrite[];
  failures: Array<{ row: number; error: IntegrationError }>;
}

export const TO_ODOO_SCHEMAS = ['supplier-price@1', 'purchase-order@1', 'po-ack@1', 'shipment-notice@1', 'supplier-invoice@1', 'inventory-event@1'] as const;
export type ToOdooSchema = (typeof TO_ODOO_SCHEMAS)[number];

/**
 * Canonical units are Odoo's unit names in English: looked up in en_US whatever
 * language the server's context asks for (a French context names "Units"
 * "Unités"), and compared by id, never by the name Odoo displays. Units Odoo
 * ships archived (Dozens until multi-units is switched on) are still valid.
 */
const ALL_UNITS = { active_test: false, lang: 'en_US' };

const m2oId = (v: unknown): number | undefined => (Array.isArray(v) ? (v[0] as number) : typeof v === 'number' ? v : undefined);

class Failures {
  readonly list: Plan['failures'] = [];
  private readonly rows = new Set<number>();
  add(row: number, message: string, details?: Record<string, unknown>): void {
    if (this.rows.has(row)) return;
    this.rows.add(row);
    this.list.push({ row, error: badInput(message, details) });
  }
  has(row: number): boolean {
    return this.rows.has(row);
  }
}

/**
 * Resolves one key per object; objects whose key is unknown are failed with `describe(value)`.
 * Master data (partners, products, units) is cached; pass `fresh` for records whose state moves.
 */
async function resolveOne(lookups: LookupCache, failures: Failures, objects: unknown[], key: (o: any) => string | undefined, model: string, field: string, describe: (v: string) => string, opts: { fields?: string[]; domain?: unknown[]; context?: Context; fresh?: boolean } = {}): Promise<Array<OdooRecord | undefined>> {
  const values = objects.map((o, i) => (failures.has(i) ? undefined : key(o))).filter((v): v is string => v !== undefined);
  const found = await lookups.find(model, field, values, opts);
  return objects.map((o, i) => {
    if (failures.has(i)) return undefined;
    const v = key(o);
    if (v === undefined) return undefined;
    const records = found.get(v) ?? [];
    if (records.length === 0) failures.add(i, describe(v), { model, field, value: v });
    else if (records.length > 1) failures.add(i, `${describe(v).replace(/ is not .*$/, '')} matches ${records.length} ${model} records (ids ${records.map((r) => r.id).join(', ')}); it must be unique`, { model, field, value: v });
    return records.length === 1 ? records[0] : undefined;
  });
}

const supplierUnknown = (code: string) => `supplier code "${code}" is not the reference (ref) of any partner in Odoo`;
const productUnknown = (ref: string) => `internal reference "${ref}" is not the default_code of any product in Odoo`;
const poUnknown = (name: string) => `purchase order "${name}" does not exist in Odoo`;
const unitUnknown = (u: string) => `unit "${u}" is not a unit of measure in Odoo`;

/** Unit ids by canonical (English) name; names that are not exactly one unit are left out. */
async function unitIds(names: Array<string | undefined>, lookups: LookupCache): Promise<Map<string, number>> {
  const found = await lookups.find('uom.uom', 'name', names.filter((n): n is string => n !== undefined), { context: ALL_UNITS });
  return new Map([...found].filter(([, r]) => r.length === 1).map(([k, r]) => [k, r[0]?.id as number]));
}

/**
 * Odoo datetime fields (planned dates, scheduled dates) for a date-only
 * canonical value: noon of that day in the server context's time zone (`tz`,
 * else UTC), sent in UTC as Odoo stores them. Midnight UTC would show as the
 * previous day west of UTC; noon is the same day from UTC−11 to UTC+11 even
 * without a `tz`, and never near a daylight-saving switch.
 */
export function datetimeOfDate(date: string, timeZone: string | undefined): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const noonUtc = Date.UTC(y, m - 1, d, 12);
  const utc = noonUtc - zoneOffsetMs(noonUtc, timeZone);
  return new Date(utc).toISOString().slice(0, 19).replace('T', ' ');
}

function zoneOffsetMs(at: number, timeZone: string | undefined): number {
  if (!timeZone || timeZone === 'UTC') return 0;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(at);
  } catch {
    return 0; // a time zone Node does not know: UTC (Odoo would not know it either)
  }
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - at;
}

async function supplierPrices(objects: SupplierPrice[], lookups: LookupCache, v: FieldNames): Promise<Plan> {
  const failures = new Failures();
  const partners = await resolveOne(lookups, failures, objects, (o) => o.supplierCode, 'res.partner', 'ref', supplierUnknown);
  const products = await resolveOne(lookups, failures, objects, (o) => o.internalRef, 'product.product', 'default_code', productUnknown, { fields: ['product_tmpl_id', ...(v.productPurchaseUom ? [v.productPurchaseUom] : [])] });
  const currencies = await resolveOne(lookups, failures, objects, (o) => o.currency, 'res.currency', 'name', (c) => `currency "${c}" is not known to Odoo`, { context: { active_test: false } });
  const uoms = await resolveOne(lookups, failures, objects, (o) => o.uom, 'uom.uom', 'name', unitUnknown, { context: ALL_UNITS });
  const records: OdooRecord[] = [];
  const rows: number[] = [];
  objects.forEach((o, i) => {
    // up to Odoo 18 a vendor price is in the product's purchase unit (writing its unit would change the product)
    const purchaseUnit = v.productPurchaseUom ? products[i]?.[v.productPurchaseUom] : undefined;
    if (!failures.has(i) && Array.isArray(purchaseUnit) && purchaseUnit[0] !== uoms[i]?.id) failures.add(i, `unit "${o.uom}" differs from the product's purchase unit "${String(purchaseUnit[1])}"; this Odoo keeps vendor prices in that unit, convert it in the mapping`);
    if (failures.has(i)) return;
    const record: OdooRecord = {
      [v.supplierInfoPartner]: partners[i]?.id,
      // Odoo keeps vendor prices per product template; product_id stays empty (all variants)
      product_tmpl_id: m2oId(products[i]?.product_tmpl_id),
      product_code: o.supplierProductCode,
      price: o.price,
      currency_id: currencies[i]?.id,
      min_qty: o.minQty,
      delay: o.leadTimeDays,
      ...(v.supplierInfoUomWritable ? { [v.supplierInfoUom]: uoms[i]?.id } : {}),
      date_start: o.validFrom ?? false,
      date_end: o.validTo ?? false,
    };
    if (o.productName !== undefined) record.product_name = o.productName;
    if (o.discountPercent !== undefined) record.discount = o.discountPercent;
    records.push(record);
    rows.push(i);
  });
  const writes: PlannedWrite[] = records.length
    ? [{ odoo: { model: 'product.supplierinfo', operation: 'upsert', keyFields: [v.supplierInfoPartner, 'product_tmpl_id', 'min_qty', 'date_start'] }, payload: records, rows }]
    : [];
  return { writes, failures: failures.list };
}

/** A purchase order from another system (a planning tool, a plant) becomes a draft RFQ in Odoo, once per number. */
async function purchaseOrdersToOdoo(objects: PurchaseOrder[], lookups: LookupCache, v: FieldNames): Promise<Plan> {
  const failures = new Failures();
  const tz = lookups.timeZone();
  const partners = await resolveOne(lookups, failures, objects, (o) => o.supplierCode, 'res.partner', 'ref', supplierUnknown);
  const currencies = await resolveOne(lookups, failures, objects, (o) => o.currency, 'res.currency', 'name', (c) => `currency "${c}" is not known to Odoo`, { context: { active_test: false } });
  const lines = objects.flatMap((o) => o.lines);
  const products = await lookups.find('product.product', 'default_code', lines.map((l) => l.internalRef));
  const uoms = await lookups.find('uom.uom', 'name', lines.map((l) => l.uom), { context: ALL_UNITS });
  const records: OdooRecord[] = [];
  const rows: number[] = [];
  objects.forEach((po, i) => {
    if (failures.has(i)) return;
    const orderLines: unknown[] = [];
    for (const [n, line] of po.lines.entries()) {
      const product = products.get(line.internalRef) ?? [];
      const uom = uoms.get(line.uom) ?? [];
      if (product.length !== 1) {
        failures.add(i, `line ${n + 1}: ${productUnknown(line.internalRef)}`);
        return;
      }
      if (uom.length !== 1) {
        failures.add(i, `line ${n + 1}: ${unitUnknown(line.uom)}`);
        return;
      }
      const vals: OdooRecord = { product_id: product[0]?.id, product_qty: line.quantity, price_unit: line.price, [v.purchaseLineUom]: uom[0]?.id };
      if (line.requestedDate) vals.date_planned = datetimeOfDate(line.requestedDate, tz);
      if (line.description) vals.name = line.description;
      orderLines.push([0, 0, vals]);
    }
    records.push({ partner_id: partners[i]?.id, origin: po.number, date_order: datetimeOfDate(po.orderDate, tz), currency_id: currencies[i]?.id, order_line: orderLines });
    rows.push(i);
  });
  // our PO number travels in `origin`: a re-sent order from the same supplier is left as it is, never created twice
  const writes: PlannedWrite[] = records.length ? [{ odoo: { model: 'purchase.order', operation: 'create_missing', keyFields: ['partner_id', 'origin'] }, payload: records, rows }] : [];
  return { writes, failures: failures.list };
}

/** The PO of each object, checked against the supplier named in it. */
async function purchaseOrders(objects: Array<{ poNumber: string; supplierCode: string }>, lookups: LookupCache, failures: Failures): Promise<Array<OdooRecord | undefined>> {
  const orders = await resolveOne(lookups, failures, objects, (o) => o.poNumber, 'purchase.order', 'name', poUnknown, { fields: ['partner_id', 'order_line', 'picking_ids', 'currency_id'], fresh: true });
  const partners = await resolveOne(lookups, failures, objects, (o) => o.supplierCode, 'res.partner', 'ref', supplierUnknown);
  objects.forEach((o, i) => {
    const po = orders[i];
    if (po && partners[i] && m2oId(po.partner_id) !== partners[i]?.id) failures.add(i, `purchase order "${o.poNumber}" belongs to another supplier than "${o.supplierCode}"`);
  });
  return orders;
}

type LineIdentity = { lineRef?: string | undefined; internalRef?: string | undefined; supplierProductCode?: string | undefined };

/** What the lines of one plan name, resolved in a few batched lookups. */
interface LineKeys {
  /** internalRef → product id */
  byRef: Map<string, number>;
  /** `partnerId/supplierProductCode` → product ids (the variants of a vendor price without a variant) */
  bySupplierCode: Map<string, number[]>;
  /** canonical unit name → unit id */
  units: Map<string, number>;
}

/**
 * A line's product: by our internal reference (`default_code`), or by the
 * supplier's own code through the supplier's vendor prices
 * (`product.supplierinfo.product_code` of the PO's partner).
 */
async function lineKeys(objects: Array<{ lines: Array<LineIdentity & { uom?: string | undefined }> }>, orders: Array<OdooRecord | undefined>, lookups: LookupCache): Promise<LineKeys> {
  const lines = objects.flatMap((o) => o.lines);
  const refs = lines.map((l) => l.internalRef).filter((r): r is string => r !== undefined);
  const byRefFound = await lookups.find('product.product', 'default_code', refs);
  const byRef = new Map([...byRefFound].filter(([, r]) => r.length === 1).map(([k, r]) => [k, r[0]?.id as number]));
  const codes = objects.flatMap((o) => o.lines.filter((l) => l.internalRef === undefined && l.lineRef === undefined).map((l) => l.supplierProductCode)).filter((c): c is string => c !== undefined);
  const partnerIds = [...new Set(orders.map((po) => m2oId(po?.partner_id)).filter((p): p is number => p !== undefined))];
  const bySupplierCode = new Map<string, number[]>();
  if (codes.length && partnerIds.length) {
    const infos = [...(await lookups.find('product.supplierinfo', 'product_code', codes, { fields: ['partner_id', 'product_id', 'product_tmpl_id'], domain: [['partner_id', 'in', partnerIds]] })).values()].flat();
    const templates = infos.filter((i) => !i.product_id).map((i) => m2oId(i.product_tmpl_id)).filter((t): t is number => t !== undefined);
    const variants = templates.length ? await lookups.find('product.product', 'product_tmpl_id', templates) : new Map<string, OdooRecord[]>();
    for (const info of infos) {
      const key = `${m2oId(info.partner_id)}/${String(info.product_code)}`;
      const ids = info.product_id ? [m2oId(info.product_id) as number] : (variants.get(String(m2oId(info.product_tmpl_id))) ?? []).map((v) => v.id as number);
      bySupplierCode.set(key, [...new Set([...(bySupplierCode.get(key) ?? []), ...ids])]);
    }
  }
  return { byRef, bySupplierCode, units: await unitIds(lines.map((l) => l.uom), lookups) };
}

/** A supplier line points at our PO line by its id (lineRef, as we sent it) or by product. */
function matchLine<L extends { id?: number; product_id?: unknown; purchase_line_id?: unknown }>(line: LineIdentity, partnerId: number | undefined, candidates: L[], keys: LineKeys, lineOf: (c: L) => number | undefined = (c) => c.id): L | string {
  if (line.lineRef !== undefined) {
    const hit = candidates.find((c) => String(lineOf(c)) === line.lineRef);
    return hit ?? `line reference "${line.lineRef}" is not a line of this purchase order`;
  }
  let productIds: number[];
  if (line.internalRef !== undefined) {
    const id = keys.byRef.get(line.internalRef);
    productIds = id === undefined ? [] : [id];
  } else {
    productIds = keys.bySupplierCode.get(`${partnerId}/${line.supplierProductCode}`) ?? [];
    if (!productIds.length) return `supplier product code "${line.supplierProductCode}" is not in this supplier's vendor prices (product_code of product.supplierinfo); send internalRef or lineRef`;
  }
  const hits = candidates.filter((c) => productIds.includes(m2oId(c.product_id) as number));
  if (hits.length === 1) return hits[0] as L;
  const what = line.internalRef ?? line.supplierProductCode ?? '?';
  return hits.length ? `product "${what}" is on ${hits.length} lines of this purchase order; send the line reference` : `product "${what}" is not on this purchase order`;
}

/** Every supplier line matched to one of ours, or the first line that matches none (reported on the object). */
function matchLines<L extends { id?: number; product_id?: unknown; purchase_line_id?: unknown }>(lines: Array<LineIdentity & { uom?: string | undefined }>, po: OdooRecord, candidates: L[], keys: LineKeys, fail: (message: string) => void, lineOf?: (c: L) => number | undefined, unitOf?: (c: L) => unknown): L[] | undefined {
  const matched: L[] = [];
  for (const [n, line] of lines.entries()) {
    const target = matchLine(line, m2oId(po.partner_id), candidates, keys, lineOf);
    if (typeof target === 'string') {
      fail(`line ${n + 1}: ${target}`);
      return undefined;
    }
    // quantities are written as sent: a unit other than the line's would silently scale them. Compared by id:
    // the name Odoo shows depends on the context language
    const unit = unitOf?.(target);
    if (line.uom !== undefined && Array.isArray(unit)) {
      const wanted = keys.units.get(line.uom);
      if (wanted === undefined) {
        fail(`line ${n + 1}: ${unitUnknown(line.uom)}`);
        return undefined;
      }
      if (wanted !== m2oId(unit)) {
        fail(`line ${n + 1}: unit "${line.uom}" differs from the order line's unit "${String(unit[1])}"; convert it in the mapping`);
        return undefined;
      }
    }
    matched.push(target);
  }
  return matched;
}

async function poAcks(objects: PoAck[], lookups: LookupCache, v: FieldNames, meta: PlanMeta): Promise<Plan> {
  const failures = new Failures();
  const orders = await purchaseOrders(objects, lookups, failures);
  const lineIds = orders.flatMap((po) => (po?.order_line as number[] | undefined) ?? []);
  const lines = lineIds.length ? await lookups.find('purchase.order.line', 'id', lineIds, { fields: ['order_id', 'product_id', 'product_qty', 'date_planned', v.purchaseLineUom], fresh: true }) : new Map<string, OdooRecord[]>();
  const keys = await lineKeys(objects, orders, lookups);
  const tz = lookups.timeZone();
  const writes: PlannedWrite[] = [];
  objects.forEach((ack, i) => {
    const po = orders[i];
    if (!po || failures.has(i)) return;
    const poLines = ((po.order_line as number[]) ?? []).flatMap((id) => lines.get(String(id)) ?? []);
    const targets = matchLines(ack.lines, po, poLines, keys, (m) => failures.add(i, m, { poNumber: ack.poNumber }), undefined, (c) => c[v.purchaseLineUom]);
    if (!targets) return;
    const lineWrites: OdooRecord[] = [];
    const notes: string[] = [];
    const exceptions: string[] = [];
    for (const [n, line] of ack.lines.entries()) {
      const target = targets[n] as OdooRecord;
      const what = escapeHtml(String(m2oId(target.product_id) !== undefined ? (target.product_id as [number, string])[1] : target.id));
      const exception = ackException(line, target, tz);
      if (exception) exceptions.push(`<li>${what}: ${exception}</li>`);
      const vals: OdooRecord = { id: target.id as number, product_qty: line.status === 'rejected' ? 0 : line.confirmedQty };
      if (line.promisedDate) vals.date_planned = datetimeOfDate(line.promisedDate, tz);
      if (line.price !== undefined) vals.price_unit = line.price;
      lineWrites.push(vals);
      notes.push(`<li>${what}: ${line.status}, ${line.confirmedQty}${line.promisedDate ? ` by ${line.promisedDate}` : ''}${line.price !== undefined ? ` at ${line.price}` : ''}</li>`);
    }
    writes.push({ odoo: { model: 'purchase.order.line', operation: 'write' }, payload: lineWrites, rows: [i] });
    // what differs from the order is said first, so a buyer sees it in the chatter without reading every line
    const warning = exceptions.length ? `<p><strong>Exception</strong>: the supplier did not confirm ${exceptions.length === 1 ? 'a line' : `${exceptions.length} lines`} as ordered:</p><ul>${exceptions.join('')}</ul>` : '';
    const body = `${warning}<p>Supplier acknowledgement${ack.supplierReference ? ` ${escapeHtml(ack.supplierReference)}` : ''} received ${ack.acknowledgedAt}:</p><ul>${notes.join('')}</ul>${correlationLine(meta)}`;
    // a note, once however often the acknowledgement is delivered; the acknowledgement file is attached to the order
    writes.push({ odoo: { model: 'purchase.order', operation: 'note', attach: true }, payload: [{ res_id: po.id as number, body }], rows: [i] });
  });
  return { writes, failures: failures.list };
}

/**
 * Why an acknowledged line is not what was ordered: rejected, backordered,
 * changed, or a quantity or promised date that differs from the order line.
 */
export function ackException(line: PoAck['lines'][number], ordered: OdooRecord, tz: string | undefined): string | undefined {
  const parts: string[] = [];
  if (line.status === 'rejected') parts.push('rejected');
  else {
    if (line.status !== 'accepted') parts.push(line.status);
    const qty = Number(ordered.product_qty);
    if (Number.isFinite(qty) && Math.abs(qty - line.confirmedQty) > 1e-9) parts.push(`quantity ${qty} → ${line.confirmedQty}`);
    const planned = typeof ordered.date_planned === 'string' ? ordered.date_planned : undefined;
    if (line.promisedDate && planned && planned !== datetimeOfDate(line.promisedDate, tz)) parts.push(`date ${localDateOf(planned, tz)} → ${line.promisedDate}`);
  }
  return parts.length ? parts.join(', ') : undefined;
}

/** The day an Odoo datetime (UTC) falls on in the server's time zone. */
function localDateOf(datetime: string, tz: string | undefined): string {
  const at = Date.parse(`${datetime.replace(' ', 'T')}Z`);
  if (!Number.isFinite(at)) return datetime.slice(0, 10);
  return new Date(at + zoneOffsetMs(at, tz)).toISOString().slice(0, 10);
}

async function shipmentNotices(objects: ShipmentNotice[], lookups: LookupCache, v: FieldNames, meta: PlanMeta): Promise<Plan> {
  const failures = new Failures();
  const orders = await purchaseOrders(objects, lookups, failures);
  const pickingIds = orders.flatMap((po) => (po?.picking_ids as number[] | undefined) ?? []);
  const pickings = pickingIds.length ? await lookups.find('stock.picking', 'id', pickingIds, { fields: ['state', 'picking_type_code', v.pickingMoves], fresh: true }) : new Map<string, OdooRecord[]>();
  const moveIds = [...pickings.values()].flat().flatMap((p) => (p[v.pickingMoves] as number[]) ?? []);
  const moves = moveIds.length ? await lookups.find('stock.move', 'id', moveIds, { fields: ['product_id', 'purchase_line_id', 'product_uom_qty', v.stockMoveUom, 'picking_id'], fresh: true }) : new Map<string, OdooRecord[]>();
  const keys = await lineKeys(objects, orders, lookups);
  const tz = lookups.timeZone();
  const writes: PlannedWrite[] = [];
  objects.forEach((asn, i) => {
    const po = orders[i];
    if (!po || failures.has(i)) return;
    const open = ((po.picking_ids as number[]) ?? []).flatMap((id) => pickings.get(String(id)) ?? []).filter((p) => p.picking_type_code === 'incoming' && p.state !== 'done' && p.state !== 'cancel');
    if (open.length === 0) {
      failures.add(i, `purchase order "${asn.poNumber}" has no open incoming receipt (is it confirmed?)`);
      return;
    }
    const candidates = open.flatMap((p) => ((p[v.pickingMoves] as number[]) ?? []).flatMap((id) => moves.get(String(id)) ?? []));
    const targets = matchLines(asn.lines, po, candidates, keys, (m) => failures.add(i, m, { poNumber: asn.poNumber }), (c) => m2oId(c.purchase_line_id), (c) => c[v.stockMoveUom]);
    if (!targets) return;
    const moveWrites: OdooRecord[] = asn.lines.map((line, n) => ({ id: targets[n]?.id as number, [v.stockMoveQuantity]: line.quantity }));
    const dates: OdooRecord = { scheduled_date: datetimeOfDate(asn.expectedArrival ?? asn.shipDate, tz) };
    writes.push({ odoo: { model: 'stock.picking', operation: 'write' }, payload: open.map((p) => ({ id: p.id as number, ...dates })), rows: [i] });
    writes.push({ odoo: { model: 'stock.move', operation: 'write' }, payload: moveWrites, rows: [i] });
    const body = `<p>Shipment notice ${escapeHtml(asn.asnNumber)}: shipped ${asn.shipDate}${asn.expectedArrival ? `, expected ${asn.expectedArrival}` : ''}${asn.carrier ? `, carrier ${escapeHtml(asn.carrier)}` : ''}${asn.trackingNumber ? `, tracking ${escapeHtml(asn.trackingNumber)}` : ''}.</p>${correlationLine(meta)}`;
    // the notice file is attached to the receipts it announces
    writes.push({ odoo: { model: 'stock.picking', operation: 'note', attach: true }, payload: open.map((p) => ({ res_id: p.id as number, body })), rows: [i] });
  });
  return { writes, failures: failures.list };
}

async function supplierInvoices(objects: SupplierInvoice[], lookups: LookupCache): Promise<Plan> {
  const failures = new Failures();
  const orders = await purchaseOrders(objects, lookups, failures);
  const partners = await resolveOne(lookups, failures, objects, (o) => o.supplierCode, 'res.partner', 'ref', supplierUnknown);
  const currencies = await resolveOne(lookups, failures, objects, (o) => o.currency, 'res.currency', 'name', (c) => `currency "${c}" is not known to Odoo`, { context: { active_test: false } });
  const lineIds = orders.flatMap((po) => (po?.order_line as number[] | undefined) ?? []);
  const lines = lineIds.length ? await lookups.find('purchase.order.line', 'id', lineIds, { fields: ['product_id'], fresh: true }) : new Map<string, OdooRecord[]>();
  const keys = await lineKeys(objects, orders, lookups);
  const records: OdooRecord[] = [];
  const rows: number[] = [];
  objects.forEach((inv, i) => {
    const po = orders[i];
    if (!po || failures.has(i)) return;
    const poLines = ((po.order_line as number[]) ?? []).flatMap((id) => lines.get(String(id)) ?? []);
    const targets = matchLines(inv.lines, po, poLines, keys, (m) => failures.add(i, m, { poNumber: inv.poNumber }));
    if (!targets) return;
    const invoiceLines = inv.lines.map((line, n) => {
      const target = targets[n] as OdooRecord;
      return [0, 0, { product_id: m2oId(target.product_id), purchase_line_id: target.id, quantity: line.quantity, price_unit: line.unitPrice, ...(line.description ? { name: line.description } : {}) }];
    });
    const record: OdooRecord = { move_type: 'in_invoice', partner_id: partners[i]?.id, ref: inv.number, invoice_date: inv.invoiceDate, invoice_origin: inv.poNumber, currency_id: currencies[i]?.id, invoice_line_ids: invoiceLines };
    if (inv.dueDate) record.invoice_date_due = inv.dueDate;
    records.push(record);
    rows.push(i);
  });
  // the supplier's invoice number is the idempotency key: a re-sent invoice is left as it is, never created twice;
  // the invoice file is attached to the bill (with a note naming the correlation id)
  const writes: PlannedWrite[] = records.length ? [{ odoo: { model: 'account.move', operation: 'create_missing', keyFields: ['move_type', 'partner_id', 'ref'], attach: true }, payload: records, rows }] : [];
  return { writes, failures: failures.list };
}

async function inventoryEvents(objects: InventoryEvent[], lookups: LookupCache): Promise<Plan> {
  const failures = new Failures();
  objects.forEach((e, i) => {
    if (e.kind === 'move') failures.add(i, `event ${e.eventId}: kind "move" is not applied to Odoo by canonical-map yet; send counts or adjustments`);
    else if (e.lotNumber !== undefined) failures.add(i, `event ${e.eventId}: counts by lot/serial number ("${e.lotNumber}") are not applied to Odoo by canonical-map yet`);
  });
  const products = await resolveOne(lookups, failures, objects, (o) => o.internalRef, 'product.product', 'default_code', productUnknown, { fields: ['uom_id'] });
  const units = await unitIds(objects.map((e) => e.uom), lookups);
  objects.forEach((e, i) => {
    const unit = products[i]?.uom_id;
    // quantities are applied as sent: another unit than the product's would silently scale stock (by id: names are translated)
    if (Array.isArray(unit) && units.get(e.uom) !== unit[0]) failures.add(i, `event ${e.eventId}: unit "${e.uom}" differs from the product's unit "${String(unit[1])}"; convert it in the mapping`);
  });
  // a location is named by its full name ("WH/Stock") or its barcode
  const byName = await lookups.find('stock.location', 'complete_name', objects.map((o) => o.location), { fields: ['usage'] });
  const byBarcode = await lookups.find('stock.location', 'barcode', objects.map((o) => o.location).filter((l) => !byName.has(l)), { fields: ['usage'] });
  const locations = objects.map((o, i) => {
    if (failures.has(i)) return undefined;
    const hits = byName.get(o.location) ?? byBarcode.get(o.location) ?? [];
    if (hits.length !== 1) failures.add(i, `location "${o.location}" is not the full name or barcode of ${hits.length ? 'exactly one' : 'any'} stock location in Odoo`);
    return hits.length === 1 ? hits[0] : undefined;
  });
  // events of one message fold per quant in order: a count then adjustments is a count; adjustments add up.
  // Deltas are not turned into quantities here: odoo-write adds them to what Odoo holds when it writes.
  const byQuant = new Map<string, { record: OdooRecord; count: boolean; rows: number[]; events: string[] }>();
  objects.forEach((e, i) => {
    if (failures.has(i)) return;
    const product_id = products[i]?.id as number;
    const location_id = locations[i]?.id as number;
    const k = `${product_id}/${location_id}`;
    const seen = byQuant.get(k);
    const events = [...(seen?.events ?? []), e.eventId];
    if (e.kind === 'count') {
      byQuant.set(k, { record: { product_id, location_id, inventory_quantity: e.quantity }, count: true, rows: [...(seen?.rows ?? []), i], events });
    } else if (seen?.count) {
      seen.record.inventory_quantity = Number(seen.record.inventory_quantity) + e.quantity;
      seen.rows.push(i);
      seen.events = events;
    } else {
      byQuant.set(k, { record: { product_id, location_id, quantity: Number(seen?.record.quantity ?? 0) + e.quantity }, count: false, rows: [...(seen?.rows ?? []), i], events });
    }
  });
  const counts = [...byQuant.values()].filter((q) => q.count);
  const adjusts = [...byQuant.values()].filter((q) => !q.count);
  const writes: PlannedWrite[] = [];
  // a count is absolute (repeating it changes nothing); an adjustment is applied once per set of event ids
  if (counts.length) writes.push({ odoo: { model: 'stock.quant', operation: 'set_quant' }, payload: counts.map((q) => q.record), rows: counts.flatMap((q) => q.rows) });
  if (adjusts.length) writes.push({ odoo: { model: 'stock.quant', operation: 'adjust_quant', keys: adjusts.map((q) => `events:${q.events.join(',')}`) }, payload: adjusts.map((q) => q.record), rows: adjusts.flatMap((q) => q.rows) });
  return { writes, failures: failures.list };
}

/** The Odoo operations that apply these canonical objects (all of one schema). */
export async function planToOdoo(schemaId: string, objects: unknown[], lookups: LookupCache, meta: PlanMeta = {}): Promise<Plan> {
  const plan = await planBySchema(schemaId, objects, lookups, meta);
  // an optional canonical field left out is absent in Odoo's write too, never a field set to nothing
  return { ...plan, writes: plan.writes.map((w) => ({ ...w, payload: withoutUndefined(w.payload) })) };
}

async function planBySchema(schemaId: string, objects: unknown[], lookups: LookupCache, meta: PlanMeta): Promise<Plan> {
  const fields = async (): Promise<FieldNames> => (await lookups.version()).fields;
  switch (schemaId) {
    case 'supplier-price@1':
      return supplierPrices(objects as SupplierPrice[], lookups, await fields());
    case 'purchase-order@1':
      return purchaseOrdersToOdoo(objects as PurchaseOrder[], lookups, await fields());
    case 'po-ack@1':
      return poAcks(objects as PoAck[], lookups, await fields(), meta);
    case 'shipment-notice@1':
      return shipmentNotices(objects as ShipmentNotice[], lookups, await fields(), meta);
    case 'supplier-invoice@1':
      return supplierInvoices(objects as SupplierInvoice[], lookups);
    case 'inventory-event@1':
      return inventoryEvents(objects as InventoryEvent[], lookups);
    default:
      throw badInput(`canonical object "${schemaId}" has no mapping to Odoo`);
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

/**
 * The Odoo rights applying each canonical object needs (the lookups above and the
 * writes odoo-write makes of their plans): what Check access asks Odoo about a
 * deployed `canonical-map` (to Odoo). `note` posts in the chatter, which needs
 * write on the document (mail.thread's `_mail_post_access`).
 */
export const SCHEMA_ODOO_ACCESS: Record<ToOdooSchema, ReadonlyArray<readonly [string, ReadonlyArray<'read' | 'create' | 'write' | 'unlink'>]>> = {
  'supplier-price@1': [
    ['res.partner', ['read']],
    ['product.product', ['read']],
    ['res.currency', ['read']],
    ['uom.uom', ['read']],
    ['product.supplierinfo', ['read', 'create', 'write']],
  ],
  'purchase-order@1': [
    ['res.partner', ['read']],
    ['res.currency', ['read']],
    ['product.product', ['read']],
    ['uom.uom', ['read']],
    ['purchase.order', ['read', 'create']],
    ['purchase.order.line', ['create']],
  ],
  'po-ack@1': [
    ['res.partner', ['read']],
    ['product.product', ['read']],
    ['product.supplierinfo', ['read']],
    ['purchase.order', ['read', 'write']],
    ['purchase.order.line', ['read', 'write']],
  ],
  'shipment-notice@1': [
    ['res.partner', ['read']],
    ['product.product', ['read']],
    ['purchase.order', ['read']],
    ['purchase.order.line', ['read']],
    ['stock.picking', ['read', 'write']],
    ['stock.move', ['read', 'write']],
  ],
  'supplier-invoice@1': [
    ['res.partner', ['read']],
    ['res.currency', ['read']],
    ['product.product', ['read']],
    ['purchase.order', ['read']],
    ['purchase.order.line', ['read']],
    ['account.move', ['read', 'create']],
  ],
  'inventory-event@1': [
    ['product.product', ['read']],
    ['stock.location', ['read']],
    ['stock.picking.type', ['read']],
    ['stock.quant', ['read', 'create', 'write']],
    ['stock.picking', ['read', 'create', 'write']],
    ['stock.move', ['create', 'write']],
  ],
};
