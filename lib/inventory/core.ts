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
import { Journal, type JournalOptions } from '../resilience/journal';
import { describeIssues } from '../util/zod';
import type { QuantState } from './coalesce';
import { batchSummary, planBatch, sendBatch, type BatchRecord, type BatchSummary, type StockTarget } from './batch';

export type { BatchSummary, StockTarget } from './batch';

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
}

export const DEFAULT_CORE_OPTIONS: StockEventsCoreOptions = { windowMs: 500, maxBatchEvents: 5000, ledgerSize: 500_000, maxHistory: 1000, retryInitialMs: 500, retryMaxMs: 30_000 };

export interface StockEventsHooks {
  applied?(summary: BatchSummary): void;
  failed?(event: InventoryEvent, error: IntegrationError): void;
  log?(level: 'info' | 'warn', text: string): void;
  changed?(): void;
}

type EventRecord = { s: 'p'; ev: InventoryEvent } | { s: 'd' } | { s: 'f' };

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
    const n = this.meta.next;
    const record = await planBatch(n, events, this.target().lookups, (quants) => new Map(quants.map((q) => [q, this.journal.get(`q:${q}`) as QuantState])), `plant:${this.meta.instance}`, this.options.maxHistory);
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
    const outcome = await sendBatch(this.target(), b);
    if (outcome.transient) {
      this.lastError = outcome.transient;
      return false;
    }
    const { okWrites, failedEvents } = outcome;
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
    this.hooks.applied?.(batchSummary(b, okWrites, failedEvents, applied, started));
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
