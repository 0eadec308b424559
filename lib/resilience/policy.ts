/**
 * Retry policy: how long to wait before the next attempt, and when to stop.
 * Exponential backoff with a cap and full jitter (AWS architecture blog,
 * "Exponential Backoff And Jitter"), or a stepped schedule; a server's
 * Retry-After is honoured as the least wait.
 */
import { z } from 'zod';
import { configError } from '../errors';
import { describeIssues } from '../util/zod';

const num = (schema: z.ZodNumber) => z.preprocess((v) => (v === '' || v === null || v === undefined ? undefined : Number(v)), schema.optional());

const scheduleList = z
  .union([z.string(), z.array(z.union([z.number(), z.string()]))])
  .optional()
  .transform((v, ctx) => {
    const parts = Array.isArray(v) ? v : (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const out = parts.map(Number);
    if (out.some((n) => !Number.isFinite(n) || n < 0)) {
      ctx.addIssue({ code: 'custom', message: 'must be a list of waits in milliseconds, like "1000, 5000, 30000"' });
      return z.NEVER;
    }
    return out;
  });

export const retryPolicySchema = z
  .object({
    /** Attempts after the first failure; 0: no limit (then maxTotalMs must be set). */
    maxAttempts: num(z.number().int().min(0).max(1_000_000)).default(5),
    /** Give up once this long has passed since the first failure; 0: no limit. */
    maxTotalMs: num(z.number().min(0)).default(0),
    strategy: z.enum(['exponential', 'schedule']).default('exponential'),
    initialDelayMs: num(z.number().min(0)).default(1000),
    multiplier: num(z.number().min(1).max(100)).default(2),
    maxDelayMs: num(z.number().min(0)).default(60_000),
    jitter: z.enum(['full', 'none']).default('full'),
    /** Waits for strategy `schedule`, one per attempt; the last repeats. */
    schedule: scheduleList,
    honourRetryAfter: z.preprocess((v) => (v === '' || v === undefined ? undefined : v === true || v === 'true'), z.boolean().optional()).default(true),
  })
  .superRefine((p, ctx) => {
    if (p.maxAttempts === 0 && p.maxTotalMs === 0) ctx.addIssue({ code: 'custom', path: ['maxAttempts'], message: 'set a maximum number of attempts or a maximum total time (both are 0: it would retry for ever)' });
    if (p.strategy === 'schedule' && p.schedule.length === 0) ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'strategy "schedule" needs at least one wait' });
  });

export type RetryPolicyOptions = z.infer<typeof retryPolicySchema>;

export function parseRetryPolicy(input: Record<string, unknown>): RetryPolicyOptions {
  const parsed = retryPolicySchema.safeParse(input);
  if (!parsed.success) throw configError(describeIssues(parsed.error, input));
  return parsed.data;
}

export type RetryDecision = { retry: true; delayMs: number; at: number } | { retry: false; reason: 'attempts' | 'time' };

export class RetryPolicy {
  constructor(readonly options: RetryPolicyOptions, private readonly random: () => number = Math.random) {}

  /** Wait before attempt `attempt` (1 = the first retry). */
  delay(attempt: number, retryAfterMs?: number): number {
    const o = this.options;
    let d: number;
    if (o.strategy === 'schedule') {
      d = o.schedule[Math.min(attempt, o.schedule.length) - 1] ?? 0;
    } else {
      const ceiling = Math.min(o.maxDelayMs, o.initialDelayMs * Math.pow(o.multiplier, Math.max(0, attempt - 1)));
      d = o.jitter === 'full' ? this.random() * ceiling : ceiling;
    }
    if (o.honourRetryAfter && retryAfterMs !== undefined && retryAfterMs > d) d = retryAfterMs;
    return Math.round(d);
  }

  /**
   * Whether the `attempt`-th retry of a message that first failed at
   * `firstFailedAt` may still happen, and when.
   */
  decide(attempt: number, firstFailedAt: number, now: number, retryAfterMs?: number): RetryDecision {
    const o = this.options;
    if (o.maxAttempts > 0 && attempt > o.maxAttempts) return { retry: false, reason: 'attempts' };
    const delayMs = this.delay(attempt, retryAfterMs);
    if (o.maxTotalMs > 0 && now + delayMs - firstFailedAt > o.maxTotalMs) return { retry: false, reason: 'time' };
    return { retry: true, delayMs, at: now + delayMs };
  }
}
