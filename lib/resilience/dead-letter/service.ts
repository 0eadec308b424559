/**
 * The dead-letter queue's behaviour over either store: accepting a failed
 * message (durable before it counts), replaying entries at a set rate with a
 * loop guard, discarding, retention, and the admin API's requests and
 * answers (framework-free; the node wires them to Node-RED's admin server).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { MsgError } from '../../errors';
import { describeIssues } from '../../util/zod';
import { failureOf } from '../gate';
import { correlationIdOf, fromStored, Msg, toStored } from '../message';
import { DeadLetterEntry, DeadLetterFilter, DeadLetterStore } from './store';

export interface DeadLetterOptions {
  /** A replay of an entry replayed this often already is refused (loop guard); 0: no limit. */
  maxReplays: number;
  /** Retention: most entries kept (0: no limit). */
  maxEntries: number;
  /** Retention: oldest entry kept, by its last failure (0: no limit). */
  maxAgeMs: number;
  /** Replays per second when none is given in the request. */
  replayRate: number;
  flow?: string;
  now?: () => number;
}

export interface DeadLetterEvents {
  replay(msg: Msg): void;
  log(level: 'warn' | 'info', text: string, correlationId?: string): void;
  changed(): void;
}

export interface ApiAnswer {
  status: number;
  body?: unknown;
  /** JSON lines instead of a JSON body. */
  lines?: string[];
}

const time = z.union([z.number(), z.string()]).optional().transform((v, ctx) => {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: 'must be a time (ISO 8601 or milliseconds since 1970)' });
    return z.NEVER;
  }
  return n;
});

const filterSchema = z
  .object({
    source: z.string().optional(),
    code: z.string().optional(),
    from: time,
    to: time,
    text: z.string().optional(),
    state: z.enum(['dead', 'replayed', 'any']).optional(),
  })
  .strict();

const listSchema = filterSchema.extend({
  limit: z.preprocess((v) => (v === undefined || v === '' ? undefined : Number(v)), z.number().int().min(1).max(1000).optional()),
  offset: z.preprocess((v) => (v === undefined || v === '' ? undefined : Number(v)), z.number().int().min(0).optional()),
});

const actionSchema = z
  .object({
    ids: z.array(z.string().min(1)).min(1).optional(),
    filter: filterSchema.optional(),
    all: z.literal(true).optional(),
    /** Replays per second. */
    rate: z.number().positive().max(10_000).optional(),
    /** Replay even entries the loop guard stops. */
    force: z.boolean().optional(),
  })
  .strict()
  .refine((b) => [b.ids, b.filter, b.all].filter((x) => x !== undefined).length === 1, 'give exactly one of "ids" (a list), "filter" (an object) or "all": true');

function clean(f: Record<string, unknown>): DeadLetterFilter {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && v !== '')) as DeadLetterFilter;
}

function bad(error: z.ZodError, input: unknown): ApiAnswer {
  return { status: 400, body: { error: describeIssues(error, input && typeof input === 'object' ? (input as Record<string, unknown>) : undefined) } };
}

export class DeadLetterService {
  private readonly now: () => number;
  private jobs = new Set<NodeJS.Timeout>();
  private closed = false;
  dropped = 0;

  constructor(readonly store: DeadLetterStore, readonly options: DeadLetterOptions, private readonly events: DeadLetterEvents) {
    this.now = options.now ?? Date.now;
  }

  /** Keeps a failed message; resolves once it is durable. A replay that failed again is the same entry, its count kept. */
  async accept(msg: Msg): Promise<DeadLetterEntry> {
    const now = this.now();
    const error: MsgError = failureOf(msg) ?? { message: 'the message came without msg.error', code: 'INTERNAL', transient: false };
    const replay = msg.replay as { id?: unknown; count?: unknown } | undefined;
    const retry = msg.retry as { attempt?: unknown; firstFailedAt?: unknown; gaveUp?: unknown } | undefined;
    const known = typeof replay?.id === 'string' ? await this.store.get(replay.id) : undefined;
    const attempts = typeof retry?.attempt === 'number' ? retry.attempt : 0;
    const correlationId = correlationIdOf(msg);
    const entry: DeadLetterEntry = {
      id: known?.id ?? randomUUID(),
      msg: toStored(msg),
      error,
      ...(error.source ? { source: error.source } : {}),
      attempts: (known?.attempts ?? 0) + attempts,
      firstFailedAt: known?.firstFailedAt ?? (typeof retry?.firstFailedAt === 'number' ? retry.firstFailedAt : now),
      lastFailedAt: now,
      ...(correlationId ? { correlationId } : {}),
      ...(typeof retry?.gaveUp === 'string' ? { reason: retry.gaveUp } : {}),
      ...(this.options.flow ? { flow: this.options.flow } : {}),
      replays: known ? Math.max(known.replays, typeof replay?.count === 'number' ? replay.count : 0) : 0,
      state: 'dead',
    };
    await this.store.put(entry);
    this.events.log('warn', `dead letter ${entry.id}: ${error.code}: ${error.message}`, correlationId);
    this.events.changed();
    return entry;
  }

  /** Drops what retention says; logs and counts it. */
  async retain(): Promise<number> {
    const { maxEntries, maxAgeMs } = this.options;
    if (!maxEntries && !maxAgeMs) return 0;
    const dropped = await this.store.retain(maxEntries, maxAgeMs, this.now());
    for (const e of dropped) this.events.log('warn', `retention dropped dead letter ${e.id} (${e.error.code}, last failed ${new Date(e.lastFailedAt).toISOString()})`, e.correlationId);
    this.dropped += dropped.length;
    if (dropped.length) this.events.changed();
    return dropped.length;
  }

  private async idsFor(body: z.infer<typeof actionSchema>): Promise<string[]> {
    if (body.ids) return body.ids;
    return this.store.ids(body.all ? {} : clean(body.filter ?? {}));
  }

  /** Claims and sends entries one by one at `rate` per second; the first goes at once. */
  private startReplay(ids: string[], rate: number): void {
    let i = 0;
    const next = () => {
      if (this.closed || i >= ids.length) return;
      const id = ids[i++] as string;
      this.store.claim([id]).then(
        (claimed) => {
          for (const e of claimed) this.events.replay({ ...fromStored(e.msg), replay: { id: e.id, count: e.replays } });
          if (claimed.length) this.events.changed();
          schedule();
        },
        (err: Error) => {
          this.events.log('warn', `replay stopped after ${i - 1} of ${ids.length}: ${err.message}`);
        },
      );
    };
    const schedule = () => {
      if (this.closed || i >= ids.length) return;
      const t = setTimeout(() => {
        this.jobs.delete(t);
        next();
      }, 1000 / rate);
      this.jobs.add(t);
    };
    next();
  }

  // ---- admin API -------------------------------------------------------

  async apiList(query: Record<string, unknown>): Promise<ApiAnswer> {
    const parsed = listSchema.safeParse(query);
    if (!parsed.success) return bad(parsed.error, query);
    const { limit, offset, ...f } = parsed.data;
    const [found, counts] = await Promise.all([this.store.list(clean(f), { ...(limit ? { limit } : {}), ...(offset ? { offset } : {}) }), this.store.counts()]);
    return { status: 200, body: { total: found.total, entries: found.entries, counts, dropped: this.dropped, store: this.store.kind } };
  }

  async apiGet(id: string): Promise<ApiAnswer> {
    const e = await this.store.get(id);
    return e ? { status: 200, body: e } : { status: 404, body: { error: `no dead letter with id ${JSON.stringify(id)}` } };
  }

  async apiReplay(body: unknown): Promise<ApiAnswer> {
    const parsed = actionSchema.safeParse(body ?? {});
    if (!parsed.success) return bad(parsed.error, body);
    const b = parsed.data;
    const ids = await this.idsFor(b);
    const entries = await Promise.all(ids.map((id) => this.store.get(id)));
    const refused: Array<{ id: string; reason: string }> = [];
    const go: string[] = [];
    ids.forEach((id, i) => {
      const e = entries[i];
      if (!e) refused.push({ id, reason: 'no such entry' });
      else if (e.state !== 'dead') refused.push({ id, reason: 'already replayed' });
      else if (!b.force && this.options.maxReplays > 0 && e.replays >= this.options.maxReplays) refused.push({ id, reason: `replayed ${e.replays} times already (loop guard); send "force": true to replay anyway` });
      else go.push(id);
    });
    if (b.ids && go.length === 0) return { status: refused.every((r) => r.reason === 'no such entry') ? 404 : 409, body: { error: refused.map((r) => `${r.id}: ${r.reason}`).join('; '), refused } };
    this.startReplay(go, b.rate ?? this.options.replayRate);
    return { status: 202, body: { queued: go.length, refused } };
  }

  async apiDiscard(body: unknown): Promise<ApiAnswer> {
    const parsed = actionSchema.safeParse(body ?? {});
    if (!parsed.success) return bad(parsed.error, body);
    const ids = await this.idsFor(parsed.data);
    const removed = await this.store.remove(ids);
    if (parsed.data.ids && removed === 0) return { status: 404, body: { error: `no dead letter with id ${ids.map((i) => JSON.stringify(i)).join(', ')}` } };
    if (removed) this.events.changed();
    return { status: 200, body: { discarded: removed } };
  }

  async apiExport(query: Record<string, unknown>): Promise<ApiAnswer> {
    const parsed = filterSchema.safeParse(query);
    if (!parsed.success) return bad(parsed.error, query);
    const ids = await this.store.ids(clean(parsed.data));
    const lines: string[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const { entries } = await this.store.list({ ids: chunk, state: parsed.data.state ?? 'dead' }, { limit: 500 });
      const byId = new Map(entries.map((e) => [e.id, e]));
      for (const id of chunk) if (byId.has(id)) lines.push(JSON.stringify(byId.get(id)));
    }
    return { status: 200, lines };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.jobs) clearTimeout(t);
    this.jobs.clear();
    await this.store.close();
  }
}
