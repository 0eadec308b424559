/** Node properties of retry-gate and dead-letter, as the editor saves them, into validated options. */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { configError } from '../errors';
import { describeIssues } from '../util/zod';
import { breakerSchema } from './breaker';
import type { DeadLetterOptions } from './dead-letter/service';
import type { GateOptions } from './gate';
import { retryPolicySchema } from './policy';

const num = (schema: z.ZodNumber) => z.preprocess((v) => (v === '' || v === null || v === undefined ? undefined : Number(v)), schema.optional());

const gateSchema = z.object({
  maxAttempts: z.unknown().optional(),
  /** seconds */
  maxTotal: num(z.number().min(0)).default(0),
  strategy: z.unknown().optional(),
  initialDelay: num(z.number().min(0)).default(1000),
  multiplier: z.unknown().optional(),
  maxDelay: num(z.number().min(0)).default(60_000),
  jitter: z.unknown().optional(),
  schedule: z.unknown().optional(),
  honourRetryAfter: z.unknown().optional(),
  breakerThreshold: num(z.number().int().min(0)).default(5),
  /** ms */
  breakerWindow: num(z.number().positive()).default(10_000),
  breakerCooldown: num(z.number().min(0)).default(5_000),
  probeTimeout: num(z.number().positive()).default(5_000),
  maxHeld: num(z.number().int().min(0).max(10_000_000)).default(100_000),
  /** messages per second */
  releaseRate: num(z.number().min(0)).default(100),
});

export function parseGateOptions(def: Record<string, unknown>): Omit<GateOptions, 'now' | 'random' | 'journal'> {
  const g = gateSchema.safeParse(def);
  if (!g.success) throw configError(describeIssues(g.error, def));
  const policyInput = {
    maxAttempts: g.data.maxAttempts,
    maxTotalMs: g.data.maxTotal * 1000,
    strategy: g.data.strategy === '' ? undefined : g.data.strategy,
    initialDelayMs: g.data.initialDelay,
    multiplier: g.data.multiplier,
    maxDelayMs: g.data.maxDelay,
    jitter: g.data.jitter === '' ? undefined : g.data.jitter,
    schedule: g.data.schedule,
    honourRetryAfter: g.data.honourRetryAfter,
  };
  const p = retryPolicySchema.safeParse(policyInput);
  if (!p.success) throw configError(describeIssues(p.error, policyInput));
  const breaker = breakerSchema.parse({ threshold: g.data.breakerThreshold, windowMs: g.data.breakerWindow, cooldownMs: g.data.breakerCooldown, probeTimeoutMs: g.data.probeTimeout });
  return { policy: p.data, breaker, maxHeld: g.data.maxHeld, releaseRate: g.data.releaseRate };
}

const deadLetterSchema = z.object({
  store: z.enum(['local', 'postgres']).or(z.literal('').transform(() => 'local' as const)).default('local'),
  /** Queue name shared by instances on one PostgreSQL; default the node id. */
  queue: z.string().trim().regex(/^[\w.-]*$/, 'may hold letters, digits, _ . - only').optional(),
  maxReplays: num(z.number().int().min(0)).default(5),
  maxEntries: num(z.number().int().min(0)).default(10_000),
  /** days */
  maxAge: num(z.number().min(0)).default(30),
  replayRate: num(z.number().positive().max(10_000)).default(10),
});

export interface DeadLetterNodeOptions extends Omit<DeadLetterOptions, 'now' | 'flow'> {
  store: 'local' | 'postgres';
  queue?: string;
}

export function parseDeadLetterOptions(def: Record<string, unknown>): DeadLetterNodeOptions {
  const d = deadLetterSchema.safeParse(def);
  if (!d.success) throw configError(describeIssues(d.error, def));
  return { store: d.data.store, ...(d.data.queue ? { queue: d.data.queue } : {}), maxReplays: d.data.maxReplays, maxEntries: d.data.maxEntries, maxAgeMs: d.data.maxAge * 86_400_000, replayRate: d.data.replayRate };
}

/**
 * Where a node keeps its files: `<userDir>/odoo-supply/<kind>-<id>.journal`
 * (settings.odooSupplyDataDir overrides the folder). Node ids are Node-RED's
 * own hex ids; anything else in them is replaced so an id never escapes it.
 */
export function dataFile(settings: { userDir?: unknown; odooSupplyDataDir?: unknown }, kind: string, id: string): string {
  const base = typeof settings.odooSupplyDataDir === 'string' && settings.odooSupplyDataDir
    ? settings.odooSupplyDataDir
    : path.join(typeof settings.userDir === 'string' && settings.userDir ? settings.userDir : path.join(os.homedir(), '.node-red'), 'odoo-supply');
  return path.join(base, `${kind}-${id.replace(/[^\w.-]/g, '_')}.journal`);
}
