/**
 * stock-events for several Node-RED instances on one PostgreSQL
 * (ODOO_SUPPLY_DATABASE_URL): the same exactly-once argument as core.ts, with
 * PostgreSQL in the place of the local journal, so that every instance of a
 * MQTT `$share` group sees one event ledger and one history per quant.
 *
 * - Every instance **takes** events: an event counts as received once its row
 *   is committed in `<prefix>_events` (one INSERT … ON CONFLICT per tick, group
 *   commit); an id already there is a duplicate, on whichever instance it lands.
 * - One instance at a time **applies** them: the leader, holding a session
 *   advisory lock on (table, scope) on the connection it does all its work
 *   with. It forms a batch from the pending rows in arrival order, plans it
 *   against the shared per-quant states (`<prefix>_quants`), records it
 *   (`<prefix>_batches`) before Odoo is called, sends it, then in one
 *   transaction stores the new quant states, marks the events done and drops
 *   the batch. Counts and adjustments of one product and location are thus
 *   placed against each other whichever instance took them.
 * - When the leader dies its session and lock go; the next leader sends the
 *   recorded batch again first (absolute counts, keyed adjustments: what Odoo
 *   already took is not taken twice), then goes on. A leader whose database
 *   work fails steps down and tries to lead again.
 *
 * Scope keeps streams apart in the tables: the stock-events node's id, the
 * same on every instance that runs the flow.
 */
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { inventoryEventSchema, type InventoryEvent } from '../canonical/schemas';
import { badInput, classifyError, IntegrationError } from '../errors';
import { checkTable, openPool, pgError, type PgConnection } from '../util/pg';
import { describeIssues } from '../util/zod';
import type { QuantState } from './coalesce';
import { batchSummary, planBatch, sendBatch, type BatchRecord, type StockTarget } from './batch';
import { DEFAULT_CORE_OPTIONS, type StockEventsCoreOptions, type StockEventsHooks } from './core';

export interface SharedStockOptions {
  connection: PgConnection;
  /** The stock-events node's id. */
  scope: string;
  /** Table names start with this (default `odoo_supply_stock`). */
  tablePrefix?: string;
  /** Applied events are remembered this long for de-duplication (ms; default 7 days). */
  keepMs?: number;
  /** How often a standby instance tries to lead (ms; default 2,000). */
  leadRetryMs?: number;
  /** How often the leader looks for new events when there are none (ms; default 100). */
  pollMs?: number;
}

interface Waiting {
  event: InventoryEvent;
  resolve(v: 'accepted' | 'duplicate'): void;
  reject(e: unknown): void;
}

export class SharedStockEvents {
  readonly stats = { accepted: 0, duplicates: 0, applied: 0, failed: 0, batches: 0, retries: 0 };
  /** The journal's recovery report, for the node (there is no local journal here). */
  readonly recovery = { tornBytes: 0 };
  lastError: IntegrationError | undefined;
  /** True while this instance applies the stream's batches. */
  leading = false;
  private waiting: Waiting[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;
  private lock: PoolClient | undefined;
  private loop: Promise<void> | undefined;
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  private attempt = 0;
  private hurry = false;
  private known = 0;
  private readonly t: { events: string; quants: string; batches: string; meta: string };

  private constructor(
    private readonly pool: Pool,
    private readonly shared: SharedStockOptions,
    private readonly target: () => StockTarget,
    private readonly options: StockEventsCoreOptions,
    private readonly hooks: StockEventsHooks,
  ) {
    const p = shared.tablePrefix ?? 'odoo_supply_stock';
    this.t = { events: `${p}_events`, quants: `${p}_quants`, batches: `${p}_batches`, meta: `${p}_meta` };
  }

  static async open(shared: SharedStockOptions, target: () => StockTarget, options: Partial<StockEventsCoreOptions> = {}, hooks: StockEventsHooks = {}): Promise<SharedStockEvents> {
    const p = checkTable(shared.tablePrefix ?? 'odoo_supply_stock');
    const pool = await openPool(
      shared.connection,
      `${p}_events`,
      [
        `CREATE TABLE IF NOT EXISTS ${p}_events (scope text NOT NULL, event_id text NOT NULL, seq bigserial, state char(1) NOT NULL, event jsonb NOT NULL,
          batch bigint, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, event_id))`,
        `CREATE INDEX IF NOT EXISTS ${p}_events_open ON ${p}_events (scope, seq) WHERE state IN ('p', 'b')`,
        `CREATE INDEX IF NOT EXISTS ${p}_events_done ON ${p}_events (scope, at) WHERE state = 'd'`,
        `CREATE TABLE IF NOT EXISTS ${p}_quants (scope text NOT NULL, quant text NOT NULL, state jsonb NOT NULL, PRIMARY KEY (scope, quant))`,
        `CREATE TABLE IF NOT EXISTS ${p}_batches (scope text NOT NULL, n bigint NOT NULL, record jsonb NOT NULL, PRIMARY KEY (scope, n))`,
        `CREATE TABLE IF NOT EXISTS ${p}_meta (scope text PRIMARY KEY, key_prefix text NOT NULL, next bigint NOT NULL)`,
        // the adjustment keys of this stream: unique per database and scope, whichever instance leads
        `INSERT INTO ${p}_meta (scope, key_prefix, next) VALUES (${literal(shared.scope)}, ${literal(`plant:${randomUUID()}`)}, 1) ON CONFLICT (scope) DO NOTHING`,
      ],
      'the shared plant event store',
    );
    const s = new SharedStockEvents(pool, shared, target, { ...DEFAULT_CORE_OPTIONS, ...options }, hooks);
    s.loop = s.run();
    return s;
  }

  /** Events taken and not yet applied, by every instance (as the last look at the table found). */
  get backlog(): number {
    return this.known;
  }

  /** Takes one event: resolves once its row is committed ('accepted') or the id is known ('duplicate'). A failed event is taken again. */
  accept(raw: unknown): Promise<'accepted' | 'duplicate'> {
    if (this.closed) return Promise.reject(new IntegrationError({ message: 'stock-events is closing: the event was not taken', code: 'UNAVAILABLE', transient: true, applied: 'no' }));
    const parsed = inventoryEventSchema.safeParse(raw);
    if (!parsed.success) return Promise.reject(badInput(`not an inventory-event@1: ${describeIssues(parsed.error, raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined)}`));
    return new Promise((resolve, reject) => {
      this.waiting.push({ event: parsed.data, resolve, reject });
      this.flushing ??= new Promise<void>((r) => setImmediate(r)).then(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.waiting.length) {
        const group = this.waiting.splice(0);
        const byId = new Map<string, Waiting[]>();
        for (const w of group) {
          const list = byId.get(w.event.eventId);
          if (list) list.push(w);
          else byId.set(w.event.eventId, [w]);
        }
        // one order for every instance: two inserts of overlapping ids take their index locks in the same order
        const ids = [...byId.keys()].sort();
        try {
          const r = await retryDeadlock(() =>
            this.pool.query(
              `INSERT INTO ${this.t.events} AS e (scope, event_id, state, event)
               SELECT $1, x->>'eventId', 'p', x FROM jsonb_array_elements($2::jsonb) AS x ORDER BY x->>'eventId'
               ON CONFLICT (scope, event_id) DO UPDATE SET state = 'p', event = EXCLUDED.event, batch = NULL, at = now() WHERE e.state = 'f'
               RETURNING event_id`,
              [this.shared.scope, JSON.stringify(ids.map((id) => (byId.get(id) as Waiting[])[0]?.event))],
            ),
          );
          const taken = new Set((r.rows as Array<{ event_id: string }>).map((x) => x.event_id));
          for (const [id, list] of byId) {
            list.forEach((w, i) => {
              if (i === 0 && taken.has(id)) {
                this.stats.accepted++;
                w.resolve('accepted');
              } else {
                this.stats.duplicates++;
                w.resolve('duplicate');
              }
            });
          }
          if (taken.size) {
            this.known += taken.size;
            this.hooks.changed?.();
          }
        } catch (err) {
          // not taken: the sender delivers it again (to this or another instance)
          const e = pgError(this.shared.connection, 'the shared plant event store', 'take events', err);
          for (const w of group) w.reject(e);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** Leads when it can; while leading, applies batch after batch. */
  private async run(): Promise<void> {
    while (!this.closed) {
      if (!this.lock) {
        await this.tryLead();
        if (!this.lock) {
          await this.refreshBacklog(this.pool);
          await this.sleep(this.shared.leadRetryMs ?? 2_000);
          continue;
        }
      }
      try {
        const worked = await this.step(this.lock);
        if (!worked) await this.sleep(Math.min(this.shared.pollMs ?? 100, Math.max(1, this.options.windowMs)));
      } catch (err) {
        const e = classifyError(err);
        if (e.details?.store === 'postgres') {
          // the leader's own connection failed: it no longer knows it leads
          this.stepDown(`the shared plant event store failed (${e.message}): stepping down`);
        }
        await this.failedAttempt(e);
      }
    }
  }

  private async tryLead(): Promise<void> {
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      const got = await client.query('SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok', [this.t.events, this.shared.scope]);
      if ((got.rows[0] as { ok: boolean }).ok) {
        client.on('error', () => undefined);
        this.lock = client;
        this.leading = true;
        this.attempt = 0;
        this.hooks.log?.('info', 'this instance applies the plant stream\'s stock batches (leader)');
        this.hooks.changed?.();
        return;
      }
      client.release();
      if (this.leading) this.leading = false;
    } catch (err) {
      client?.release(true);
      this.lastError = pgError(this.shared.connection, 'the shared plant event store', 'try to lead', err);
      this.hooks.changed?.();
    }
  }

  private stepDown(why: string): void {
    this.hooks.log?.('warn', why);
    // destroying the connection ends its session: the lock goes with it
    this.lock?.release(true);
    this.lock = undefined;
    this.leading = false;
    this.hooks.changed?.();
  }

  private async q(c: PoolClient | Pool, doing: string, sql: string, params: unknown[]): Promise<{ rows: any[] }> {
    try {
      return await c.query(sql, params);
    } catch (err) {
      throw pgError(this.shared.connection, 'the shared plant event store', doing, err);
    }
  }

  private async refreshBacklog(c: PoolClient | Pool): Promise<void> {
    try {
      const r = await c.query(`SELECT count(*)::int AS n FROM ${this.t.events} WHERE scope = $1 AND state IN ('p', 'b')`, [this.shared.scope]);
      this.known = (r.rows[0] as { n: number }).n;
      this.hooks.changed?.();
    } catch {
      // the status may lag; taking and applying report their own errors
    }
  }

  /** One unit of a leader's work: a recorded batch sent, or a new one formed and sent. False when there was nothing to do. */
  private async step(c: PoolClient): Promise<boolean> {
    const recorded = await this.q(c, 'read the recorded batches', `SELECT record FROM ${this.t.batches} WHERE scope = $1 ORDER BY n LIMIT 1`, [this.shared.scope]);
    let batch = recorded.rows[0]?.record as BatchRecord | undefined;
    if (!batch) {
      const pending = await this.q(
        c,
        'read the pending events',
        `SELECT event, (extract(epoch FROM now() - at) * 1000)::float8 AS age FROM ${this.t.events} WHERE scope = $1 AND state = 'p' ORDER BY seq LIMIT $2`,
        [this.shared.scope, this.options.maxBatchEvents],
      );
      if (!pending.rows.length) {
        this.hurry = false;
        if (this.known) await this.refreshBacklog(c);
        return false;
      }
      // the window: the oldest pending event waits for company, unless the batch is full
      const oldest = Math.max(...pending.rows.map((r: { age: number }) => r.age));
      if (!this.hurry && pending.rows.length < this.options.maxBatchEvents && oldest < this.options.windowMs) {
        await this.sleep(this.options.windowMs - oldest);
        return true;
      }
      batch = await this.form(
        c,
        pending.rows.map((r: { event: InventoryEvent }) => r.event),
      );
    }
    await this.apply(c, batch);
    return true;
  }

  private async form(c: PoolClient, events: InventoryEvent[]): Promise<BatchRecord> {
    const meta = (await this.q(c, 'read the stream\'s batch number', `SELECT key_prefix, next FROM ${this.t.meta} WHERE scope = $1`, [this.shared.scope])).rows[0] as { key_prefix: string; next: string } | undefined;
    if (!meta) throw pgError(this.shared.connection, 'the shared plant event store', 'read the stream\'s batch number', new Error(`no row for scope ${this.shared.scope}`));
    const n = Number(meta.next);
    const record = await planBatch(
      n,
      events,
      this.target().lookups,
      async (quants) => {
        const r = await this.q(c, 'read the quant histories', `SELECT quant, state FROM ${this.t.quants} WHERE scope = $1 AND quant = ANY($2::text[])`, [this.shared.scope, quants]);
        return new Map(r.rows.map((x: { quant: string; state: QuantState }) => [x.quant, x.state]));
      },
      meta.key_prefix,
      this.options.maxHistory,
    );
    await this.transaction(c, 'record a batch', async () => {
      await c.query(`INSERT INTO ${this.t.batches} (scope, n, record) VALUES ($1, $2, $3)`, [this.shared.scope, n, JSON.stringify(record)]);
      await c.query(`UPDATE ${this.t.events} SET state = 'b', batch = $2 WHERE scope = $1 AND event_id = ANY($3::text[]) AND state = 'p'`, [this.shared.scope, n, record.events]);
      await c.query(`UPDATE ${this.t.meta} SET next = $2 WHERE scope = $1`, [this.shared.scope, n + 1]);
    });
    return record;
  }

  private async apply(c: PoolClient, b: BatchRecord): Promise<void> {
    const started = Date.now();
    const outcome = await sendBatch(this.target(), b);
    if (outcome.transient) throw outcome.transient;
    const { okWrites, failedEvents } = outcome;
    const failedIds = [...failedEvents.keys()];
    const applied = b.events.filter((id) => !failedEvents.has(id));
    await this.transaction(c, 'record the outcome of a batch', async () => {
      if (okWrites.length) {
        await c.query(
          `INSERT INTO ${this.t.quants} AS q (scope, quant, state) SELECT $1, x->>'quant', x->'state' FROM jsonb_array_elements($2::jsonb) AS x
           ON CONFLICT (scope, quant) DO UPDATE SET state = EXCLUDED.state`,
          [this.shared.scope, JSON.stringify(okWrites.map((w) => ({ quant: w.quant, state: w.state })))],
        );
      }
      await c.query(
        `UPDATE ${this.t.events} SET state = CASE WHEN event_id = ANY($3::text[]) THEN 'f' ELSE 'd' END, at = now() WHERE scope = $1 AND batch = $2 AND state = 'b'`,
        [this.shared.scope, b.n, failedIds],
      );
      await c.query(`DELETE FROM ${this.t.batches} WHERE scope = $1 AND n = $2`, [this.shared.scope, b.n]);
    });
    this.attempt = 0;
    this.lastError = undefined;
    this.stats.batches++;
    this.stats.applied += applied.length;
    this.stats.failed += failedIds.length;
    this.known = Math.max(0, this.known - b.events.length);
    if (this.stats.batches % 100 === 0) {
      await this.q(c, 'forget old events', `DELETE FROM ${this.t.events} WHERE scope = $1 AND state = 'd' AND at < now() - ($2::bigint * interval '1 millisecond')`, [
        this.shared.scope,
        this.shared.keepMs ?? 7 * 24 * 3600_000,
      ]);
    }
    this.hooks.applied?.(batchSummary(b, okWrites, failedEvents, applied, started));
    if (failedIds.length && this.hooks.failed) {
      const r = await this.q(c, 'read failed events', `SELECT event FROM ${this.t.events} WHERE scope = $1 AND event_id = ANY($2::text[])`, [this.shared.scope, failedIds]);
      for (const { event } of r.rows as Array<{ event: InventoryEvent }>) this.hooks.failed(event, failedEvents.get(event.eventId) as IntegrationError);
    }
    this.hooks.changed?.();
  }

  private async transaction(c: PoolClient, doing: string, body: () => Promise<void>): Promise<void> {
    try {
      await c.query('BEGIN');
      await body();
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw pgError(this.shared.connection, 'the shared plant event store', doing, err);
    }
  }

  private async failedAttempt(e: IntegrationError): Promise<void> {
    this.lastError = e;
    this.stats.retries++;
    const delay = Math.min(this.options.retryMaxMs, this.options.retryInitialMs * 2 ** Math.min(this.attempt++, 16));
    this.hooks.log?.('warn', `stock batch not applied (${e.code}: ${e.message}); trying again in ${delay} ms`);
    this.hooks.changed?.();
    await this.sleep(delay);
  }

  private async sleep(ms: number): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      this.sleeping = {
        timer: setTimeout(resolve, ms),
        wake: resolve,
      };
    });
    this.sleeping = undefined;
  }

  /** Waits until no event of the stream is pending (whichever instance leads), Odoo refuses, or `timeoutMs` pass. */
  async drain(timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end && !this.closed) {
      while (this.flushing) await this.flushing;
      this.hurry = true;
      if (this.sleeping && this.leading) {
        clearTimeout(this.sleeping.timer);
        this.sleeping.wake();
      }
      const r = await this.pool.query(`SELECT count(*)::int AS n FROM ${this.t.events} WHERE scope = $1 AND state IN ('p', 'b')`, [this.shared.scope]);
      this.known = (r.rows[0] as { n: number }).n;
      if (!this.known || this.lastError) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops taking events; a batch in flight may finish (up to `waitMs`); the lead goes to another instance. */
  async close(waitMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
    }
    let t: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([this.loop, this.flushing]), new Promise((r) => (t = setTimeout(r, waitMs)))]);
    if (t) clearTimeout(t);
    this.lock?.release(true);
    this.lock = undefined;
    this.leading = false;
    await this.pool.end().catch(() => undefined);
  }
}

/** PostgreSQL may pick an insert as a deadlock victim (40P01): it changed nothing then, and runs again. */
async function retryDeadlock<T>(f: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await f();
    } catch (err) {
      if ((err as { code?: string }).code !== '40P01' || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 10 * attempt));
    }
  }
}

/** A SQL string literal (for the one DDL statement that needs a value). */
function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
