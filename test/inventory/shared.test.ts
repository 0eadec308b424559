/**
 * Two stock-events instances in one MQTT $share group (two in-process stores,
 * as two machines would have) on one PostgreSQL (DEAD_LETTER_TEST_DATABASE_URL
 * or postgres://postgres@127.0.0.1:5432/test; .ci/run starts it) and the
 * sandbox Odoo. What is checked is what Odoo's quants hold at the end.
 */
import { Client } from 'pg';
import { SharedStockEvents, type StockTarget } from '../../lib/inventory';
import { OdooClient } from '../../lib/odoo/client';
import { LookupCache } from '../../lib/odoo/lookup';
import { OdooWriter } from '../../lib/odoo/writer';
import type { InventoryEvent } from '../../lib/canonical/schemas';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { expectedQuantities, makeEvents, onHand, plantFixture, rng, type PlantFixture } from './fixtures';
import { PG_URL, sql } from '../helpers/pg';

const PREFIX = 'odoo_supply_stock_test';

describe('stock-events on one PostgreSQL: two instances, one Odoo', () => {
  let sandbox: Sandbox;
  let client: OdooClient;
  let fixture: PlantFixture;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    sandbox = await startSandbox();
    fixture = plantFixture(sandbox, 'SHR', 30, ['S1', 'S2']);
    client = new OdooClient({ url: sandbox.url, database: sandbox.database, login: sandbox.login, secret: sandbox.apiKey, protocol: 'json2' });
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    client.close();
    await sandbox.close();
    const c = new Client({ connectionString: PG_URL });
    await c.connect();
    for (const t of ['events', 'quants', 'batches', 'meta']) await c.query(`DROP TABLE IF EXISTS ${PREFIX}_${t}`);
    await c.end();
  });

  const targetOf = (): StockTarget => ({ writer: new OdooWriter(client, { maxSize: 200, windowMs: 20 }), lookups: new LookupCache(client) });
  /** One instance of the flow's stock-events node: its own writer and lookups, the shared tables under `scope`. */
  const instance = async (scope: string, hooks: Parameters<typeof SharedStockEvents.open>[3] = {}, windowMs = 30, target: StockTarget = targetOf()) => {
    const s = await SharedStockEvents.open({ connection: PG_URL, scope, tablePrefix: PREFIX, leadRetryMs: 100, pollMs: 20 }, () => target, { windowMs, retryInitialMs: 50, retryMaxMs: 200 }, hooks);
    closers.push(() => s.close(500));
    return s;
  };
  const adjustments = (count: number, seed: number): InventoryEvent[] =>
    makeEvents(fixture, count, seed).map((e) => ({ ...e, kind: 'adjust', quantity: e.kind === 'adjust' ? e.quantity : 3 }) as InventoryEvent);
  const states = async (scope: string) =>
    Object.fromEntries((await sql(`SELECT state, count(*)::int AS n FROM ${PREFIX}_events WHERE scope = $1 GROUP BY state`, [scope])).map((x: { state: string; n: number }) => [x.state, x.n]));
  const expectOnHand = (before: Map<string, number>, events: InventoryEvent[], absolute = false) => {
    const now = onHand(sandbox, fixture);
    const wrong: string[] = [];
    for (const [k, q] of expectedQuantities(events)) {
      const want = absolute ? q : (before.get(k) ?? 0) + q;
      if (Math.abs((now.get(k) ?? 0) - want) > 1e-6) wrong.push(`${k}: ${now.get(k)} (expected ${want})`);
    }
    expect(wrong).toEqual([]);
    return now;
  };

  it('every event delivered to both instances at once (and some twice) is applied exactly once', async () => {
    const scope = `race-${Date.now().toString(36)}`;
    const [a, b] = [await instance(scope), await instance(scope)];
    const events = adjustments(400, 11);
    const before = onHand(sandbox, fixture);
    const r = rng(5);
    const redelivered = events.filter(() => r() < 0.15);
    const answers = await Promise.all([
      ...events.map((e) => a.accept(e)),
      ...[...events].reverse().map((e) => b.accept(e)),
      ...redelivered.map((e) => (r() < 0.5 ? a : b).accept(e)),
    ]);
    // each event taken by exactly one instance
    expect(answers.filter((x) => x === 'accepted')).toHaveLength(events.length);
    expect(a.stats.accepted + b.stats.accepted).toBe(events.length);
    await Promise.all([a.drain(), b.drain()]);
    // one of them leads and applies everything
    expect([a.leading, b.leading].sort()).toEqual([false, true]);
    expect(a.stats.applied + b.stats.applied).toBe(events.length);
    const now = expectOnHand(before, events);
    expect(await states(scope)).toEqual({ d: events.length });
    // later redeliveries: duplicates on either instance, nothing moves
    expect(new Set(await Promise.all(events.slice(0, 50).map((e, i) => (i % 2 ? a : b).accept(e))))).toEqual(new Set(['duplicate']));
    await Promise.all([a.drain(), b.drain()]);
    expect(onHand(sandbox, fixture)).toEqual(now);
  }, 60_000);

  it('counts and adjustments of one product and location split over two instances, late and out of order, add up as in one', async () => {
    const scope = `split-${Date.now().toString(36)}`;
    const [a, b] = [await instance(scope), await instance(scope)];
    // counts (absolute) and adjustments over few quants, so every quant gets both from both instances
    const few: PlantFixture = { products: new Map([...fixture.products].slice(0, 4)), locations: fixture.locations };
    const events = makeEvents(few, 600, 21);
    const r = rng(8);
    // 10% arrive late: sent after the rest
    const late = events.filter(() => r() < 0.1);
    const order = [...events.filter((e) => !late.includes(e)), ...late];
    for (let i = 0; i < order.length; i += 20) {
      await Promise.all(order.slice(i, i + 20).map((e) => (r() < 0.5 ? a : b).accept(e)));
      await new Promise((res) => setTimeout(res, 5));
    }
    await Promise.all([a.drain(), b.drain()]);
    // every quant of the four products got a count, so what Odoo holds is absolute
    const touched = new Set(events.map((e) => `${e.internalRef}@${e.location}`));
    const counted = new Set(events.filter((e) => e.kind === 'count').map((e) => `${e.internalRef}@${e.location}`));
    expect([...touched].filter((k) => !counted.has(k))).toEqual([]);
    expectOnHand(new Map(), events, true);
    expect(await states(scope)).toEqual({ d: events.length });
  }, 60_000);

  it('a leader that dies after Odoo took its batch: the next leader sends the recorded batch again, nothing doubles', async () => {
    const scope = `kill-${Date.now().toString(36)}`;
    const real = targetOf();
    let hang = true;
    // the first batch reaches Odoo, then its process "dies": the answer never comes back
    const dying: StockTarget = {
      lookups: real.lookups,
      writer: { submit: async (req, o) => {
        const res = await real.writer.submit(req, o);
        if (hang) await new Promise(() => undefined);
        return res;
      } },
    };
    const events = adjustments(120, 31);
    const before = onHand(sandbox, fixture);
    const a = await instance(scope, {}, 30, dying);
    // a leads (b not yet started)
    for (let i = 0; i < 200 && !a.leading; i++) await new Promise((res) => setTimeout(res, 10));
    expect(a.leading).toBe(true);
    await Promise.all(events.map((e) => a.accept(e)));
    // until a's batch is recorded and sent
    for (let i = 0; i < 300 && !(await sql(`SELECT 1 FROM ${PREFIX}_batches WHERE scope = $1`, [scope])).length; i++) await new Promise((res) => setTimeout(res, 10));
    await new Promise((res) => setTimeout(res, 300));
    // a's database sessions end as a killed process's do (its lock with them)
    await sql(`SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objid = hashtext($1)::oid AND l.granted`, [scope]);
    hang = false;
    const b = await instance(scope);
    await b.drain(20_000);
    expect(b.leading).toBe(true);
    expectOnHand(before, events);
    expect(await states(scope)).toEqual({ d: events.length });
  }, 60_000);

  it('an event that failed (unknown product) is applied when replayed to the other instance', async () => {
    const scope = `replay-${Date.now().toString(36)}`;
    const failed: string[] = [];
    const hooks = { failed: (e: InventoryEvent) => failed.push(e.eventId) };
    const a = await instance(scope, hooks);
    const b = await instance(scope, hooks);
    const [good] = adjustments(1, 13) as [InventoryEvent];
    const bad = { ...good, eventId: 'replay-bad-1', internalRef: 'SHR-NEW' };
    expect(await a.accept(bad)).toBe('accepted');
    await a.drain();
    expect(failed).toEqual(['replay-bad-1']);
    expect(await states(scope)).toEqual({ f: 1 });
    // the product is created in Odoo, the dead letter replayed: it lands on B
    const id = sandbox.store.create('product.product', { name: 'SHR new', default_code: 'SHR-NEW', is_storable: true });
    expect(await b.accept(bad)).toBe('accepted');
    await b.drain();
    expect(await states(scope)).toEqual({ d: 1 });
    expect(onHand(sandbox, { products: new Map([['SHR-NEW', id]]), locations: fixture.locations }).get(`SHR-NEW@${bad.location}`)).toBe(bad.quantity);
  }, 60_000);

  it('events taken while the database is unreachable are refused as transient (the broker delivers them again), not lost', async () => {
    const s = await SharedStockEvents.open({ connection: PG_URL, scope: `down-${Date.now().toString(36)}`, tablePrefix: PREFIX }, targetOf, {}, {}).catch((e) => e);
    expect(s).toBeInstanceOf(SharedStockEvents);
    const [ev] = adjustments(1, 41) as [InventoryEvent];
    // the pool ends under it, as when the server goes away
    await (s as unknown as { pool: { end(): Promise<void> } }).pool.end();
    await expect((s as SharedStockEvents).accept(ev)).rejects.toMatchObject({ code: 'UNAVAILABLE', transient: true });
    await (s as SharedStockEvents).close(100);
  });
});
