/**
 * The scale-out dead-letter store: one PostgreSQL table that several
 * Node-RED instances share. A claim for replay is one UPDATE … RETURNING,
 * so two instances replaying at once never send the same entry twice.
 */
import { Pool, PoolConfig } from 'pg';
import { pgWhere } from '../../util/pg';
import { DeadLetterCounts, DeadLetterEntry, DeadLetterFilter, DeadLetterStore, ListOptions } from './store';

export class DeadLetterStoreError extends Error {
  readonly code = 'DEAD_LETTER_STORE';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'DeadLetterStoreError';
  }
}

export interface PgStoreOptions {
  /** postgres://user@host:port/db, or a pg PoolConfig. */
  connection: string | PoolConfig;
  /** Several queues may share the table; entries are kept apart by this name. */
  queue: string;
  table?: string;
}

export class PgDeadLetterStore implements DeadLetterStore {
  readonly kind = 'postgres' as const;
  private readonly table: string;

  private constructor(private readonly pool: Pool, private readonly queue: string, table: string, private readonly at: string) {
    this.table = table;
  }

  static async open(options: PgStoreOptions): Promise<PgDeadLetterStore> {
    const table = options.table ?? 'odoo_supply_dead_letters';
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new DeadLetterStoreError(`table name ${JSON.stringify(table)} must be lower-case letters, digits and _`);
    const config: PoolConfig = typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection;
    const pool = new Pool({ max: 4, connectionTimeoutMillis: 5_000, ...config });
    // an idle client whose server went away must not crash Node-RED: the next query gets a new one
    pool.on('error', () => undefined);
    const store = new PgDeadLetterStore(pool, options.queue, table, pgWhere(options.connection));
    await store.run(async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // instances starting together must not race on CREATE TABLE
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [table]);
        await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
          queue text NOT NULL, id text NOT NULL, state text NOT NULL, source_id text, source_type text, source_name text,
          code text, last_failed_at bigint NOT NULL, entry jsonb NOT NULL, PRIMARY KEY (queue, id))`);
        await client.query(`CREATE INDEX IF NOT EXISTS ${table}_by_time ON ${table} (queue, state, last_failed_at)`);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    }, 'prepare the table').catch(async (err) => {
      await pool.end().catch(() => undefined);
      throw err;
    });
    return store;
  }

  private async run<T>(fn: () => Promise<T>, what: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new DeadLetterStoreError(`dead-letter store (PostgreSQL at ${this.at}) could not ${what}: ${(err as Error).message || (err as { code?: string }).code || String(err)}`, err);
    }
  }

  private q(sql: string, params: unknown[], what: string) {
    return this.run(() => this.pool.query(sql, params), what);
  }

  async put(e: DeadLetterEntry): Promise<void> {
    await this.q(
      `INSERT INTO ${this.table} (queue, id, state, source_id, source_type, source_name, code, last_failed_at, entry)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
       ON CONFLICT (queue, id) DO UPDATE SET state = EXCLUDED.state, source_id = EXCLUDED.source_id, source_type = EXCLUDED.source_type,
         source_name = EXCLUDED.source_name, code = EXCLUDED.code, last_failed_at = EXCLUDED.last_failed_at, entry = EXCLUDED.entry`,
      [this.queue, e.id, e.state, e.source?.id ?? null, e.source?.type ?? null, e.source?.name ?? null, e.error.code, e.lastFailedAt, JSON.stringify(e)],
      'store the entry',
    );
  }

  async get(id: string): Promise<DeadLetterEntry | undefined> {
    const r = await this.q(`SELECT entry FROM ${this.table} WHERE queue = $1 AND id = $2`, [this.queue, id], 'read the entry');
    return r.rows[0]?.entry as DeadLetterEntry | undefined;
  }

  private whereOf(f: DeadLetterFilter): { sql: string; params: unknown[] } {
    const params: unknown[] = [this.queue];
    const parts = ['queue = $1'];
    const add = (cond: (n: string) => string, v: unknown) => {
      params.push(v);
      parts.push(cond(`$${params.length}`));
    };
    const state = f.state ?? 'dead';
    if (state !== 'any') add((n) => `state = ${n}`, state);
    if (f.ids) add((n) => `id = ANY(${n})`, f.ids);
    if (f.source) add((n) => `(source_id = ${n} OR source_type = ${n} OR source_name = ${n})`, f.source);
    if (f.code) add((n) => `code = ${n}`, f.code);
    if (f.from !== undefined) add((n) => `last_failed_at >= ${n}`, f.from);
    if (f.to !== undefined) add((n) => `last_failed_at <= ${n}`, f.to);
    if (f.text) add((n) => `strpos(lower(entry::text), lower(${n})) > 0`, f.text);
    return { sql: parts.join(' AND '), params };
  }

  async list(filter: DeadLetterFilter, options: ListOptions = {}): Promise<{ entries: DeadLetterEntry[]; total: number }> {
    const w = this.whereOf(filter);
    const n = w.params.length;
    const r = await this.q(
      `SELECT entry, count(*) OVER () AS total FROM ${this.table} WHERE ${w.sql} ORDER BY last_failed_at DESC, id LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...w.params, options.limit ?? 100, options.offset ?? 0],
      'list entries',
    );
    let total = Number(r.rows[0]?.total ?? 0);
    if (!r.rows.length && (options.offset ?? 0) > 0) {
      total = Number((await this.q(`SELECT count(*) AS n FROM ${this.table} WHERE ${w.sql}`, w.params, 'count entries')).rows[0].n);
    }
    return { entries: r.rows.map((x) => x.entry as DeadLetterEntry), total };
  }

  async counts(): Promise<DeadLetterCounts> {
    const r = await this.q(
      `SELECT coalesce(source_name, source_type || ':' || source_id, 'unknown') AS source, code, count(*)::int AS n FROM ${this.table}
       WHERE queue = $1 AND state = 'dead' GROUP BY 1, 2`,
      [this.queue],
      'count entries',
    );
    const out: DeadLetterCounts = { total: 0, bySource: {}, byCode: {} };
    for (const row of r.rows as Array<{ source: string; code: string; n: number }>) {
      const source = row.source === '' ? 'unknown' : row.source;
      out.total += row.n;
      out.bySource[source] = (out.bySource[source] ?? 0) + row.n;
      out.byCode[row.code] = (out.byCode[row.code] ?? 0) + row.n;
    }
    return out;
  }

  async claim(ids: string[]): Promise<DeadLetterEntry[]> {
    if (!ids.length) return [];
    const r = await this.q(
      `UPDATE ${this.table} SET state = 'replayed',
         entry = jsonb_set(jsonb_set(entry, '{state}', '"replayed"'), '{replays}', to_jsonb(coalesce((entry->>'replays')::int, 0) + 1))
       WHERE queue = $1 AND id = ANY($2) AND state = 'dead' RETURNING entry`,
      [this.queue, ids],
      'claim entries for replay',
    );
    const byId = new Map((r.rows as Array<{ entry: DeadLetterEntry }>).map((x) => [x.entry.id, x.entry]));
    return ids.map((id) => byId.get(id)).filter((e): e is DeadLetterEntry => !!e);
  }

  async ids(filter: DeadLetterFilter): Promise<string[]> {
    const w = this.whereOf(filter);
    const r = await this.q(`SELECT id FROM ${this.table} WHERE ${w.sql} ORDER BY last_failed_at, id`, w.params, 'list entries');
    return r.rows.map((x) => x.id as string);
  }

  async remove(ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    const r = await this.q(`DELETE FROM ${this.table} WHERE queue = $1 AND id = ANY($2)`, [this.queue, ids], 'discard entries');
    return r.rowCount ?? 0;
  }

  async retain(maxEntries: number, maxAgeMs: number, now: number): Promise<DeadLetterEntry[]> {
    const dropped: DeadLetterEntry[] = [];
    if (maxAgeMs > 0) {
      const r = await this.q(`DELETE FROM ${this.table} WHERE queue = $1 AND last_failed_at < $2 RETURNING entry`, [this.queue, now - maxAgeMs], 'apply retention');
      dropped.push(...r.rows.map((x) => x.entry as DeadLetterEntry));
    }
    if (maxEntries > 0) {
      const r = await this.q(
        `DELETE FROM ${this.table} WHERE queue = $1 AND id IN (SELECT id FROM ${this.table} WHERE queue = $1 ORDER BY last_failed_at DESC, id OFFSET $2) RETURNING entry`,
        [this.queue, maxEntries],
        'apply retention',
      );
      dropped.push(...r.rows.map((x) => x.entry as DeadLetterEntry));
    }
    return dropped;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
