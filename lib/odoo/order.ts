import type { SharedKeyLock } from './key-lock';

/**
 * Arrival order per record key. Every write names the keys it touches (a
 * record id, a business key, a quant); a write starts only after every earlier
 * write on one of its keys has finished. Writes on different keys do not wait
 * for each other, so they still batch and run in parallel.
 *
 * With a `shared` lock (several instances on one PostgreSQL), a write whose
 * turn has come in this process also takes its keys in the shared lock, and
 * holds them until it has finished: the order then holds across instances.
 */
export class KeyOrder {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly shared?: SharedKeyLock) {}

  /** Waits for earlier writes on `keys`, then runs `task`; later writes on these keys wait for it. */
  run<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    if (keys.length === 0) return task();
    const before = keys.map((k) => this.tails.get(k)).filter((p): p is Promise<void> => p !== undefined);
    let release!: () => void;
    const finished = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const k of keys) this.tails.set(k, finished);
    const start = before.length ? Promise.all(before).then(() => undefined) : Promise.resolve();
    const shared = this.shared;
    const run = shared ? start.then(() => shared.acquire(keys)).then((unlock) => Promise.resolve().then(task).finally(unlock)) : start.then(task);
    return run.finally(() => {
      release();
      for (const k of keys) if (this.tails.get(k) === finished) this.tails.delete(k);
    });
  }

  /** Keys with a write queued or running (for tests and status). */
  get size(): number {
    return this.tails.size;
  }
}
