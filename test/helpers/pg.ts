/** The PostgreSQL of the tests (DEAD_LETTER_TEST_DATABASE_URL, else this machine's trust-auth `test` database), and one query on a connection of its own. */
import { Client } from 'pg';

export const PG_URL = process.env.DEAD_LETTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs one statement on a fresh connection (not a pool the code under test uses) and returns its rows. */
export async function sql(text: string, params: unknown[] = [], connectionString = PG_URL): Promise<any[]> {
  const c = new Client({ connectionString });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}
