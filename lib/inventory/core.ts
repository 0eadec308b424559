/**
 * Inventory events (inventory-event@1) into Odoo stock, exactly once across
 * crashes. The whole argument is in README.md ("plant-inventory: exactly
 * once"); in short, one durable journal holds three kinds of record:
 *
 * - `e:<eventId>`: the event ledger. An event counts as received only once it
 *   is on disk (group commit); an id already there is a duplicate, whatever
 *   delivered it again (MQTT redelivery, a plant re-sending, a replay).
 * - `b:<n>`: a batch, recorded with the exact Odoo writes it makes (absolute
 *   counts, deltas with their idempotency keys) and the quant states they
 *   lead to, before Odoo is called. After a crash the same batch is sent
 *   again, never re-coalesced into a different one.
 * - `q:<product>/<location>`: what was applied per quant (newest count,
 *   adjustments after it), written in the same journal write that marks the
 *   batch's events done and drops the batch.
 *
 * Batches run one at a time: the next is formed from what arrived meanwhile,
 * so the window grows with Odoo's latency instead of piling up calls.
 */
import { randomUUID } from 'node:crypto';
import { inventoryEventSchema, type InventoryEvent } from '../canonical/schemas';
import { badInput, classifyError, IntegrationError } from '../errors';
import type { LookupCache } from '../odoo/lookup';
import type { WriteRequest, WriteResult } from '../odoo/writer';
import { Journal, type JournalOptions } from '../resilience/journal';
import { describeIssues } from '../util/zod';
import { planQuant, type QuantState, type StockEvent } from './coalesce';
import { resolveEvents } from './resolve';
import type { EventClaims } from './claims';

export interface StockEventsCoreOptions {
  /** How long the first event of a batch waits for company (ms). */
  windowMs: number;
  /** Events per batch at most. */
  maxBatchEvents: number;
  /** Ids of applied events remembered for de-duplication (oldest forgotten first). */
  ledgerSize: number;
  /** Adjustments remembered per quant to place late counts. */
  maxHistory: number;
  /** Backoff between attempts of a batch Odoo could not take (ms). */
  retryInitialMs: number;
  retryMaxMs: number;
  journal?: JournalOptions;
  /**
   * Shared claims (PostgreSQL) when several instances take one stream: an
   * event counts as received only once it is in this journal and claimed here.
   */
  claims?: EventClaims;
}

export const DEFAULT_CORE_OPTIONS: StockEventsCoreOptions = { windowMs: 500, maxBatchEvents: 5000, ledgerSize: 500_000, maxHistory: 1000, retryInitialMs: 500, retryMaxMs: 30_000 };

/** Where the writes go: the shared writer of an odoo-config and its lookup cache. */
export interface StockTarget {
  writer: { submit(req: WriteRequest, batch?: { maxSize: number; windowMs: number }): Promise<WriteResult> };
  lookups: LookupCache;
}

export interface BatchSummary {
  batch: number;
  events: number;
  counts: number;
  adjustments: number;
  /** Events that changed nothing (late adjustments inside a newer count, older counts). */
  absorbed: number;
  failed: number;
  /** How long Odoo took for this batch (all its attempts, in this process). */
  ms: number;
  eventIds: string[];
  writes: Array<{ product_id: number; location_id: number; operation: 'set_quant' | 'adjust_quant'; quantity: number; events: string[] }>;
}

export interface StockEventsHooks {
  applied?(summary: BatchSummary): void;
  failed?(event: InventoryEvent, error: IntegrationError): void;
  log?(level: 'info' | 'warn', text: string): void;
  changed?(): void;
}

type EventRecord = { s: 'p'; ev: InventoryEvent } | { s: 'd' } | { s: 'f' };

interface PlannedWrite {
  quant: string;
  op: 'set' | 'adjust' | 'none';
  product_id: number;
  location_id: number;
  quantity: number;
  key?: string;
  state: QuantState;
  events: string[];
}

interface BatchRecord {
  n: number;
  events: string[];
  writes: PlannedWrite[];
  failures: Array<{ eventId: string; message: string }>;
  absorbed: number;
}

interface Meta {
  instance: string;
  next: number;
}

type Value = EventRecord | BatchRecord | QuantState | Meta;

const batchKey = (n: number) => `b:${String(n).padStart(12, '0')}`;

export class StockEventsCore {
  private readonly pending: string[] = [];
  private readonly accepting = new Set<string>();
  private recorded: BatchRecord[] = [];
  /** Applied event ids, oldest first, for the ledger bound. */
  private readonly done: string[] = [];
  private doneHead = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  private pendingSince = 0;
  private closed = false;
  private attempt = 0;
  readonly stats = { accepted: 0, duplicates: 0, applied: 0, failed: 0, batches: 0, retries: 0 };
  lastError: IntegrationError | undefined;

  private constructor(
    private readonly journal: Journal<Value>,
    private meta: Meta,
    private readonly target: () => StockTarget,
    private readonly options: StockEventsCoreOptions,
    private readonly hooks: StockEventsHooks,
  ) {}

  /** Opens the journal at `file`; batches recorded before a crash are sent again first, then the events still pending. */
  static async open(file: string, target: () => StockTarget, options: Partial<StockEventsCoreOptions> = {}, hooks: StockEventsHooks = {}): Promise<StockEventsCore> {
    const o = { ...DEFAULT_CORE_OPTIONS, ...options };
    const journal = await Journal.open<Value>(file, o.journal);
    let meta = journal.get('m') as Meta | undefined;
    if (!meta) {
      meta = { instance: randomUUID(), next: 1 };
      await journal.put('m', meta);
    }
    const core = new StockEventsCore(journal, meta, target, o, hooks);
    const inBatch = new Set<string>();
    for (const [k, v] of journal.entries()) {
      if (k.startsWith('b:')) {
        core.recorded.push(v as BatchRecord);
        for (const id of (v as BatchRecord).events) inBatch.add(id);
      }
    }
    core.recorded.sort((a, b) => a.n - b.n);
    for (const [k, v] of journal.entries()) {
      if (!k.startsWith('e:')) continue;
      const id = k.slice(2);
      const r = v as EventRecord;
      if (r.s === 'd') core.done.push(id);
      else if (r.s === 'p' && !inBatch.has(id)) core.pending.push(id);
    }
    if (o.claims && core.pending.length) {
      // pending events may not have been claimed before the crash: claim them again, keep those that are still ours
      const mine = await o.claims.claim(core.pending, meta.instance).catch(async (err) => {
        await journal.close();
        throw classifyError(err);
      });
      const theirs = core.pending.filter((id) => !mine.has(id));
      if (theirs.length) {
        await journal.batch(theirs.map((id) => ({ key: `e:${id}`, value: undefined })));
        hooks.log?.('info', `${theirs.length} event(s) in the journal were taken by another instance meanwhile: left to it`);
      }
      core.pending.splice(0, core.pending.length, ...core.pending.filter((id) => mine.has(id)));
    }
    if (core.recorded.length || core.pending.length) {
      hooks.log?.('info', `restored from the journal: ${core.recorded.length} batch(es) to send again, ${core.pending.length} event(s) not yet in a batch`);
      core.pendingSince = Date.now();
      core.schedule();
    }
    return core;
  }

  get recovery() {
    return this.journal.recovery;
  }

  get fsyncs(): number {
    return this.journal.fsyncs;
  }

  /** Events received and not yet applied (in a batch or waiting for one). */
  get backlog(): number {
    return this.pending.length + this.recorded.reduce((n, b) => n + b.events.length, 0);
  }

  /**
   * Takes one event: resolves once it is on disk ('accepted') or known
   * already ('duplicate'). An event that failed before is taken again (a
   * retry or a replay from the dead-letter queue).
   */
  async accept(raw: unknown): Promise<'accepted' | 'duplicate'> {
    if (this.closed) throw new IntegrationError({ message: 'stock-events is closing: the event was not taken', code: 'UNAVAILABLE', transient: true, applied: 'no' });
    const parsed = inventoryEventSchema.safeParse(raw);
    if (!parsed.success) throw badInput(`not an inventory-event@1: ${describeIssues(parsed.error, raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined)}`);
    const event = parsed.data;
    const key = `e:${event.eventId}`;
    const seen = this.journal.get(key) as EventRecord | undefined;
    if ((seen && seen.s !== 'f') || this.accepting.has(event.eventId)) {
      this.stats.duplicates++;
      this.hooks.changed?.();
      return 'duplicate';
    }
    this.accepting.add(event.eventId);
    try {
      await this.journal.put(key, { s: 'p', ev: event });
      const claims = this.options.claims;
      if (claims) {
        // on disk first, then claimed: a crash in between is settled by claiming again at the next start
        let mine: Set<string>;
        try {
          mine = await claims.claim([event.eventId], this.meta.instance);
        } catch (err) {
          // not taken: the sender delivers it again (to this or another instance)
          await (seen ? this.journal.put(key, seen) : this.journal.delete(key)).catch(() => undefined);
          throw classifyError(err);
        }
        if (!mine.has(event.eventId)) {
          await (seen ? this.journal.put(key, seen) : this.journal.delete(key));
          this.stats.duplicates++;
          this.hooks.changed?.();
          return 'duplicate';
        }
      }
    } finally {
      this.accepting.delete(event.eventId);
    }
    if (!this.pending.length) this.pendingSince = Date.now();
    this.pending.push(event.eventId);
    this.stats.accepted++;
    this.hooks.changed?.();
    this.schedule();
    return 'accepted';
  }

  private schedule(): void {
    if (this.closed || this.running) return;
    if (!this.recorded.length && !this.pending.length) return;
    const wait = this.recorded.length || this.pending.length >= this.options.maxBatchEvents ? 0 : Math.max(0, this.pendingSince + this.options.windowMs - Date.now());
    if (wait === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.running = this.run().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
    }
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      let batch = this.recorded[0];
      if (!batch) {
        if (!this.pending.length) return;
        try {
          batch = await this.form();
        } catch (err) {
          if (!(await this.failedAttempt(err))) return;
          continue;
        }
      }
      let applied: boolean;
      try {
        applied = await this.apply(batch);
      } catch (err) {
        // the journal could not record the outcome: the batch stays recorded and is sent again
        applied = false;
        this.lastError = classifyError(err);
      }
      if (!applied) {
        if (!(await this.failedAttempt(this.lastError))) return;
        continue;
      }
      this.attempt = 0;
      this.recorded.shift();
      // what arrived during this batch waits out the rest of its window
      if (!this.recorded.length) return;
    }
  }

  /** Waits before the next attempt; false when closing. */
  private async failedAttempt(err: unknown): Promise<boolean> {
    const e = classifyError(err);
    this.lastError = e;
    this.stats.retries++;
    const delay = Math.min(this.options.retryMaxMs, this.options.retryInitialMs * 2 ** Math.min(this.attempt++, 16));
    this.hooks.log?.('warn', `Odoo did not take stock batch ${this.recorded[0]?.n ?? '(not formed)'} (${e.code}: ${e.message}); trying again in ${delay} ms`);
    this.hooks.changed?.();
    if (this.closed) return false;
    await new Promise<void>((resolve) => {
      this.sleeping = { timer: setTimeout(resolve, delay), wake: resolve };
    });
    this.sleeping = undefined;
    return !this.closed;
  }

  /** The next batch from pending events, coalesced per quant, recorded before anything is sent. */
  private async form(): Promise<BatchRecord> {
    const ids = this.pending.slice(0, this.options.maxBatchEvents);
    const events = ids.map((id) => (this.journal.get(`e:${id}`) as { ev: InventoryEvent }).ev);
    const resolutions = await resolveEvents(events, this.target().lookups);
    const n = this.meta.next;
    const failures: BatchRecord['failures'] = [];
    const byQuant = new Map<string, { product_id: number; location_id: number; events: StockEvent[] }>();
    events.forEach((e, i) => {
      const r = resolutions[i];
      if (!r || !r.ok) {
        failures.push({ eventId: e.eventId, message: r ? r.message : 'not resolved' });
        return;
      }
      const quant = `${r.ids.product_id}/${r.ids.location_id}`;
      let q = byQuant.get(quant);
      if (!q) byQuant.set(quant, (q = { ...r.ids, events: [] }));
      q.events.push({ eventId: e.eventId, kind: e.kind as 'count' | 'adjust', quantity: e.quantity, at: Date.parse(e.occurredAt) });
    });
    const writes: PlannedWrite[] = [];
    let absorbed = 0;
    for (const [quant, q] of byQuant) {
      const plan = planQuant(this.journal.get(`q:${quant}`) as QuantState | undefined, q.events, this.options.maxHistory);
      absorbed += plan.absorbed.length;
      for (const id of plan.tooLate) failures.push({ eventId: id, message: `count ${id} is older than the adjustments remembered for this product and location (the newest ${this.options.maxHistory}); it can no longer be placed` });
      const events = q.events.map((e) => e.eventId).filter((id) => !plan.tooLate.includes(id));
      const base = { quant, product_id: q.product_id, location_id: q.location_id, state: plan.state, events };
      if (plan.operation.kind === 'set') writes.push({ ...base, op: 'set', quantity: plan.operation.quantity });
      else if (plan.operation.kind === 'adjust') writes.push({ ...base, op: 'adjust', quantity: plan.operation.delta, key: `plant:${this.meta.instance}:${n}:${quant}` });
      else writes.push({ ...base, op: 'none', quantity: 0 });
    }
    const record: BatchRecord = { n, events: ids, writes, failures, absorbed };
    this.meta = { ...this.meta, next: n + 1 };
    await this.journal.batch([
      { key: batchKey(n), value: record },
      { key: 'm', value: this.meta },
    ]);
    this.pending.splice(0, ids.length);
    this.pendingSince = Date.now();
    this.recorded.push(record);
    return record;
  }

  /** Sends a recorded batch; true once its outcome is on disk, false when Odoo could not take it now. */
  private async apply(b: BatchRecord): Promise<boolean> {
    const started = Date.now();
    const { writer } = this.target();
    const sent = b.writes.filter((w) => w.op !== 'none');
    // one Odoo batch per operation, whatever the writer's defaults
    const options = { maxSize: Math.max(1, sent.length), windowMs: 0 };
    const outcomes = await Promise.allSettled(
      sent.map((w) =>
        writer.submit(
          w.op === 'set'
            ? { operation: 'set_quant', model: 'stock.quant', record: { product_id: w.product_id, location_id: w.location_id, inventory_quantity: w.quantity } }
            : { operation: 'adjust_quant', model: 'stock.quant', record: { product_id: w.product_id, location_id: w.location_id, quantity: w.quantity }, idempotencyKey: w.key as string },
          options,
        ),
      ),
    );
    const transient = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected' && classifyError(o.reason).transient);
    if (transient) {
      // sent again as recorded: counts are absolute, adjustments keyed, so what Odoo already took is not taken twice
      this.lastError = classifyError(transient.reason);
      return false;
    }
    const failedEvents = new Map<string, IntegrationError>();
    for (const f of b.failures) failedEvents.set(f.eventId, badInput(f.message, { eventId: f.eventId }));
    const okWrites: PlannedWrite[] = b.writes.filter((w) => w.op === 'none');
    sent.forEach((w, i) => {
      const o = outcomes[i] as PromiseSettledResult<WriteResult>;
      if (o.status === 'fulfilled') okWrites.push(w);
      else for (const id of w.events) failedEvents.set(id, classifyError(o.reason));
    });
    const ops: Array<{ key: string; value: Value | undefined }> = [{ key: batchKey(b.n), value: undefined }];
    for (const w of okWrites) ops.push({ key: `q:${w.quant}`, value: w.state });
    const pendingEvents = new Map<string, InventoryEvent>();
    for (const id of b.events) {
      const r = this.journal.get(`e:${id}`) as EventRecord | undefined;
      if (r?.s === 'p') pendingEvents.set(id, r.ev);
      ops.push({ key: `e:${id}`, value: failedEvents.has(id) ? { s: 'f' } : { s: 'd' } });
    }
    // the ledger is bounded: the oldest applied ids are forgotten first
    const applied = b.events.filter((id) => !failedEvents.has(id));
    const excess = this.done.length - this.doneHead + applied.length - this.options.ledgerSize;
    for (let k = 0; k < excess; k++) ops.push({ key: `e:${this.done[this.doneHead + k] as string}`, value: undefined });
    await this.journal.batch(ops);
    if (this.options.claims) {
      // best effort: an applied event still marked claimed is never taken by another instance either
      await this.options.claims.settle(applied, [...failedEvents.keys()], this.meta.instance).catch((err) => {
        this.hooks.log?.('warn', `could not record the outcome of batch ${b.n} in the shared event claims: ${classifyError(err).message}`);
      });
    }
    if (excess > 0) this.doneHead += excess;
    this.done.push(...applied);
    if (this.doneHead > 100_000) {
      this.done.splice(0, this.doneHead);
      this.doneHead = 0;
    }
    this.stats.batches++;
    this.stats.applied += applied.length;
    this.stats.failed += failedEvents.size;
    this.lastError = undefined;
    const real = okWrites.filter((w) => w.op !== 'none');
    this.hooks.applied?.({
      batch: b.n,
      events: b.events.length,
      counts: real.filter((w) => w.op === 'set').length,
      adjustments: real.filter((w) => w.op === 'adjust').length,
      absorbed: b.absorbed,
      failed: failedEvents.size,
      ms: Date.now() - started,
      eventIds: applied,
      writes: real.map((w) => ({ product_id: w.product_id, location_id: w.location_id, operation: w.op === 'set' ? 'set_quant' : 'adjust_quant', quantity: w.quantity, events: w.events })),
    });
    for (const [id, error] of failedEvents) {
      const ev = pendingEvents.get(id);
      if (ev) this.hooks.failed?.(ev, error);
    }
    this.hooks.changed?.();
    return true;
  }

  /** Sends what is due now (tests, shutdown) and waits until nothing is pending or Odoo refuses. */
  async drain(timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while ((this.pending.length || this.recorded.length) && Date.now() < end && !this.closed) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.pendingSince = 0;
      this.schedule();
      await (this.running ?? new Promise((r) => setTimeout(r, 10)));
      if (this.lastError) break;
    }
  }

  /**
   * Stops: no new batch, the one in flight may finish (up to `waitMs`), then
   * the journal closes. What is not applied stays in the journal for the next start.
   */
  async close(waitMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
    }
    if (this.running) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([this.running, new Promise((r) => (t = setTimeout(r, waitMs)))]);
      if (t) clearTimeout(t);
    }
    await this.journal.close();
  }
}
