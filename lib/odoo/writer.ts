import { badInput, IntegrationError } from '../errors';
import { Batcher, BatcherOptions, ItemOutcome } from './batcher';
import type { Context, OdooClient, OdooRecord } from './client';

/**
 * `create_missing`: create by key when absent, leave an existing record alone
 * (documents with lines: a re-sent PO or bill must not be created twice nor get
 * its lines appended again). `adjust_quant`: add `quantity` to the on-hand
 * quantity of (product_id, location_id), computed when the batch runs.
 */
export type WriteOperation = 'create' | 'write' | 'unlink' | 'upsert' | 'upsert_xid' | 'create_missing' | 'adjust_quant';

/** Operations that read before they write: their batches of one key run one after another. */
const READ_THEN_WRITE = new Set<WriteOperation>(['upsert', 'upsert_xid', 'create_missing', 'adjust_quant']);

export interface WriteRequest {
  operation: WriteOperation;
  model: string;
  /** create/upsert: the values; write: the values plus `id` (or `ids`); unlink: `{id}`; upsert_xid: values plus `xid`. */
  record: OdooRecord;
  /** upsert: the business key fields, e.g. ['default_code']. */
  keyFields?: string[];
  context?: Context;
}

export interface WriteResult {
  id: number | number[];
  action: 'created' | 'updated' | 'unchanged' | 'deleted' | 'loaded' | 'adjusted';
}

type Item = WriteRequest;

const KEY_SEPARATOR = '\u0000';

/**
 * Turns single-record writes into batched Odoo calls: one `create(vals_list)`,
 * one `write` per identical vals, one `unlink`, one search + create + writes per
 * upsert batch, one `load` per external-id batch.
 */
export class OdooWriter {
  private readonly batcher: Batcher<Item, WriteResult>;
  private readonly fieldInfo = new Map<string, Promise<Record<string, { type: string; digits?: [number, number] }>>>();

  constructor(
    private readonly client: OdooClient,
    options: BatcherOptions,
  ) {
    this.batcher = new Batcher<Item, WriteResult>({ ...options, sequential: (key) => READ_THEN_WRITE.has(key.split(KEY_SEPARATOR)[0] as WriteOperation) }, (_key, items) => this.execute(items));
  }

  /** Number of Odoo calls made for batches (splits included). */
  get batchCalls(): number {
    return this.batcher.calls;
  }

  submit(req: WriteRequest): Promise<WriteResult> {
    try {
      return this.batcher.submit(batchKey(req), checkRequest(req));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  flush(): Promise<void> {
    return this.batcher.flush();
  }

  private execute(items: Item[]): Promise<Array<WriteResult | ItemOutcome<WriteResult>>> {
    const first = items[0] as Item;
    const { model, context } = first;
    switch (first.operation) {
      case 'create':
        return this.client.create(model, items.map((i) => i.record), context).then((ids) => ids.map((id) => ({ id, action: 'created' as const })));
      case 'write': {
        const ids = items.flatMap((i) => recordIds(i.record));
        const vals = withoutIds(first.record);
        return this.client.write(model, ids, vals, context).then(() => items.map((i) => ({ id: single(recordIds(i.record)), action: 'updated' as const })));
      }
      case 'unlink': {
        const ids = items.flatMap((i) => recordIds(i.record));
        return this.client.unlink(model, ids, context).then(() => items.map((i) => ({ id: single(recordIds(i.record)), action: 'deleted' as const })));
      }
      case 'upsert':
        return this.upsertInRounds(model, first.keyFields ?? [], items, context, false);
      case 'create_missing':
        return this.upsertInRounds(model, first.keyFields ?? [], items, context, true);
      case 'adjust_quant':
        return this.adjustQuants(items, context);
      case 'upsert_xid':
        return this.upsertByExternalId(model, items, context);
    }
  }

  /** The same key twice in one batch goes to a later round, so the second one updates what the first created. */
  private async upsertInRounds(model: string, keyFields: string[], items: Item[], context: Context | undefined, createOnly: boolean): Promise<Array<ItemOutcome<WriteResult>>> {
    const info = await this.fieldsOf(model);
    items = items.map((i) => ({ ...i, record: roundToDigits(i.record, info) }));
    const rounds: number[][] = [];
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const k = JSON.stringify(keyFields.map((f) => comparable(item.record[f])));
      const round = seen.get(k) ?? 0;
      seen.set(k, round + 1);
      (rounds[round] ??= []).push(i);
    });
    const outcomes: Array<ItemOutcome<WriteResult>> = new Array(items.length);
    for (const round of rounds) {
      const results = await this.upsertByKey(model, keyFields, round.map((i) => items[i] as Item), context, createOnly);
      round.forEach((itemIndex, n) => {
        outcomes[itemIndex] = results[n] as ItemOutcome<WriteResult>;
      });
    }
    return outcomes;
  }

  /** One search for the batch, one create for the new ones, writes only where something changed. Keys are unique here. */
  private async upsertByKey(model: string, keyFields: string[], items: Item[], context: Context | undefined, createOnly: boolean): Promise<Array<ItemOutcome<WriteResult>>> {
    const keyOf = (r: OdooRecord) => JSON.stringify(keyFields.map((f) => comparable(r[f])));
    // x2many values are commands, not state: never read them back (and never compare them)
    const fields = [...new Set([...keyFields, ...(createOnly ? [] : items.flatMap((i) => Object.keys(i.record)))])];
    const existing = await this.client.searchRead(model, { domain: keyDomain(keyFields, items.map((i) => i.record)), fields, ...(context ? { context } : {}) });
    const byKey = new Map<string, OdooRecord[]>();
    for (const rec of existing) {
      const k = keyOf(rec);
      byKey.set(k, [...(byKey.get(k) ?? []), rec]);
    }

    const outcomes: Array<ItemOutcome<WriteResult> | undefined> = new Array(items.length);
    const toCreate: number[] = [];
    const writes = new Map<string, { vals: OdooRecord; ids: number[]; idx: number[] }>();
    items.forEach((item, i) => {
      const k = keyOf(item.record);
      const matches = byKey.get(k) ?? [];
      if (matches.length > 1) {
        outcomes[i] = { ok: false, error: badInput(`${matches.length} ${model} records have ${describeKey(keyFields, item.record)}; an upsert key must match at most one`, { ids: matches.map((m) => m.id) }) };
        return;
      }
      const match = matches[0];
      if (!match) {
        toCreate.push(i);
        return;
      }
      const changed = createOnly ? {} : changedValues(item.record, match);
      if (Object.keys(changed).length === 0) {
        outcomes[i] = { ok: true, value: { id: match.id as number, action: 'unchanged' } };
        return;
      }
      const wk = JSON.stringify(changed);
      const group = writes.get(wk) ?? { vals: changed, ids: [], idx: [] };
      group.ids.push(match.id as number);
      group.idx.push(i);
      writes.set(wk, group);
    });

    if (toCreate.length) {
      const ids = await this.client.create(model, toCreate.map((i) => (items[i] as Item).record), context);
      toCreate.forEach((itemIndex, n) => {
        outcomes[itemIndex] = { ok: true, value: { id: ids[n] as number, action: 'created' } };
      });
    }
    for (const group of writes.values()) {
      await this.client.write(model, group.ids, group.vals, context);
      group.idx.forEach((itemIndex, n) => {
        outcomes[itemIndex] = { ok: true, value: { id: group.ids[n] as number, action: 'updated' } };
      });
    }
    return outcomes as Array<ItemOutcome<WriteResult>>;
  }

  /** Odoo's `load` creates or updates by external id in one call and names the rows it refuses. */
  private async upsertByExternalId(model: string, items: Item[], context?: Context): Promise<Array<ItemOutcome<WriteResult>>> {
    const info = await this.fieldsOf(model);
    const valueFields = [...new Set(items.flatMap((i) => Object.keys(i.record).filter((f) => f !== 'xid')))];
    const columns = valueFields.map((f) => loadColumn(f, info[f]?.type, items));
    const rows = items.map((i) => [String(i.record.xid), ...valueFields.map((f) => loadCell(i.record[f]))]);
    const result = await this.client.load(model, ['id', ...columns], rows, context);
    if (result.ids) {
      const ids = result.ids;
      return items.map((_i, n) => ({ ok: true, value: { id: ids[n] as number, action: 'loaded' } }));
    }
    const errors = result.messages.filter((m) => m.type === 'error');
    const badRows = new Map<number, string>();
    for (const m of errors) {
      const from = m.rows?.from ?? m.record;
      const to = m.rows?.to ?? m.record;
      if (from === undefined || to === undefined) continue;
      for (let r = from; r <= to; r++) badRows.set(r, `${badRows.has(r) ? `${badRows.get(r)}; ` : ''}${m.field ? `${m.field}: ` : ''}${m.message}`);
    }
    // A refusal that names no row cannot be pinned here; the batcher splits the batch to find it.
    if (badRows.size === 0) throw new IntegrationError({ message: errors.map((e) => e.message).join('; ') || 'load refused the batch', code: 'VALIDATION', transient: false, details: { messages: result.messages } });
    const good = items.filter((_i, n) => !badRows.has(n));
    const goodResults = good.length ? await this.upsertByExternalId(model, good, context) : [];
    let g = 0;
    return items.map((_i, n) => {
      const bad = badRows.get(n);
      if (bad !== undefined) return { ok: false as const, error: new IntegrationError({ message: `load refused row: ${bad}`, code: 'VALIDATION', transient: false, odooException: 'load' }) };
      return goodResults[g++] as ItemOutcome<WriteResult>;
    });
  }

  /** Field types and float digits, once per model: for `load` columns and for comparing what Odoo rounds. */
  private fieldsOf(model: string): Promise<Record<string, { type: string; digits?: [number, number] }>> {
    let info = this.fieldInfo.get(model);
    if (!info) {
      info = this.client.fieldsGet(model, ['type', 'digits']).then((f) =>
        Object.fromEntries(Object.entries(f).map(([k, v]) => [k, { type: String(v.type), ...(Array.isArray(v.digits) ? { digits: v.digits as [number, number] } : {}) }])),
      );
      info.catch(() => this.fieldInfo.delete(model));
      this.fieldInfo.set(model, info);
    }
    return info;
  }

  /**
   * Adds each item's `quantity` to what Odoo holds now for (product, location):
   * read when the batch runs (batches of this operation never overlap), then
   * set as the counted quantity in inventory mode and applied.
   */
  private async adjustQuants(items: Item[], context?: Context): Promise<WriteResult[]> {
    const key = (r: OdooRecord) => `${String(r.product_id)}/${String(r.location_id)}`;
    const quants = await this.client.searchRead('stock.quant', {
      domain: [['product_id', 'in', [...new Set(items.map((i) => i.record.product_id))]], ['location_id', 'in', [...new Set(items.map((i) => i.record.location_id))]]],
      fields: ['product_id', 'location_id', 'quantity'],
    });
    const onHand = new Map<string, number>();
    for (const q of quants) {
      const k = `${String(comparable(q.product_id))}/${String(comparable(q.location_id))}`;
      onHand.set(k, (onHand.get(k) ?? 0) + Number(q.quantity ?? 0));
    }
    const target = new Map<string, OdooRecord>();
    for (const i of items) {
      const k = key(i.record);
      const quantity = (onHand.get(k) ?? 0) + Number(i.record.quantity);
      onHand.set(k, quantity);
      target.set(k, { product_id: i.record.product_id, location_id: i.record.location_id, inventory_quantity: quantity });
    }
    const ctx = { ...(context ?? {}), inventory_mode: true };
    const ids = await this.client.create('stock.quant', [...target.values()], ctx);
    await this.client.call('stock.quant', 'action_apply_inventory', { ids, context: ctx });
    const idByKey = new Map([...target.keys()].map((k, n) => [k, ids[n] as number]));
    return items.map((i) => ({ id: idByKey.get(key(i.record)) as number, action: 'adjusted' as const }));
  }
}

/** Odoo stores floats at the field's digits: compare and search with the value it will keep. */
function roundToDigits(record: OdooRecord, info: Record<string, { type: string; digits?: [number, number] }>): OdooRecord {
  let out: OdooRecord | undefined;
  for (const [field, value] of Object.entries(record)) {
    const digits = info[field]?.digits?.[1];
    if (typeof value !== 'number' || digits === undefined || info[field]?.type !== 'float') continue;
    const rounded = Number(value.toFixed(digits));
    if (rounded !== value) (out ??= { ...record })[field] = rounded;
  }
  return out ?? record;
}

function checkRequest(req: WriteRequest): WriteRequest {
  const r = req.record;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw badInput(`each record must be an object, got ${r === null ? 'null' : Array.isArray(r) ? 'an array' : typeof r}`);
  if (!req.model) throw badInput('no model given');
  switch (req.operation) {
    case 'write':
    case 'unlink':
      if (recordIds(r).length === 0) throw badInput(`${req.operation} needs the record's "id" (a positive integer), got ${JSON.stringify(r.id ?? r.ids)}`);
      break;
    case 'adjust_quant':
      for (const f of ['product_id', 'location_id']) {
        if (!Number.isInteger(r[f])) throw badInput(`adjust_quant needs "${f}" as a record id, got ${JSON.stringify(r[f])}`);
      }
      if (typeof r.quantity !== 'number' || !Number.isFinite(r.quantity)) throw badInput(`adjust_quant needs a numeric "quantity" (the delta), got ${JSON.stringify(r.quantity)}`);
      break;
    case 'upsert':
    case 'create_missing':
      if (!req.keyFields || req.keyFields.length === 0) throw badInput(`${req.operation} needs key fields (e.g. default_code)`);
      for (const f of req.keyFields) {
        if (r[f] === undefined) throw badInput(`upsert key field "${f}" is missing in the record`);
      }
      // one empty part of a composite key is a value ("no start date"); an all-empty key would match anything
      if (req.keyFields.every((f) => r[f] === null || r[f] === '' || r[f] === false)) throw badInput(`upsert key (${req.keyFields.join(', ')}) is empty in the record`);
      break;
    case 'upsert_xid':
      if (typeof r.xid !== 'string' || !r.xid) throw badInput('upsert by external id needs "xid" (e.g. "supplier_import.acme_123") in each record');
      break;
    case 'create':
      break;
    default:
      throw badInput(`unknown write operation "${String(req.operation)}"`);
  }
  return req;
}

function batchKey(req: WriteRequest): string {
  const parts: string[] = [req.operation, req.model, JSON.stringify(req.context ?? {})];
  if (req.operation === 'write') parts.push(JSON.stringify(withoutIds(req.record)));
  if (req.operation === 'upsert' || req.operation === 'create_missing') parts.push(JSON.stringify(req.keyFields));
  // one `load` has one set of columns: records with other fields, or ids where others give names, go in another batch
  if (req.operation === 'upsert_xid') {
    parts.push(Object.keys(req.record).sort().map((f) => `${f}:${typeof req.record[f] === 'number' || (Array.isArray(req.record[f]) && typeof (req.record[f] as unknown[])[0] === 'number') ? 'id' : 'v'}`).join(','));
  }
  return parts.join(KEY_SEPARATOR);
}

function recordIds(r: OdooRecord): number[] {
  const raw = r.ids ?? r.id;
  const list = Array.isArray(raw) ? raw : [raw];
  return list.every((x) => Number.isInteger(x) && (x as number) > 0) ? (list as number[]) : [];
}

function single(ids: number[]): number | number[] {
  return ids.length === 1 ? (ids[0] as number) : ids;
}

function withoutIds(r: OdooRecord): OdooRecord {
  const { id: _id, ids: _ids, ...vals } = r;
  return vals;
}

/** Many2one values come back as [id, name]; compare by id. */
function comparable(v: unknown): unknown {
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string') return v[0];
  if (v === null || v === undefined) return false;
  return v;
}

function sameValue(wanted: unknown, current: unknown): boolean {
  // x2many commands describe changes, not state: always send them
  if (Array.isArray(wanted) && wanted.some((c) => Array.isArray(c))) return false;
  const a = comparable(wanted);
  const b = comparable(current);
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(a));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
  return a === b || ((a === false || a === '') && (b === false || b === ''));
}

function changedValues(wanted: OdooRecord, current: OdooRecord): OdooRecord {
  const out: OdooRecord = {};
  for (const [field, value] of Object.entries(wanted)) {
    if (field === 'id') continue;
    if (!sameValue(value, current[field])) out[field] = value;
  }
  return out;
}

function keyDomain(keyFields: string[], records: OdooRecord[]): unknown[] {
  if (keyFields.length === 1) {
    const f = keyFields[0] as string;
    return [[f, 'in', [...new Set(records.map((r) => comparable(r[f])))]]];
  }
  const seen = new Set<string>();
  const clauses: unknown[][] = [];
  for (const r of records) {
    const values = keyFields.map((f) => comparable(r[f]));
    const k = JSON.stringify(values);
    if (seen.has(k)) continue;
    seen.add(k);
    clauses.push([...Array<string>(keyFields.length - 1).fill('&'), ...keyFields.map((f, i) => [f, '=', values[i]])]);
  }
  return [...Array<string>(clauses.length - 1).fill('|'), ...clauses.flat()];
}

function describeKey(keyFields: string[], r: OdooRecord): string {
  return keyFields.map((f) => `${f}=${JSON.stringify(comparable(r[f]))}`).join(', ');
}

/** `load` takes text cells; relational columns by database id use the `field/.id` header. */
function loadColumn(field: string, type: string | undefined, items: Item[]): string {
  if (field.includes('/')) return field;
  const relational = type === 'many2one' || type === 'many2many' || type === 'one2many';
  const numeric = items.some((i) => typeof i.record[field] === 'number' || (Array.isArray(i.record[field]) && typeof (i.record[field] as unknown[])[0] === 'number'));
  return relational && numeric ? `${field}/.id` : field;
}

function loadCell(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (v === true) return '1';
  if (Array.isArray(v)) return v.map((x) => String(comparable(x))).join(',');
  return String(v);
}

/** msg.payload of odoo-write: one record or a list of records. */
export function recordsOf(payload: unknown): OdooRecord[] {
  if (typeof payload !== 'object' || payload === null) {
    throw badInput(`msg.payload must be a record (object) or a list of records, got ${payload === null ? 'null' : typeof payload}`);
  }
  const records = (Array.isArray(payload) ? payload : [payload]) as OdooRecord[];
  if (records.length === 0) throw badInput('msg.payload is an empty list: nothing to write');
  return records;
}

/** One error for the failed rows of an array: transient only if every failure is. */
export function failureSummary(failed: Array<{ index: number; error: IntegrationError }>, total: number): IntegrationError {
  const first = (failed[0] as { error: IntegrationError }).error;
  return new IntegrationError({
    message: `${failed.length} of ${total} records failed; first (row ${(failed[0] as { index: number }).index + 1}): ${first.message}`,
    code: first.code,
    // one permanent failure means retrying the whole set cannot succeed
    transient: failed.every((f) => f.error.transient),
    // rows are 1-based, as canonical-map counts them
    details: { failures: failed.map((f) => ({ row: f.index + 1, message: f.error.message, code: f.error.code, transient: f.error.transient })) },
  });
}

export function modelOf(configured: string | undefined, msgOdoo: unknown): string {
  const model = configured ?? (msgOdoo as { model?: unknown } | undefined)?.model;
  if (typeof model !== 'string' || !model) throw badInput('no model: set it in the node or in msg.odoo.model');
  return model;
}
