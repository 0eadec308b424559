/**
 * Every operation of odoo-read and odoo-write, through the nodes, over both
 * protocols, against the sandbox Odoo (records checked in its store).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { PgKeyLock } from '../../lib/odoo/key-lock';
import { writerOf } from '../../lib/odoo/writer';
import type { Sandbox } from '../../sandbox/odoo/server';
import { helper, load, ServerConfig, until, withSandboxAndRuntime } from '../helpers/red';

const ctx = withSandboxAndRuntime();
let sandbox: Sandbox;
beforeAll(() => {
  sandbox = ctx.sandbox;
});

const PROTOCOLS: Array<'json2' | 'xmlrpc'> = ['json2', 'xmlrpc'];
const serverFor = (protocol: 'json2' | 'xmlrpc'): ServerConfig => ({ url: sandbox.url, database: sandbox.database, login: sandbox.login, secret: sandbox.apiKey, protocol });

describe.each(PROTOCOLS)('odoo-read over %s', (protocol) => {
  it('search_read returns the matching records in one message, many2one as [id, name]', async () => {
    const { n1, captured } = await load(serverFor(protocol), { type: 'odoo-read', operation: 'search_read', model: 'product.supplierinfo', domain: '[["price", ">", 0]]', domainType: 'json', fields: 'partner_id,price,product_code', order: 'id asc' });
    n1.receive({ payload: null, correlationId: 'c-1' });
    await until(() => captured.ok.length === 1, 'result');
    const msg = captured.ok[0]!;
    const expected = sandbox.store.search('product.supplierinfo', [['price', '>', 0]]).sort((a, b) => a - b);
    expect(msg.payload.map((r: any) => r.id)).toEqual(expected);
    expect(msg.payload[0].partner_id).toEqual([expect.any(Number), expect.any(String)]);
    expect(msg.correlationId).toBe('c-1');
    expect(msg.odoo).toMatchObject({ model: 'product.supplierinfo', operation: 'search_read', count: expected.length });
  });

  it('takes the domain from msg and pages: one message per page, the last one marked', async () => {
    const total = sandbox.store.count('product.product', []);
    const { n1, captured } = await load(serverFor(protocol), { type: 'odoo-read', operation: 'search_read', model: 'product.product', domain: 'domain', domainType: 'msg', fields: 'default_code', pageSize: 4, output: 'page' });
    n1.receive({ domain: [] });
    await until(() => captured.ok.some((m) => m.odoo.last), 'last page');
    expect(captured.ok).toHaveLength(Math.ceil(total / 4));
    expect(captured.ok.flatMap((m) => m.payload).length).toBe(total);
    expect(captured.ok.map((m) => m.odoo.page)).toEqual(captured.ok.map((_m, i) => i));
  });

  it('one message per record', async () => {
    const ids = sandbox.store.search('res.partner', [['supplier_rank', '>', 0]]).sort((a, b) => a - b);
    const { n1, captured } = await load(serverFor(protocol), { type: 'odoo-read', operation: 'search_read', model: 'res.partner', domain: '[["supplier_rank", ">", 0]]', fields: 'name,ref', pageSize: 2, output: 'record' });
    n1.receive({});
    await until(() => captured.ok.some((m) => m.odoo.last), 'last record');
    expect(captured.ok.map((m) => m.payload.id)).toEqual(ids);
    expect(captured.ok.map((m) => m.odoo.index)).toEqual(ids.map((_x, i) => i));
  });

  it('read by ids, search, search_count, name_search, read_group, fields_get', async () => {
    const ids = sandbox.store.search('res.partner', [['supplier_rank', '>', 0]]);
    const ask = async (node: Record<string, unknown>, payload: unknown) => {
      const { n1, captured } = await load(serverFor(protocol), { type: 'odoo-read', model: 'res.partner', ...node });
      n1.receive({ payload });
      await until(() => captured.ok.length + captured.err.length === 1, String(node.operation));
      await helper.unload();
      expect(captured.err).toEqual([]);
      return captured.ok[0]!.payload;
    };
    expect((await ask({ operation: 'read', fields: 'name' }, ids.slice(0, 2))).map((r: any) => r.id)).toEqual(ids.slice(0, 2));
    expect(await ask({ operation: 'search', domain: '[["supplier_rank", ">", 0]]' }, null)).toEqual(ids);
    expect(await ask({ operation: 'search_count', domain: '[["supplier_rank", ">", 0]]' }, null)).toBe(ids.length);
    const first = sandbox.store.read('res.partner', [ids[0]!], ['name'])[0]!;
    const found = await ask({ operation: 'name_search', limit: 5 }, String(first.name));
    expect(found[0]).toEqual([ids[0], first.name]);
    const groups = await ask({ operation: 'read_group', domain: '[["supplier_rank", ">", 0]]', groupby: 'is_company', aggregates: '__count' }, null);
    expect(groups.reduce((n: number, g: any) => n + g.__count, 0)).toBe(ids.length);
    const fields = await ask({ operation: 'fields_get' }, null);
    expect(fields.name).toMatchObject({ type: 'char' });
  });
});

describe.each(PROTOCOLS)('odoo-write over %s', (protocol) => {
  it('creates one record per message, batched into few calls, each message gets its own id', async () => {
    sandbox.resetStats();
    const { n1, captured } = await load(serverFor(protocol), { type: 'odoo-write', operation: 'create', model: 'res.partner', batchSize: 100, batchWindow: 30 });
    for (let i = 0; i < 40; i++) n1.receive({ payload: { name: `Batch partner ${protocol} ${i}`, ref: `BP-${protocol}-${i}` }, seq: i });
    await until(() => captured.ok.length === 40, '40 results');
    for (const m of captured.ok) {
      const [rec] = sandbox.store.read('res.partner', [m.odoo.ids], ['name']);
      expect(rec!.name).toBe(`Batch partner ${protocol} ${m.seq}`);
    }
    // every message carries its id, so the creates go through load with external ids: replays cannot double
    expect(sandbox.stats.byMethod['res.partner.load']).toBeLessThanOrEqual(2);
    expect(sandbox.stats.byMethod['res.partner.create']).toBeUndefined();
  });

  it('an array with one bad record: the good ones land, the bad one leaves on the error output untouched', async () => {
    const { n1, captured } = await load(serverFor(protocol), { type: 'odoo-write', operation: 'create', model: 'product.supplierinfo', batchWindow: 5 });
    const partner = sandbox.store.search('res.partner', [['supplier_rank', '>', 0]])[0]!;
    const product = sandbox.store.search('product.product', [])[0]!;
    const rows = Array.from({ length: 6 }, (_x, i) => (i === 3 ? { product_id: product, price: 9 } : { partner_id: partner, product_id: product, price: 100 + i, product_code: `ARR-${protocol}-${i}` }));
    n1.receive({ payload: rows });
    await until(() => captured.ok.length === 1 && captured.err.length === 1, 'split result');
    expect(captured.ok[0]!.payload).toHaveLength(5);
    expect(captured.ok[0]!.odoo.rows).toEqual([1, 2, 3, 5, 6]);
    expect(sandbox.store.search('product.supplierinfo', [['product_code', '=like', `ARR-${protocol}-%`]])).toHaveLength(5);
    const err = captured.err[0]!;
    expect(err.payload).toEqual([rows[3]]);
    expect(err.error).toMatchObject({ code: 'VALIDATION', transient: false, source: { id: 'n1', type: 'odoo-write' } });
    expect(err.error.details.failures[0]).toMatchObject({ row: 4 });
  });

  it('write by id and unlink', async () => {
    const [id] = [sandbox.store.create('res.partner', { name: `To change ${protocol}` })];
    let t = await load(serverFor(protocol), { type: 'odoo-write', operation: 'write', model: 'res.partner', batchWindow: 5 });
    t.n1.receive({ payload: { id, email: 'new@example.com' } });
    await until(() => t.captured.ok.length === 1, 'write');
    expect(sandbox.store.read('res.partner', [id!], ['email'])[0]!.email).toBe('new@example.com');
    await helper.unload();
    t = await load(serverFor(protocol), { type: 'odoo-write', operation: 'unlink', model: 'res.partner', batchWindow: 5 });
    t.n1.receive({ payload: { id } });
    await until(() => t.captured.ok.length === 1, 'unlink');
    expect(sandbox.store.search('res.partner', [['id', '=', id]])).toEqual([]);
  });

  it('upserts by business key: creates new, updates changed, leaves unchanged alone', async () => {
    const code = `UPS-${protocol}`;
    sandbox.store.create('product.product', { name: 'Existing', default_code: `${code}-1`, list_price: 5 });
    sandbox.store.create('product.product', { name: 'Same', default_code: `${code}-2`, list_price: 7 });
    sandbox.resetStats();
    const { n1, captured } = await load(serverFor(protocol), { type: 'odoo-write', operation: 'upsert', model: 'product.product', keyFields: 'default_code', batchWindow: 20 });
    n1.receive({ payload: [
      { default_code: `${code}-1`, name: 'Existing', list_price: 6 },
      { default_code: `${code}-2`, name: 'Same', list_price: 7 },
      { default_code: `${code}-3`, name: 'Brand new', list_price: 1 },
    ] });
    await until(() => captured.ok.length === 1, 'upsert');
    expect(captured.ok[0]!.odoo.actions).toEqual(['updated', 'unchanged', 'created']);
    const rows = sandbox.store.read('product.product', sandbox.store.search('product.product', [['default_code', '=like', `${code}-%`]]), ['default_code', 'list_price']);
    expect(Object.fromEntries(rows.map((r) => [r.default_code, r.list_price]))).toEqual({ [`${code}-1`]: 6, [`${code}-2`]: 7, [`${code}-3`]: 1 });
    expect(sandbox.stats.byMethod['product.product.search_read']).toBe(1);
    // new keys are created with an external id made from the key: two writers cannot both create it
    expect(sandbox.stats.byMethod['product.product.load']).toBe(1);
    expect(sandbox.stats.byMethod['product.product.write']).toBe(1);
  });

  it('upserts by external id with load', async () => {
    const xid = `__import__.node_test_${protocol}`;
    const { n1, captured } = await load(serverFor(protocol), { type: 'odoo-write', operation: 'upsert_xid', model: 'res.partner', batchWindow: 5 });
    n1.receive({ payload: { xid, name: 'Loaded once', ref: `XID-${protocol}` } });
    await until(() => captured.ok.length === 1, 'first load');
    n1.receive({ payload: { xid, name: 'Loaded twice', ref: `XID-${protocol}` } });
    await until(() => captured.ok.length === 2, 'second load');
    expect(captured.ok[1]!.odoo.ids).toBe(captured.ok[0]!.odoo.ids);
    expect(sandbox.store.read('res.partner', [captured.ok[0]!.odoo.ids], ['name'])[0]!.name).toBe('Loaded twice');
  });

  it('records still queued when the flow is redeployed are written before the connection closes', async () => {
    const { n1 } = await load(serverFor(protocol), { type: 'odoo-write', operation: 'create', model: 'res.partner', batchWindow: 2000 });
    n1.receive({ payload: { name: `Queued at redeploy ${protocol}` } });
    await new Promise((r) => setTimeout(r, 20));
    await helper.unload();
    expect(sandbox.store.search('res.partner', [['name', '=', `Queued at redeploy ${protocol}`]])).toHaveLength(1);
  });

  it('calls a model method (button_confirm) on the ids in the payload', async () => {
    const draft = sandbox.store.search('purchase.order', [['state', '=', 'draft']])[0]!;
    const { n1, captured } = await load(serverFor(protocol), { type: 'odoo-write', operation: 'call', model: 'purchase.order', method: 'button_confirm' });
    n1.receive({ payload: { ids: [draft] } });
    await until(() => captured.ok.length === 1, 'call');
    expect(sandbox.store.read('purchase.order', [draft], ['state'])[0]!.state).toBe('purchase');
  });
});

describe('bad input never crashes and says what is wrong', () => {
  const expectError = async (node: Record<string, unknown>, msg: Record<string, unknown>, server: ServerConfig, code: string, transient: boolean, message?: RegExp) => {
    const { n1, captured } = await load(server, node);
    const statuses: any[] = [];
    n1.on('call:status', (call: any) => statuses.push(call.args[0]));
    n1.receive(msg);
    await until(() => captured.err.length === 1, `${code} error`);
    const err = captured.err[0]!;
    expect(err.error).toMatchObject({ code, transient, source: { id: 'n1' } });
    if (message) expect(err.error.message).toMatch(message);
    expect(err.payload).toEqual(msg.payload);
    await until(() => statuses.some((s) => s.fill === 'red' && s.shape === 'ring'), 'red ring');
    expect(captured.ok).toEqual([]);
    return err;
  };

  it.each(PROTOCOLS)('malformed domain (%s)', (protocol) =>
    expectError({ type: 'odoo-read', model: 'res.partner', domain: '[["name", "=="]]' }, { payload: 1 }, serverFor(protocol), 'BAD_INPUT', false, /domain term 1 must have 3 parts/));

  it.each(PROTOCOLS)('unknown model (%s)', (protocol) => expectError({ type: 'odoo-read', model: 'no.such.model' }, { payload: 1 }, serverFor(protocol), 'UNKNOWN_MODEL', false));

  it.each(PROTOCOLS)('unknown field (%s)', (protocol) =>
    expectError({ type: 'odoo-write', operation: 'create', model: 'res.partner', batchWindow: 1 }, { payload: { name: 'x', bogus_field: 1 } }, serverFor(protocol), 'UNKNOWN_FIELD', false, /bogus_field/));

  it.each(PROTOCOLS)('wrong credentials (%s)', (protocol) =>
    expectError({ type: 'odoo-read', model: 'res.partner' }, { payload: 1 }, { ...serverFor(protocol), secret: 'wrong-key' }, 'AUTH', false));

  it.each(PROTOCOLS)('unreachable server (%s)', async (protocol) => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expectError({ type: 'odoo-read', model: 'res.partner' }, { payload: 1 }, { ...serverFor(protocol), url: `http://127.0.0.1:${port}` }, 'NETWORK', true);
  });

  it.each(PROTOCOLS)('a URL that is not Odoo (%s)', async (protocol) => {
    const web = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>Welcome to our shop</body></html>');
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    try {
      await expectError({ type: 'odoo-read', model: 'res.partner' }, { payload: 1 }, { ...serverFor(protocol), url: `http://127.0.0.1:${(web.address() as AddressInfo).port}` }, 'NOT_ODOO', false, /Odoo/);
    } finally {
      web.close();
    }
  });

  it.each([
    ['a string', 'hello'],
    ['a number', 42],
    ['null', null],
  ])('a payload that is %s', (_what, payload) =>
    expectError({ type: 'odoo-write', operation: 'create', model: 'res.partner' }, { payload }, serverFor('json2'), 'BAD_INPUT', false, /msg.payload must be a record/));

  it('an array holding a non-object row names the row', async () => {
    const err = await expectError({ type: 'odoo-write', operation: 'create', model: 'res.partner', batchWindow: 1 }, { payload: ['oops'] }, serverFor('json2'), 'BAD_INPUT', false);
    expect(err.error.details.failures[0]).toMatchObject({ row: 1, code: 'BAD_INPUT' });
  });

  it.each([
    [503, 'UNAVAILABLE'],
    [502, 'UNAVAILABLE'],
    [429, 'RATE_LIMITED'],
  ])('HTTP %s from a proxy is transient', (httpStatus, code) => {
    sandbox.inject({ model: 'res.partner', httpStatus });
    return expectError({ type: 'odoo-write', operation: 'create', model: 'res.partner', batchWindow: 1 }, { payload: { name: 'x' } }, serverFor('json2'), code, true);
  });

  it.each(PROTOCOLS)('a serialization failure is transient (%s)', (protocol) => {
    sandbox.inject({ model: 'res.partner', method: 'load', serializationFailure: true });
    return expectError({ type: 'odoo-write', operation: 'create', model: 'res.partner', batchWindow: 1 }, { payload: { name: 'x' } }, serverFor(protocol), 'CONCURRENCY', true);
  });

  it('a dropped connection is transient', () => {
    sandbox.inject({ model: 'res.partner', drop: true });
    return expectError({ type: 'odoo-write', operation: 'create', model: 'res.partner', batchWindow: 1 }, { payload: { name: 'x' } }, serverFor('json2'), 'NETWORK', true);
  });

  it('a server slower than the timeout is a transient TIMEOUT', () => {
    sandbox.inject({ model: 'res.partner', latencyMs: 1500 });
    return expectError({ type: 'odoo-read', model: 'res.partner' }, { payload: 1 }, { ...serverFor('json2'), timeout: 0.3 }, 'TIMEOUT', true);
  });

  it('with no error output wired, done(err) reaches Catch nodes instead', async () => {
    const { n1 } = await load(serverFor('json2'), { type: 'odoo-read', model: 'no.such.model' }, false);
    const errors: any[] = [];
    n1.on('call:error', (call: any) => errors.push(call.args));
    n1.receive({ payload: 1 });
    await until(() => errors.length === 1, 'node.error');
    expect(String(errors[0][0])).toMatch(/no\.such\.model/);
  });

  it('an invalid node configuration is reported at deploy, and messages get a CONFIG error', async () => {
    const { n1, captured } = await load(serverFor('json2'), { type: 'odoo-write', operation: 'upsert', model: 'res.partner' });
    n1.receive({ payload: { name: 'x' } });
    await until(() => captured.err.length === 1, 'config error');
    expect(captured.err[0]!.error).toMatchObject({ code: 'CONFIG', transient: false });
  });
});

describe('odoo-write on several instances (ODOO_SUPPLY_DATABASE_URL)', () => {
  const PG_URL = process.env.DEAD_LETTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const backendAlive = async (pid: number) => {
    const c = new Client({ connectionString: PG_URL });
    await c.connect();
    try {
      return (await c.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 1;
    } finally {
      await c.end();
    }
  };

  it("the server's writer takes its keys in PostgreSQL; closing the server ends that connection", async () => {
    process.env.ODOO_SUPPLY_DATABASE_URL = PG_URL;
    try {
      const { n1, captured } = await load(serverFor('json2'), { type: 'odoo-write', operation: 'upsert', model: 'res.partner', keyFields: 'ref', batchWindow: 5 });
      n1.receive({ payload: { ref: 'KL-NODE-1', name: 'Through the node' } });
      await until(() => captured.ok.length + captured.err.length === 1, 'the write');
      expect(captured.err).toEqual([]);
      expect(sandbox.store.search('res.partner', [['ref', '=', 'KL-NODE-1']])).toHaveLength(1);
      const lock = writerOf(helper.getNode('cfg').client()).sharedLock as PgKeyLock;
      const pid = lock.backendPid as number;
      expect(await backendAlive(pid)).toBe(true);
      await helper.unload();
      await until(async () => !(await backendAlive(pid)), 'the lock connection to end');
    } finally {
      delete process.env.ODOO_SUPPLY_DATABASE_URL;
    }
  });
});
