/**
 * The per-key order of writes across Node-RED instances sharing one
 * PostgreSQL (ODOO_SUPPLY_DATABASE_URL; here DEAD_LETTER_TEST_DATABASE_URL or
 * postgres://postgres@127.0.0.1:5432/test, .ci/run starts it). Two writers
 * with their own Odoo connections, as two instances would have, against one
 * sandbox Odoo: what is checked is what Odoo holds, and the locks PostgreSQL holds.
 */
import { Client } from 'pg';
import { OdooClient } from '../../lib/odoo/client';
import { lockId, PgKeyLock } from '../../lib/odoo/key-lock';
import { closeWriterOf, OdooWriter, WriteRequest, writerOf } from '../../lib/odoo/writer';
import { startSandbox, Sandbox } from '../../sandbox/odoo/server';

const PG_URL = process.env.DEAD_LETTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SHARED = { ODOO_SUPPLY_DATABASE_URL: PG_URL };
const BATCH = { maxSize: 50, windowMs: 5 };

let sandbox: Sandbox;
const clients: OdooClient[] = [];
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  sandbox.clearFaults();
  for (const c of clients.splice(0)) {
    await closeWriterOf(c);
    c.close();
  }
});
afterAll(async () => {
  await sandbox.close();
});

/** One Node-RED instance: its own Odoo connection and the writer its odoo-config would get with `env`. */
const instance = (env: NodeJS.ProcessEnv): OdooWriter => {
  const c = new OdooClient({ url: sandbox.url, database: sandbox.database, secret: sandbox.apiKey, protocol: 'json2' });
  clients.push(c);
  return writerOf(c, BATCH, env);
};
const pidOf = (w: OdooWriter) => (w.sharedLock as PgKeyLock).backendPid as number;

async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}
const advisoryLocksOf = async (pids: number[]) => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = ANY($1::int[])`, [pids]))[0]?.n);
const lockConnections = async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'odoo-supply key order'`))[0]?.n);
async function until(what: () => Promise<boolean> | boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let run = 0;
/**
 * Two instances each send, for every key, an upsert of a supplier price, a
 * create_missing of a partner (with a tag: values `load` cannot carry, so
 * it is a plain `create`), a file attached to a record, a chatter note and
 * one keyed stock adjustment (+3, the same plant event on both), all at once,
 * every Odoo search slowed so both search before either creates. Returns how
 * many records Odoo holds per key (each should be 1, on hand 3).
 */
async function race(env: NodeJS.ProcessEnv, keys = 12) {
  run++;
  const a = instance(env);
  const b = instance(env);
  const supplier = sandbox.store.create('res.partner', { name: `KL supplier ${run}` });
  const tag = sandbox.store.create('res.partner.category', { name: `KL tag ${run}` });
  const products = Array.from({ length: keys }, (_x, i) => sandbox.store.create('product.product', { name: `KL product ${run}/${i}`, default_code: `KL-${run}-${i}`, is_storable: true }));
  const documents = Array.from({ length: keys }, (_x, i) => sandbox.store.create('res.partner', { name: `KL document ${run}/${i}` }));
  const requests = (from: string): WriteRequest[] =>
    products.flatMap((product, i) => [
      { operation: 'upsert', model: 'product.supplierinfo', keyFields: ['partner_id', 'product_id', 'min_qty', 'date_start'], record: { partner_id: supplier, product_id: product, min_qty: 10, date_start: '2026-01-01', price: 5 + i, product_code: from } },
      { operation: 'create_missing', model: 'res.partner', keyFields: ['ref'], record: { ref: `KL-${run}-${i}`, name: `KL partner ${i} from ${from}`, category_id: [[4, tag]] } },
      { operation: 'attach', model: 'res.partner', record: { res_id: documents[i] as number, name: `price-list-${i}.csv`, datas: Buffer.from(`sku;price\nKL-${i};${5 + i}\n`).toString('base64'), mimetype: 'text/csv' } },
      { operation: 'note', model: 'res.partner', record: { res_id: documents[i] as number, body: `Price list ${i} received` } },
      // one plant event that reached both instances
      { operation: 'adjust_quant', model: 'stock.quant', record: { product_id: product, location_id: 5, quantity: 3 }, idempotencyKey: `KL-evt-${run}-${i}` },
    ]);
  sandbox.inject({ method: 'search_read', latencyMs: 80, times: 10_000 });
  const results = await Promise.allSettled([...requests('A').map((r) => a.submit(r)), ...requests('B').map((r) => b.submit(r))]);
  sandbox.clearFaults();
  const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
  const count = (model: string, domain: unknown[]) => sandbox.store.search(model, domain).length;
  const perKey = products.map((product, i) => ({
    prices: count('product.supplierinfo', [['partner_id', '=', supplier], ['product_id', '=', product]]),
    partners: count('res.partner', [['ref', '=', `KL-${run}-${i}`]]),
    files: count('ir.attachment', [['res_model', '=', 'res.partner'], ['res_id', '=', documents[i]]]),
    onHand: sandbox.store.read('stock.quant', sandbox.store.search('stock.quant', [['product_id', '=', product], ['location_id', '=', 5]]), ['quantity']).reduce((n, q) => n + Number(q.quantity), 0),
    notes: sandbox.store.read('mail.message', sandbox.store.search('mail.message', [['model', '=', 'res.partner'], ['res_id', '=', documents[i]]]), ['body']).filter((m) => String(m.body).includes(`Price list ${i} received`)).length,
  }));
  const duplicates = perKey.reduce((n, k) => n + (k.prices - 1) + (k.partners - 1) + (k.files - 1) + (k.notes - 1) + (k.onHand / 3 - 1), 0);
  return { a, b, failed, perKey, duplicates };
}

describe('per-key order across instances (ODOO_SUPPLY_DATABASE_URL)', () => {
  it('two instances racing upserts, create_missing, attachments, notes and keyed adjustments of the same keys: one record per key, each adjustment once', async () => {
    const { a, b, failed, perKey, duplicates } = await race(SHARED);
    expect(failed).toEqual([]);
    expect(duplicates).toBe(0);
    expect(perKey.every((k) => k.prices === 1 && k.partners === 1 && k.files === 1 && k.notes === 1 && k.onHand === 3)).toBe(true);
    // every lock is given back once its batch is answered
    const pids = [pidOf(a), pidOf(b)];
    await until(async () => (await advisoryLocksOf(pids)) === 0);
  }, 60_000);

  it('control: without the shared lock the same race makes duplicates (what the lock prevents)', async () => {
    const { a, failed, duplicates } = await race({});
    expect(a.sharedLock).toBeUndefined();
    expect(failed).toEqual([]);
    expect(duplicates).toBeGreaterThan(0);
  }, 60_000);

  it('a lock whose PostgreSQL session is terminated is released for the other instance; its waiting writes fail as transient', async () => {
    const a = instance(SHARED);
    const b = instance(SHARED);
    const partnerKey = (name: string): WriteRequest => ({ operation: 'upsert', model: 'res.partner', keyFields: ['ref'], record: { ref: 'KL-TERM-P', name } });
    const priceKey = (price: number): WriteRequest => ({ operation: 'upsert', model: 'product.supplierinfo', keyFields: ['partner_id', 'product_id'], record: { partner_id: supplier, product_id: product, price } });
    const supplier = sandbox.store.create('res.partner', { name: 'KL term supplier' });
    const product = sandbox.store.create('product.product', { name: 'KL term product', default_code: 'KL-TERM' });
    const done: string[] = [];
    const track = (name: string, p: Promise<unknown>) => p.then((v) => (done.push(name), v), (e: unknown) => (done.push(name), Promise.reject(e)));

    // A holds the partner key (its search is slow); B holds the price key (also slow)
    sandbox.inject({ model: 'res.partner', method: 'search_read', latencyMs: 1_500, times: 1 });
    sandbox.inject({ model: 'product.supplierinfo', method: 'search_read', latencyMs: 1_500, times: 1 });
    const aHolds = track('A partner', a.submit(partnerKey('from A')));
    const bHolds = track('B price', b.submit(priceKey(7)));
    await until(async () => pidOf(a) !== undefined && pidOf(b) !== undefined && (await advisoryLocksOf([pidOf(a)])) === 1 && (await advisoryLocksOf([pidOf(b)])) === 1);
    // each waits for the key the other holds
    const bWaits = track('B partner', b.submit(partnerKey('from B')));
    const aWaits = track('A price', a.submit(priceKey(8)).catch((e: unknown) => e));
    await new Promise((r) => setTimeout(r, 200));
    expect(done).toEqual([]);

    const pidA = pidOf(a);
    await sql('SELECT pg_terminate_backend($1)', [pidA]);
    // A's waiting write fails as transient and not applied (retry-gate retries it), naming the server
    const err = (await aWaits) as { code: string; transient: boolean; applied: string; message: string };
    expect(err).toMatchObject({ code: 'UNAVAILABLE', transient: true, applied: 'no' });
    expect(err.message).toContain(new URL(PG_URL).host);
    // B gets the partner key at once: it finishes while A's slow call (which held it) is still running
    await bWaits;
    expect(done).not.toContain('A partner');
    // A's write that held the lock finishes its Odoo call; B's price write too
    await Promise.all([aHolds, bHolds]);
    expect(sandbox.store.search('res.partner', [['ref', '=', 'KL-TERM-P']])).toHaveLength(1);
    // the next write of A connects again and takes the lock on a new session
    expect((await a.submit(priceKey(9))).action).toBe('updated');
    expect(pidOf(a)).not.toBe(pidA);
    expect(sandbox.store.read('product.supplierinfo', sandbox.store.search('product.supplierinfo', [['partner_id', '=', supplier], ['product_id', '=', product]]), ['price'])).toEqual([expect.objectContaining({ price: 9 })]);
  }, 30_000);

  it('writes on different keys are not serialized across instances', async () => {
    const a = instance(SHARED);
    const b = instance(SHARED);
    const upsert = (ref: string): WriteRequest => ({ operation: 'upsert', model: 'res.partner', keyFields: ['ref'], record: { ref, name: ref } });
    const order: string[] = [];
    // A's call is slow; B, on another key, does not wait for it
    sandbox.inject({ model: 'res.partner', method: 'search_read', latencyMs: 1_500, times: 1 });
    const slow = a.submit(upsert('KL-PAR-A')).then(() => order.push('A'));
    await until(async () => pidOf(a) !== undefined && (await advisoryLocksOf([pidOf(a)])) === 1);
    await b.submit(upsert('KL-PAR-B')).then(() => order.push('B'));
    // and B on A's key waits for A
    const same = b.submit(upsert('KL-PAR-A')).then(() => order.push('B same key'));
    await Promise.all([slow, same]);
    expect(order).toEqual(['B', 'A', 'B same key']);
    expect(sandbox.store.search('res.partner', [['ref', 'in', ['KL-PAR-A', 'KL-PAR-B']]])).toHaveLength(2);
  }, 30_000);

  it('a closed server: its writer ends its lock connection, and a late keyed write fails as transient instead of opening another', async () => {
    const w = instance(SHARED);
    await w.submit({ operation: 'upsert', model: 'res.partner', keyFields: ['ref'], record: { ref: 'KL-CLOSE', name: 'before close' } });
    const pid = pidOf(w);
    const c = clients[clients.length - 1] as OdooClient;
    await closeWriterOf(c);
    await until(async () => (await sql('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length === 0);
    expect(writerOf(c, BATCH, SHARED)).toBe(w);
    await expect(w.submit({ operation: 'upsert', model: 'res.partner', keyFields: ['ref'], record: { ref: 'KL-CLOSE', name: 'late' } })).rejects.toMatchObject({ code: 'UNAVAILABLE', transient: true, applied: 'no' });
    expect(pidOf(w)).toBeUndefined();
    expect(sandbox.store.read('res.partner', sandbox.store.search('res.partner', [['ref', '=', 'KL-CLOSE']]), ['name'])).toEqual([expect.objectContaining({ name: 'before close' })]);
  });

  it('with ODOO_SUPPLY_DATABASE_URL unset no PostgreSQL connection is made; set, writes need it', async () => {
    await until(async () => (await lockConnections()) === 0);
    const local = instance({});
    expect(local.sharedLock).toBeUndefined();
    expect((await local.submit({ operation: 'upsert', model: 'res.partner', keyFields: ['ref'], record: { ref: 'KL-LOCAL', name: 'local' } })).action).toBe('created');
    expect(await lockConnections()).toBe(0);
    // a database it cannot reach: the write fails as transient, not applied, naming the server without the password
    const unreachable = instance({ ODOO_SUPPLY_DATABASE_URL: 'postgres://odoo_supply:s3cret-pw@127.0.0.1:1/supply' });
    const err = (await unreachable.submit({ operation: 'upsert', model: 'res.partner', keyFields: ['ref'], record: { ref: 'KL-NOPG', name: 'x' } }).catch((e: unknown) => e)) as { code: string; message: string };
    expect(err).toMatchObject({ code: 'UNAVAILABLE', transient: true, applied: 'no', idempotent: true });
    expect(err.message).toContain('127.0.0.1:1/supply');
    expect(err.message).not.toContain('s3cret-pw');
    expect(sandbox.store.search('res.partner', [['ref', '=', 'KL-NOPG']])).toHaveLength(0);
    // nothing is left waiting: a closing odoo-write's flush ends
    expect(unreachable.pending).toBe(0);
    await unreachable.flush();
  }, 30_000);
});

describe('PgKeyLock', () => {
  const locks: PgKeyLock[] = [];
  const lock = (o: Partial<ConstructorParameters<typeof PgKeyLock>[0]> = {}) => {
    const l = new PgKeyLock({ connection: PG_URL, scope: 'db:key-lock-test', ...o });
    locks.push(l);
    return l;
  };
  afterEach(async () => {
    for (const l of locks.splice(0)) await l.close();
  });

  it('lock ids are 64-bit, per database, and never in the 32-bit range of the package\'s hashtext locks', () => {
    const ids = Array.from({ length: 2_000 }, (_x, i) => BigInt(lockId('db:a', `res.partner#${i}`)));
    expect(ids.every((id) => id < -(2n ** 31n) || id >= 2n ** 31n)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(lockId('db:a', 'res.partner#1')).not.toBe(lockId('db:b', 'res.partner#1'));
  });

  it('a write gets all its keys or none: waiting for one key it holds no other', async () => {
    const a = lock();
    const b = lock({ retryMs: 20, maxRetryMs: 40 });
    const c = lock();
    const releaseA = await a.acquire(['k1']);
    let bGot = false;
    const bWaits = b.acquire(['k1', 'k2']).then((r) => ((bGot = true), r));
    await new Promise((r) => setTimeout(r, 150));
    expect(bGot).toBe(false);
    // k2 is free while b waits for k1
    const releaseC = await c.acquire(['k2']);
    expect(await advisoryLocksOf([b.backendPid as number])).toBe(0);
    releaseC();
    releaseA();
    const releaseB = await bWaits;
    expect(await advisoryLocksOf([b.backendPid as number])).toBe(2);
    releaseB();
    await until(async () => (await advisoryLocksOf([a.backendPid as number, b.backendPid as number, c.backendPid as number])) === 0);
  });

  it('a key held elsewhere longer than the wait: a transient CONCURRENCY error, not applied', async () => {
    const a = lock();
    const b = lock({ waitMs: 300, retryMs: 20, maxRetryMs: 50 });
    await a.acquire(['held']);
    await expect(b.acquire(['held'])).rejects.toMatchObject({ code: 'CONCURRENCY', transient: true, applied: 'no' });
  });

  it('the requests of one tick take one statement', async () => {
    const a = lock();
    await (await a.acquire(['warm-up']))();
    const pid = a.backendPid as number;
    const query = jest.spyOn(Client.prototype, 'query');
    try {
      const releases = await Promise.all(Array.from({ length: 100 }, (_x, i) => a.acquire([`many-${i}`])));
      expect(await advisoryLocksOf([pid])).toBe(100);
      releases.forEach((r) => r());
      await until(async () => (await advisoryLocksOf([pid])) === 0);
      // 100 acquisitions, then 100 releases: one statement each
      const mine = query.mock.contexts.filter((c) => (c as { processID?: number }).processID === pid);
      expect(mine).toHaveLength(2);
    } finally {
      query.mockRestore();
    }
  });
});
