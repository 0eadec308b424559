import { createHash } from 'node:crypto';
import { badInput, classifyError, classifyLoadMessage, IntegrationError, withEffect } from '../errors';
import { Batcher, BatcherOptions, ItemOutcome } from './batcher';
import { writeBatches } from '../metrics';
import { withoutUndefined, type Context, type LoadResult, type OdooClient, type OdooRecord } from './client';
import { externalIdFor, FieldTypes, loadCell, loadMatrix, stableJson } from './idempotency';
import { KeyOrder } from './order';
import { PgKeyLock, type SharedKeyLock } from './key-lock';
import { sharedDatabaseUrl } from '../util/pg';
import { StockWriter } from './stock';

/**
 * `create_missing`: create by key when absent, leave an existing record alone
 * (documents with lines: a re-sent PO or bill must not be created twice nor get
 * its lines appended again). `adjust_quant`: add `quantity` to the on-hand
 * quantity of (product_id, location_id), applied by Odoo as a stock move.
 * `set_quant`: set the on-hand quantity of (product_id, location_id) to the
 * counted `inventory_quantity`. `note`: post `body` as a note in the chatter
 * of record `res_id`, once (with `attachment_ids`, those files are linked to it).
 * `attach`: attach a file (`name`, `datas` base64, `mimetype`) to record
 * `res_id` of `model` as an `ir.attachment`, once: a file with the same bytes
 * (Odoo's SHA-1 `checksum`) already on that record is not attached again.
 */
export type WriteOperation = 'create' | 'write' | 'unlink' | 'upsert' | 'upsert_xid' | 'create_missing' | 'adjust_quant' | 'set_quant' | 'note' | 'attach';

export interface WriteRequest {
  operation: WriteOperation;
  model: string;
  /** create/upsert: the values; write: the values plus `id` (or `ids`); unlink: `{id}`; upsert_xid: values plus `xid`. */
  record: OdooRecord;
  /** upsert: the business key fields, e.g. ['default_code']. */
  keyFields?: string[];
  context?: Context;
  /**
   * The same for every delivery of this write (a message id and row, a plant
   * event id). With it a plain `create` and `adjust_quant` cannot apply twice.
   */
  idempotencyKey?: string;
}

export interface WriteResult {
  id: number | number[];
  action: 'created' | 'updated' | 'unchanged' | 'deleted' | 'loaded' | 'adjusted' | 'counted' | 'posted' | 'attached';
}

type Item = WriteRequest;

const KEY_SEPARATOR = '\u0000';

/**
 * Whether sending the same request again cannot apply it twice. Upserts,
 * writes of absolute values, unlinks and counts are; creates and stock
 * adjustments are when they carry an idempotency key.
 */
export function isIdempotent(req: Pick<WriteRequest, 'operation' | 'idempotencyKey' | 'record'>): boolean {
  switch (req.operation) {
    case 'create':
    case 'adjust_quant':
      return typeof req.idempotencyKey === 'string' && req.idempotencyKey !== '';
    case 'write':
      // x2many commands add or remove lines: not absolute
      return !Object.values(req.record).some((v) => Array.isArray(v) && v.some((c) => Array.isArray(c) && c[0] !== 6));
    default:
      return true;
  }
}

/** Reads never change anything: a failed read was not applied, whatever happened to its answer. */
function readFailure(err: unknown): never {
  const e = classifyError(err);
  throw withEffect(e, { applied: 'no', idempotent: true });
}

/** Failures that every record with the same fields shares. */
const SHARED_BY_FIELDS = new Set(['UNKNOWN_FIELD', 'ACCESS']);
/** Failures one record's data can cause (the batcher's rule). */
const RECORD_LEVEL_CODES = new Set(['VALIDATION', 'MISSING_RECORD', 'BAD_INPUT', 'SERVER_ERROR']);

const writers = new WeakMap<OdooClient, OdooWriter>();

/**
 * The one writer of an Odoo connection, shared by every node using that
 * `odoo-config`: its ordering of record keys holds across nodes. With
 * ODOO_SUPPLY_DATABASE_URL set, across instances too (a PostgreSQL key lock,
 * see ./key-lock.ts); unset, no PostgreSQL is involved.
 */
export function writerOf(client: OdooClient, defaults: BatcherOptions = { maxSize: 200, windowMs: 50 }, env: NodeJS.ProcessEnv = process.env): OdooWriter {
  let w = writers.get(client);
  if (!w) {
    const url = sharedDatabaseUrl(env);
    w = new OdooWriter(client, defaults, url ? new PgKeyLock({ connection: url, scope: lockScope(client) }) : undefined);
    writers.set(client, w);
  }
  return w;
}

/**
 * Ends the writer of a closing connection (its shared key lock, if any). It
 * stays the connection's writer: a late write fails (transient) instead of
 * opening a lock connection nothing would close. Never rejects.
 */
export async function closeWriterOf(client: OdooClient): Promise<void> {
  await writers.get(client)?.close().catch(() => undefined);
}

/**
 * The keys of one Odoo database share locks whichever instance writes them:
 * by database name (instances may reach one Odoo by different addresses),
 * else by the server's address.
 */
export function lockScope(client: OdooClient): string {
  const db = client.options.database?.trim();
  if (db) return `db:${db}`;
  try {
    const u = new URL(client.options.url);
    return `url:${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return `url:${client.options.url}`;
  }
}

/**
 * Turns single-record writes into batched Odoo calls: one `create(vals_list)`
 * (or one `load` with external ids when the creation must survive a replay),
 * one `write` per identical vals, one `unlink`, one search + load + writes per
 * upsert batch, one `load` per external-id batch. Writes on the same record
 * key (id, business key, external id, quant) run one after another in arrival
 * order, whichever node sent them; different keys batch and run in parallel.
 */
export class OdooWriter {
  private readonly batcher: Batcher<Item, WriteResult>;
  private readonly order: KeyOrder;
  private readonly stock: StockWriter;
  private readonly fieldInfo = new Map<string, Promise<FieldTypes & Record<string, { type: string; relation?: string }>>>();
  /** Items whose record this writer created in an earlier attempt of the same batch (a batch re-run after a split). */
  private readonly created = new WeakMap<Item, number>();

  /**
   * `sharedLock`: the per-key order holds across the instances sharing it
   * (see ./key-lock.ts); without it, within this process.
   */
  constructor(
    private readonly client: OdooClient,
    private readonly defaults: BatcherOptions,
    readonly sharedLock?: SharedKeyLock,
  ) {
    this.order = new KeyOrder(sharedLock);
    this.batcher = new Batcher<Item, WriteResult>(defaults, (_key, items) => this.execute(items));
    this.stock = new StockWriter(client);
  }

  /** Number of Odoo calls made for batches (splits included). */
  get batchCalls(): number {
    return this.batcher.calls;
  }

  /** Writes queued, waiting for their key, or in flight. */
  get pending(): number {
    return this.waiting + this.batcher.queued + this.batcher.running;
  }

  private waiting = 0;

  submit(req: WriteRequest, batch?: BatcherOptions): Promise<WriteResult> {
    let checked: WriteRequest;
    try {
      // an undefined value is no value: never compared, hashed or sent
      checked = checkRequest({ ...req, record: withoutUndefined(req.record) });
    } catch (err) {
      return Promise.reject(withEffect(classifyError(err), { applied: 'no', idempotent: true }));
    }
    const idempotent = isIdempotent(checked);
    const options = batch && (batch.maxSize !== this.defaults.maxSize || batch.windowMs !== this.defaults.windowMs) ? batch : undefined;
    this.waiting++;
    let waits = true;
    // a write can fail while it waits (the shared key lock unreachable): it waits no more either way
    const waited = () => {
      if (waits) this.waiting--;
      waits = false;
    };
    return this.order
      .run(recordKeys(checked), () => {
        waited();
        return this.batcher.submit(batchKey(checked), checked, options);
      })
      .catch((err: unknown) => {
        waited();
        const e = classifyError(err);
        throw withEffect(e, { applied: e.applied ?? 'unknown', idempotent });
      });
  }

  /** Sends everything queued now and waits until every write accepted so far is answered. */
  async flush(): Promise<void> {
    do {
      await this.batcher.flush();
      if (this.waiting > 0) await new Promise((r) => setTimeout(r, 5));
    } while (this.waiting > 0 || this.batcher.queued > 0 || this.batcher.running > 0);
  }

  /** Releases the shared key lock (its connection); writes waiting for it fail as transient. */
  async close(): Promise<void> {
    await this.sharedLock?.close();
  }

  private execute(items: Item[]): Promise<Array<WriteResult | ItemOutcome<WriteResult>>> {
    const first = items[0] as Item;
    const { model, context } = first;
    writeBatches.observe({ model, operation: first.operation }, items.length);
    switch (first.operation) {
      case 'create':
        return this.createAll(model, items, context);
      case 'write': {
        const ids = items.flatMap((i) => recordIds(i.record));
        const vals = withoutIds(first.record);
        return this.client.write(model, ids, vals, context).then(() => items.map((i) => ({ id: single(recordIds(i.record)), action: 'updated' as const })));
      }
      case 'unlink':
        return this.unlinkExisting(model, items, context);
      case 'upsert':
        return this.upsertInRounds(model, first.keyFields ?? [], items, context, false);
      case 'create_missing':
        return this.upsertInRounds(model, first.keyFields ?? [], items, context, true);
      case 'adjust_quant':
        return this.stock
          .adjust(
            items.map((i) => ({ product_id: i.record.product_id as number, location_id: i.record.location_id as number, quantity: Number(i.record.quantity), ...(i.idempotencyKey ? { key: i.idempotencyKey } : {}) })),
            context,
          )
          .catch(readFailure);
      case 'set_quant':
        return this.stock.count(
          items.map((i) => ({ product_id: i.record.product_id as number, location_id: i.record.location_id as number, quantity: Number(i.record.inventory_quantity) })),
          context,
        );
      case 'upsert_xid':
        return this.upsertByExternalId(model, items, context);
      case 'note':
        return this.postNotes(model, items, context);
      case 'attach':
        return this.attachFiles(model, items);
    }
  }

  /**
   * Files attached to records, each once. Odoo keeps the SHA-1 of an
   * attachment's bytes in `checksum`: one search finds the files of this batch
   * already on their records (a replay, or a retry after an answer was lost),
   * one create attaches the others. Writes on one record run in arrival order
   * (its record key), so two deliveries of the same file cannot both miss the
   * search in this writer. No context is passed: a document's `default_type`
   * would become the attachment's type.
   */
  private async attachFiles(model: string, items: Item[]): Promise<WriteResult[]> {
    const sums = items.map((i) => createHash('sha1').update(Buffer.from(String(i.record.datas), 'base64')).digest('hex'));
    const resIds = [...new Set(items.map((i) => i.record.res_id as number))];
    const found = await this.client
      .searchRead('ir.attachment', { domain: [['res_model', '=', model], ['res_id', 'in', resIds], ['checksum', 'in', [...new Set(sums)]]], fields: ['res_id', 'checksum'], order: 'id' })
      .catch(readFailure);
    const results: WriteResult[] = new Array(items.length);
    const toCreate = new Map<string, number[]>();
    items.forEach((item, n) => {
      const hit = found.find((a) => a.res_id === item.record.res_id && a.checksum === sums[n]);
      if (hit) results[n] = { id: hit.id as number, action: 'unchanged' };
      else {
        const k = `${String(item.record.res_id)}/${sums[n] as string}`;
        toCreate.set(k, [...(toCreate.get(k) ?? []), n]);
      }
    });
    if (toCreate.size) {
      const groups = [...toCreate.values()];
      const vals = groups.map((g) => {
        const r = (items[g[0] as number] as Item).record;
        return { name: r.name, datas: r.datas, ...(r.mimetype ? { mimetype: r.mimetype } : {}), res_model: model, res_id: r.res_id };
      });
      const ids = await this.client.create('ir.attachment', vals);
      groups.forEach((g, k) => g.forEach((n, first) => (results[n] = { id: ids[k] as number, action: first === 0 ? 'attached' : 'unchanged' })));
    }
    return results;
  }

  /**
   * Chatter notes, each once: a note carries a reference made from its key
   * (the message identity, else its document and text), and a note whose
   * reference is already in the document's chatter is not posted again.
   */
  private async postNotes(model: string, items: Item[], context?: Context): Promise<WriteResult[]> {
    const refs = items.map((i) => noteReference(model, i));
    const resIds = [...new Set(items.map((i) => i.record.res_id as number))];
    const domain: unknown[] = [['model', '=', model], ['res_id', 'in', resIds], ...Array<string>(refs.length - 1).fill('|'), ...refs.map((r) => ['body', 'ilike', r])];
    const posted = await this.client.searchRead('mail.message', { domain, fields: ['res_id', 'body'] }).catch(readFailure);
    const results: WriteResult[] = [];
    for (const [n, item] of items.entries()) {
      const ref = refs[n] as string;
      const found = posted.find((m) => m.res_id === item.record.res_id && String(m.body).includes(ref));
      if (found) {
        results.push({ id: found.id as number, action: 'unchanged' });
        continue;
      }
      // a body the planners wrote as HTML stays HTML (Odoo 17+ escapes a plain str body unless body_is_html)
      const text = String(item.record.body);
      const html = /^\s*</.test(text) && (await this.client.version()).major >= 17;
      const body = html ? `${text}<p>[${ref}]</p>` : `${text} [${ref}]`;
      const attachments = Array.isArray(item.record.attachment_ids) ? { attachment_ids: item.record.attachment_ids } : {};
      const answer = await this.client.call(model, 'message_post', { ids: [item.record.res_id as number], kwargs: { body, message_type: 'comment', subtype_xmlid: 'mail.mt_note', ...(html ? { body_is_html: true } : {}), ...attachments }, ...(context ? { context } : {}) });
      const id = Array.isArray(answer) ? (answer[0] as number) : (answer as number);
      results.push({ id, action: 'posted' });
      posted.push({ id, res_id: item.record.res_id, body: ref });
    }
    return results;
  }

  /** Unlinking what is already gone is done: a replayed unlink succeeds. */
  private async unlinkExisting(model: string, items: Item[], context?: Context): Promise<WriteResult[]> {
    const ids = [...new Set(items.flatMap((i) => recordIds(i.record)))];
    const existing = await this.client.search(model, { domain: [['id', 'in', ids]], ...(context ? { context: { ...context, active_test: false } } : { context: { active_test: false } }) }).catch(readFailure);
    if (existing.length) await this.client.unlink(model, existing, context);
    return items.map((i) => ({ id: single(recordIds(i.record)), action: 'deleted' as const }));
  }

  /**
   * Plain creates. Items with an idempotency key go through `load` with an
   * external id made from the key, so the same item sent again finds its
   * record; items without one (or with values `load` cannot express) use
   * `create`.
   */
  private async createAll(model: string, items: Item[], context?: Context): Promise<Array<ItemOutcome<WriteResult>>> {
    if (items.some((i) => i.idempotencyKey !== undefined)) await this.prepareLines(model, items).catch(readFailure);
    const xids = items.map((i) => (i.idempotencyKey !== undefined ? externalIdFor([model, 'create', i.idempotencyKey]) : undefined));
    return this.createRecords(model, items, xids, context);
  }

  /**
   * Creates records; those given an external id are created with it by one
   * `load` per set of columns (a replay then updates the record instead of
   * adding one), the others by one `create`.
   */
  private async createRecords(model: string, items: Item[], xids: Array<string | undefined>, context?: Context): Promise<Array<ItemOutcome<WriteResult>>> {
    const outcomes: Array<ItemOutcome<WriteResult>> = new Array(items.length);
    const plain: number[] = [];
    const groups = new Map<string, number[]>();
    const info = xids.some((x) => x !== undefined) ? await this.fieldsOf(model).catch(readFailure) : undefined;
    items.forEach((item, n) => {
      if (xids[n] === undefined || !info) {
        plain.push(n);
        return;
      }
      const shape = Object.keys(item.record)
        .filter((f) => item.record[f] !== undefined)
        .sort()
        .map((f) => {
          const v = item.record[f];
          const lineKeys = Array.isArray(v) && v.every((c) => Array.isArray(c) && c[0] === 0) ? `(${[...new Set(v.flatMap((c) => Object.keys((c as unknown[])[2] ?? {})))].sort().join(',')})` : '';
          return `${f}${lineKeys}:${typeof v === 'number' || (Array.isArray(v) && typeof v[0] === 'number') ? 'id' : 'v'}`;
        })
        .join(',');
      groups.set(shape, [...(groups.get(shape) ?? []), n]);
    });
    for (const idx of groups.values()) {
      const matrix = loadMatrix(
        idx.map((n) => (items[n] as Item).record),
        idx.map((n) => xids[n] as string),
        info as FieldTypes,
        (f) => this.lineTypes(f, info),
      );
      // undefined also when a line model's field types were not fetched (prepareLines)
      if (!matrix) {
        plain.push(...idx);
        continue;
      }
      const result = await this.client.load(model, matrix.fields, matrix.rows, context);
      const rowOf: number[] = [];
      let r = 0;
      for (const n of idx) {
        rowOf.push(r);
        r += Math.max(1, ...Object.values((items[n] as Item).record).map((v) => (Array.isArray(v) && v.every((c) => Array.isArray(c) && c[0] === 0) ? v.length : 1)));
      }
      if (result.ids) {
        idx.forEach((n, k) => {
          outcomes[n] = { ok: true, value: { id: (result.ids as number[])[k] as number, action: 'created' } };
          this.created.set(items[n] as Item, (result.ids as number[])[k] as number);
        });
        continue;
      }
      const bad = loadErrorsByRow(result.messages);
      if (bad.size === 0) throw new IntegrationError({ message: result.messages.filter((m) => m.type === 'error').map((m) => m.message).join('; ') || 'load refused the batch', code: 'VALIDATION', transient: false, applied: 'no', details: { messages: result.messages } });
      // the rows load named are refused; the others are loaded again without them
      const good: number[] = [];
      idx.forEach((n, k) => {
        const msg = bad.get(rowOf[k] as number);
        if (msg !== undefined) outcomes[n] = { ok: false, error: classifyLoadMessage(msg) };
        else good.push(n);
      });
      if (good.length) {
        const again = await this.createRecords(model, good.map((n) => items[n] as Item), good.map((n) => xids[n]), context);
        good.forEach((n, k) => {
          outcomes[n] = again[k] as ItemOutcome<WriteResult>;
        });
      }
    }
    if (plain.length) {
      // records of one set of fields per call: a field that only some records carry, and Odoo does not
      // know or this user may not write, fails those records, not the others of the batch
      const byFields = new Map<string, number[]>();
      for (const n of plain) {
        const k = Object.keys((items[n] as Item).record).sort().join(',');
        byFields.set(k, [...(byFields.get(k) ?? []), n]);
      }
      for (const group of byFields.values()) {
        const created = outcomes.some((o) => o?.ok);
        const results = await this.createIsolating(model, group.map((n) => items[n] as Item), context, created || byFields.size > 1);
        group.forEach((n, k) => {
          const o = results[k] as ItemOutcome<WriteResult>;
          outcomes[n] = o;
          if (o.ok) this.created.set(items[n] as Item, o.value.id as number);
        });
      }
    }
    return outcomes;
  }

  /**
   * One `create` for records of one set of fields. When `keep` (other records
   * of this batch are already created, so the batch must not be run again, or
   * other groups run beside this one), a failure is kept to these records:
   * an error every record shares (unknown field, missing right, one error
   * for both halves) fails them all, a record's own error is narrowed down by
   * halving. Otherwise the error is thrown for the batcher to narrow down.
   */
  private async createIsolating(model: string, items: Item[], context: Context | undefined, keep: boolean): Promise<Array<ItemOutcome<WriteResult>>> {
    try {
      const ids = await this.client.create(model, items.map((i) => i.record), context);
      return ids.map((id) => ({ ok: true as const, value: { id, action: 'created' as const } }));
    } catch (err) {
      if (!keep) throw err;
      const e = classifyError(err);
      if (items.length === 1 || e.transient || SHARED_BY_FIELDS.has(e.code) || !RECORD_LEVEL_CODES.has(e.code)) return items.map(() => ({ ok: false as const, error: e }));
      const half = Math.ceil(items.length / 2);
      const [a, b] = [await this.createIsolating(model, items.slice(0, half), context, true), await this.createIsolating(model, items.slice(half), context, true)];
      const all = [...a, ...b];
      return all;
    }
  }

  private readonly lineInfo = new Map<string, FieldTypes>();

  /** Field types of a one2many field's lines, when prepareLines fetched them. */
  private lineTypes(field: string, info: FieldTypes | undefined): FieldTypes | undefined {
    const relation = (info as Record<string, { relation?: string }> | undefined)?.[field]?.relation;
    return relation ? this.lineInfo.get(relation) : undefined;
  }

  /** Loads the field types of the line models a batch's records carry. */
  private async prepareLines(model: string, items: Item[]): Promise<void> {
    const info = (await this.fieldsOf(model)) as Record<string, { type: string; relation?: string }>;
    const relations = new Set<string>();
    for (const i of items) for (const [f, v] of Object.entries(i.record)) if (info[f]?.type === 'one2many' && Array.isArray(v) && info[f]?.relation) relations.add(info[f]?.relation as string);
    for (const rel of relations) if (!this.lineInfo.has(rel)) this.lineInfo.set(rel, await this.fieldsOf(rel));
  }

  /** The same key twice in one batch goes to a later round, so the second one updates what the first created. */
  private async upsertInRounds(model: string, keyFields: string[], items: Item[], context: Context | undefined, createOnly: boolean): Promise<Array<ItemOutcome<WriteResult>>> {
    const info = await this.fieldsOf(model).catch(readFailure);
    await this.prepareLines(model, items).catch(readFailure);
    items = items.map((i) => {
      const rounded = roundToDigits(i.record, info);
      if (rounded === i.record) return i;
      const copy = { ...i, record: rounded };
      const created = this.created.get(i);
      if (created !== undefined) this.created.set(copy, created);
      return copy;
    });
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

  /**
   * One search for the batch, one `load` for the new ones (each with an
   * external id made from its business key: two writers creating the same key
   * at once make one record), writes only where something changed.
   */
  private async upsertByKey(model: string, keyFields: string[], items: Item[], context: Context | undefined, createOnly: boolean): Promise<Array<ItemOutcome<WriteResult>>> {
    const keyOf = (r: OdooRecord) => JSON.stringify(keyFields.map((f) => comparable(r[f])));
    // x2many values are commands, not state: never read them back (and never compare them)
    const info = await this.fieldsOf(model).catch(readFailure);
    const fields = [...new Set([...keyFields, ...(createOnly ? [] : items.flatMap((i) => Object.keys(i.record).filter((f) => !isX2many(info, f))))])];
    const existing = await this.client.searchRead(model, { domain: keyDomain(keyFields, items.map((i) => i.record)), fields, ...(context ? { context } : {}) }).catch(readFailure);
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
        // created by an earlier attempt of this same batch, before it was split
        outcomes[i] = { ok: true, value: { id: match.id as number, action: this.created.get(item) === match.id ? 'created' : 'unchanged' } };
        return;
      }
      const wk = JSON.stringify(changed);
      const group = writes.get(wk) ?? { vals: changed, ids: [], idx: [] };
      group.ids.push(match.id as number);
      group.idx.push(i);
      writes.set(wk, group);
    });

    if (toCreate.length) {
      const created = await this.createRecords(
        model,
        toCreate.map((i) => items[i] as Item),
        toCreate.map((i) => externalIdFor([model, 'key', keyFields, keyFields.map((f) => comparable((items[i] as Item).record[f]))])),
        context,
      );
      toCreate.forEach((itemIndex, n) => {
        const o = created[n] as ItemOutcome<WriteResult>;
        outcomes[itemIndex] = o;
        if (o.ok) this.created.set(items[itemIndex] as Item, o.value.id as number);
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
    const info = await this.fieldsOf(model).catch(readFailure);
    const valueFields = [...new Set(items.flatMap((i) => Object.keys(i.record).filter((f) => f !== 'xid')))];
    const columns = valueFields.map((f) => loadColumn(f, info[f]?.type, items));
    const rows = items.map((i) => [String(i.record.xid), ...valueFields.map((f) => loadCell(i.record[f]))]);
    const result = await this.client.load(model, ['id', ...columns], rows, context);
    if (result.ids) {
      const ids = result.ids;
      return items.map((_i, n) => ({ ok: true, value: { id: ids[n] as number, action: 'loaded' } }));
    }
    const badRows = loadErrorsByRow(result.messages);
    // A refusal that names no row cannot be pinned here; the batcher splits the batch to find it.
    if (badRows.size === 0) throw new IntegrationError({ message: result.messages.filter((m) => m.type === 'error').map((e) => e.message).join('; ') || 'load refused the batch', code: 'VALIDATION', transient: false, applied: 'no', details: { messages: result.messages } });
    const good = items.filter((_i, n) => !badRows.has(n));
    const goodResults = good.length ? await this.upsertByExternalId(model, good, context) : [];
    let g = 0;
    return items.map((_i, n) => {
      const bad = badRows.get(n);
      if (bad !== undefined) return { ok: false as const, error: classifyLoadMessage(bad) };
      return goodResults[g++] as ItemOutcome<WriteResult>;
    });
  }

  /** Field types, relations and float digits, once per model: for `load` columns and for comparing what Odoo rounds. */
  private fieldsOf(model: string): Promise<FieldTypes & Record<string, { type: string; relation?: string }>> {
    let info = this.fieldInfo.get(model);
    if (!info) {
      info = this.client.fieldsGet(model, ['type', 'digits', 'relation']).then((f) =>
        Object.fromEntries(
          Object.entries(f).map(([k, v]) => [k, { type: String(v.type), ...(Array.isArray(v.digits) ? { digits: v.digits as [number, number] } : {}), ...(typeof v.relation === 'string' ? { relation: v.relation } : {}) }]),
        ),
      );
      info.catch(() => this.fieldInfo.delete(model));
      this.fieldInfo.set(model, info);
    }
    return info;
  }
}

/** What marks a note as posted: from its key (message identity), else from its document and text. */
function noteReference(model: string, item: Item): string {
  return `odoo-supply:${externalIdFor([model, 'note', item.idempotencyKey ?? stableJson([item.record.res_id, item.record.body])]).slice(-16)}`;
}

function isX2many(info: Record<string, { type: string }>, field: string): boolean {
  const t = info[field]?.type;
  return t === 'one2many' || t === 'many2many';
}

function loadErrorsByRow(messages: LoadResult['messages']): Map<number, string> {
  const badRows = new Map<number, string>();
  for (const m of messages.filter((x) => x.type === 'error')) {
    const from = m.rows?.from ?? m.record;
    const to = m.rows?.to ?? m.record;
    if (from === undefined || to === undefined) continue;
    for (let r = from; r <= to; r++) badRows.set(r, `${badRows.has(r) ? `${badRows.get(r)}; ` : ''}${m.field ? `${m.field}: ` : ''}${m.message}`);
  }
  return badRows;
}

/** The keys a write touches: writes sharing one run in arrival order. */
export function recordKeys(req: WriteRequest): string[] {
  const r = req.record;
  switch (req.operation) {
    case 'write':
    case 'unlink':
      return recordIds(r).map((id) => `${req.model}#${id}`);
    case 'upsert':
    case 'create_missing':
      return [`${req.model}#key:${JSON.stringify((req.keyFields ?? []).map((f) => [f, comparable(r[f])]))}`];
    case 'upsert_xid':
      return [`${req.model}#xid:${String(r.xid)}`];
    case 'adjust_quant':
    case 'set_quant':
      return [`stock.quant#${String(r.product_id)}/${String(r.location_id)}`];
    case 'note':
    case 'attach':
      return [`${req.model}#${String(r.res_id)}`];
    case 'create':
      if (req.model === 'stock.quant' && req.context?.inventory_mode) return [`stock.quant#${String(r.product_id)}/${String(r.location_id)}`];
      return req.idempotencyKey ? [`${req.model}#idem:${req.idempotencyKey}`] : [];
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
    case 'set_quant': {
      for (const f of ['product_id', 'location_id']) {
        if (!Number.isInteger(r[f])) throw badInput(`${req.operation} needs "${f}" as a record id, got ${JSON.stringify(r[f])}`);
      }
      const q = req.operation === 'adjust_quant' ? 'quantity' : 'inventory_quantity';
      if (typeof r[q] !== 'number' || !Number.isFinite(r[q])) throw badInput(`${req.operation} needs a numeric "${q}" (${req.operation === 'adjust_quant' ? 'the delta' : 'the counted quantity'}), got ${JSON.stringify(r[q])}`);
      break;
    }
    case 'upsert':
    case 'create_missing':
      if (!req.keyFields || req.keyFields.length === 0) throw badInput(`${req.operation} needs key fields (e.g. default_code)`);
      for (const f of req.keyFields) {
        if (r[f] === undefined) throw badInput(`upsert key field "${f}" is missing in the record`);
      }
      // one empty part of a composite key is a value ("no start date"); an all-empty key would match anything
      if (req.keyFields.every((f) => r[f] === null || r[f] === '' || r[f] === false)) throw badInput(`upsert key (${req.keyFields.join(', ')}) is empty in the record`);
      break;
    case 'note':
      if (!Number.isInteger(r.res_id) || (r.res_id as number) <= 0) throw badInput(`note needs "res_id", the id of the record whose chatter gets the note, got ${JSON.stringify(r.res_id)}`);
      if (typeof r.body !== 'string' || !r.body.trim()) throw badInput('note needs a non-empty "body"');
      break;
    case 'attach':
      if (!Number.isInteger(r.res_id) || (r.res_id as number) <= 0) throw badInput(`attach needs "res_id", the id of the record the file belongs to, got ${JSON.stringify(r.res_id)}`);
      if (typeof r.name !== 'string' || !r.name.trim()) throw badInput('attach needs the file\'s "name"');
      if (typeof r.datas !== 'string' || !r.datas || !/^[A-Za-z0-9+/]*={0,2}$/.test(r.datas)) throw badInput('attach needs "datas", the file\'s bytes in base64');
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
    // the set may have been applied if any row may have been; sending it again is harmless only if it is for every row
    applied: failed.some((f) => f.error.applied !== 'no') ? 'unknown' : 'no',
    idempotent: failed.every((f) => f.error.idempotent === true),
    // rows are 1-based, as canonical-map counts them
    details: {
      failures: failed.map((f) => ({ row: f.index + 1, message: f.error.message, code: f.error.code, transient: f.error.transient, applied: f.error.applied ?? 'unknown', idempotent: f.error.idempotent === true })),
    },
  });
}

export function modelOf(configured: string | undefined, msgOdoo: unknown): string {
  const model = configured ?? (msgOdoo as { model?: unknown } | undefined)?.model;
  if (typeof model !== 'string' || !model) throw badInput('no model: set it in the node or in msg.odoo.model');
  return model;
}
