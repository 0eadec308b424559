/**
 * PostgreSQL for the scale-out stores (file ledger, plant event claims):
 * one pool per store, tables created under an advisory lock so instances
 * starting together do not race, errors that name the server (never the password).
 * One setting switches an instance to it: ODOO_SUPPLY_DATABASE_URL.
 */
import { Pool, type PoolConfig } from 'pg';
import { IntegrationError } from '../errors';

/** The package-wide setting: when set, the shared stores of this instance live in PostgreSQL. */
export const DATABASE_URL_ENV = 'ODOO_SUPPLY_DATABASE_URL';

export function sharedDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[DATABASE_URL_ENV]?.trim();
  return v ? v : undefined;
}

export type PgConnection = string | PoolConfig;

/** The connection without its password, for error texts. */
export function pgWhere(c: PgConnection): string {
  if (typeof c !== 'string' && c.connectionString) return pgWhere(c.connectionString);
  if (typeof c !== 'string') return `${c.host ?? 'localhost'}:${c.port ?? 5432}/${c.database ?? ''}`;
  try {
    const u = new URL(c);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the configured database';
  }
}

export function checkTable(table: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`table name ${JSON.stringify(table)} must be lower-case letters, digits and _`);
  return table;
}

/** A pool with its schema in place (the DDL runs in one transaction under an advisory lock on `lock`). */
export async function openPool(connection: PgConnection, lock: string, ddl: string[], what: string): Promise<Pool> {
  const config: PoolConfig = typeof connection === 'string' ? { connectionString: connection } : connection;
  const pool = new Pool({ max: 4, connectionTimeoutMillis: 5_000, ...config });
  // an idle client whose server went away must not crash Node-RED: the next query gets a new one
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lock]);
      for (const sql of ddl) await client.query(sql);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw pgError(connection, what, 'prepare its table', err);
  }
  return pool;
}

/** A store that cannot reach its database is unavailable for now (transient): the message is retried, not dropped. */
export function pgError(connection: PgConnection, what: string, doing: string, err: unknown): IntegrationError {
  const reason = (err as Error)?.message || (err as { code?: string })?.code || String(err);
  return new IntegrationError({ message: `${what} (PostgreSQL at ${pgWhere(connection)}) could not ${doing}: ${reason}`, code: 'UNAVAILABLE', transient: true, details: { store: 'postgres' } });
}
