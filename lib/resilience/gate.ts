/**
 * The retry gate's logic, free of Node-RED: a fresh message passes; a message
 * that comes back with msg.error is retried after a backoff (as the message
 * it was when it failed, without its error) or given up, as `retryVerdict`
 * and the retry policy say. Pending retries live in the journal, so they
 * survive a redeploy, a restart and a kill -9; all of them share one timer.
 */
import { randomUUID } from 'node:crypto';
import { acknowledge } from '../util/acks';
import { classifyError, MsgError, retryVerdict } from '../errors';
import { BreakerOptions, BreakerState, CircuitBreaker } from './breaker';
import { Journal, JournalOptions } from './journal';
import { correlationIdOf, fromStored, Msg, toStored } from './message';
import { RetryPolicy, RetryPolicyOptions } from './policy';
import { TimerQueue } from './timer-queue';

export type GiveUpReason = 'permanent' | 'unsafe' | 'attempts' | 'time' | 'held-full';

export interface RetryInfo {
  id: string;
  attempt: number;
  firstFailedAt: number;
  lastError?: MsgError;
  nextAt?: number;
  /** 1-based rows of the first failed payload that this message still carries (split batches). */
  rows?: number[];
  gaveUp?: GiveUpReason;
}

export interface GateEntry {
  msg: Msg;
  /** 0: a fresh message held while the circuit was open. */
  attempt: number;
  firstFailedAt: number;
  lastError?: MsgError;
  nextAt: number;
  rows?: number[];
}

export interface GateOptions {
  policy: RetryPolicyOptions;
  breaker: BreakerOptions;
  /** Most messages held while the circuit is open. */
  maxHeld: number;
  /** Messages per second released once the circuit closes (0: no limit). */
  releaseRate: number;
  journal?: JournalOptions;
  now?: () => number;
  random?: () => number;
}

export interface GateEvents {
  /** Output 1: a fresh message, a retry, a released held message. */
  pass(msg: Msg): void;
  /** Output 2: given up, with msg.retry.gaveUp and msg.error. */
  giveUp(msg: Msg): void;
  log(level: 'warn' | 'info', text: string, correlationId?: string): void;
  changed(): void;
}

const REASONS: Record<GiveUpReason, string> = {
  permanent: 'the error is permanent',
  unsafe: 'the write may have been applied and repeating it is not safe',
  attempts: 'out of attempts',
  time: 'out of time',
  'held-full': 'the circuit is open and the hold queue is full',
};

/** msg.error as the failing node put it: Catch nodes move ours to msg._error. */
export function failureOf(msg: Msg): MsgError | undefined {
  const own = msg._error as MsgError | undefined;
  if (own && typeof own === 'object' && typeof own.transient === 'boolean') return own;
  const e = msg.error as MsgError | undefined;
  if (!e || typeof e !== 'object') return undefined;
  if (typeof e.transient === 'boolean') return e;
  // an error of another node (no `transient`): the package's one classifier decides
  return { ...classifyError(e).toMsgError(), ...(e.source ? { source: e.source } : {}) };
}

interface Failure {
  row: number;
  message?: string;
  code?: string;
  transient?: boolean;
  applied?: MsgError['applied'];
  idempotent?: boolean;
}

export class RetryGateCore {
  readonly breaker: CircuitBreaker;
  private readonly policy: RetryPolicy;
  private readonly timers: TimerQueue<string>;
  private readonly held: string[] = [];
  private readonly now: () => number;
  private releaseTimer: NodeJS.Timeout | undefined;
  private breakerTimer: NodeJS.Timeout | undefined;
  private closed = false;
  given = 0;
  retried = 0;

  private constructor(private readonly journal: Journal<GateEntry>, private readonly options: GateOptions, private readonly events: GateEvents) {
    this.now = options.now ?? Date.now;
    this.policy = new RetryPolicy(options.policy, options.random);
    this.breaker = new CircuitBreaker(options.breaker, (s) => this.onBreaker(s));
    this.timers = new TimerQueue<string>((ids) => this.due(ids), this.now);
  }

  /** Opens the journal and schedules what it holds: each pending retry goes out once, at its time. */
  static async open(file: string, options: GateOptions, events: GateEvents): Promise<RetryGateCore> {
    const journal = await Journal.open<GateEntry>(file, options.journal);
    const gate = new RetryGateCore(journal, options, events);
    for (const [id, e] of journal.entries()) {
      if (e.attempt === 0) gate.held.push(id);
      else gate.timers.push(e.nextAt, id);
    }
    if (gate.held.length) gate.scheduleRelease();
    return gate;
  }

  get pending(): number {
    return this.journal.count;
  }

  get fsyncs(): number {
    return this.journal.fsyncs;
  }

  get state(): BreakerState {
    return this.breaker.state;
  }

  get recovery() {
    return this.journal.recovery;
  }

  /** Handles one input message; resolves once what it decided is durable. */
  async accept(msg: Msg): Promise<void> {
    if (this.closed) throw new Error('retry-gate is closed');
    const error = failureOf(msg);
    const now = this.now();
    if (!error) {
      if (!this.breaker.enabled || this.breaker.tryPass(now)) {
        this.events.pass(msg);
        return;
      }
      await this.hold(msg, now);
      return;
    }
    const prior = (msg.retry ?? {}) as Partial<RetryInfo>;
    const failures = (error.details as { failures?: Failure[] } | undefined)?.failures;
    const payload = msg.payload;
    const originalRow = (r: number) => (Array.isArray(prior.rows) ? (prior.rows[r - 1] ?? r) : r);
    if (Array.isArray(failures) && Array.isArray(payload) && failures.length === payload.length && failures.length > 0) {
      const verdicts = failures.map((f) => retryVerdict({ transient: f.transient === true, ...(f.applied ?? error.applied ? { applied: f.applied ?? error.applied } : {}), ...(f.idempotent ?? error.idempotent ? { idempotent: f.idempotent ?? error.idempotent } : {}) }));
      const again = failures.map((_, i) => i).filter((i) => verdicts[i]?.retry);
      const never = failures.map((_, i) => i).filter((i) => !verdicts[i]?.retry);
      if (again.length && never.length) {
        // a partly failed batch: the transient rows retry, the others give up, each keeping its rows
        const part = (idx: number[]): { msg: Msg; error: MsgError; rows: number[] } => {
          const fs = idx.map((i) => ({ ...(failures[i] as Failure), row: originalRow((failures[i] as Failure).row) }));
          const rows = fs.map((f) => f.row);
          const first = fs[0] as Failure;
          const partError: MsgError = {
            ...error,
            message: `${idx.length} of ${payload.length} records failed; first (row ${first.row}): ${first.message ?? error.message}`,
            transient: fs.every((f) => f.transient === true),
            details: { ...(error.details ?? {}), failures: fs },
          };
          return { msg: { ...msg, payload: idx.map((i) => payload[i]), error: partError }, error: partError, rows };
        };
        const r = part(again);
        const g = part(never);
        const reason = (verdicts[never[0] as number] as { reason: GiveUpReason }).reason;
        this.giveUp(g.msg, g.error, prior, reason, g.rows, now);
        await this.retry(r.msg, r.error, prior, r.rows, now);
        return;
      }
    }
    const verdict = retryVerdict(error);
    const rows = Array.isArray(failures) ? failures.map((f) => originalRow(f.row)) : prior.rows;
    if (!verdict.retry) {
      this.giveUp(msg, error, prior, verdict.reason, rows, now);
      return;
    }
    await this.retry(msg, error, prior, rows, now);
  }

  private async retry(msg: Msg, error: MsgError, prior: Partial<RetryInfo>, rows: number[] | undefined, now: number): Promise<void> {
    this.breaker.failure(now);
    const attempt = (typeof prior.attempt === 'number' ? prior.attempt : 0) + 1;
    const firstFailedAt = typeof prior.firstFailedAt === 'number' ? prior.firstFailedAt : now;
    const decision = this.policy.decide(attempt, firstFailedAt, now, error.retryAfterMs);
    if (!decision.retry) {
      this.giveUp(msg, error, { ...prior, attempt: attempt - 1, firstFailedAt }, decision.reason, rows, now);
      return;
    }
    const id = typeof prior.id === 'string' ? prior.id : randomUUID();
    const entry: GateEntry = { msg: toStored(msg), attempt, firstFailedAt, lastError: error, nextAt: decision.at, ...(rows ? { rows } : {}) };
    await this.journal.put(id, entry);
    // held durably: an MQTT message it came from may be acknowledged now
    acknowledge(msg);
    if (this.closed) return;
    this.timers.push(decision.at, id);
    this.events.changed();
  }

  private giveUp(msg: Msg, error: MsgError, prior: Partial<RetryInfo>, reason: GiveUpReason, rows: number[] | undefined, now: number): void {
    const retry: RetryInfo = {
      id: typeof prior.id === 'string' ? prior.id : randomUUID(),
      attempt: typeof prior.attempt === 'number' ? prior.attempt : 0,
      firstFailedAt: typeof prior.firstFailedAt === 'number' ? prior.firstFailedAt : now,
      lastError: error,
      gaveUp: reason,
      ...(rows ? { rows } : {}),
    };
    this.given++;
    this.events.log('warn', `gave up: ${REASONS[reason]} (${error.code}: ${error.message})`, correlationIdOf(msg));
    this.events.giveUp({ ...msg, error, retry: { ...retry, reason: REASONS[reason] } });
  }

  private async hold(msg: Msg, now: number): Promise<void> {
    if (this.held.length >= this.options.maxHeld) {
      this.giveUp(msg, { message: `circuit open: ${this.held.length} messages held already`, code: 'UNAVAILABLE', transient: true }, {}, 'held-full', undefined, now);
      return;
    }
    const id = randomUUID();
    await this.journal.put(id, { msg: toStored(msg), attempt: 0, firstFailedAt: now, nextAt: now });
    acknowledge(msg);
    if (this.closed) return;
    this.held.push(id);
    this.armBreaker();
    this.events.changed();
  }

  /** Timer: these retries are due. With the circuit open they join the held queue, oldest first. */
  private due(ids: string[]): void {
    if (this.closed) return;
    const now = this.now();
    const go: string[] = [];
    for (const id of ids) {
      if (!this.journal.has(id)) continue;
      if (!this.breaker.enabled || (this.held.length === 0 && this.breaker.tryPass(now))) go.push(id);
      else this.held.push(id);
    }
    if (this.held.length) {
      this.armBreaker();
      this.scheduleRelease();
    }
    this.emit(go);
  }

  private emit(ids: string[]): void {
    if (!ids.length) return;
    for (const id of ids) {
      const e = this.journal.get(id) as GateEntry;
      const msg = fromStored(e.msg);
      if (e.attempt > 0) {
        msg.retry = { id, attempt: e.attempt, firstFailedAt: e.firstFailedAt, lastError: e.lastError, nextAt: e.nextAt, ...(e.rows ? { rows: e.rows } : {}) } satisfies RetryInfo;
        this.retried++;
      }
      this.events.pass(msg);
    }
    // sent first, forgotten after: a crash in between re-sends (at least once), never loses
    this.journal.batch(ids.map((key) => ({ key, value: undefined }))).then(
      () => this.events.changed(),
      (err: Error) => this.events.log('warn', `could not remove ${ids.length} sent retries from the journal: ${err.message}`),
    );
  }

  /** Releases held messages at the configured rate while the breaker lets them through. */
  private scheduleRelease(): void {
    if (this.releaseTimer || this.closed) return;
    const step = () => {
      this.releaseTimer = undefined;
      if (this.closed || !this.held.length) return;
      const now = this.now();
      const go: string[] = [];
      const burst = this.options.releaseRate > 0 ? Math.max(1, Math.ceil(this.options.releaseRate / 10)) : this.held.length;
      while (this.held.length && go.length < burst) {
        if (this.breaker.enabled && !this.breaker.tryPass(now)) break;
        const id = this.held.shift() as string;
        if (this.journal.has(id)) go.push(id);
        // in half-open only the probe passes
        if (this.breaker.state !== 'closed') break;
      }
      this.emit(go);
      if (this.held.length) {
        const wait = this.breaker.state === 'closed' ? (this.options.releaseRate > 0 ? Math.round((1000 * burst) / this.options.releaseRate) : 0) : Math.max(10, (this.breaker.nextChangeAt() ?? now + 100) - now);
        this.releaseTimer = setTimeout(step, wait);
      }
    };
    this.releaseTimer = setTimeout(step, 0);
  }

  private armBreaker(): void {
    if (this.breakerTimer || this.closed) return;
    const at = this.breaker.nextChangeAt();
    if (at === undefined) return;
    this.breakerTimer = setTimeout(() => {
      this.breakerTimer = undefined;
      this.breaker.poll(this.now());
      this.events.changed();
      if (this.held.length) this.scheduleRelease();
      this.armBreaker();
    }, Math.max(0, at - this.now()));
  }

  private onBreaker(state: BreakerState): void {
    this.events.log('info', `circuit ${state}`);
    if (this.closed) return;
    // timers are re-armed lazily: armBreaker runs after every transition caused by input
    setImmediate(() => {
      if (this.closed) return;
      this.armBreaker();
      this.events.changed();
    });
  }

  /** Stops every timer and closes the journal; what is pending stays in it for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.timers.clear();
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    if (this.breakerTimer) clearTimeout(this.breakerTimer);
    this.releaseTimer = undefined;
    this.breakerTimer = undefined;
    await this.journal.close();
  }
}
