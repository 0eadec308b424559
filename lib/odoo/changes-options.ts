/** The odoo-changes node's options, checked (zod), and the loop that polls on a timer. */
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { classifyError, configError, IntegrationError } from '../errors';
import { describeIssues } from '../util/zod';
import { CHANGE_DEFAULTS, ChangeFeed, type ChangeFeedOptions, type StartFrom } from './changes';
import { parseDomain } from './domain';

const num = (min: number, max: number, dflt: number) => z.preprocess((v) => (v === '' || v === null || v === undefined ? undefined : Number(v)), z.number().min(min).max(max).default(dflt));

export const changesNodeSchema = z.object({
  model: z.string().trim().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'must be an Odoo model name like purchase.order'),
  domain: z.unknown().optional(),
  fields: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (Array.isArray(v) ? v : (v ?? '').split(',')).map((s) => s.trim()).filter(Boolean))
    .refine((l) => l.every((f) => /^[a-z_][a-z0-9_]*$/.test(f)), 'field names are lower-case letters, digits and _'),
  interval: num(0.05, 86_400, 10),
  overlap: num(0, 86_400, CHANGE_DEFAULTS.overlapMs / 1000),
  pageSize: num(1, 10_000, CHANGE_DEFAULTS.pageSize),
  start: z.enum(['now', 'beginning', 'date']).default('now'),
  startDate: z.string().trim().optional(),
  related: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean))
    .refine((l) => l.every((r) => /^[a-z0-9_]+(\.[a-z0-9_]+)+:[a-z_][a-z0-9_]*$/.test(r)), 'related: model:field pairs like purchase.order.line:order_id'),
  includeArchived: z.preprocess((v) => v === true || v === 'true', z.boolean()).default(false),
  push: z.preprocess((v) => v === true || v === 'true', z.boolean()).default(false),
  pushPath: z
    .string()
    .trim()
    .optional()
    .refine((p) => !p || /^[A-Za-z0-9_-]+$/.test(p), 'the webhook path is letters, digits, - and _ (it goes after /odoo-changes/)'),
});

export interface ChangesNodeOptions {
  feed: Omit<ChangeFeedOptions, 'context'>;
  intervalMs: number;
  push: boolean;
  pushPath: string;
}

/** The node's saved options → checked options; throws a CONFIG error naming the problem. */
export function parseChangesNodeOptions(def: Record<string, unknown>): ChangesNodeOptions {
  const parsed = changesNodeSchema.safeParse(def);
  if (!parsed.success) throw configError(describeIssues(parsed.error, def));
  const o = parsed.data;
  let domain;
  try {
    domain = parseDomain(o.domain ?? []);
  } catch (err) {
    throw configError((err as Error).message);
  }
  if (o.start === 'date' && !o.startDate) throw configError('start: "from a date" needs the date (e.g. 2026-01-31, UTC)');
  const start: StartFrom = o.start === 'date' ? { from: 'date', date: o.startDate as string } : { from: o.start };
  if (o.push && !o.pushPath) throw configError('push: the webhook needs a path');
  return {
    feed: { model: o.model, domain, fields: o.fields.length ? o.fields : ['display_name'], overlapMs: o.overlap * 1000, pageSize: o.pageSize, start, includeArchived: o.includeArchived, related: o.related.map((r) => ({ model: r.split(':')[0] as string, field: r.split(':')[1] as string })) },
    intervalMs: o.interval * 1000,
    push: o.push,
    pushPath: o.pushPath ?? '',
  };
}

/** Whether a webhook call carries the secret: `?token=`, `X-Odoo-Changes-Token`, or `Authorization: Bearer`. Constant time. */
export function webhookAuthorized(expected: string | undefined, given: { query?: unknown; header?: unknown; authorization?: unknown }): boolean {
  if (!expected) return false;
  const bearer = typeof given.authorization === 'string' && /^Bearer\s+/i.test(given.authorization) ? given.authorization.replace(/^Bearer\s+/i, '') : undefined;
  const candidate = [given.query, given.header, bearer].find((v): v is string => typeof v === 'string' && v.length > 0);
  if (!candidate) return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface WatchEvents {
  /** A poll failed (the next one comes at its time). */
  failed(err: IntegrationError): void;
  /** After every poll that worked: for the status. */
  polled(feed: ChangeFeed): void;
}

/** Polls `feed` every `intervalMs`, one poll at a time; `stop()` ends the timer and waits for the poll under way. */
export class ChangeWatcher {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    readonly feed: ChangeFeed,
    private readonly intervalMs: number,
    private readonly events: WatchEvents,
  ) {}

  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pollNow().then(() => this.schedule(this.intervalMs));
    }, ms);
  }

  /** One poll now (an input message asks for it too); failures go to `failed`, never thrown. */
  pollNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const run = (this.running ?? Promise.resolve()).then(async () => {
      try {
        await this.feed.poll();
      } catch (err) {
        if (!this.stopped) this.events.failed(classifyError(err));
        return;
      }
      if (!this.stopped) this.events.polled(this.feed);
    });
    this.running = run;
    return run;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.feed.close();
  }
}
