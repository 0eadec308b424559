/**
 * The API key's expiry, read as the configured user: in the node status of the
 * Odoo nodes (a warning some days ahead) and in the metrics. Sandbox 19.0 and
 * 17.0 (whose keys never expire), and a real Odoo when ODOO_URL, ODOO_API_KEY
 * (admin) and ODOO_INTEGRATION_API_KEY are set.
 */
import { helper, until } from '../helpers/red';
import configNode = require('../../nodes/odoo-config/odoo-config');
import readNode = require('../../nodes/odoo-read/odoo-read');
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { OdooClient } from '../../lib/odoo/client';
import { apiKeyExpiry } from '../../lib/odoo/api-key';
import { scrape } from '../../lib/metrics';

jest.setTimeout(30_000);

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 19).replace('T', ' ');

describe('API key expiry on the sandbox', () => {
  let sandbox: Sandbox;
  let old: Sandbox;
  const clients: OdooClient[] = [];
  const client = (sb: Sandbox, who: 'admin' | 'integration') => {
    const u = sb.users[0]!;
    const c = new OdooClient({ url: sb.url, database: sb.database, login: who === 'admin' ? sb.login : u.login, secret: who === 'admin' ? sb.apiKey : u.apiKey });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    sandbox = await startSandbox({ users: [{ login: 'integration', password: 'integration-pw-1', apiKey: 'sandbox-integration-key-not-secret', groups: ['base.group_user'], apiKeyExpires: inDays(5.5) }] });
    old = await startSandbox({ serverVersion: '17.0' });
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await sandbox.close();
    await old.close();
  });

  it('reads the own key of a non-admin user on 19, and says that the admin key and 17 keys never expire', async () => {
    expect(await apiKeyExpiry(client(sandbox, 'integration'))).toMatchObject({ state: 'expires', daysLeft: 5, keys: 1 });
    // the admin sees every user's keys, and is told about its own only
    expect(await apiKeyExpiry(client(sandbox, 'admin'))).toMatchObject({ state: 'never', keys: 1 });
    expect(await apiKeyExpiry(client(old, 'integration'))).toMatchObject({ state: 'never', reason: expect.stringMatching(/Odoo 17 API keys have no expiry/) });
  });

  describe('in the nodes', () => {
    beforeEach((done) => {
      helper.startServer(done);
    });
    afterEach(async () => {
      await helper.unload();
      await new Promise<void>((r) => helper.stopServer(() => r()));
    });

    const deploy = (keyWarnDays: number | '') => {
      const u = sandbox.users[0]!;
      return helper.load([configNode, readNode] as any, [
        { id: 'kcfg', type: 'odoo-config', name: 'expiring', url: sandbox.url, database: sandbox.database, login: u.login, protocol: 'auto', secretKind: 'apikey', keyWarnDays },
        { id: 'kread', type: 'odoo-read', server: 'kcfg', operation: 'search_read', model: 'res.partner', wires: [[], []] },
      ], { kcfg: { secret: u.apiKey } });
    };
    const statuses = () => {
      const seen: Array<{ fill?: string; text?: string }> = [];
      const n = helper.getNode('kread');
      const status = n.status.bind(n);
      n.status = (s: { fill?: string; text?: string }) => {
        seen.push(s);
        status(s);
      };
      return seen;
    };

    it('warns in the status of the nodes using the server within the warning days, and scrapes the days left', async () => {
      await deploy('');
      const seen = statuses();
      await until(() => seen.some((s) => /key \d+ d/.test(s.text ?? '')), 'the key in the status');
      // 5.5 days left, warned from 14 days (the default)
      expect(seen.find((s) => /key/.test(s.text ?? ''))).toEqual({ fill: 'yellow', shape: 'ring', text: 'json2 · Odoo 19.0 · key 5 d' });
      const line = (await scrape()).split('\n').find((l) => l.startsWith('odoo_supply_api_key_days_left{server="kcfg"'));
      expect(line).toBeDefined();
      expect(Number(line!.split(' ').pop())).toBeCloseTo(5.5, 1);
    });

    it('stays green with the days left when the expiry is further off than the warning', async () => {
      await deploy(3);
      const seen = statuses();
      await until(() => seen.some((s) => /key \d+ d/.test(s.text ?? '')), 'the key in the status');
      expect(seen.find((s) => /key/.test(s.text ?? ''))).toMatchObject({ fill: 'green', text: 'json2 · Odoo 19.0 · key 5 d' });
    });
  });
});

// against a real Odoo only (ODOO_URL, ODOO_API_KEY and ODOO_INTEGRATION_API_KEY, as real-odoo-up.sh prints them), like the contract suite; without them these tests are not registered (the sandbox cases above cover the same paths)
const real = process.env.ODOO_URL && process.env.ODOO_API_KEY && process.env.ODOO_INTEGRATION_API_KEY ? describe : ((() => undefined) as unknown as typeof describe);
real('API key expiry on the real Odoo at ODOO_URL', () => {
  it('reads the integration user key expiry (at most 90 days ahead) and finds the admin key without one', async () => {
    const env = process.env as Record<string, string>;
    const integration = new OdooClient({ url: env.ODOO_URL, database: env.ODOO_DB, login: env.ODOO_INTEGRATION_LOGIN ?? 'integration', secret: env.ODOO_INTEGRATION_API_KEY });
    const admin = new OdooClient({ url: env.ODOO_URL, database: env.ODOO_DB, login: env.ODOO_LOGIN ?? 'admin', secret: env.ODOO_API_KEY });
    try {
      const k = await apiKeyExpiry(integration);
      expect(k).toMatchObject({ state: 'expires', keys: expect.any(Number) });
      expect(k.daysLeft).toBeGreaterThanOrEqual(0);
      expect(k.daysLeft).toBeLessThanOrEqual(90);
      const [row] = await admin.searchRead('res.users.apikeys', { domain: [['user_id.login', '=', env.ODOO_INTEGRATION_LOGIN ?? 'integration']], fields: ['expiration_date'], order: 'expiration_date asc' });
      expect(k.expiresAt).toBe(new Date(`${String(row!.expiration_date).replace(' ', 'T')}Z`).toISOString());
      expect((await apiKeyExpiry(admin)).state).toMatch(/never|expires/);
    } finally {
      integration.close();
      admin.close();
    }
  });
});
