/**
 * odoo-changes through the node (node-red-node-test-helper) against the
 * sandbox Odoo: records sent once per version, across a redeploy; the webhook
 * route (authenticated, a hint, removed on close); and the built package in a
 * real Node-RED. Needs `npm run build` first for the last part.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { helper, odooNodes, until, withSandboxAndRuntime } from '../helpers/red';
import { adminRequest, startNodeRed, type Runtime } from '../helpers/runtime';
import odooChangesNode = require('../../nodes/odoo-changes/odoo-changes');
import { scrape } from '../../lib/metrics';
import { Client } from 'pg';
import { PgFeedStore } from '../../lib/odoo/changes-store';

let ctx: { readonly sandbox: import('../../sandbox/odoo/server').Sandbox };
let dataDir: string;
let httpNode: any;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'odoo-changes-'));
  helper.settings({ odooSupplyDataDir: dataDir });
});
afterAll(() => {
  helper.settings({});
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A test-only module that keeps the RED api's HTTP node app, where the webhook route lives. */
const keepHttpNode = (RED: any) => {
  httpNode = RED.httpNode;
  RED.nodes.registerType('keep-http', function (this: any, n: any) {
    RED.nodes.createNode(this, n);
  });
};

async function load(node: Record<string, unknown>, token?: string) {
  const sb = ctx.sandbox;
  await helper.load([...odooNodes, odooChangesNode, keepHttpNode] as any, [
    { id: 'cfg', type: 'odoo-config', url: sb.url, database: sb.database, login: sb.login, protocol: 'json2', secretKind: 'apikey', timeout: 5, concurrency: 4 },
    { id: 'n1', type: 'odoo-changes', server: 'cfg', model: 'res.partner', fields: 'name, ref', interval: 0.1, overlap: 30, start: 'beginning', wires: [['ok'], ['err']], ...node },
    { id: 'k', type: 'keep-http' },
    { id: 'ok', type: 'helper' },
    { id: 'err', type: 'helper' },
  ], { cfg: { secret: sb.apiKey }, ...(token ? { n1: { token } } : {}) });
  const ok: any[] = [];
  const err: any[] = [];
  helper.getNode('ok').on('input', (m: any) => ok.push(m));
  helper.getNode('err').on('input', (m: any) => err.push(m));
  return { n1: helper.getNode('n1'), ok, err };
}
/** POSTs to an express app (the HTTP node app) on an ephemeral port; the status it answered. */
async function post(app: any, p: string, body: unknown, headers: Record<string, string> = {}): Promise<number> {
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Connection: 'close', ...headers }, body: JSON.stringify(body) });
    await res.text();
    return res.status;
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}
const partner = (ref: string, name = ref) => ctx.sandbox.store.create('res.partner', { name, ref });

describe('odoo-changes', () => {
  ctx = withSandboxAndRuntime();
  it('sends each created or changed record once, with msg.odoo and a correlation id; a redeploy sends nothing twice', async () => {
    const a = partner('NODE-a');
    const node = { id: 'n1', domain: '[["ref", "=like", "NODE-%"]]' };
    const first = await load(node);
    await until(() => first.ok.length === 1, 'the first record');
    expect(first.ok[0]).toMatchObject({ payload: { id: a, name: 'NODE-a', ref: 'NODE-a' }, topic: `res.partner/${a}`, odoo: { model: 'res.partner', id: a, operation: 'changed', source: 'poll' } });
    expect(first.ok[0].correlationId).toMatch(/^[0-9a-f-]{36}$/);
    const b = partner('NODE-b');
    await until(() => first.ok.length === 2, 'the second record');
    await helper.unload();
    const c = partner('NODE-c');
    const again = await load(node);
    await until(() => again.ok.length === 1, 'the record made while the node was stopped');
    await new Promise((r) => setTimeout(r, 400));
    expect(first.ok.map((m) => m.payload.id)).toEqual([a, b]);
    expect(again.ok.map((m) => m.payload.id)).toEqual([c]);
    expect(again.err).toEqual([]);
    // the metrics endpoint: what this deployment handed on, and how old its cursor is
    const text = await scrape();
    const value = (left: string) => Number(text.split('\n').find((l) => l.startsWith(`${left} `))?.split(' ').pop());
    expect(value('odoo_supply_odoo_changes_emitted_total{id="n1",name="",model="res.partner"}')).toBe(1);
    const lag = value('odoo_supply_odoo_changes_cursor_lag_seconds{id="n1",name="",model="res.partner"}');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(60);
    expect(value('odoo_supply_odoo_changes_last_lag_seconds{id="n1",name="",model="res.partner"}')).toBeLessThan(60);
  });

  it('webhook: a call with the secret is a hint that sends the record at once, polling never sends it again; without the secret 401; the route goes with the node', async () => {
    const { n1, ok } = await load({ domain: '[["ref", "=like", "HOOK-%"]]', interval: 3600, start: 'now', push: true, pushPath: 'partners' }, 's3cret-token');
    await new Promise((r) => setTimeout(r, 200));
    const a = partner('HOOK-a');
    const body = { _action: 'Send Webhook Notification(#1)', _id: a, _model: 'res.partner', name: 'HOOK-a' };
    expect(await post(httpNode, '/odoo-changes/partners', body)).toBe(401);
    expect(await post(httpNode, '/odoo-changes/partners?token=wrong', body)).toBe(401);
    expect(await post(httpNode, '/odoo-changes/partners', { _model: 'res.users', _id: 2 }, { 'X-Odoo-Changes-Token': 's3cret-token' })).toBe(400);
    expect(await post(httpNode, '/odoo-changes/partners?token=s3cret-token', body)).toBe(202);
    await until(() => ok.length === 1, 'the hinted record');
    expect(ok[0]).toMatchObject({ payload: { id: a, name: 'HOOK-a' }, odoo: { source: 'push' } });
    n1.receive({});
    expect(await post(httpNode, '/odoo-changes/partners', body, { Authorization: 'Bearer s3cret-token' })).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    expect(ok).toHaveLength(1);
    const app = httpNode;
    await helper.unload();
    expect(await post(app, '/odoo-changes/partners?token=s3cret-token', body)).toBe(404);
  });

  it('an Odoo that fails polls: one error on output 2 while it keeps failing, structured; the poll after it sends what changed', async () => {
    ctx.sandbox.inject({ model: 'res.partner', method: 'search_read', httpStatus: 503, times: 4 });
    const a = partner('FAIL-a');
    const { ok, err } = await load({ domain: '[["ref", "=like", "FAIL-%"]]' });
    await until(() => ok.length === 1, 'the record after the failed polls');
    expect(err).toHaveLength(1);
    expect(err[0].error).toMatchObject({ transient: true, source: { id: 'n1', type: 'odoo-changes' } });
    expect(err[0].correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok[0].payload.id).toBe(a);
  });

  it('several instances (ODOO_SUPPLY_DATABASE_URL): stands by while another instance leads, takes over from the shared cursor', async () => {
    const url = process.env.DEAD_LETTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const clear = async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      await c.query(`DELETE FROM odoo_supply_feed_state WHERE scope = 'n1'`).catch(() => undefined);
      await c.end();
    };
    // the other instance: it leads the feed of node n1
    const other = await PgFeedStore.tryLead({ connection: url, scope: 'n1' });
    expect(other).toBeDefined();
    await clear();
    process.env.ODOO_SUPPLY_DATABASE_URL = url;
    try {
      const a = partner('SHN-a');
      const node = { id: 'n1', domain: '[["ref", "=like", "SHN-%"]]' };
      const standby = await load(node);
      await new Promise((r) => setTimeout(r, 700));
      expect(standby.ok).toEqual([]);
      await other?.close(); // the leader goes away
      await until(() => standby.ok.length === 1, 'the record, once this instance leads', 15_000);
      expect(standby.ok[0].payload.id).toBe(a);
      await helper.unload();
      // a restart (or another instance taking over) reads the cursor from PostgreSQL: a is not sent again
      const b = partner('SHN-b');
      const again = await load(node);
      await until(() => again.ok.length === 1, 'the record made meanwhile', 15_000);
      await new Promise((r) => setTimeout(r, 400));
      expect(again.ok.map((m) => m.payload.id)).toEqual([b]);
      expect(again.err).toEqual([]);
      await helper.unload();
    } finally {
      delete process.env.ODOO_SUPPLY_DATABASE_URL;
      await other?.close();
      await clear();
    }
  }, 40_000);

  it('an invalid configuration does not crash the runtime: red status, each message fails with CONFIG', async () => {
    await helper.load([...odooNodes, odooChangesNode] as any, [
      { id: 'n1', type: 'odoo-changes', z: 'f1', model: 'Not A Model', wires: [[], []] },
      { id: 'c1', type: 'catch', z: 'f1', scope: null, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'f1' },
      { id: 'f1', type: 'tab' },
    ]);
    const caught: any[] = [];
    helper.getNode('caught').on('input', (m: any) => caught.push(m));
    helper.getNode('n1').receive({ payload: {} });
    await until(() => caught.length === 1, 'caught error');
    expect(caught[0].error.message).toMatch(/notConfigured|not configured/);
  });
});

describe('odoo-changes built, in a real Node-RED', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startNodeRed();
  });
  afterAll(() => rt?.close());

  it('is registered, and its editor definition and help are served', async () => {
    const sets = await adminRequest(rt, 'GET', '/nodes', undefined, { Accept: 'application/json' });
    const set = (sets.json as any[]).find((s) => s.types.includes('odoo-changes'));
    expect(set).toMatchObject({ enabled: true });
    expect(set.err).toBeUndefined();
    const html = await adminRequest(rt, 'GET', '/nodes', undefined, { Accept: 'text/html' });
    expect(html.text).toMatch(/registerType\(\s*["']odoo-changes["']/);
    expect(html.text).toContain('data-template-name="odoo-changes"');
    expect(html.text).toContain('data-help-name="odoo-changes"');
    const catalog = await adminRequest(rt, 'GET', '/nodes/messages?lng=en-US', undefined, { Accept: 'application/json' });
    expect(catalog.json[set.id]?.['odoo-changes']?.label?.overlap).toBe('Overlap (s)');
  });
});
