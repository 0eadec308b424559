/**
 * Two stock-events instances in one MQTT $share group (two in-process cores,
 * each with its own journal, as two machines would have) on one PostgreSQL
 * (DEAD_LETTER_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test;
 * .ci/run starts it) and the sandbox Odoo: every event reaches both, racing,
 * and is applied once. Adjustments only, so a double apply shows in on-hand.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { PgEventClaims, StockEventsCore, type StockTarget } from '../../lib/inventory';
import { OdooClient } from '../../lib/odoo/client';
import { LookupCache } from '../../lib/odoo/lookup';
import { OdooWriter } from '../../lib/odoo/writer';
import type { InventoryEvent } from '../../lib/canonical/schemas';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { expectedQuantities, makeEvents, onHand, plantFixture, rng, type PlantFixture } from './fixtures';

const PG_URL = process.env.DEAD_LETTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TABLE = 'odoo_supply_event_claims_test';

describe('shared event claims: two instances, one PostgreSQL, one Odoo', () => {
  let sandbox: Sandbox;
  let client: OdooClient;
  let dir: string;
  let fixture: PlantFixture;
  let n = 0;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    sandbox = await startSandbox();
    fixture = plantFixture(sandbox, 'SHR', 30, ['S1', 'S2']);
    client = new OdooClient({ url: sandbox.url, database: sandbox.database, login: sandbox.login, secret: sandbox.apiKey, protocol: 'json2' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stock-claims-'));
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    client.close();
    await sandbox.close();
    fs.rmSync(dir, { recursive: true, force: true });
    const c = new Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await c.end();
  });

  /** One instance: its own journal file and writer, the shared claims table under `scope`. */
  const instance = async (scope: string, journal = `i${++n}`, hooks: Parameters<typeof StockEventsCore.open>[3] = {}, windowMs = 30) => {
    const claims = await PgEventClaims.open({ connection: PG_URL, scope, table: TABLE });
    const target: StockTarget = { writer: new OdooWriter(client, { maxSize: 200, windowMs: 20 }), lookups: new LookupCache(client) };
    const core = await StockEventsCore.open(path.join(dir, `${journal}.journal`), () => target, { windowMs, retryInitialMs: 50, retryMaxMs: 200, claims }, hooks);
    closers.push(async () => {
      await core.close();
      await claims.close();
    });
    return { core, claims };
  };
  const adjustments = (count: number, seed: number): InventoryEvent[] =>
    makeEvents(fixture, count, seed).map((e) => ({ ...e, kind: 'adjust', quantity: e.kind === 'adjust' ? e.quantity : 3 }) as InventoryEvent);
  const states = async (scope: string) => {
    const c = new Client({ connectionString: PG_URL });
    await c.connect();
    try {
      const r = await c.query(`SELECT state, count(*)::int AS n FROM ${TABLE} WHERE scope = $1 GROUP BY state`, [scope]);
      return Object.fromEntries(r.rows.map((x: { state: string; n: number }) => [x.state, x.n]));
    } finally {
      await c.end();
    }
  };

  it('every event delivered to both instances at once (and some twice) is applied exactly once', async () => {
    const scope = `race-${Date.now().toString(36)}`;
    const [a, b] = [await instance(scope), await instance(scope)];
    const events = adjustments(400, 11);
    const before = onHand(sandbox, fixture);
    const r = rng(5);
    const redelivered = events.filter(() => r() < 0.15);
    const answers = await Promise.all([
      ...events.map((e) => a.core.accept(e)),
      ...[...events].reverse().map((e) => b.core.accept(e)),
      ...redelivered.map((e) => (r() < 0.5 ? a : b).core.accept(e)),
    ]);
    // each event taken by exactly one instance
    expect(answers.filter((x) => x === 'accepted')).toHaveLength(events.length);
    expect(a.core.stats.accepted + b.core.stats.accepted).toBe(events.length);
    expect(a.core.stats.accepted).toBeGreaterThan(0);
    expect(b.core.stats.accepted).toBeGreaterThan(0);
    await Promise.all([a.core.drain(), b.core.drain()]);
    expect(a.core.stats.applied + b.core.stats.applied).toBe(events.length);
    const exp = expectedQuantities(events);
    const now = onHand(sandbox, fixture);
    for (const [k, q] of exp) expect(now.get(k)).toBeCloseTo((before.get(k) ?? 0) + q, 6);
    expect(await states(scope)).toEqual({ applied: events.length });
    // later redeliveries: duplicates on either instance, nothing moves
    expect(new Set(await Promise.all(events.slice(0, 50).map((e, i) => (i % 2 ? a : b).core.accept(e))))).toEqual(new Set(['duplicate']));
    await Promise.all([a.core.drain(), b.core.drain()]);
    expect(onHand(sandbox, fixture)).toEqual(now);
  }, 60_000);

  it('a restarted instance keeps the pending events it claimed; ones it never claimed and another took are left to that one', async () => {
    const scope = `restart-${Date.now().toString(36)}`;
    const events = adjustments(40, 12);
    const before = onHand(sandbox, fixture);
    // instance A takes 20 events and stops before its window ends (its journal keeps them pending, unapplied)
    const a = await instance(scope, 'restart-a', {}, 60_000);
    for (const e of events.slice(0, 20)) await a.core.accept(e);
    await a.core.close();
    await a.claims.close();
    expect(a.core.stats.applied).toBe(0);
    // B gets all 40 (the broker redelivers A's unacknowledged ones to B): A's claims hold, B takes the other 20
    const b = await instance(scope);
    const got = await Promise.all(events.map((e) => b.core.accept(e)));
    expect(got.filter((x) => x === 'accepted')).toHaveLength(20);
    await b.core.drain();
    // A comes back: its 20 pending events are still its own, applied once
    const a2 = await instance(scope, 'restart-a');
    await a2.core.drain();
    expect(a2.core.stats.applied).toBe(20);
    const now = onHand(sandbox, fixture);
    for (const [k, q] of expectedQuantities(events)) expect(now.get(k)).toBeCloseTo((before.get(k) ?? 0) + q, 6);
    expect(await states(scope)).toEqual({ applied: 40 });
  }, 60_000);

  it('an event that failed on one instance (unknown product) is applied when replayed to the other', async () => {
    const scope = `replay-${Date.now().toString(36)}`;
    const failed: string[] = [];
    const a = await instance(scope, undefined, { failed: (e) => failed.push(e.eventId) });
    const b = await instance(scope);
    const [good] = adjustments(1, 13) as [InventoryEvent];
    const bad = { ...good, eventId: 'replay-bad-1', internalRef: 'SHR-NEW' };
    expect(await a.core.accept(bad)).toBe('accepted');
    await a.core.drain();
    expect(failed).toEqual(['replay-bad-1']);
    expect(await states(scope)).toEqual({ failed: 1 });
    // the product is created in Odoo, the dead letter replayed: it lands on B
    const id = sandbox.store.create('product.product', { name: 'SHR new', default_code: 'SHR-NEW', is_storable: true });
    expect(await b.core.accept(bad)).toBe('accepted');
    await b.core.drain();
    expect(await states(scope)).toEqual({ applied: 1 });
    expect(onHand(sandbox, { products: new Map([['SHR-NEW', id]]), locations: fixture.locations }).get(`SHR-NEW@${bad.location}`)).toBe(bad.quantity);
  }, 60_000);
});
