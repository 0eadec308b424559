/**
 * Where a change feed keeps its cursor and the versions it handed on: a local
 * journal (one instance), or PostgreSQL when several instances run the flow.
 *
 * In PostgreSQL one instance at a time is the feed's **leader**: it holds a
 * session advisory lock on (table, scope) on the connection that also writes
 * the state, so an instance whose connection died can no longer record
 * anything, and its lock is free for another. The one that takes over reads
 * the cursor and the versions handed on from the table and goes on from there:
 * what the last leader recorded is not handed on again.
 */
import { Client, type ClientConfig } from 'pg';
import { checkTable, pgError, type PgConnection } from '../util/pg';

/** The part of the journal a change feed uses (the local Journal<string> has it). */
export interface FeedStore {
  get(key: string): string | undefined;
  has(key: string): boolean;
  entries(): IterableIterator<[string, string]>;
  batch(ops: Array<{ key: string; value: string | undefined }>): Promise<void>;
  close(): Promise<void>;
}

export interface PgFeedStoreOptions {
  connection: PgConnection;
  /** The odoo-changes node's id (the same on every instance running the flow). */
  scope: string;
  table?: string;
}

export class PgFeedStore implements FeedStore {
  private constructor(
    private readonly client: Client,
    private readonly live: Map<string, string>,
    private readonly table: string,
    private readonly options: PgFeedStoreOptions,
  ) {}

  /** The store when this instance became the feed's leader; undefined while another instance leads. */
  static async tryLead(options: PgFeedStoreOptions): Promise<PgFeedStore | undefined> {
    const table = checkTable(options.table ?? 'odoo_supply_feed_state');
    const config: ClientConfig = typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection;
    const client = new Client({ connectionTimeoutMillis: 5_000, ...config });
    // a dropped connection must not crash Node-RED: the next write fails and says so
    client.on('error', () => undefined);
    try {
      await client.connect();
      const got = await client.query('SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok', [table, options.scope]);
      if (!got.rows[0]?.ok) {
        await client.end().catch(() => undefined);
        return undefined;
      }
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [table]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (scope text NOT NULL, key text NOT NULL, value text NOT NULL, PRIMARY KEY (scope, key))`);
      await client.query('COMMIT');
      const r = await client.query(`SELECT key, value FROM ${table} WHERE scope = $1 ORDER BY key`, [options.scope]);
      return new PgFeedStore(client, new Map((r.rows as Array<{ key: string; value: string }>).map((x) => [x.key, x.value])), table, options);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw pgError(options.connection, 'the change feed state', 'open', err);
    }
  }

  get(key: string): string | undefined {
    return this.live.get(key);
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  entries(): IterableIterator<[string, string]> {
    return this.live.entries();
  }

  /** One transaction: puts (value set) and deletes (value undefined), through the connection holding the lock. */
  async batch(ops: Array<{ key: string; value: string | undefined }>): Promise<void> {
    if (!ops.length) return;
    const puts = new Map<string, string>();
    const dels = new Set<string>();
    for (const op of ops) {
      if (op.value === undefined) {
        puts.delete(op.key);
        dels.add(op.key);
      } else {
        dels.delete(op.key);
        puts.set(op.key, op.value);
      }
    }
    try {
      await this.client.query('BEGIN');
      if (dels.size) await this.client.query(`DELETE FROM ${this.table} WHERE scope = $1 AND key = ANY($2::text[])`, [this.options.scope, [...dels]]);
      if (puts.size)
        await this.client.query(
          `INSERT INTO ${this.table} (scope, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
           ON CONFLICT (scope, key) DO UPDATE SET value = EXCLUDED.value`,
          [this.options.scope, [...puts.keys()], [...puts.values()]],
        );
      await this.client.query('COMMIT');
    } catch (err) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw pgError(this.options.connection, 'the change feed state', 'record what was handed on', err);
    }
    for (const k of dels) this.live.delete(k);
    for (const [k, v] of puts) this.live.set(k, v);
  }

  /** Ends the session: the lock goes with it, another instance may lead. */
  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

export interface LeadHooks {
  /** This instance leads now: start the feed on `store` (closing the feed closes the store and frees the lead). */
  lead(store: PgFeedStore): Promise<void>;
  /** Another instance leads: this one waits. */
  standby(): void;
  failed(err: unknown): void;
}

/**
 * Tries to lead the feed now and every `retryMs` while another instance leads
 * (or the database does not answer). `resume()` after stepping down (the feed
 * closed because its store failed) tries again.
 */
export function leadWhenFree(options: PgFeedStoreOptions, hooks: LeadHooks, retryMs = 5_000): { resume(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const later = () => {
    if (!stopped && !timer) timer = setTimeout(attempt, retryMs);
  };
  const attempt = async (): Promise<void> => {
    timer = undefined;
    if (stopped) return;
    let store: PgFeedStore | undefined;
    try {
      store = await PgFeedStore.tryLead(options);
      if (store && !stopped) {
        await hooks.lead(store);
        return;
      }
      await store?.close();
      if (!stopped) hooks.standby();
    } catch (err) {
      await store?.close();
      if (!stopped) hooks.failed(err);
    }
    later();
  };
  void attempt();
  return {
    resume: later,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
