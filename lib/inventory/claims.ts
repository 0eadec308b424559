/**
 * Shared event claims: several stock-events instances in one MQTT $share
 * group never apply one event twice. Before an event counts as received, the
 * instance claims its id in one PostgreSQL table (INSERT … ON CONFLICT); a
 * claim another instance holds makes the event a duplicate here.
 *
 * A claim names its instance (the id kept in that instance's journal), so it
 * is idempotent per instance: after a crash the instance claims its pending
 * events again and keeps those that are still its own. A claim whose event
 * failed (unknown product, …) may be taken by any instance, so a replay from
 * the dead-letter queue is applied wherever it lands.
 *
 * Claims of one tick go to the database in one statement (group commit).
 */
import type { Pool } from 'pg';
import { checkTable, openPool, pgError, type PgConnection } from '../util/pg';

export interface EventClaims {
  /** The ids of `eventIds` this instance now holds (new claims, its own earlier ones, failed ones taken over). */
  claim(eventIds: string[], instance: string): Promise<Set<string>>;
  /** Marks the outcome: applied ids are never claimed again; failed ones may be taken by any instance. */
  settle(applied: string[], failed: string[], instance: string): Promise<void>;
  close(): Promise<void>;
}

export interface PgEventClaimsOptions {
  connection: PgConnection;
  /** Keeps streams apart in the one table: the stock-events node's id (the same on every instance running the flow). */
  scope: string;
  table?: string;
  /** Applied claims older than this are dropped (ms; default 7 days): a redelivery is never that late. */
  keepMs?: number;
}

export class PgEventClaims implements EventClaims {
  private queue: Array<{ ids: string[]; instance: string; resolve(v: Set<string>): void; reject(e: unknown): void }> = [];
  private flushing = false;
  private settled = 0;
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    private readonly table: string,
    private readonly options: PgEventClaimsOptions,
  ) {}

  static async open(options: PgEventClaimsOptions): Promise<PgEventClaims> {
    const table = checkTable(options.table ?? 'odoo_supply_event_claims');
    const pool = await openPool(
      options.connection,
      table,
      [
        `CREATE TABLE IF NOT EXISTS ${table} (scope text NOT NULL, event_id text NOT NULL, instance text NOT NULL, state text NOT NULL,
          at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, event_id))`,
        `CREATE INDEX IF NOT EXISTS ${table}_by_time ON ${table} (scope, state, at)`,
      ],
      'the plant event claims',
    );
    return new PgEventClaims(pool, table, options);
  }

  claim(eventIds: string[], instance: string): Promise<Set<string>> {
    if (this.closed) return Promise.reject(new Error('the plant event claims are closed'));
    if (!eventIds.length) return Promise.resolve(new Set());
    return new Promise((resolve, reject) => {
      this.queue.push({ ids: eventIds, instance, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length) {
      const group = this.queue.splice(0);
      // one statement per instance id (in practice: one)
      const byInstance = new Map<string, typeof group>();
      for (const g of group) {
        let list = byInstance.get(g.instance);
        if (!list) byInstance.set(g.instance, (list = []));
        list.push(g);
      }
      for (const [instance, waiting] of byInstance) {
        // one order for every instance: two claims of overlapping events lock their rows in the same order, so they queue instead of deadlocking
        const ids = [...new Set(waiting.flatMap((w) => w.ids))].sort();
        try {
          const r = await this.claimOnce(
            `INSERT INTO ${this.table} AS c (scope, event_id, instance, state) SELECT $1, id, $2, 'claimed' FROM unnest($3::text[]) AS id ORDER BY id
             ON CONFLICT (scope, event_id) DO UPDATE SET instance = EXCLUDED.instance, state = 'claimed', at = now()
               WHERE c.state = 'failed' OR (c.instance = EXCLUDED.instance AND c.state = 'claimed')
             RETURNING event_id`,
            [this.options.scope, instance, ids],
          );
          const mine = new Set((r.rows as Array<{ event_id: string }>).map((x) => x.event_id));
          for (const w of waiting) w.resolve(new Set(w.ids.filter((id) => mine.has(id))));
        } catch (err) {
          const e = pgError(this.options.connection, 'the plant event claims', 'claim events', err);
          for (const w of waiting) w.reject(e);
        }
      }
    }
    this.flushing = false;
  }

  /** The claim statement; PostgreSQL may still pick it as a deadlock victim (40P01): it changed nothing then, and runs again. */
  private async claimOnce(sql: string, params: unknown[]): Promise<{ rows: unknown[] }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.pool.query(sql, params);
      } catch (err) {
        if ((err as { code?: string }).code !== '40P01' || attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 10 * attempt));
      }
    }
  }

  async settle(applied: string[], failed: string[], instance: string): Promise<void> {
    if (!applied.length && !failed.length) return;
    try {
      await this.pool.query(
        `UPDATE ${this.table} SET state = CASE WHEN event_id = ANY($3::text[]) THEN 'applied' ELSE 'failed' END, at = now()
         WHERE scope = $1 AND instance = $2 AND event_id = ANY($3::text[] || $4::text[])`,
        [this.options.scope, instance, applied, failed],
      );
      if (++this.settled % 100 === 0) {
        await this.pool.query(`DELETE FROM ${this.table} WHERE scope = $1 AND state = 'applied' AND at < now() - ($2::bigint * interval '1 millisecond')`, [
          this.options.scope,
          this.options.keepMs ?? 7 * 24 * 3600_000,
        ]);
      }
    } catch (err) {
      throw pgError(this.options.connection, 'the plant event claims', 'record outcomes', err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await new Promise((r) => setImmediate(r));
    await this.pool.end().catch(() => undefined);
  }
}
