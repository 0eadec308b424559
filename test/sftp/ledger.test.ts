/**
 * One suite, both file ledgers: the local JSONL file and PostgreSQL (a real server,
 * DEAD_LETTER_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test; .ci/run starts it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { JsonlLedger, PgLedger, type FileLedger, type LedgerEntry } from '../../lib/sftp/ledger';

const PG_URL = process.env.DEAD_LETTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TABLE = 'odoo_supply_sftp_ledger_test';
const unique = () => `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

type Maker = { open(max?: number): Promise<FileLedger>; kind: string };
const makers: Array<[string, () => Maker]> = [
  ['local JSONL file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    dirs.push(dir);
    const file = path.join(dir, 'ledger.jsonl');
    return { kind: 'file', open: async (max) => new JsonlLedger(file, max) };
  }],
  ['PostgreSQL', () => {
    const scope = unique();
    return { kind: 'pg', open: (max) => PgLedger.open({ connection: PG_URL, scope, table: TABLE, ...(max ? { maxEntries: max } : {}) }) };
  }],
];

const entry = (key: string, over: Partial<LedgerEntry> = {}): LedgerEntry => ({ key, size: 120, mtime: 1_700_000_000_000, sha256: `sha-${key}`, at: '2026-12-01T10:00:00.000Z', ...over });

describe.each(makers)('file ledger: %s', (_name, make) => {
  let m: Maker;
  const open: FileLedger[] = [];
  const ledger = async (max?: number) => {
    const l = await m.open(max);
    open.push(l);
    return l;
  };
  beforeEach(() => {
    m = make();
  });
  afterEach(async () => {
    for (const l of open.splice(0)) await l.close();
  });

  it('keeps what was recorded across a restart, the last entry per key winning', async () => {
    const a = await ledger();
    expect(await a.get('acme|/in/preise.csv')).toBeUndefined();
    await a.record(entry('acme|/in/preise.csv'));
    await a.record(entry('acme|/in/preise.csv', { sha256: 'sha-v2', size: 130 }));
    await a.record(entry('acme|/in/other.csv'));
    expect(await a.get('acme|/in/preise.csv')).toEqual(entry('acme|/in/preise.csv', { sha256: 'sha-v2', size: 130 }));
    await a.close();
    const b = await ledger();
    expect(await b.get('acme|/in/preise.csv')).toEqual(entry('acme|/in/preise.csv', { sha256: 'sha-v2', size: 130 }));
    expect(await b.get('acme|/in/other.csv')).toEqual(entry('acme|/in/other.csv'));
    expect(await b.get('acme|/in/never.csv')).toBeUndefined();
  });

  it('is bounded: the oldest entries go first', async () => {
    const a = await ledger(100);
    for (let i = 0; i < 250; i++) await a.record(entry(`k${i}`));
    await a.close();
    const b = await ledger(100);
    expect(await b.get('k249')).toEqual(entry('k249'));
    expect(await b.get('k0')).toBeUndefined();
  }, 60_000);

  it('refuses to record once closed', async () => {
    const a = await ledger();
    await a.close();
    await expect(a.record(entry('x'))).rejects.toThrow(/closed/);
  });
});

describe('file ledger: PostgreSQL shared by two instances', () => {
  afterAll(async () => {
    const c = new Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await c.end();
  });

  it('what one instance recorded, the other sees at once; scopes stay apart', async () => {
    const scope = unique();
    const [one, two, other] = await Promise.all([
      PgLedger.open({ connection: PG_URL, scope, table: TABLE }),
      PgLedger.open({ connection: PG_URL, scope, table: TABLE }),
      PgLedger.open({ connection: PG_URL, scope: `${scope}-x`, table: TABLE }),
    ]);
    try {
      await one.record(entry('acme|/in/a.csv'));
      expect(await two.get('acme|/in/a.csv')).toEqual(entry('acme|/in/a.csv'));
      expect(await other.get('acme|/in/a.csv')).toBeUndefined();
    } finally {
      await Promise.all([one.close(), two.close(), other.close()]);
    }
  });

  it('a database it cannot reach is a transient UNAVAILABLE error naming the server, not the password', async () => {
    await expect(PgLedger.open({ connection: 'postgres://someone:s3cret@127.0.0.1:1/test', scope: 'x', table: TABLE })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      transient: true,
      message: expect.stringMatching(/file ledger \(PostgreSQL at 127\.0\.0\.1:1\/test\)/),
    });
    const err = await PgLedger.open({ connection: 'postgres://someone:s3cret@127.0.0.1:1/test', scope: 'x', table: TABLE }).catch((e: Error) => e);
    expect(String((err as Error).message)).not.toContain('s3cret');
  });
});
