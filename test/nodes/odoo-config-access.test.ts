/**
 * Check access (GET odoo-config/:id/access): for the nodes deployed on one
 * server, Odoo is asked, as the configured user, whether it may do what they
 * need, and a refused right names the groups that would grant it. Against the
 * sandbox (19.0 and 17.0) and, when ODOO_URL, ODOO_API_KEY (admin) and
 * ODOO_INTEGRATION_API_KEY are set, a real Odoo whose `integration` user is
 * stripped of Products / Create for the test (and given it back) by the admin.
 */
import { helper } from '../helpers/red';
import configNode = require('../../nodes/odoo-config/odoo-config');
import readNode = require('../../nodes/odoo-read/odoo-read');
import writeNode = require('../../nodes/odoo-write/odoo-write');
import mapNode = require('../../nodes/canonical-map/canonical-map');
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { OdooClient } from '../../lib/odoo/client';
import type { AccessReport } from '../../lib/odoo/access';

jest.setTimeout(60_000);

const PRODUCTS_CREATE = 'product.group_product_manager';

function flows(url: string, database: string, login: string, secret: string) {
  return {
    flow: [
      { id: 'cfg', type: 'odoo-config', url, database, login, protocol: 'auto', secretKind: 'apikey', timeout: 20, concurrency: 4 },
      { id: 'plan', type: 'canonical-map', name: 'to vendor prices', direction: 'to-odoo', schema: 'supplier-price@1', server: 'cfg', output: 'grouped', cacheTtl: '300', wires: [[], []] },
      { id: 'apply', type: 'odoo-write', name: 'apply each message', server: 'cfg', operation: 'msg', batchSize: '200', batchWindow: '50', wires: [[], []] },
      { id: 'products', type: 'odoo-write', name: 'new products', server: 'cfg', operation: 'create', model: 'product.template', batchSize: '200', batchWindow: '50', wires: [[], []] },
      { id: 'partners', type: 'odoo-read', name: 'suppliers', server: 'cfg', operation: 'search_read', model: 'res.partner', domain: '[]', domainType: 'json', wires: [[], []] },
      { id: 'off', d: true, type: 'odoo-write', name: 'disabled', server: 'cfg', operation: 'unlink', model: 'res.partner', wires: [[], []] },
    ],
    credentials: { cfg: { secret } },
  };
}

const refused = (r: AccessReport) => r.checks.filter((c) => !c.allowed).map((c) => ({ model: c.model, operation: c.operation, groups: c.groups, by: c.by.map((b) => b.id) }));

async function report(): Promise<AccessReport> {
  const res = await helper.request().get('/odoo-config/cfg/access');
  expect(res.status).toBe(200);
  return res.body as AccessReport;
}

beforeEach((done) => {
  helper.startServer(done);
});
afterEach(async () => {
  await helper.unload();
  await new Promise<void>((r) => helper.stopServer(() => r()));
});

describe.each(['19.0', '17.0'])('Check access on the sandbox %s as its integration user', (serverVersion) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ serverVersion });
  });
  afterAll(() => sandbox.close());

  const deploy = async () => {
    const u = sandbox.users[0]!;
    const { flow, credentials } = flows(sandbox.url, sandbox.database, u.login, u.apiKey);
    await helper.load([configNode, readNode, writeNode, mapNode] as any, flow, credentials);
  };

  it('finds every right the deployed nodes need granted, and says which nodes it cannot check', async () => {
    await deploy();
    const r = await report();
    expect(refused(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.serverVersion).toBe(serverVersion);
    const asked = r.checks.map((c) => `${c.model}:${c.operation}`);
    expect(asked).toEqual(expect.arrayContaining(['product.supplierinfo:create', 'product.supplierinfo:write', 'product.template:create', 'res.partner:read']));
    // the disabled node's unlink is not asked
    expect(asked).not.toContain('res.partner:unlink');
    // res.partner read is needed by two nodes, asked once
    expect(r.checks.find((c) => c.model === 'res.partner' && c.operation === 'read')!.by.map((b) => b.id).sort()).toEqual(['partners', 'plan']);
    expect(r.unchecked).toEqual([expect.objectContaining({ id: 'apply', reason: expect.stringMatching(/each message/) })]);
  });

  it('names Products/Create for vendor prices and new products when the user lacks it', async () => {
    const u = sandbox.users[0]!;
    const before = [...u.groups];
    u.groups = u.groups.filter((g) => g !== PRODUCTS_CREATE);
    try {
      await deploy();
      const r = await report();
      expect(r.ok).toBe(false);
      expect(refused(r)).toEqual([
        { model: 'product.supplierinfo', operation: 'create', groups: expect.arrayContaining(['Products/Create']), by: ['plan'] },
        { model: 'product.supplierinfo', operation: 'write', groups: expect.arrayContaining(['Products/Create']), by: ['plan'] },
        { model: 'product.template', operation: 'create', groups: expect.arrayContaining(['Products/Create']), by: ['products'] },
      ]);
    } finally {
      u.groups = before;
    }
  });
});

it('answers 404 for a server that is not deployed', async () => {
  await helper.load([configNode] as any, []);
  const res = await helper.request().get('/odoo-config/nope/access');
  expect(res.status).toBe(404);
  expect(res.body.error.message).toMatch(/deploy/);
});

// against a real Odoo only (ODOO_URL, ODOO_API_KEY and ODOO_INTEGRATION_API_KEY, as real-odoo-up.sh prints them), like the contract suite; without them these tests are not registered (the sandbox cases above cover the same paths)
const real = process.env.ODOO_URL && process.env.ODOO_API_KEY && process.env.ODOO_INTEGRATION_API_KEY ? describe : ((() => undefined) as unknown as typeof describe);
real('Check access on the real Odoo at ODOO_URL as its integration user', () => {
  const env = process.env as Record<string, string>;
  let admin: OdooClient;
  beforeAll(() => {
    admin = new OdooClient({ url: env.ODOO_URL, database: env.ODOO_DB, login: env.ODOO_LOGIN ?? 'admin', secret: env.ODOO_API_KEY });
  });
  afterAll(() => admin.close());

  it('names the missing group when the admin strips the user of Products / Create, and nothing once it is given back', async () => {
    const login = env.ODOO_INTEGRATION_LOGIN ?? 'integration';
    const v = await admin.version();
    const [xid] = await admin.searchRead('ir.model.data', { domain: [['module', '=', 'product'], ['name', '=', 'group_product_manager']], fields: ['res_id'] });
    const [user] = await admin.searchRead('res.users', { domain: [['login', '=', login]], fields: [v.fields.userGroups] });
    const group = xid!.res_id as number;
    const had = (user![v.fields.userGroups] as number[]).includes(group);
    const { flow, credentials } = flows(env.ODOO_URL, env.ODOO_DB, login, env.ODOO_INTEGRATION_API_KEY);
    await helper.load([configNode, readNode, writeNode, mapNode] as any, flow, credentials);
    // the window other users of this server see the stripped user is kept to the one report
    await admin.write('res.users', [user!.id as number], { [v.fields.userGroups]: [[3, group]] });
    let stripped: AccessReport;
    try {
      stripped = await report();
    } finally {
      if (had) await admin.write('res.users', [user!.id as number], { [v.fields.userGroups]: [[4, group]] });
    }
    expect(refused(stripped)).toEqual(
      expect.arrayContaining([
        { model: 'product.supplierinfo', operation: 'create', groups: expect.arrayContaining(['Products/Create']), by: ['plan'] },
        { model: 'product.template', operation: 'create', groups: expect.arrayContaining(['Products/Create']), by: ['products'] },
      ]),
    );
    if (had) expect(refused(await report())).toEqual([]);
  });
});
