/**
 * stock-events through the node (node-red-node-test-helper) against the
 * sandbox Odoo, and the built package in a real Node-RED: registered, its
 * editor definition and help served. Needs `npm run build` first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { helper, odooNodes, until } from '../helpers/red';
import { adminRequest, startNodeRed, type Runtime } from '../helpers/runtime';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { expectedQuantities, makeEvents, onHand, plantFixture, type PlantFixture } from '../inventory/fixtures';
import stockEventsNode = require('../../nodes/stock-events/stock-events');
import { scrape } from '../../lib/metrics';

describe('stock-events', () => {
  let sandbox: Sandbox;
  let fixture: PlantFixture;
  let dataDir: string;
  beforeAll(async () => {
    sandbox = await startSandbox();
    fixture = plantFixture(sandbox, 'NODE', 20, ['N1']);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stock-events-node-'));
    helper.settings({ odooSupplyDataDir: dataDir });
  });
  afterAll(async () => {
    helper.settings({});
    await sandbox.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
  });

  async function load(node: Record<string, unknown>, errorWired = true) {
    await helper.load([...odooNodes, stockEventsNode] as any, [
      { id: 'cfg', type: 'odoo-config', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol: 'json2', secretKind: 'apikey', timeout: 5, concurrency: 4 },
      { id: 'n1', type: 'stock-events', server: 'cfg', window: 50, wires: [['ok'], errorWired ? ['err'] : []], ...node },
      { id: 'ok', type: 'helper' },
      { id: 'err', type: 'helper' },
    ], { cfg: { secret: sandbox.apiKey } });
    const ok: any[] = [];
    const err: any[] = [];
    helper.getNode('ok').on('input', (m: any) => ok.push(m));
    helper.getNode('err').on('input', (m: any) => err.push(m));
    return { n1: helper.getNode('n1'), ok, err };
  }

  it('applies events to Odoo once, in batches: duplicates change nothing; one message per batch on output 1', async () => {
    const { n1, ok, err } = await load({});
    const events = makeEvents(fixture, 200, 11);
    for (const e of [...events, ...events.slice(0, 50)]) n1.receive({ payload: e });
    await until(() => ok.reduce((n, m) => n + m.payload.events, 0) >= events.length, 'all events applied', 15_000);
    expect(err).toEqual([]);
    expect(ok[0]).toMatchObject({ payload: { batch: 1, eventIds: expect.any(Array) }, odoo: { model: 'stock.quant' } });
    expect(Object.fromEntries(onHand(sandbox, fixture))).toEqual(Object.fromEntries(expectedQuantities(events)));
    // the metrics endpoint's numbers for this node: 250 received, 50 duplicates, 200 applied, in the batches sent
    const text = await scrape();
    const value = (left: string) => Number(text.split('\n').find((l) => l.startsWith(`${left} `))?.split(' ').pop());
    expect(value('odoo_supply_mqtt_events_total{id="n1",name="",outcome="received"}')).toBe(250);
    expect(value('odoo_supply_mqtt_events_total{id="n1",name="",outcome="duplicate"}')).toBe(50);
    expect(value('odoo_supply_mqtt_events_total{id="n1",name="",outcome="applied"}')).toBe(200);
    expect(value('odoo_supply_stock_batch_events_count{id="n1",name=""}')).toBe(ok.length);
    expect(value('odoo_supply_stock_batch_events_sum{id="n1",name=""}')).toBe(200);
  });

  it('an event Odoo cannot place leaves on output 2 with the event as payload and msg.error naming the problem', async () => {
    const { n1, err } = await load({});
    const [e] = makeEvents(fixture, 1, 12);
    n1.receive({ payload: { ...e, eventId: 'lost-product', internalRef: 'NO-SUCH-REF' } });
    n1.receive({ payload: { eventId: 'half', kind: 'count' }, correlationId: 'c-1' });
    await until(() => err.length === 2, 'two errors');
    const byId = Object.fromEntries(err.map((m) => [m.payload.eventId, m]));
    expect(byId.half.error).toMatchObject({ code: 'BAD_INPUT', transient: false, message: expect.stringContaining('not an inventory-event@1'), source: { id: 'n1', type: 'stock-events' } });
    expect(byId.half.payload).toEqual({ eventId: 'half', kind: 'count' });
    expect(byId['lost-product'].error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('"NO-SUCH-REF"') });
    expect(byId['lost-product'].correlationId).toBe('lost-product');
  });

  it('with output 2 unwired, a Catch node gets the error (done(err))', async () => {
    await helper.load([...odooNodes, stockEventsNode] as any, [
      { id: 'cfg', type: 'odoo-config', z: 'f1', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol: 'json2', secretKind: 'apikey' },
      { id: 'n1', type: 'stock-events', z: 'f1', server: 'cfg', wires: [[], []] },
      { id: 'c1', type: 'catch', z: 'f1', scope: null, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'f1' },
      { id: 'f1', type: 'tab' },
    ], { cfg: { secret: sandbox.apiKey } });
    const caught: any[] = [];
    helper.getNode('caught').on('input', (m: any) => caught.push(m));
    helper.getNode('n1').receive({ payload: { eventId: 'x' } });
    await until(() => caught.length === 1, 'caught error');
    expect(caught[0].error.message).toMatch(/not an inventory-event@1/);
  });

  it('an invalid configuration does not crash the runtime: red status, and each message fails with CONFIG', async () => {
    const { n1, err } = await load({ window: 'soon' });
    n1.receive({ payload: { a: 1 } });
    await until(() => err.length === 1, 'error message');
    expect(err[0].error).toMatchObject({ code: 'CONFIG', message: expect.stringContaining('window') });
  });
});

describe('stock-events built, in a real Node-RED', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startNodeRed();
  });
  afterAll(() => rt?.close());

  it('is registered, and its editor definition and help are served', async () => {
    const sets = await adminRequest(rt, 'GET', '/nodes', undefined, { Accept: 'application/json' });
    const set = (sets.json as any[]).find((s) => s.types.includes('stock-events'));
    expect(set).toMatchObject({ enabled: true });
    expect(set.err).toBeUndefined();
    const html = await adminRequest(rt, 'GET', '/nodes', undefined, { Accept: 'text/html' });
    expect(html.text).toMatch(/registerType\(\s*["']stock-events["']/);
    expect(html.text).toContain('data-template-name="stock-events"');
    expect(html.text).toContain('data-help-name="stock-events"');
    const catalog = await adminRequest(rt, 'GET', '/nodes/messages?lng=en-US', undefined, { Accept: 'application/json' });
    expect(catalog.json[set.id]?.['stock-events']?.label?.window).toBe('Window');
  });
});
