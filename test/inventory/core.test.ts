/**
 * lib/inventory against the sandbox Odoo: what the quants hold after
 * duplicates, late counts and adjustments, Odoo outages, restarts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planQuant, StockEventsCore, type BatchSummary, type StockTarget } from '../../lib/inventory';
import { OdooClient } from '../../lib/odoo/client';
import { LookupCache } from '../../lib/odoo/lookup';
import { OdooWriter } from '../../lib/odoo/writer';
import type { InventoryEvent } from '../../lib/canonical/schemas';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { expectedQuantities, makeEvents, onHand, plantFixture, rng, type PlantFixture } from './fixtures';

describe('planQuant: counts are absolute, adjustments deltas, whatever the order', () => {
  const ev = (eventId: string, kind: 'count' | 'adjust', quantity: number, at: number) => ({ eventId, kind, quantity, at });

  it('a late count older than the applied one changes nothing; a late adjustment inside a newer count is absorbed', () => {
    const first = planQuant(undefined, [ev('c2', 'count', 50, 20), ev('a3', 'adjust', 5, 30)]);
    expect(first.operation).toEqual({ kind: 'set', quantity: 55 });
    const late = planQuant(first.state, [ev('c1', 'count', 10, 10), ev('a1', 'adjust', 7, 15)]);
    expect(late.operation).toEqual({ kind: 'none' });
    expect(late.absorbed.sort()).toEqual(['a1', 'c1']);
  });

  it('a count that happened before adjustments already applied is set with them on top', () => {
    const adjusted = planQuant(undefined, [ev('a2', 'adjust', 4, 20), ev('a3', 'adjust', -1, 30)]);
    expect(adjusted.operation).toEqual({ kind: 'adjust', delta: 3 });
    const count = planQuant(adjusted.state, [ev('c1', 'count', 100, 25)]);
    // a2 happened before the count (it is in it), a3 after: 100 - 1
    expect(count.operation).toEqual({ kind: 'set', quantity: 99 });
  });

  it('any order and any split into batches ends at the same quantity', () => {
    const r = rng(7);
    const events = Array.from({ length: 60 }, (_x, i) => ev(`e${i}`, r() < 0.25 ? 'count' : 'adjust', Math.floor(r() * 40) + 1, Math.floor(r() * 1000)));
    const reference = [...events].sort((a, b) => a.at - b.at || (a.eventId < b.eventId ? -1 : 1)).reduce((q, e) => (e.kind === 'count' ? e.quantity : q + e.quantity), 0);
    for (let trial = 0; trial < 50; trial++) {
      const shuffled = [...events].sort(() => r() - 0.5);
      let state: ReturnType<typeof planQuant>['state'] | undefined;
      let onHandQty = 0;
      for (let i = 0; i < shuffled.length; ) {
        const size = 1 + Math.floor(r() * 10);
        const plan = planQuant(state, shuffled.slice(i, i + size));
        if (plan.operation.kind === 'set') onHandQty = plan.operation.quantity;
        if (plan.operation.kind === 'adjust') onHandQty += plan.operation.delta;
        state = plan.state;
        i += size;
      }
      expect(Math.round(onHandQty * 1e6) / 1e6).toBe(reference);
    }
  });
});

describe('StockEventsCore against the sandbox Odoo', () => {
  let sandbox: Sandbox;
  let client: OdooClient;
  let dir: string;
  let fixture: PlantFixture;
  const cores: StockEventsCore[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox();
    fixture = plantFixture(sandbox, 'INV', 40, ['S1', 'S2']);
    client = new OdooClient({ url: sandbox.url, database: sandbox.database, login: sandbox.login, secret: sandbox.apiKey, protocol: 'json2' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stock-events-'));
  });
  afterAll(async () => {
    for (const c of cores) await c.close();
    client.close();
    await sandbox.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => sandbox.clearFaults());

  // a fresh writer per core: the same as a restarted process
  const open = async (name: string, hooks: Parameters<typeof StockEventsCore.open>[3] = {}, options: Parameters<typeof StockEventsCore.open>[2] = {}) => {
    const target: StockTarget = { writer: new OdooWriter(client, { maxSize: 200, windowMs: 20 }), lookups: new LookupCache(client) };
    const core = await StockEventsCore.open(path.join(dir, `${name}.journal`), () => target, { windowMs: 50, retryInitialMs: 50, retryMaxMs: 200, ...options }, hooks);
    cores.push(core);
    return core;
  };

  it('duplicates and out-of-order events end in the right on-hand quantity, in a few Odoo calls', async () => {
    const events = makeEvents(fixture, 600, 1);
    const r = rng(2);
    // 10% sent twice, the whole stream shuffled in windows of 40
    const sent = [...events, ...events.filter(() => r() < 0.1)];
    for (let i = 0; i < sent.length; i += 40) sent.splice(i, 40, ...sent.slice(i, i + 40).sort(() => r() - 0.5));
    const batches: BatchSummary[] = [];
    const core = await open('mixed', { applied: (s) => batches.push(s) }, { windowMs: 100 });
    sandbox.resetStats();
    const answers = await Promise.all(sent.map((e) => core.accept(e)));
    expect(answers.filter((a) => a === 'duplicate')).toHaveLength(sent.length - events.length);
    await core.drain();
    expect(core.backlog).toBe(0);
    expect(Object.fromEntries(onHand(sandbox, fixture))).toEqual(Object.fromEntries(expectedQuantities(events)));
    expect(batches.reduce((n, b) => n + b.events, 0)).toBe(events.length);
    expect(sandbox.stats.calls).toBeLessThanOrEqual(events.length / 20);
    // the same events again, later: all duplicates, nothing moves
    const before = onHand(sandbox, fixture);
    expect(new Set(await Promise.all(events.map((e) => core.accept(e))))).toEqual(new Set(['duplicate']));
    await core.drain();
    expect(onHand(sandbox, fixture)).toEqual(before);
  });

  it('events Odoo cannot take leave one by one with the reason; the others are applied', async () => {
    const failed: Array<{ event: InventoryEvent; code: string; message: string }> = [];
    const core = await open('unknown', { failed: (event, error) => failed.push({ event, code: error.code, message: error.message }) });
    const good = makeEvents(fixture, 20, 3);
    const bad = { ...(good[0] as InventoryEvent), eventId: 'bad-1', internalRef: 'NOPE-404' };
    const badLoc = { ...(good[1] as InventoryEvent), eventId: 'bad-2', location: 'NOWHERE' };
    const before = onHand(sandbox, fixture);
    for (const e of [...good, bad, badLoc]) await core.accept(e);
    await expect(core.accept({ eventId: 'x' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('not an inventory-event@1') });
    await core.drain();
    expect(failed.map((f) => [f.event.eventId, f.code])).toEqual([['bad-1', 'BAD_INPUT'], ['bad-2', 'BAD_INPUT']]);
    expect(failed[0]?.message).toMatch(/internal reference "NOPE-404"/);
    expect(failed[1]?.message).toMatch(/location "NOWHERE"/);
    const exp = expectedQuantities(good);
    for (const [k, q] of exp) {
      const wasCounted = good.some((e) => `${e.internalRef}@${e.location}` === k && e.kind === 'count');
      expect(onHand(sandbox, fixture).get(k)).toBeCloseTo(wasCounted ? q : (before.get(k) ?? 0) + q, 6);
    }
    // a failed event is taken again when it comes back (retry-gate, dead-letter replay)
    expect(await core.accept(bad)).toBe('accepted');
  });

  it('Odoo down: the recorded batch is sent again, the same, until Odoo takes it; nothing doubles', async () => {
    const f2 = plantFixture(sandbox, 'OUT', 10, ['S3']);
    const events = makeEvents(f2, 200, 4).map((e) => ({ ...e, kind: 'adjust' as const, quantity: Math.abs(e.quantity) || 1 }));
    // the answer of validating the transfers is lost twice (applied, then the socket dies), then Odoo is down once
    sandbox.inject({ model: 'stock.picking', method: 'button_validate', loseAnswer: 'drop', times: 2 });
    sandbox.inject({ model: 'stock.picking', httpStatus: 503, times: 1, skip: 2 });
    const core = await open('outage');
    for (const e of events) await core.accept(e);
    const end = Date.now() + 15_000;
    while (core.backlog && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(core.backlog).toBe(0);
    expect(core.stats.retries).toBeGreaterThanOrEqual(2);
    expect(Object.fromEntries(onHand(sandbox, f2))).toEqual(Object.fromEntries(expectedQuantities(events)));
  });

  it('a restart resends the batch recorded before it, with the same keys, then the events not yet batched', async () => {
    const f3 = plantFixture(sandbox, 'RST', 10, ['S4']);
    // adjustments, and at the end counts that happened before all of them (late): each count plus every adjustment is the answer
    const adjusts = makeEvents(f3, 290, 5).map((e) => ({ ...e, kind: 'adjust' as const, quantity: Math.abs(e.quantity) || 1 }));
    const lateCounts = makeEvents(f3, 10, 6, Date.UTC(2025, 0, 1)).map((e) => ({ ...e, kind: 'count' as const, quantity: 1000 }));
    const events = [...adjusts, ...lateCounts];
    const file = 'restart';
    // Odoo is slow: the first batch is in flight when the process stops
    sandbox.inject({ model: 'stock.picking', method: 'button_validate', latencyMs: 600, times: 2 });
    sandbox.inject({ model: 'stock.quant', method: 'action_apply_inventory', latencyMs: 600, times: 2 });
    const a = await open(file, {}, { windowMs: 20, maxBatchEvents: 100 });
    await Promise.all(events.slice(0, 250).map((e) => a.accept(e)));
    await new Promise((r) => setTimeout(r, 100));
    await a.close(0); // gone without recording Odoo's answer
    await new Promise((r) => setTimeout(r, 1000)); // meanwhile Odoo applies what the first process sent
    const b = await open(file, {}, { windowMs: 20, maxBatchEvents: 100 });
    expect(b.backlog).toBeGreaterThan(0);
    // the publisher sends everything again (it never knew what arrived) and the rest
    const answers = await Promise.all(events.map((e) => b.accept(e)));
    expect(answers.filter((x) => x === 'accepted')).toHaveLength(50);
    await b.drain();
    expect(b.backlog).toBe(0);
    expect(Object.fromEntries(onHand(sandbox, f3))).toEqual(Object.fromEntries(expectedQuantities(events)));
  });
});
