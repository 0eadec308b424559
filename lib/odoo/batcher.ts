import { classifyError, IntegrationError } from '../errors';

export interface BatcherOptions {
  /** Items per call at most. */
  maxSize: number;
  /** How long the first item of a batch waits for company, in ms. */
  windowMs: number;
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
  options: BatcherOptions;
  timer?: NodeJS.Timeout;
}

type Attempt<O> = { ok: true; results: Array<O | ItemOutcome<O>> } | { ok: false; error: IntegrationError };

function isOutcome<O>(v: unknown): v is ItemOutcome<O> {
  return typeof v === 'object' && v !== null && 'ok' in v && (('value' in v && (v as { ok: unknown }).ok === true) || ('error' in v && (v as { ok: unknown }).ok === false));
}

function sameError(a: IntegrationError, b: IntegrationError): boolean {
  return a.code === b.code && a.message === b.message;
}

/**
 * Groups items that arrive one at a time into one call per key (model,
 * operation, context …), up to `maxSize` or `windowMs`. Every caller gets its
 * own result. When a batch fails because of a record's data, it is split in
 * halves until the bad items are isolated, so one bad row does not fail the
 * others; when both halves fail with the batch's own error, every row shares
 * it (an unknown column, a missing right) and splitting stops there. A
 * transient failure, or one that concerns the whole call (bad key, unknown
 * model), fails the whole batch at once.
 */
export class Batcher<I, O> {
  private readonly queues = new Map<string, Queue<I, O>>();
  private readonly inFlight = new Set<Promise<void>>();
  calls = 0;

  constructor(
    private readonly defaults: BatcherOptions,
    private readonly execute: BatchExecutor<I, O>,
  ) {
    if (!(defaults.maxSize >= 1)) throw new RangeError('batch size must be at least 1');
  }

  /** `options` (a node's own batch size and window) override the defaults for this item's queue. */
  submit(key: string, item: I, options: BatcherOptions = this.defaults): Promise<O> {
    if (!(options.maxSize >= 1)) return Promise.reject(new RangeError('batch size must be at least 1'));
    const queueKey = options === this.defaults ? key : `${key}\u0001${options.maxSize}/${options.windowMs}`;
    return new Promise<O>((resolve, reject) => {
      let queue = this.queues.get(queueKey);
      if (!queue) {
        queue = { items: [], options };
        this.queues.set(queueKey, queue);
      }
      queue.items.push({ item, resolve, reject });
      if (queue.items.length >= options.maxSize) {
        this.flushQueue(queueKey, key);
      } else if (!queue.timer) {
        queue.timer = setTimeout(() => this.flushQueue(queueKey, key), options.windowMs);
      }
    });
  }

  /** Sends everything queued now and waits until every batch in flight is answered. */
  async flush(): Promise<void> {
    for (const queueKey of [...this.queues.keys()]) this.flushQueue(queueKey, queueKey.split('\u0001')[0] as string);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  get queued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.items.length;
    return n;
  }

  get running(): number {
    return this.inFlight.size;
  }

  private flushQueue(queueKey: string, key: string): void {
    const queue = this.queues.get(queueKey);
    if (!queue) return;
    if (queue.timer) clearTimeout(queue.timer);
    this.queues.delete(queueKey);
    for (let i = 0; i < queue.items.length; i += queue.options.maxSize) {
      const run = this.runBatch(key, queue.items.slice(i, i + queue.options.maxSize));
      this.inFlight.add(run);
      void run.then(() => this.inFlight.delete(run));
    }
  }

  private async attempt(key: string, batch: Array<Pending<I, O>>): Promise<Attempt<O>> {
    try {
      this.calls++;
      const results = await this.execute(key, batch.map((p) => p.item));
      if (results.length !== batch.length) {
        return { ok: false, error: new IntegrationError({ message: `a batch of ${batch.length} got ${results.length} results`, code: 'INTERNAL', transient: false, applied: 'unknown' }) };
      }
      return { ok: true, results };
    } catch (err) {
      return { ok: false, error: classifyError(err) };
    }
  }

  private async runBatch(key: string, batch: Array<Pending<I, O>>): Promise<void> {
    const first = await this.attempt(key, batch);
    if (first.ok) this.deliver(batch, first.results);
    else await this.isolate(key, batch, first.error);
  }

  /** A failed batch: split it to find the rows that caused `error`, unless every row shares it. */
  private async isolate(key: string, batch: Array<Pending<I, O>>, error: IntegrationError): Promise<void> {
    if (error.transient || !RECORD_LEVEL.has(error.code) || batch.length === 1) {
      for (const p of batch) p.reject(error);
      return;
    }
    // halves one after the other: keeps arrival order
    const halves = [batch.slice(0, Math.ceil(batch.length / 2)), batch.slice(Math.ceil(batch.length / 2))];
    const attempts: Array<Attempt<O>> = [];
    for (const half of halves) attempts.push(await this.attempt(key, half));
    if (attempts.every((a) => !a.ok && sameError(a.error, error))) {
      for (const p of batch) p.reject(error);
      return;
    }
    for (let h = 0; h < halves.length; h++) {
      const a = attempts[h] as Attempt<O>;
      const half = halves[h] as Array<Pending<I, O>>;
      if (a.ok) this.deliver(half, a.results);
      else await this.isolate(key, half, a.error);
    }
  }

  private deliver(batch: Array<Pending<I, O>>, results: Array<O | ItemOutcome<O>>): void {
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
