/**
 * The durable ledger of processed files: a file uploaded again unchanged is
 * skipped, a changed file with the same name is processed again. One JSON
 * line per processed file, fsynced before the file counts as done, bounded
 * (the oldest entries go when it is compacted), files created 0600.
 *
 * Two backends: `JsonlLedger` (a local file, one instance) and `PgLedger`
 * (one PostgreSQL table that several instances polling the same folders share,
 * chosen by ODOO_SUPPLY_DATABASE_URL). Claim-by-rename keeps two pollers off
 * one file; the shared ledger makes "unchanged since processed" hold whichever
 * instance processed it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Pool } from 'pg';
import { checkTable, openPool, pgError, type PgConnection } from '../util/pg';

export interface LedgerEntry {
  /** Supplier (server and folder) + the file's name as it arrived. */
  key: string;
  size: number;
  mtime: number;
  sha256: string;
  at: string;
}

export interface FileLedger {
  /** The last entry for this key, if any. */
  get(key: string): LedgerEntry | undefined | Promise<LedgerEntry | undefined>;
  record(entry: LedgerEntry): Promise<void>;
  close(): Promise<void>;
}

export class JsonlLedger implements FileLedger {
  private readonly entries = new Map<string, LedgerEntry>();
  private fd: number | undefined;
  private lines = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly maxEntries = 100_000,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    if (fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          const e = JSON.parse(line) as LedgerEntry;
          this.entries.delete(e.key);
          this.entries.set(e.key, e);
          this.lines++;
        } catch {
          // a torn last line after a crash: the entry was never confirmed, so the file is processed again
        }
      }
    }
    this.fd = fs.openSync(file, 'a', 0o600);
  }

  get(key: string): LedgerEntry | undefined {
    return this.entries.get(key);
  }

  record(entry: LedgerEntry): Promise<void> {
    this.chain = this.chain.then(() => this.write(entry));
    return this.chain;
  }

  private async write(entry: LedgerEntry): Promise<void> {
    if (this.fd === undefined) throw new Error('the file ledger is closed');
    this.entries.delete(entry.key);
    this.entries.set(entry.key, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    const fd = this.fd;
    await new Promise<void>((resolve, reject) => fs.write(fd, JSON.stringify(entry) + '\n', (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
    if (++this.lines > this.maxEntries * 2) this.compact();
  }

  /** Rewrites the file with the kept entries (write, fsync, rename: never a half ledger). */
  private compact(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, [...this.entries.values()].map((e) => JSON.stringify(e) + '\n').join(''), { mode: 0o600 });
    const tfd = fs.openSync(tmp, 'r');
    fs.fsyncSync(tfd);
    fs.closeSync(tfd);
    fs.renameSync(tmp, this.file);
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.lines = this.entries.size;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface PgLedgerOptions {
  /** postgres://user@host:port/db, or a pg PoolConfig. */
  connection: PgConnection;
  /** Keeps ledgers apart in the one table: the supplier-sftp node's id (the same on every instance running the flow). */
  scope: string;
  table?: string;
  /** Entries kept per scope (the oldest go first, checked every `maxEntries / 10` records). */
  maxEntries?: number;
}

/** The shared file ledger: one row per (scope, key), written before the file counts as done. */
export class PgLedger implements FileLedger {
  private recorded = 0;
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    private readonly options: Required<Omit<PgLedgerOptions, 'table'>> & { table: string },
  ) {}

  static async open(options: PgLedgerOptions): Promise<PgLedger> {
    const table = checkTable(options.table ?? 'odoo_supply_sftp_ledger');
    const pool = await openPool(
      options.connection,
      table,
      [
        `CREATE TABLE IF NOT EXISTS ${table} (scope text NOT NULL, key text NOT NULL, size bigint NOT NULL, mtime bigint NOT NULL,
          sha256 text NOT NULL, at text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, key))`,
        `CREATE INDEX IF NOT EXISTS ${table}_by_time ON ${table} (scope, recorded_at)`,
      ],
      'the file ledger',
    );
    return new PgLedger(pool, { connection: options.connection, scope: options.scope, table, maxEntries: options.maxEntries ?? 100_000 });
  }

  private async q(sql: string, params: unknown[], doing: string) {
    if (this.closed) throw new Error('the file ledger is closed');
    try {
      return await this.pool.query(sql, params);
    } catch (err) {
      throw pgError(this.options.connection, 'the file ledger', doing, err);
    }
  }

  async get(key: string): Promise<LedgerEntry | undefined> {
    const r = await this.q(`SELECT key, size, mtime, sha256, at FROM ${this.options.table} WHERE scope = $1 AND key = $2`, [this.options.scope, key], 'read an entry');
    const row = r.rows[0] as { key: string; size: string; mtime: string; sha256: string; at: string } | undefined;
    return row ? { key: row.key, size: Number(row.size), mtime: Number(row.mtime), sha256: row.sha256, at: row.at } : undefined;
  }

  async record(e: LedgerEntry): Promise<void> {
    const t = this.options.table;
    await this.q(
      `INSERT INTO ${t} (scope, key, size, mtime, sha256, at) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (scope, key) DO UPDATE SET size = EXCLUDED.size, mtime = EXCLUDED.mtime, sha256 = EXCLUDED.sha256, at = EXCLUDED.at, recorded_at = now()`,
      [this.options.scope, e.key, e.size, e.mtime, e.sha256, e.at],
      'record a processed file',
    );
    if (++this.recorded % Math.max(1, Math.floor(this.options.maxEntries / 10)) === 0) {
      await this.q(
        `DELETE FROM ${t} WHERE scope = $1 AND key IN (SELECT key FROM ${t} WHERE scope = $1 ORDER BY recorded_at DESC, key OFFSET $2)`,
        [this.options.scope, this.options.maxEntries],
        'drop the oldest entries',
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }
}
