/**
 * Change capture out of Odoo: every record of a model that was created or
 * changed (and matches a domain) is handed on once per version, a version
 * being its `write_date`.
 *
 * Why it is not `write_date > last seen`: Odoo stamps `write_date` with the
 * transaction's start (`cr.now()` is PostgreSQL's `now()`), so a long
 * transaction commits records stamped *before* records other transactions
 * committed earlier; Odoo sends `write_date` to the second while it stores
 * microseconds, so records share a timestamp at page edges. So each poll
 * reads again every record stamped since `overlap` before the previous poll
 * started (a version that poll did not see committed after it, and was
 * stamped at most `overlap` earlier: the longest transaction, and any clock
 * difference), paged by (write_date, id); what was handed on already is
 * known by record id and version: its `write_date` and a digest of the
 * fields chosen (two versions in one second carry the same text). A record's
 * versions only grow: its row is locked by the writer, and a later writer
 * starts after the earlier committed, or fails to serialize and starts again.
 * The map is bounded by the window: a version stamped before it is never read
 * again, so it is forgotten. Once nothing changed for `overlap`, a poll is
 * one call.
 *
 * The cursor and the map are durable (the package's journal): a restart
 * hands on nothing twice and misses nothing. Changes are handed on, then
 * recorded; `close()` waits for the record, so a stop never doubles; a
 * `kill -9` between the two hands on the last batch once more (at least
 * once, never a miss).
 *
 * Odoo's webhooks (automation rule "Send Webhook Notification") are hints
 * here: `hint(ids)` re-reads those records and hands them on through the same
 * map, so push and poll together neither miss nor double.
 */
import { createHash } from 'node:crypto';
import { badInput } from '../errors';
import { Journal } from '../resilience/journal';
import type { FeedStore } from './changes-store';
import type { Context, Domain, OdooClient, OdooRecord } from './client';
import { andAll } from './paging';
import { stableJson } from './idempotency';

export type StartFrom = { from: 'now' } | { from: 'beginning' } | { from: 'date'; date: string };

export interface ChangeFeedOptions {
  model: string;
  domain?: Domain;
  /** Fields handed on with each record (`id` and `write_date` always come). */
  fields: string[];
  /** How far before the cursor each poll reads again, to catch late commits (ms). */
  overlapMs?: number;
  pageSize?: number;
  start?: StartFrom;
  context?: Context;
  /** Archived records too (`active_test: false`): archiving is then a change like any other. */
  includeArchived?: boolean;
  /** Most versions remembered (a safety bound; the window is the normal bound). */
  maxTracked?: number;
  /**
   * Related models whose changes are changes of the watched record: a
   * `purchase.order.line` written alone does not move its order's
   * `write_date`; with `{model: 'purchase.order.line', field: 'order_id'}` the
   * order is handed on (with `via`) once per new version of its lines.
   */
  related?: Array<{ model: string; field: string }>;
}

export interface Change {
  id: number;
  model: string;
  /** The version: Odoo's `write_date` (UTC, `YYYY-MM-DD HH:MM:SS`). */
  writeDate: string;
  action: 'changed' | 'deleted';
  /** How this change was found. */
  source: 'poll' | 'push';
  /** The record as read (fields chosen, `id`, `write_date`); `{id}` for a deletion. */
  record: OdooRecord;
  /** Handed on this long after Odoo stamped it (ms). */
  lagMs: number;
  /** Sent because of related records that changed (`related` option). */
  via?: { model: string; ids: number[] };
}

export interface FeedStats {
  cursor: string;
  polls: number;
  emitted: number;
  calls: number;
  tracked: number;
  lastLagMs: number | undefined;
}

export const CHANGE_DEFAULTS = { overlapMs: 120_000, pageSize: 500, maxTracked: 200_000 } as const;

const EPOCH = '1970-01-01 00:00:00';

/** Odoo's datetime text (UTC) of a JS time. */
export function odooDatetime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** JS time of Odoo's datetime text (UTC). */
export function odooTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

function and(...domains: Domain[]): Domain {
  const parts = domains.filter((d) => d.length);
  if (!parts.length) return [];
  if (parts.length === 1) return parts[0] as Domain;
  return [...Array<string>(parts.length - 1).fill('&'), ...parts.flatMap((d) => andAll(d))];
}

/** What the journal keeps: `cursor`, `config`, `r:<id>` → write_date handed on, `d:<id>` → deletion handed on. */
type Stored = string;

export class ChangeFeed {
  private readonly seen = new Map<number, string>();
  /** Versions of related records seen, by `<model>:<id>`. */
  private readonly relatedSeen = new Map<string, string>();
  private readonly deleted = new Set<number>();
  private cursor = EPOCH;
  /** Versions stamped before this are never handed on (start from a date or from now). */
  private floor = EPOCH;
  /** From now: what is in the window at the first poll counts as seen, not handed on. */
  private needsBaseline = false;
  /** Local time the last successful poll started (ms), and what the journal holds of it. */
  private polledAt: number | undefined;
  private polledAtStored: number | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  readonly stats: FeedStats = { cursor: EPOCH, polls: 0, emitted: 0, calls: 0, tracked: 0, lastLagMs: undefined };
  private readonly o: Required<Omit<ChangeFeedOptions, 'context' | 'start' | 'related'>> & { related: Array<{ model: string; field: string }> } & { context: Context; start: StartFrom };

  private constructor(
    private readonly client: OdooClient,
    options: ChangeFeedOptions,
    private readonly journal: FeedStore,
    private readonly handOn: (changes: Change[]) => void,
  ) {
    this.o = {
      domain: options.domain ?? [],
      overlapMs: options.overlapMs ?? CHANGE_DEFAULTS.overlapMs,
      pageSize: options.pageSize ?? CHANGE_DEFAULTS.pageSize,
      maxTracked: options.maxTracked ?? CHANGE_DEFAULTS.maxTracked,
      includeArchived: options.includeArchived ?? false,
      start: options.start ?? { from: 'now' },
      context: { ...(options.context ?? {}), ...(options.includeArchived ? { active_test: false } : {}) },
      model: options.model,
      fields: options.fields,
      related: options.related ?? [],
    };
    for (const r of this.o.related) if (!/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(r.model) || !/^[a-z_][a-z0-9_]*$/.test(r.field)) throw badInput(`related: "${r.model}:${r.field}" is not a model and its field to the watched record (e.g. purchase.order.line:order_id)`);
    if (!/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(this.o.model)) throw badInput(`model "${this.o.model}" is not an Odoo model name (e.g. purchase.order)`);
    if (this.o.overlapMs < 0) throw badInput('the overlap window cannot be negative');
  }

  /**
   * Opens the feed's state at `file` (created on first use). The start option
   * counts only on the first run, or when model, domain or start changed.
   */
  static async open(client: OdooClient, options: ChangeFeedOptions, file: string | FeedStore, handOn: (changes: Change[]) => void): Promise<ChangeFeed> {
    // a path: the local journal; a store: e.g. PostgreSQL shared by several instances (lib/odoo/changes-store.ts)
    const journal: FeedStore = typeof file === 'string' ? await Journal.open<Stored>(file) : file;
    let feed: ChangeFeed;
    try {
      feed = new ChangeFeed(client, options, journal, handOn);
    } catch (err) {
      await journal.close();
      throw err;
    }
    const config = JSON.stringify({ model: feed.o.model, domain: feed.o.domain, start: feed.o.start, archived: feed.o.includeArchived, ...(feed.o.related.length ? { related: feed.o.related } : {}) });
    if (journal.get('config') === config && journal.get('cursor')) {
      feed.cursor = journal.get('cursor') as string;
      feed.floor = (journal.get('floor') as string | undefined) ?? EPOCH;
      feed.needsBaseline = journal.has('baseline');
      const polledAt = Number(journal.get('polledAt'));
      if (Number.isFinite(polledAt) && polledAt > 0) feed.polledAt = feed.polledAtStored = polledAt;
      for (const [k, v] of journal.entries()) {
        if (k.startsWith('r:')) feed.seen.set(Number(k.slice(2)), v);
        else if (k.startsWith('d:')) feed.deleted.add(Number(k.slice(2)));
        else if (k.startsWith('l:')) feed.relatedSeen.set(k.slice(2), v);
      }
    } else {
      // a new feed (or a changed one): forget what an older configuration handed on
      try {
        feed.initialCursor();
      } catch (err) {
        await journal.close();
        throw err;
      }
      await journal.batch([...journal.entries()].map(([k]) => ({ key: k, value: undefined })));
      await journal.batch([
        { key: 'config', value: config },
        { key: 'cursor', value: feed.cursor },
        { key: 'floor', value: feed.floor },
        ...(feed.o.start.from === 'now' ? [{ key: 'baseline', value: 'pending' }] : []),
      ]);
      feed.needsBaseline = feed.o.start.from === 'now';
    }
    feed.stats.cursor = feed.cursor;
    feed.stats.tracked = feed.seen.size;
    return feed;
  }

  private initialCursor(): void {
    const s = this.o.start;
    if (s.from === 'beginning') this.cursor = this.floor = EPOCH;
    else if (s.from === 'date') {
      const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s.date) ? s.date : `${s.date.replace(' ', 'T')}${s.date.length <= 10 ? 'T00:00:00' : ''}Z`);
      if (Number.isNaN(t)) throw badInput(`start date "${s.date}" is not a date (e.g. 2026-01-31 or 2026-01-31 08:00:00, UTC)`);
      this.cursor = this.floor = odooDatetime(t);
    } else this.cursor = odooDatetime(Date.now());
  }

  get cursorText(): string {
    return this.cursor;
  }

  /** One poll: reads the window, hands on what is new, records it. Polls and hints run one at a time. */
  poll(): Promise<Change[]> {
    return this.serial(() => this.pollNow());
  }

  /** Odoo said these records changed (a webhook): read them and hand on what is new. */
  hint(ids: number[], action: 'changed' | 'deleted' = 'changed'): Promise<Change[]> {
    return this.serial(() => (action === 'deleted' ? this.handDeleted(ids) : this.hinted(ids)));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the change feed is closed'));
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * A version the last poll did not see committed after that poll started,
   * so it is stamped at most `overlap` (the longest transaction, and any
   * clock difference) before then, one second more for Odoo's seconds. The
   * window follows the polls, not the newest stamp: once nothing changed for
   * `overlap`, it is empty and a poll is one call.
   */
  private windowStart(): string {
    const base = this.polledAt ?? (this.needsBaseline ? Date.now() : undefined);
    if (base === undefined) return this.floor;
    const start = odooDatetime(base - this.o.overlapMs - 1000);
    return start > this.floor ? start : this.floor;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    this.stats.calls++;
    return fn();
  }

  private get readFields(): string[] {
    return [...new Set([...this.o.fields, 'write_date'])];
  }

  /** Every record stamped in the window, with the chosen fields, paged by (write_date, id). */
  private async scan(model = this.o.model, base: Domain = this.o.domain, fields: string[] = this.readFields): Promise<Map<number, OdooRecord>> {
    const found = new Map<number, OdooRecord>();
    const keep = (rows: OdooRecord[]) => {
      for (const r of rows) {
        const had = found.get(r.id as number);
        if (!had || (r.write_date as string) >= (had.write_date as string)) found.set(r.id as number, r);
      }
    };
    const read = (domain: Domain, order: string) =>
      this.call(() => this.client.searchRead(model, { domain: and(base, domain), fields, order, limit: this.o.pageSize, context: this.o.context }));
    let from = this.windowStart();
    for (;;) {
      const page = await read([['write_date', '>=', from]], 'write_date asc, id asc');
      keep(page);
      if (page.length < this.o.pageSize) return found;
      const first = page[0]?.write_date as string;
      const last = page[page.length - 1]?.write_date as string;
      if (first !== last) {
        // Odoo compares its microseconds, we see seconds: start again at the last second, whole
        from = last;
        continue;
      }
      // a whole page in one second: page that second by id alone (from the start: the page was in microsecond order), then go on after it
      let lastId = 0;
      const next = odooDatetime(odooTime(last) + 1000);
      for (;;) {
        const same = await read([['write_date', '>=', last], ['write_date', '<', next], ['id', '>', lastId]], 'id asc');
        keep(same);
        if (same.length < this.o.pageSize) break;
        lastId = same[same.length - 1]?.id as number;
      }
      from = next;
    }
  }

  /**
   * Odoo sends `write_date` to the second: two versions of one record in one
   * second carry the same text. So a version is its `write_date` and a digest
   * of the fields chosen; a record whose digest moved within the same second is new.
   */
  private isNew(r: OdooRecord): boolean {
    const wd = r.write_date as string;
    if (typeof wd !== 'string' || wd < this.floor) return false;
    const had = this.seen.get(r.id as number);
    if (had === undefined) return true;
    const [hadWd, hadDigest] = splitVersion(had);
    return wd > hadWd || (wd === hadWd && digest(r) !== hadDigest);
  }

  private async pollNow(): Promise<Change[]> {
    this.stats.polls++;
    const scanStart = Date.now();
    const found = await this.scan();
    const related = await Promise.all(this.o.related.map(async (r) => ({ ...r, found: await this.scan(r.model, [], [r.field, 'write_date']) })));
    let maxSeen = this.cursor;
    for (const r of found.values()) if ((r.write_date as string) > maxSeen) maxSeen = r.write_date as string;
    if (this.needsBaseline) {
      // first run "from now": what was there before the start is not a change
      const ops: Array<{ key: string; value: string | undefined }> = [];
      for (const r of found.values()) {
        const v = versionOf(r);
        this.seen.set(r.id as number, v);
        ops.push({ key: `r:${r.id}`, value: v });
      }
      for (const rel of related) for (const r of rel.found.values()) {
        const k = `${rel.model}:${r.id}`;
        this.relatedSeen.set(k, versionOf(r));
        ops.push({ key: `l:${k}`, value: versionOf(r) });
      }
      this.cursor = maxSeen;
      this.polledAt = this.polledAtStored = scanStart;
      await this.journal.batch([...ops, { key: 'cursor', value: this.cursor }, { key: 'polledAt', value: String(scanStart) }, { key: 'baseline', value: undefined }]);
      this.needsBaseline = false;
      this.stats.cursor = this.cursor;
      this.stats.tracked = this.seen.size;
      return [];
    }
    const changes = this.handOnNew([...found.values()], 'poll');
    const relatedOps = this.o.related.length ? await this.handOnRelated(related, new Set(changes.map((c) => c.id))) : { changes: [], ops: [] };
    this.cursor = maxSeen;
    this.polledAt = scanStart;
    await this.record([...changes, ...relatedOps.changes], true, relatedOps.ops);
    return [...changes, ...relatedOps.changes];
  }

  /** Watched records whose related records have new versions: read and handed on once per poll, with `via`. */
  private async handOnRelated(related: Array<{ model: string; field: string; found: Map<number, OdooRecord> }>, sentNow: Set<number>): Promise<{ changes: Change[]; ops: Array<{ key: string; value: string | undefined }> }> {
    const ops: Array<{ key: string; value: string | undefined }> = [];
    const via = new Map<number, { model: string; ids: number[] }>();
    for (const rel of related) {
      for (const r of rel.found.values()) {
        const k = `${rel.model}:${r.id}`;
        const v = versionOf(r);
        const had = this.relatedSeen.get(k);
        if (had !== undefined && !(splitVersion(v)[0] > splitVersion(had)[0] || (splitVersion(v)[0] === splitVersion(had)[0] && v !== had))) continue;
        this.relatedSeen.set(k, v);
        ops.push({ key: `l:${k}`, value: v });
        const parent = Array.isArray(r[rel.field]) ? ((r[rel.field] as unknown[])[0] as number) : (r[rel.field] as number);
        if (!Number.isInteger(parent) || sentNow.has(parent)) continue;
        const entry = via.get(parent) ?? { model: rel.model, ids: [] };
        entry.ids.push(r.id as number);
        via.set(parent, entry);
      }
    }
    if (!via.size) return { changes: [], ops };
    const ids = [...via.keys()];
    const rows: OdooRecord[] = [];
    for (let i = 0; i < ids.length; i += this.o.pageSize) {
      const chunk = ids.slice(i, i + this.o.pageSize);
      rows.push(...(await this.call(() => this.client.searchRead(this.o.model, { domain: and(this.o.domain, [['id', 'in', chunk]]), fields: this.readFields, context: this.o.context }))));
    }
    const now = Date.now();
    const changes: Change[] = rows.map((r) => ({ id: r.id as number, model: this.o.model, writeDate: r.write_date as string, action: 'changed' as const, source: 'poll' as const, record: r, lagMs: Math.max(0, now - odooTime(r.write_date as string)), via: via.get(r.id as number) as { model: string; ids: number[] } }));
    if (!changes.length) return { changes, ops };
    for (const c of changes) this.seen.set(c.id, versionOf(c.record));
    this.handOn(changes);
    this.stats.emitted += changes.length;
    return { changes, ops };
  }

  private async hinted(ids: number[]): Promise<Change[]> {
    const uniq = [...new Set(ids.filter((id) => Number.isInteger(id) && id > 0))];
    const rows: OdooRecord[] = [];
    for (let i = 0; i < uniq.length; i += this.o.pageSize) {
      const chunk = uniq.slice(i, i + this.o.pageSize);
      rows.push(...(await this.call(() => this.client.searchRead(this.o.model, { domain: and(this.o.domain, [['id', 'in', chunk]]), fields: this.readFields, context: this.o.context }))));
    }
    const changes = this.handOnNew(rows, 'push');
    if (changes.length) await this.record(changes, false);
    // a hint about a record that is not there: outside the domain, or deleted (a rule on deletion posts after the commit)
    const found = new Set(rows.map((r) => r.id as number));
    const absent = uniq.filter((id) => !found.has(id) && !this.deleted.has(id));
    if (!absent.length) return changes;
    const existing = new Set((await this.call(() => this.client.search(this.o.model, { domain: [['id', 'in', absent]], context: { ...this.o.context, active_test: false } }))) as number[]);
    const gone = absent.filter((id) => !existing.has(id));
    return gone.length ? [...changes, ...(await this.handDeleted(gone))] : changes;
  }

  /** Hands on the versions of `rows` not handed on yet, oldest stamp first (the caller records them). */
  private handOnNew(rows: OdooRecord[], source: 'poll' | 'push'): Change[] {
    const now = Date.now();
    const changes: Change[] = rows
      .filter((r) => this.isNew(r))
      .sort((a, b) => (a.write_date === b.write_date ? (a.id as number) - (b.id as number) : (a.write_date as string) < (b.write_date as string) ? -1 : 1))
      .map((r) => ({ id: r.id as number, model: this.o.model, writeDate: r.write_date as string, action: 'changed' as const, source, record: r, lagMs: Math.max(0, now - odooTime(r.write_date as string)), version: versionOf(r) }))
      .map(({ version, ...c }) => {
        this.seen.set(c.id, version);
        return c;
      });
    if (!changes.length) return changes;
    this.handOn(changes);
    this.stats.emitted += changes.length;
    this.stats.lastLagMs = changes[changes.length - 1]?.lagMs;
    return changes;
  }

  private async handDeleted(ids: number[]): Promise<Change[]> {
    const now = odooDatetime(Date.now());
    const changes: Change[] = [...new Set(ids)]
      .filter((id) => Number.isInteger(id) && id > 0 && !this.deleted.has(id))
      .map((id) => ({ id, model: this.o.model, writeDate: now, action: 'deleted' as const, source: 'push' as const, record: { id }, lagMs: 0 }));
    if (!changes.length) return changes;
    this.handOn(changes);
    for (const c of changes) this.deleted.add(c.id);
    this.stats.emitted += changes.length;
    await this.journal.batch(changes.map((c) => ({ key: `d:${c.id}`, value: c.writeDate })));
    return changes;
  }

  /** Writes the versions handed on, the cursor, and forgets what fell out of the window, in one group commit. */
  private async record(changes: Change[], withCursor: boolean, extra: Array<{ key: string; value: string | undefined }> = []): Promise<void> {
    const ops: Array<{ key: string; value: string | undefined }> = [...changes.map((c) => ({ key: `r:${c.id}`, value: this.seen.get(c.id) })), ...extra];
    if (withCursor) {
      if (this.cursor !== this.stats.cursor || changes.length) ops.push({ key: 'cursor', value: this.cursor });
      // an older time on disk only widens the window after a restart: written when it matters, not every poll
      if (this.polledAt !== undefined && (changes.length || this.polledAtStored === undefined || this.polledAt - this.polledAtStored > this.o.overlapMs / 4)) {
        ops.push({ key: 'polledAt', value: String(this.polledAt) });
        this.polledAtStored = this.polledAt;
      }
      const oldest = this.windowStart();
      for (const [id, v] of this.seen) if (splitVersion(v)[0] < oldest) {
        this.seen.delete(id);
        ops.push({ key: `r:${id}`, value: undefined });
      }
      for (const [k, v] of this.relatedSeen) if (splitVersion(v)[0] < oldest) {
        this.relatedSeen.delete(k);
        ops.push({ key: `l:${k}`, value: undefined });
      }
      // deletions are rare and never re-read: keep the newest few thousand
      if (this.deleted.size > 10_000) for (const id of [...this.deleted].slice(0, this.deleted.size - 10_000)) {
        this.deleted.delete(id);
        ops.push({ key: `d:${id}`, value: undefined });
      }
    }
    if (this.seen.size > this.o.maxTracked) {
      const byAge = [...this.seen].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
      for (const [id] of byAge.slice(0, this.seen.size - this.o.maxTracked)) {
        this.seen.delete(id);
        ops.push({ key: `r:${id}`, value: undefined });
      }
    }
    this.stats.cursor = this.cursor;
    this.stats.tracked = this.seen.size;
    if (ops.length) await this.journal.batch(ops);
  }

  /** Waits for the poll or hint under way (its record on disk), then closes the journal. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain.catch(() => undefined);
    await this.journal.close();
  }
}

function digest(r: OdooRecord): string {
  return createHash('sha1').update(JSON.stringify(r)).digest('base64').slice(0, 12);
}

/**
 * The correlation id of a change: derived from the record and its version (a
 * UUID-shaped SHA-256), so the same version handed on again (after a crash or
 * a failover, the feed is at least once) carries the same id, and nodes that
 * remember what a message did (revision-stamp) know it again; another version
 * gets another id.
 */
export function changeCorrelationId(c: Pick<Change, 'model' | 'id' | 'action' | 'record' | 'via'>): string {
  const h = createHash('sha256')
    .update(stableJson([c.model, c.id, c.action, c.record, c.via?.model ?? null, c.via?.ids ?? null]))
    .digest('hex');
  // version 5 and the RFC 4122 variant, as a name-based UUID has them
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** What the map keeps of a version: `write_date#digest`. */
function versionOf(r: OdooRecord): string {
  return `${r.write_date as string}#${digest(r)}`;
}

function splitVersion(v: string): [string, string] {
  const i = v.indexOf('#');
  return i < 0 ? [v, ''] : [v.slice(0, i), v.slice(i + 1)];
}

/** What Odoo 19's "Send Webhook Notification" posts: `{_action, _id, _model, ...fields}`. */
export interface WebhookHint {
  ids: number[];
  model: string | undefined;
  action: 'changed' | 'deleted';
}

/** Reads a webhook body as a hint; a body that is not one is a BAD_INPUT naming what is wrong. */
export function parseWebhook(body: unknown, expectedModel: string): WebhookHint {
  const items = Array.isArray(body) ? body : [body];
  const ids: number[] = [];
  let model: string | undefined;
  let action: 'changed' | 'deleted' = 'changed';
  for (const item of items) {
    if (!item || typeof item !== 'object') throw badInput('webhook body is not a JSON object with _id and _model');
    const b = item as Record<string, unknown>;
    const id = typeof b._id === 'number' ? b._id : typeof b.id === 'number' ? b.id : Number(b._id ?? b.id);
    if (!Number.isInteger(id) || id <= 0) throw badInput('webhook body has no record id (_id)');
    if (typeof b._model === 'string') {
      if (b._model !== expectedModel) throw badInput(`webhook is about ${b._model}, this node watches ${expectedModel}`);
      model = b._model;
    }
    // Odoo's _action names the automation rule ("Send Webhook Notification(#12)"); a rule on deletion says so in its name or trigger
    if (typeof b._action === 'string' && /unlink|delet/i.test(b._action)) action = 'deleted';
    ids.push(id);
  }
  return { ids, model, action };
}
