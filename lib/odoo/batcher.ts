import { classifyError, IntegrationError } from '../errors';

export interface BatcherOptions {
  /** Items per call at most. */
  maxSize: number;
  /** How long the first item of a batch waits for company, in ms. */
  windowMs: number;
  /**
   * Keys whose batches must run one after another: an upsert's search and
   * create must not interleave with another batch of the same key, or both
   * create the same record.
   */
  sequential?: (key: string) => boolean;
}

/** Failures that can come from one record's data, so splitting the batch can isolate it. */
const RECORD_LEVEL = new Set(['VALIDATION', 'MISSING_RECORD', 'UNKNOWN_FIELD', 'BAD_INPUT', 'SERVER_ERROR', 'ACCESS']);

/** Result of one item inside a batch call: its own value, or its own error. */
export type ItemOutcome<O> = { ok: true; value: O } | { ok: false; error: IntegrationError };

/**
 * Runs one batch. Throwing fails the whole batch; returning outcomes lets the
 * executor fail single items (e.g. rows Odoo's `load` names as bad).
 */
export type BatchExecutor<I, O> = (key: string, items: I[]) => Promise<Array<O | ItemOutcome<O>> | ItemOutcome<O>[]>;

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: IntegrationError) => void;
}

interface Queue<I, O> {
  items: Array<Pending<I, O>>;
  timer?: NodeJS.Timeout;
}

function isOutcome<O>(v: unknown): v is ItemOutcome<O> {
  return typeof v === 'object' && v !== null && 'ok' in v && (('value' in v && (v as { ok: unknown }).ok === true) || ('error' in v && (v as { ok: unknown }).ok === false));
}

/**
 * Groups items that arrive one at a time into one call per key (model,
 * operation, context …), up to `maxSize` or `windowMs`. Every caller gets its
 * own result. When a batch fails because of a record's data, it is split in
 * halves until the bad items are isolated, so one bad row does not fail the
 * others; a transient failure, or one that concerns the whole call (bad key,
 * unknown model), fails the whole batch at once.
 */
export class Batcher<I, O> {
  private readonly queues = new Map<string, Queue<I, O>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly chains = new Map<string, Promise<void>>();
  calls = 0;

  constructor(
    private readonly options: BatcherOptions,
    private readonly execute: BatchExecutor<I, O>,
  ) {
    if (!(options.maxSize >= 1)) throw new RangeError('batch size must be at least 1');
  }

  submit(key: string, item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      let queue = this.queues.get(key);
      if (!queue) {
        queue = { items: [] };
        this.queues.set(key, queue);
      }
      queue.items.push({ item, resolve, reject });
      if (queue.items.length >= this.options.maxSize) {
        this.flushKey(key);
      } else if (!queue.timer) {
        queue.timer = setTimeout(() => this.flushKey(key), this.options.windowMs);
      }
    });
  }

  /** Sends everything queued now and waits until every batch in flight is answered. */
  async flush(): Promise<void> {
    for (const key of [...this.queues.keys()]) this.flushKey(key);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  get queued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.items.length;
    return n;
  }

  private flushKey(key: string): void {
    const queue = this.queues.get(key);
    if (!queue) return;
    if (queue.timer) clearTimeout(queue.timer);
    this.queues.delete(key);
    const sequential = this.options.sequential?.(key) ?? false;
    for (let i = 0; i < queue.items.length; i += this.options.maxSize) {
      const batch = queue.items.slice(i, i + this.options.maxSize);
      let run: Promise<void>;
      if (sequential) {
        run = (this.chains.get(key) ?? Promise.resolve()).then(() => this.runBatch(key, batch));
        this.chains.set(key, run);
        void run.then(() => {
          if (this.chains.get(key) === run) this.chains.delete(key);
        });
      } else {
        run = this.runBatch(key, batch);
      }
      this.inFlight.add(run);
      void run.then(() => this.inFlight.delete(run));
    }
  }

  private async runBatch(key: string, batch: Array<Pending<I, O>>): Promise<void> {
    let results: Array<O | ItemOutcome<O>>;
    try {
      this.calls++;
      results = await this.execute(key, batch.map((p) => p.item));
    } catch (err) {
      const error = classifyError(err);
      if (!error.transient && RECORD_LEVEL.has(error.code) && batch.length > 1) {
        // halves one after the other: keeps the order of a sequential key
        const half = Math.ceil(batch.length / 2);
        await this.runBatch(key, batch.slice(0, half));
        await this.runBatch(key, batch.slice(half));
        return;
      }
      for (const p of batch) p.reject(error);
      return;
    }
    if (results.length !== batch.length) {
      const error = new IntegrationError({ message: `a batch of ${batch.length} got ${results.length} results`, code: 'INTERNAL', transient: false });
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i];
      if (isOutcome<O>(r)) {
        if (r.ok) p.resolve(r.value);
        else p.reject(r.error);
      } else {
        p.resolve(r as O);
      }
    });
  }
}
