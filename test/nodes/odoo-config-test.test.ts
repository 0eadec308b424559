/**
 * The editor's "Test connection" (POST /odoo-config/test) never sends a
 * deployed node's secret anywhere but the server it was stored for, and never
 * reads environment variables named in the request body.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { helper, odooNodes } from '../helpers/red';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';

let sandbox: Sandbox;
let trap: http.Server;
let trapUrl: string;
/** Everything the foreign server received: paths, headers and bodies. */
let seen: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  trap = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)} ${body}`);
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
  trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => trap.close(() => r()));
  await sandbox.close();
});
beforeEach((done) => {
  seen = [];
  helper.startServer(done);
});
afterEach(async () => {
  await helper.unload();
  await new Promise<void>((r) => helper.stopServer(() => r()));
  delete process.env.ZZT_CONFIG_TEST_SECRET;
  delete process.env.ZZT_CONFIG_TEST_URL;
});

const deploy = (protocol: 'json2' | 'xmlrpc') =>
  helper.load(
    odooNodes as any,
    [{ id: 'cfg', type: 'odoo-config', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol, secretKind: 'apikey', timeout: 5, concurrency: 2 }],
    { cfg: { secret: sandbox.apiKey } },
  );

const test = async (body: Record<string, unknown>) => (await helper.request().post('/odoo-config/test').send(body)).body as { ok: boolean; error?: { message: string; code: string }; protocol?: string };

describe.each(['json2', 'xmlrpc'] as const)('POST /odoo-config/test over %s', (protocol) => {
  it('uses the stored secret for the server, database and login it was deployed with', async () => {
    await deploy(protocol);
    const answer = await test({ id: 'cfg', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol, secretKind: 'apikey', secret: '__PWRD__' });
    expect(answer).toMatchObject({ ok: true, protocol });
  });

  it('refuses to send the stored secret to another URL, and says to type it', async () => {
    await deploy(protocol);
    const answer = await test({ id: 'cfg', url: trapUrl, database: sandbox.database, login: sandbox.login, protocol, secretKind: 'apikey', secret: '__PWRD__' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'CONFIG' } });
    expect(answer.error?.message).toMatch(/stored secret is only sent to the URL, database and login it was saved with/);
    expect(seen.join('\n')).not.toContain(sandbox.apiKey);
    expect(seen).toEqual([]);
  });

  it('refuses the stored secret for another database or login too', async () => {
    await deploy(protocol);
    for (const change of [{ database: 'other' }, { login: 'someone' }]) {
      const answer = await test({ id: 'cfg', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol, secretKind: 'apikey', ...change });
      expect(answer).toMatchObject({ ok: false, error: { code: 'CONFIG' } });
    }
  });

  it('never expands environment variables named in the request', async () => {
    await deploy(protocol);
    process.env.ZZT_CONFIG_TEST_SECRET = 'env-value-9876543210';
    const answer = await test({ id: 'cfg', url: `${trapUrl}/\${ZZT_CONFIG_TEST_SECRET}`, database: 'x', login: 'x', protocol, secret: 'typed' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'CONFIG' } });
    expect(answer.error?.message).toMatch(/url: environment variables are read only for the deployed configuration/);
    expect(seen.join('\n')).not.toContain('env-value-9876543210');
    expect(seen).toEqual([]);
  });

  it('a deployed ${VAR} URL (which Node-RED replaces before the node starts) is the same URL: the stored secret is used', async () => {
    process.env.ZZT_CONFIG_TEST_URL = sandbox.url;
    await helper.load(
      odooNodes as any,
      [{ id: 'cfg', type: 'odoo-config', url: '${ZZT_CONFIG_TEST_URL}', database: sandbox.database, login: sandbox.login, protocol, secretKind: 'apikey', timeout: 5, concurrency: 2 }],
      { cfg: { secret: sandbox.apiKey } },
    );
    const answer = await test({ id: 'cfg', url: '${ZZT_CONFIG_TEST_URL}', database: sandbox.database, login: sandbox.login, protocol, secretKind: 'apikey', secret: '__PWRD__' });
    expect(answer).toMatchObject({ ok: true, protocol });
    // another variable is another URL, even when it is not set
    expect(await test({ id: 'cfg', url: '${ZZT_CONFIG_TEST_OTHER}', database: sandbox.database, login: sandbox.login, protocol, secret: '__PWRD__' })).toMatchObject({ ok: false, error: { code: 'CONFIG' } });
  });

  it('tests typed values with a typed secret anywhere', async () => {
    await deploy(protocol);
    const answer = await test({ id: 'cfg', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol, secretKind: 'apikey', secret: 'a-typed-wrong-key' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'AUTH' } });
  });
});
