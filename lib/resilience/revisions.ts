/**
 * Revisions of documents sent out (a purchase order to its supplier): a
 * document gets revision 1 the first time, the next number each time its
 * content differs from the last revision, and nothing when it does not (a
 * state change, a chatter note, a field the supplier never sees).
 *
 * Two backends with the same answers: `RevisionLedger` (the package's local
 * journal, one record per document, one instance) and `PgRevisionLedger`
 * (table `odoo_supply_revisions`, scope = node id, chosen by
 * ODOO_SUPPLY_DATABASE_URL), so the instance that takes over a feed goes on
 * from the numbers the last one stamped. Either way a restart never sends an
 * unchanged document again and never reuses a number.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { IntegrationError } from '../errors';
import { checkTable, openPool, pgError, pgWhere, sharedDatabaseUrl, type PgConnection } from '../util/pg';
import { Journal } from './journal';

export interface Revision {
  revision: number;
  digest: string;
  at: string;
  /** The message that made this revision (its correlation id), when it had one. */
  token?: string;
}

export type Stamp = { changed: true; revision: number; previous: number } | { changed: false; revision: number };

/** Where a node's revision numbers live. */
export interface RevisionStore {
  readonly kind: 'journal' | 'postgres';
  /** Documents with a revision (PostgreSQL: those there when it opened, plus the ones this instance numbered first). */
  readonly count: number;
  /**
   * The revision of `content` for document `key`; a new one is recorded before this resolves.
   * `token` (the message's correlation id): the same message stamped again after a failure whose
   * outcome it never heard gets the same new revision, not "unchanged".
   */
  stamp(key: string, content: unknown, token?: string): Promise<Stamp>;
  close(): Promise<void>;
}

/**
 * The stamp of content equal to the last revision's: unchanged, unless the same
 * message (`token`) made that revision and is stamped again (it never heard the
 * outcome): then that revision again, as a change.
 */
function sameContent(last: { revision: number; token?: string | null }, token: string | undefined): Stamp {
  return token && last.token === token ? { changed: true, revision: last.revision, previous: last.revision - 1 } : { changed: false, revision: last.revision };
}

/** A stable digest of a JSON value: key order does not count. */
export function contentDigest(value: unknown): string {
  const stable = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(stable);
    if (v && typeof v === 'object' && !Buffer.isBuffer(v)) return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])]));
    return v;
  };
  return createHash('sha256').update(JSON.stringify(stable(value)) ?? 'undefined').digest('base64url').slice(0, 22);
}

export class RevisionLedger implements RevisionStore {
  readonly kind = 'journal';
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly journal: Journal<Revision>) {}

  static async open(file: string): Promise<RevisionLedger> {
    return new RevisionLedger(await Journal.open<Revision>(file));
  }

  get count(): number {
    return this.journal.count;
  }

  last(key: string): Revision | undefined {
    return this.journal.get(key);
  }

  /** One document at a time, in call order. */
  stamp(key: string, content: unknown, token?: string): Promise<Stamp> {
    const run = this.chain.then(async (): Promise<Stamp> => {
      const digest = contentDigest(content);
      const last = this.journal.get(key);
      if (last && last.digest === digest) return sameContent(last, token);
      const revision = (last?.revision ?? 0) + 1;
      await this.journal.put(key, { revision, digest, at: new Date().toISOString(), ...(token ? { token } : {}) });
      return { changed: true, revision, previous: last?.revision ?? 0 };
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.journal.close();
  }
}

export interface PgRevisionOptions {
  /** postgres://user@host:port/db, or a pg PoolConfig. */
  connection: PgConnection;
  /** Keeps nodes apart in the one table: the revision-stamp node's id (the same on every instance running the flow). */
  scope: string;
  table?: string;
}

const WHAT = 'the revision ledger';

/**
 * The shared revision ledger: one row per (scope, document). A stamp is one
 * `INSERT … ON CONFLICT DO UPDATE … WHERE the digest differs`, so PostgreSQL's
 * row lock decides between instances: a new number is given once per change,
 * never twice. When it changes nothing (the same content) the row is read; if
 * another instance changed the document in between, the stamp runs again
 * (after that change, it is one itself). The table is prepared on the first
 * stamp that reaches the database, so a database that is down when the node
 * starts fails messages as transient until it answers.
 */
export class PgRevisionLedger implements RevisionStore {
  readonly kind = 'postgres';
  private pool: Promise<Pool> | undefined;
  private known = 0;
  private closed = false;
  private readonly table: string;
  /** Stamps of this instance run one at a time in arrival order, as the journal's do (the messages leave in that order). */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: PgRevisionOptions) {
    this.table = checkTable(options.table ?? 'odoo_supply_revisions');
  }

  get count(): number {
    return this.known;
  }

  /** Where, for a status or a log line: host:port/db, never the password. */
  get where(): string {
    return pgWhere(this.options.connection);
  }

  /** The pool with the table in place (tried again on the next call after a failure). */
  prepare(): Promise<Pool> {
    if (this.closed) return Promise.reject(new Error(`${WHAT} is closed`));
    return this.ready();
  }

  /** As prepare(), also for the stamps a close waits for. */
  private ready(): Promise<Pool> {
    this.pool ??= (async () => {
      // named, so an operator sees whose connections these are (pg_stat_activity); a statement that hangs fails as transient
      const c = this.options.connection;
      const named = { application_name: `odoo-supply revisions ${this.options.scope}`.slice(0, 63), query_timeout: 15_000, keepAlive: true, ...(typeof c === 'string' ? { connectionString: c } : c) };
      const pool = await openPool(
        named,
        this.table,
        [
          `CREATE TABLE IF NOT EXISTS ${this.table} (scope text NOT NULL, doc text NOT NULL, revision integer NOT NULL, digest text NOT NULL,
            token text, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, doc))`,
        ],
        WHAT,
      );
      try {
        const r = await pool.query(`SELECT count(*)::int AS n FROM ${this.table} WHERE scope = $1`, [this.options.scope]);
        this.known = (r.rows[0] as { n: number }).n;
      } catch (err) {
        await pool.end().catch(() => undefined);
        throw pgError(this.options.connection, WHAT, 'count its documents', err);
      }
      return pool;
    })();
    const p = this.pool;
    p.catch(() => {
      if (this.pool === p) this.pool = undefined;
    });
    return p;
  }

  stamp(key: string, content: unknown, token?: string): Promise<Stamp> {
    if (this.closed) return Promise.reject(new Error(`${WHAT} is closed`));
    const run = this.chain.then(() => this.stampNow(key, contentDigest(content), token));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async stampNow(key: string, digest: string, token: string | undefined): Promise<Stamp> {
    const pool = await this.ready();
    const { scope } = this.options;
    const t = this.table;
    const q = async (sql: string, params: unknown[], doing: string) => {
      try {
        return await pool.query(sql, params);
      } catch (err) {
        throw pgError(this.options.connection, WHAT, doing, err);
      }
    };
    for (let attempt = 0; attempt < 10; attempt++) {
      const made = await q(
        `INSERT INTO ${t} AS t (scope, doc, revision, digest, token) VALUES ($1, $2, 1, $3, $4)
         ON CONFLICT (scope, doc) DO UPDATE SET revision = t.revision + 1, digest = EXCLUDED.digest, token = EXCLUDED.token, at = now()
         WHERE t.digest IS DISTINCT FROM EXCLUDED.digest RETURNING revision`,
        [scope, key, digest, token ?? null],
        'number a revision',
      );
      const row = made.rows[0] as { revision: number } | undefined;
      if (row) {
        if (row.revision === 1) this.known++;
        return { changed: true, revision: row.revision, previous: row.revision - 1 };
      }
      const now = (await q(`SELECT revision, digest, token FROM ${t} WHERE scope = $1 AND doc = $2`, [scope, key], 'read a revision')).rows[0] as
        | { revision: number; digest: string; token: string | null }
        | undefined;
      if (now && now.digest === digest) return sameContent(now, token);
      // another instance gave the document a new revision between the two statements: this content is a change after it
    }
    throw new IntegrationError({ message: `${WHAT} (PostgreSQL at ${this.where}): document ${key} changed on another instance at every one of 10 tries`, code: 'CONCURRENCY', transient: true, details: { store: 'postgres' } });
  }

  /** Waits for the stamps under way, then ends the pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    const pool = await this.pool?.catch(() => undefined);
    await pool?.end().catch(() => undefined);
  }
}

/** The node's ledger: PostgreSQL when ODOO_SUPPLY_DATABASE_URL is set (nothing is opened yet: call `prepare()`), else the local journal at `file`. */
export async function openRevisionStore(options: { file: string; scope: string; env?: NodeJS.ProcessEnv; table?: string }): Promise<RevisionStore> {
  const url = sharedDatabaseUrl(options.env);
  if (url) return new PgRevisionLedger({ connection: url, scope: options.scope, ...(options.table ? { table: options.table } : {}) });
  return RevisionLedger.open(options.file);
}
