/**
 * One suite, both stores: the local journal and PostgreSQL (a real server,
 * DEAD_LETTER_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test; .ci/run starts it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { LocalDeadLetterStore } from '../../lib/resilience/dead-letter/local-store';
import { PgDeadLetterStore } from '../../lib/resilience/dead-letter/pg-store';
import type { DeadLetterEntry, DeadLetterStore } from '../../lib/resilience/dead-letter/store';

export const PG_URL = process.env.DEAD_LETTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const unique = () => `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

type Maker = { open(): Promise<DeadLetterStore>; reopen(): Promise<DeadLetterStore> };
const makers: Array<[string, () => Maker]> = [
  ['local journal', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dl-store-'));
    dirs.push(dir);
    const file = path.join(dir, 'dead-letter-x.journal');
    return { open: () => LocalDeadLetterStore.open(file), reopen: () => LocalDeadLetterStore.open(file) };
  }],
  ['PostgreSQL', () => {
    const queue = unique();
    return { open: () => PgDeadLetterStore.open({ connection: PG_URL, queue }), reopen: () => PgDeadLetterStore.open({ connection: PG_URL, queue }) };
  }],
];

function entry(id: string, over: Partial<DeadLetterEntry> = {}): DeadLetterEntry {
  return {
    id,
    msg: { payload: { default_code: `P-${id}`, price: 9.5 }, correlationId: `corr-${id}` },
    error: { message: `product P-${id} does not exist`, code: 'VALIDATION', transient: false },
    source: { id: 'w1', type: 'odoo-write', name: 'prices' },
    attempts: 0,
    firstFailedAt: 1000,
    lastFailedAt: 1000,
    correlationId: `corr-${id}`,
    replays: 0,
    state: 'dead',
    ...over,
  };
}

describe.each(makers)('dead-letter store: %s', (_name, make) => {
  let m: Maker;
  let store: DeadLetterStore;
  beforeEach(async () => {
    m = make();
    store = await m.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('keeps entries durably: a reopened store has them all, with the message and error', async () => {
    await Promise.all([1, 2, 3].map((i) => store.put(entry(`e${i}`, { lastFailedAt: 1000 + i }))));
    await store.close();
    store = await m.reopen();
    const got = await store.get('e2');
    expect(got).toEqual(entry('e2', { lastFailedAt: 1002 }));
    const { entries, total } = await store.list({});
    expect(total).toBe(3);
    expect(entries.map((e) => e.id)).toEqual(['e3', 'e2', 'e1']);
  });

  it('filters by source, code, time range and text, and pages', async () => {
    await store.put(entry('a', { lastFailedAt: 100 }));
    await store.put(entry('b', { lastFailedAt: 200, error: { message: 'Service Unavailable', code: 'UNAVAILABLE', transient: true }, source: { id: 's9', type: 'sftp-in' } }));
    await store.put(entry('c', { lastFailedAt: 300, msg: { payload: { note: 'Needle in here' } } }));
    const ids = async (f: Parameters<DeadLetterStore['list']>[0], o?: Parameters<DeadLetterStore['list']>[1]) => (await store.list(f, o)).entries.map((e) => e.id);
    expect(await ids({ source: 's9' })).toEqual(['b']);
    expect(await ids({ source: 'prices' })).toEqual(['c', 'a']);
    expect(await ids({ source: 'odoo-write' })).toEqual(['c', 'a']);
    expect(await ids({ code: 'VALIDATION' })).toEqual(['c', 'a']);
    expect(await ids({ from: 150, to: 250 })).toEqual(['b']);
    expect(await ids({ text: 'needle' })).toEqual(['c']);
    expect(await ids({}, { limit: 1, offset: 1 })).toEqual(['b']);
    expect((await store.list({}, { limit: 1, offset: 1 })).total).toBe(3);
    expect(await store.ids({ code: 'VALIDATION' })).toEqual(['a', 'c']);
    expect(await store.counts()).toEqual({ total: 3, bySource: { prices: 2, 'sftp-in:s9': 1 }, byCode: { VALIDATION: 2, UNAVAILABLE: 1 } });
  });

  it('claims an entry for replay once: a second claim gets nothing, and it leaves the dead list', async () => {
    await store.put(entry('x'));
    await store.put(entry('y'));
    const [first, second] = await Promise.all([store.claim(['x', 'y']), store.claim(['x'])]);
    expect([...first, ...second].filter((e) => e.id === 'x')).toHaveLength(1);
    expect(first.find((e) => e.id === 'y')).toMatchObject({ state: 'replayed', replays: 1 });
    expect((await store.list({})).total).toBe(0);
    expect((await store.list({ state: 'replayed' })).total).toBe(2);
    // it failed again: the same entry is dead again, its count kept
    await store.put({ ...entry('x'), replays: 1, lastFailedAt: 5000 });
    expect(await store.get('x')).toMatchObject({ state: 'dead', replays: 1, lastFailedAt: 5000 });
    expect(await store.claim(['nope'])).toEqual([]);
  });

  it('discards entries, and applies retention by count and by age, returning what it dropped', async () => {
    for (let i = 0; i < 10; i++) await store.put(entry(`r${i}`, { lastFailedAt: 1000 * (i + 1) }));
    expect(await store.remove(['r0', 'missing'])).toBe(1);
    const byCount = await store.retain(5, 0, 20_000);
    expect(byCount.map((e) => e.id).sort()).toEqual(['r1', 'r2', 'r3', 'r4']);
    const byAge = await store.retain(0, 3_500, 10_000);
    expect(byAge.map((e) => e.id).sort()).toEqual(['r5']);
    expect((await store.ids({})).sort()).toEqual(['r6', 'r7', 'r8', 'r9']);
  });
});

describe('dead-letter stores fail clearly and lose nothing', () => {
  it('local: a write error (full disk) rejects the entry, and what was kept stays', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dl-full-'));
    dirs.push(dir);
    const file = path.join(dir, 'dl.journal');
    let full = false;
    const { fileIo } = await import('../../lib/resilience/journal');
    const store = await LocalDeadLetterStore.open(file, { io: { write: (fh, b) => (full ? Promise.reject(Object.assign(new Error('no space'), { code: 'ENOSPC' })) : fileIo.write(fh, b)), sync: fileIo.sync } });
    await store.put(entry('kept'));
    full = true;
    await expect(store.put(entry('refused'))).rejects.toThrow(/ENOSPC.*nothing of it was accepted/);
    await store.close();
    const again = await LocalDeadLetterStore.open(file);
    expect((await again.ids({}))).toEqual(['kept']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await again.close();
  });

  it('PostgreSQL: no server gives a clear error naming where (never the password)', async () => {
    await expect(PgDeadLetterStore.open({ connection: 'postgres://user:s3cret@127.0.0.1:1/test', queue: 'q' })).rejects.toThrow(/dead-letter store \(PostgreSQL at 127\.0\.0\.1:1\/test\) could not prepare the table: .*ECONNREFUSED/);
    await PgDeadLetterStore.open({ connection: 'postgres://user:s3cret@127.0.0.1:1/test', queue: 'q' }).catch((e: Error) => expect(e.message).not.toContain('s3cret'));
  });

  it('PostgreSQL: a lost connection fails only what was in flight, later writes go through, nothing kept is lost', async () => {
    const queue = unique();
    const store = await PgDeadLetterStore.open({ connection: { connectionString: PG_URL, application_name: queue }, queue });
    await store.put(entry('before'));
    // the server ends every connection of this store (as a restart or failover would)
    const admin = new Client({ connectionString: PG_URL });
    await admin.connect();
    const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [queue]);
    await admin.end();
    expect(killed.rowCount).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 100));
    let failures = 0;
    for (const id of ['after1', 'after2']) {
      await store.put(entry(id)).catch((e: Error) => {
        failures++;
        expect(e.message).toMatch(/dead-letter store \(PostgreSQL at .*\) could not store the entry/);
      });
    }
    // a failed put was refused, not half-kept; retried, it is kept
    await store.put(entry('after1'));
    await store.put(entry('after2'));
    expect((await store.ids({})).sort()).toEqual(['after1', 'after2', 'before']);
    expect(failures).toBeLessThanOrEqual(1);
    await store.close();
  });
});
