/**
 * The per-key order of writes across Node-RED instances sharing one
 * PostgreSQL (ODOO_SUPPLY_DATABASE_URL). After a write's turn comes in its own
 * process (KeyOrder), it takes a PostgreSQL session advisory lock on each of
 * its record keys and holds them until its batch is answered. A process that
 * dies (even kill -9) loses its session, and its locks with it: a dead instance
 * never blocks the others.
 *
 * One connection per writer. The requests of one tick go in one statement
 * (`pg_try_advisory_lock` over an array, the releases due in the same
 * statement); keys held by another instance are tried again after a short,
 * growing delay. A write gets all its keys or none (what it got is given back
 * at once), so two instances each holding a key the other waits for cannot
 * block each other. Session locks are re-entrant, which is harmless here: in
 * one process, KeyOrder never lets two writes with a common key run at once.
 */
import { createHash } from 'node:crypto';
import { Client, type ClientConfig } from 'pg';
import { IntegrationError } from '../errors';
import { pgError, pgWhere, type PgConnection } from '../util/pg';

/** What KeyOrder asks of a lock shared with other processes. */
export interface SharedKeyLock {
  /** Resolves once every key is held for this process; the function given back releases them (once). */
  acquire(keys: readonly string[]): Promise<() => void>;
  close(): Promise<void>;
}

export interface PgKeyLockOptions {
  connection: PgConnection;
  /** Which Odoo database the keys belong to: one key of two Odoo databases is two locks. */
  scope: string;
  /** First delay before keys held elsewhere are tried again; it doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** How long a write waits for keys held elsewhere before it fails (transient, not applied). */
  waitMs?: number;
}

const WHAT = 'The shared write order';
/** Visible in pg_stat_activity. */
const APPLICATION_NAME = 'odoo-supply key order';
/** hashtext() values (the package's other advisory locks) are 32-bit: these keys are never in that range. */
const INT32 = 2n ** 31n;

/**
 * The 64-bit lock id of a record key: the first 8 bytes of its SHA-256
 * (namespaced by this package and the Odoo database), moved out of the 32-bit
 * range the package's `hashtext` locks use.
 */
export function lockId(scope: string, key: string): string {
  let id = createHash('sha256').update(`odoo-supply/key-order\u0000${scope}\u0000${key}`).digest().readBigInt64BE(0);
  if (id >= -INT32 && id < INT32) id ^= 1n << 62n;
  return id.toString();
}

interface Waiter {
  ids: string[];
  resolve: (release: () => void) => void;
  reject: (err: IntegrationError) => void;
  deadline: number;
  delay: number;
  timer?: NodeJS.Timeout;
}

export class PgKeyLock implements SharedKeyLock {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  /** Counts connections: a release of locks taken on an earlier connection has nothing to release. */
  private generation = 0;
  private readonly due: Waiter[] = [];
  private readonly waiting = new Set<Waiter>();
  private releases: string[] = [];
  private pumping = false;
  private scheduled = false;
  private closed = false;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly waitMs: number;

  constructor(private readonly options: PgKeyLockOptions) {
    this.retryMs = options.retryMs ?? 10;
    this.maxRetryMs = options.maxRetryMs ?? 200;
    this.waitMs = options.waitMs ?? 120_000;
  }

  /** Where the locks live (no password), for status and logs. */
  get where(): string {
    return pgWhere(this.options.connection);
  }

  /** The PostgreSQL backend holding this writer's locks (tests; pg_stat_activity). */
  get backendPid(): number | undefined {
    return (this.client as unknown as { processID?: number } | undefined)?.processID ?? undefined;
  }

  acquire(keys: readonly string[]): Promise<() => void> {
    if (this.closed) return Promise.reject(this.failure('take its key locks', 'closed'));
    const ids = [...new Set(keys.map((k) => lockId(this.options.scope, k)))];
    return new Promise((resolve, reject) => {
      const w: Waiter = { ids, resolve, reject, deadline: Date.now() + this.waitMs, delay: this.retryMs };
      this.waiting.add(w);
      this.due.push(w);
      this.schedule();
    });
  }

  /** Fails the writes waiting for a lock and ends the connection (which releases what it holds). */
  async close(): Promise<void> {
    this.closed = true;
    this.failAll(this.failure('take its key locks', 'closed'));
    const c = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    this.connecting = undefined;
    if (c) await Promise.race([c.end().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000).unref())]);
  }

  private schedule(): void {
    if (this.scheduled || this.pumping) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.pump();
    });
  }

  /** One statement at a time; what arrives meanwhile goes in the next one. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && (this.due.length || this.releases.length)) {
        const batch = this.due.splice(0);
        const releases = this.releases.splice(0);
        let client: Client;
        const generation = this.generation;
        try {
          client = await this.connect();
        } catch (err) {
          this.failAll(err as IntegrationError);
          continue;
        }
        let got: boolean[];
        try {
          const res = await client.query<{ released: string; got: boolean[] }>(
            `SELECT (SELECT count(*) FILTER (WHERE pg_advisory_unlock(k)) FROM unnest($1::bigint[]) k) AS released,
                    ARRAY(SELECT pg_try_advisory_lock(t.k) FROM unnest($2::bigint[]) WITH ORDINALITY AS t(k, n) ORDER BY t.n) AS got`,
            [releases, batch.flatMap((w) => w.ids)],
          );
          got = (res.rows[0] as { got: boolean[] }).got;
        } catch (err) {
          // the connection is gone (or was replaced while the statement ran): what it held is released by the server
          this.lost(generation, client, err);
          continue;
        }
        let n = 0;
        for (const w of batch) {
          const mine = got.slice(n, n + w.ids.length);
          n += w.ids.length;
          if (!this.waiting.has(w)) {
            // failed meanwhile (close): give back what it got
            this.releases.push(...w.ids.filter((_id, i) => mine[i]));
          } else if (mine.every(Boolean)) {
            this.waiting.delete(w);
            w.resolve(this.releaser(w.ids, generation));
          } else {
            // all or none: never hold one key while waiting for another
            this.releases.push(...w.ids.filter((_id, i) => mine[i]));
            this.retryLater(w);
          }
        }
      }
    } finally {
      this.pumping = false;
    }
    if (!this.closed && (this.due.length || this.releases.length)) this.schedule();
  }

  private releaser(ids: string[], generation: number): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      // locks of a lost connection went with it
      if (generation !== this.generation || this.closed) return;
      this.releases.push(...ids);
      this.schedule();
    };
  }

  private retryLater(w: Waiter): void {
    if (Date.now() + w.delay > w.deadline) {
      this.waiting.delete(w);
      w.reject(
        new IntegrationError({
          message: `${WHAT} (PostgreSQL at ${this.where}): a record key of this write was held by another instance for more than ${Math.round(this.waitMs / 1000)} s`,
          code: 'CONCURRENCY',
          transient: true,
          applied: 'no',
          details: { store: 'postgres' },
        }),
      );
      return;
    }
    const delay = Math.round(w.delay * (0.75 + Math.random() / 2));
    w.delay = Math.min(this.maxRetryMs, w.delay * 2);
    w.timer = setTimeout(() => {
      w.timer = undefined;
      if (!this.waiting.has(w)) return;
      this.due.push(w);
      this.schedule();
    }, delay);
  }

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const config: ClientConfig = typeof this.options.connection === 'string' ? { connectionString: this.options.connection } : { ...this.options.connection };
      // keep-alive and a statement bound: a server that silently went away fails the waiting writes instead of holding them
      const client = new Client({ connectionTimeoutMillis: 5_000, query_timeout: 15_000, keepAlive: true, application_name: APPLICATION_NAME, ...config });
      // a connection that breaks must never crash Node-RED: its waiting writes fail, the next write connects again
      client.on('error', (err) => this.lost(this.generation, client, err));
      client.on('end', () => this.lost(this.generation, client, new Error('connection ended')));
      try {
        await client.connect();
      } catch (err) {
        client.removeAllListeners('end');
        await client.end().catch(() => undefined);
        throw pgError(this.options.connection, WHAT, 'connect', err);
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        throw this.failure('connect', 'closed');
      }
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** The connection is gone, and every lock it held: waiting writes fail (transient), the next write connects again. */
  private lost(generation: number, client: Client, err: unknown): void {
    if (this.client !== client || generation !== this.generation) return;
    this.generation++;
    this.client = undefined;
    this.releases = [];
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.failAll(pgError(this.options.connection, WHAT, 'keep its key locks (connection lost)', err));
  }

  private failAll(err: IntegrationError): void {
    const e = new IntegrationError({ ...err.toMsgError(), applied: 'no' });
    this.due.length = 0;
    for (const w of this.waiting) {
      clearTimeout(w.timer);
      w.reject(e);
    }
    this.waiting.clear();
  }

  private failure(doing: string, reason: string): IntegrationError {
    return new IntegrationError({ message: `${WHAT} (PostgreSQL at ${this.where}) could not ${doing}: ${reason}`, code: 'UNAVAILABLE', transient: true, applied: 'no', details: { store: 'postgres' } });
  }
}
