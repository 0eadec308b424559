/**
 * Circuit breaker for one target (an Odoo server, an SFTP server). A run of
 * transient failures within a window opens it; while open, messages are held
 * instead of burning their attempts. After the cooldown one probe may pass
 * (half-open); a probe that fails opens it again, a probe that has not come
 * back failed within `probeTimeoutMs` counts as an answer and closes it.
 * The gate sees failures only, never successes, hence the probe timeout.
 */
import { z } from 'zod';

const num = (schema: z.ZodNumber) => z.preprocess((v) => (v === '' || v === null || v === undefined ? undefined : Number(v)), schema.optional());

export const breakerSchema = z.object({
  /** 0 turns the breaker off. */
  threshold: num(z.number().int().min(0).max(100_000)).default(5),
  windowMs: num(z.number().positive()).default(10_000),
  cooldownMs: num(z.number().min(0)).default(5_000),
  probeTimeoutMs: num(z.number().positive()).default(5_000),
});
export type BreakerOptions = z.infer<typeof breakerSchema>;

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  state: BreakerState = 'closed';
  opens = 0;
  closes = 0;
  private failures: number[] = [];
  private openedAt = 0;
  private probeAt: number | undefined;

  constructor(readonly options: BreakerOptions, private readonly onChange: (state: BreakerState) => void = () => undefined) {}

  get enabled(): boolean {
    return this.options.threshold > 0;
  }

  private set(state: BreakerState, now: number): void {
    if (state === this.state) return;
    this.state = state;
    if (state === 'open') {
      this.opens++;
      this.openedAt = now;
      this.probeAt = undefined;
    }
    if (state === 'closed') {
      this.closes++;
      this.failures = [];
      this.probeAt = undefined;
    }
    this.onChange(state);
  }

  /** A transient failure of a message sent to the target. */
  failure(now: number): void {
    if (!this.enabled) return;
    if (this.state === 'half-open' || this.state === 'open') {
      this.set('open', now);
      this.openedAt = now;
      return;
    }
    this.failures.push(now);
    while (this.failures.length && (this.failures[0] as number) <= now - this.options.windowMs) this.failures.shift();
    if (this.failures.length >= this.options.threshold) this.set('open', now);
  }

  /** Moves on by the clock: open → half-open after the cooldown, an unanswered probe closes it. */
  poll(now: number): BreakerState {
    if (this.state === 'open' && now - this.openedAt >= this.options.cooldownMs) this.set('half-open', now);
    if (this.state === 'half-open' && this.probeAt !== undefined && now - this.probeAt >= this.options.probeTimeoutMs) this.set('closed', now);
    return this.state;
  }

  /** May a message go to the target now? In half-open, only one (the probe). */
  tryPass(now: number): boolean {
    this.poll(now);
    if (this.state === 'closed') return true;
    if (this.state === 'half-open' && this.probeAt === undefined) {
      this.probeAt = now;
      return true;
    }
    return false;
  }

  /** When poll() may next change the state; undefined when only a failure can. */
  nextChangeAt(): number | undefined {
    if (this.state === 'open') return this.openedAt + this.options.cooldownMs;
    if (this.state === 'half-open' && this.probeAt !== undefined) return this.probeAt + this.options.probeTimeoutMs;
    return undefined;
  }
}
