/**
 * The metrics endpoint (GET <admin root>/odoo-supply/metrics) of a real
 * Node-RED runtime with admin authentication: refused without a token, and
 * after messages flowed through odoo-write into the sandbox Odoo and a
 * dead-letter store, its numbers are the ones the flow made.
 */
import bcrypt from 'bcryptjs';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { adminRequest, startNodeRed, type Runtime } from '../helpers/runtime';

jest.setTimeout(60_000);

const KEY_ENV = 'ZZT_METRICS_ODOO_KEY';
const PASSWORD = 'metrics-test-pw';
const SCRAPER_TOKEN = 'scraper-token-for-tests-only';

/** `name{labels} value` lines of a Prometheus text scrape, as a lookup by the line's left part. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('metrics endpoint', () => {
  let sandbox: Sandbox;
  let rt: Runtime;

  beforeAll(async () => {
    sandbox = await startSandbox();
    process.env[KEY_ENV] = sandbox.apiKey;
    rt = await startNodeRed(
      {
        adminAuth: {
          type: 'credentials',
          users: [{ username: 'ops', password: bcrypt.hashSync(PASSWORD, 8), permissions: 'read' }],
          // a Prometheus scraper's static bearer token (Node-RED's adminAuth.tokens), read permission only
          tokens: (token: string) => Promise.resolve(token === SCRAPER_TOKEN ? { username: 'prometheus', permissions: 'read' } : null),
        },
      },
      [
        { id: 'tab', type: 'tab', label: 'metrics' },
        { id: 'cfg', type: 'odoo-config', name: 'sandbox', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol: 'auto', secretKind: 'apikey', timeout: 10, concurrency: 2, secretEnv: KEY_ENV },
        { id: 'in-ok', z: 'tab', type: 'http in', url: '/partner', method: 'post', wires: [['w-ok']] },
        { id: 'w-ok', z: 'tab', type: 'odoo-write', name: 'partners', server: 'cfg', operation: 'create', model: 'res.partner', batchSize: 200, batchWindow: 5, wires: [['res'], ['res']] },
        { id: 'in-bad', z: 'tab', type: 'http in', url: '/bad', method: 'post', wires: [['w-bad']] },
        { id: 'w-bad', z: 'tab', type: 'odoo-write', name: 'bad partners', server: 'cfg', operation: 'create', model: 'res.partner', batchSize: 200, batchWindow: 5, wires: [['res'], ['dl', 'res']] },
        { id: 'dl', z: 'tab', type: 'dead-letter', name: 'parked', store: 'local', wires: [[]] },
        { id: 'gate', z: 'tab', type: 'retry-gate', name: 'retries', wires: [[], []] },
        { id: 'res', z: 'tab', type: 'http response', statusCode: '200', headers: {}, wires: [] },
      ],
    );
  });

  afterAll(async () => {
    await rt?.close();
    await sandbox?.close();
    delete process.env[KEY_ENV];
  });

  it('is refused without a token, and counts what flowed with one', async () => {
    expect((await adminRequest(rt, 'GET', '/odoo-supply/metrics')).status).toBe(401);

    for (const name of ['Metrics A', 'Metrics B', 'Metrics C']) {
      expect((await fetch(`${rt.url}/api/partner`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) })).status).toBe(200);
    }
    await fetch(`${rt.url}/api/bad`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'x', no_such_field: 1 }) });
    // what the user sees in Odoo: three partners
    expect(sandbox.store.search('res.partner', [['name', 'like', 'Metrics ']]).length).toBe(3);

    expect((await adminRequest(rt, 'GET', '/odoo-supply/metrics', undefined, { Authorization: 'Bearer wrong-token' })).status).toBe(401);
    const auth = { Authorization: `Bearer ${SCRAPER_TOKEN}` };
    // the dead letter is written asynchronously: scrape until it is there
    let scraped = await adminRequest(rt, 'GET', '/odoo-supply/metrics', undefined, auth);
    for (let i = 0; i < 50 && !scraped.text.includes('odoo_supply_dead_letter_depth{'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      scraped = await adminRequest(rt, 'GET', '/odoo-supply/metrics', undefined, auth);
    }
    expect(scraped.status).toBe(200);
    const m = samples(scraped.text);
    expect(m.get('odoo_supply_messages_total{type="odoo-write",id="w-ok",name="partners",outcome="in"}')).toBe(3);
    expect(m.get('odoo_supply_messages_total{type="odoo-write",id="w-ok",name="partners",outcome="ok"}')).toBe(3);
    expect(m.get('odoo_supply_messages_total{type="odoo-write",id="w-ok",name="partners",outcome="error"}')).toBeUndefined();
    expect(m.get('odoo_supply_messages_total{type="odoo-write",id="w-bad",name="bad partners",outcome="in"}')).toBe(1);
    expect(m.get('odoo_supply_messages_total{type="odoo-write",id="w-bad",name="bad partners",outcome="error"}')).toBe(1);
    expect(m.get('odoo_supply_messages_total{type="dead-letter",id="dl",name="parked",outcome="ok"}')).toBe(1);
    // one write call per message (each waited for its answer: create, or load with the message's idempotency key), the bad one failed
    const calls = (outcome: string) => ['create', 'load'].reduce((n, method) => n + (m.get(`odoo_supply_odoo_call_seconds_count{model="res.partner",method="${method}",outcome="${outcome}"}`) ?? 0), 0);
    expect(calls('ok')).toBe(3);
    expect(calls('error')).toBe(1);
    expect(m.get('odoo_supply_odoo_call_seconds_sum{model="res.partner",method="load",outcome="ok"}')).toBeGreaterThan(0);
    expect(m.get('odoo_supply_write_batch_records_sum{model="res.partner",operation="create"}')).toBe(4);
    expect(m.get('odoo_supply_dead_letter_depth{id="dl",name="parked",source="bad partners"}')).toBe(1);
    expect(m.get('odoo_supply_dead_letter_depth_by_code{id="dl",name="parked",code="UNKNOWN_FIELD"}')).toBe(1);
    expect(m.get('odoo_supply_retries_pending{id="gate",name="retries"}')).toBe(0);
    expect(m.get('odoo_supply_circuit_state{id="gate",name="retries"}')).toBe(0);
    expect(scraped.text).toMatch(/# TYPE odoo_supply_odoo_call_seconds histogram/);

    // the operations page's endpoint: the same numbers, per flow tab, behind the same permission
    expect((await adminRequest(rt, 'GET', '/odoo-supply/operations')).status).toBe(401);
    const ops = await adminRequest(rt, 'GET', '/odoo-supply/operations', undefined, auth);
    expect(ops.status).toBe(200);
    // in: 3 + 1 (odoo-write) + 1 (dead-letter); ok: 3 + 1; error: 1
    expect(ops.json.flows).toEqual([expect.objectContaining({ flow: 'tab', nodes: 3, in: 5, ok: 4, error: 1, errorRate: 0.2 })]);
    expect(ops.json.retries).toEqual([{ id: 'gate', name: 'retries', flow: 'tab', pending: 0, circuit: 'closed' }]);
    expect(ops.json.deadLetters).toEqual([{ id: 'dl', name: 'parked', flow: 'tab', depth: 1, bySource: { 'bad partners': 1 } }]);
  });
});
