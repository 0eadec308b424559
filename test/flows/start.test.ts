/**
 * `npm start` as a user runs it from a checkout, as a child process, on a free
 * port, with nothing configured: it says which systems are local stand-ins
 * (and which variables point at real ones), the editor serves the flows of
 * flows/, the SFTP stand-in holds the sample supplier files (read with the
 * package's own SFTP client, host key pinned), and the ACME sample price list
 * posted to the flow ends as vendor prices in the sandbox Odoo within 60 s of
 * the start. Then with ODOO_URL, MQTT_URL and SUPPLIER_SFTP_HOST set: no
 * stand-in starts, and the flows use the Odoo the variables name.
 *
 * The user dir and the flows folder are temp copies (NODE_RED_USER_DIR,
 * NODE_RED_FLOWS_DIR), so the checkout is not written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OdooClient } from '../../lib/odoo/client';
import { SftpConnection } from '../../lib/sftp/connection';
import { list, readAll } from '../../lib/sftp/remote';
import { startSandbox } from '../../sandbox/odoo/server';
import { seedDemo } from '../../sandbox/demo/seed';
import { startEmbeddedBroker } from '../../sandbox/plant/broker';
import { freePort, ROOT, run, tempDir, type Child } from '../helpers/child';
import { until } from '../helpers/red';

jest.setTimeout(180_000);

const CSV = fs.readFileSync(path.join(ROOT, 'mappings', 'acme-tools.price-list.sample.csv'));

function baseEnv(tmp: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), NODE_RED_USER_DIR: path.join(tmp, 'user'), NODE_RED_FLOWS_DIR: path.join(tmp, 'flows'), NODE_RED_LOG_LEVEL: 'info' };
  // nothing configured: the machine's own settings (a real Odoo, a broker) must not leak in
  for (const k of Object.keys(env)) if (/^(ODOO_|MQTT_|SUPPLIER_SFTP_|SUPPLIER_TOKEN_)/.test(k)) delete env[k];
  return env;
}

describe('npm start', () => {
  const tmp = tempDir('nr-start-');
  let child: Child | undefined;

  beforeAll(() => {
    fs.cpSync(path.join(ROOT, 'flows'), path.join(tmp.dir, 'flows'), { recursive: true });
  });
  afterEach(async () => {
    await child?.stop();
    child = undefined;
  });
  afterAll(() => tmp.remove());

  it('with nothing configured: local stand-ins, the flows deployed, the sample price list in Odoo within 60 s', async () => {
    const port = await freePort();
    const t0 = Date.now();
    child = run('npm', ['start'], { env: baseEnv(tmp.dir, port) });
    await child.waitFor(/Started flows/, 90_000);
    const log = child.log();
    for (const system of ['Odoo', 'MQTT broker', 'Supplier SFTP']) expect(log).toMatch(new RegExp(`${system}: LOCAL STAND-IN`));
    expect(log).toContain('to use a real Odoo, set ODOO_URL, ODOO_DB, ODOO_LOGIN, ODOO_API_KEY');
    expect(log).toContain('to use a real MQTT broker, set MQTT_URL');
    expect(log).toMatch(/to use a real Supplier SFTP, set SUPPLIER_SFTP_HOST/);
    expect(log).toContain(`editor at http://127.0.0.1:${port}/`);

    // the editor, with the flows of flows/ deployed
    const editor = await fetch(`http://127.0.0.1:${port}/`);
    expect(editor.status).toBe(200);
    expect(await editor.text()).toContain('Node-RED');
    const flows = (await (await fetch(`http://127.0.0.1:${port}/flows`)).json()) as Array<{ type: string; label?: string }>;
    expect(flows.filter((n) => n.type === 'tab').map((n) => n.label)).toEqual(expect.arrayContaining(['supplier-price-sync', 'po-ack-ingest', 'asn-inbound', 'invoice-inbound', 'Plant inventory', 'PO publish']));

    // the SFTP stand-in, with the package's own client and the fingerprint it printed
    const [, user, host, sftpPort, password, fingerprint] = log.match(/sftp:\/\/(\S+)@([\d.]+):(\d+) +password (\S+) .*host key (SHA256:\S+)/)!;
    const sftp = new SftpConnection({ host, port: Number(sftpPort), username: user, password, hostKey: { mode: 'fingerprint', fingerprints: [fingerprint] }, keepaliveMs: 0, connectTimeoutMs: 10_000, operationTimeoutMs: 10_000 });
    try {
      expect((await list(sftp, '/suppliers/iberia-packaging')).map((e) => e.name).sort()).toEqual(['asn', 'invoices', 'price-lists']);
    } finally {
      await sftp.close();
    }

    // with nobody doing anything, the sample files on the SFTP stand-in and the plant's events land in the seeded sandbox Odoo
    const [, url, database, login, apiKey] = log.match(/(http:\/\/127\.0\.0\.1:\d+) +database (\S+), login (\S+), API key (\S+)/)!;
    const odoo = new OdooClient({ url, database, login, secret: apiKey });
    const left = () => Math.max(1_000, 60_000 - (Date.now() - t0));
    try {
      const acme = (await odoo.searchRead('res.partner', { domain: [['ref', '=', 'ACME-TOOLS']], fields: ['id'] }))[0].id as number;
      const prices = () => odoo.searchRead('product.supplierinfo', { domain: [['partner_id', '=', acme]], fields: ['product_code', 'price', 'min_qty'] });
      let got: Awaited<ReturnType<typeof prices>> = [];
      await until(async () => (got = await prices()).length === 3, 'three ACME vendor prices from the SFTP sample, in the sandbox Odoo', left());
      expect(got.map((p) => p.product_code).sort()).toEqual(['A-1001', 'A-1002', 'A-1003']);
      expect(got.find((p) => p.product_code === 'A-1001')).toMatchObject({ price: 12.5, min_qty: 1 });
      // 2 dozen at 1.234,50 a dozen: Odoo's price is per unit
      expect(got.find((p) => p.product_code === 'A-1002')).toMatchObject({ price: 102.875, min_qty: 24 });
      // the Iberia invoice sample: a draft vendor bill
      await until(async () => (await odoo.searchRead('account.move', { domain: [['move_type', '=', 'in_invoice'], ['state', '=', 'draft']], fields: ['id'] })).length >= 1, 'a draft vendor bill from the invoice sample', left());
      // the plant simulator's events: stock on hand for its parts
      await until(async () => (await odoo.searchRead('stock.quant', { domain: [['product_id.default_code', '=like', 'PLANT-%'], ['quantity', '!=', 0]], fields: ['id'], limit: 1 })).length === 1, 'stock from the plant events', left());
      expect(Date.now() - t0).toBeLessThan(60_000);

      // a supplier's upload over HTTP, with the token printed for it: durable, then answered; applied again it changes nothing
      const token = log.match(/SUPPLIER_TOKEN_ACME_TOOLS=(\S+)/)![1];
      expect((await fetch(`http://127.0.0.1:${port}/suppliers/acme-tools/price-list`, { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: CSV })).status).toBe(401);
      const res = await fetch(`http://127.0.0.1:${port}/suppliers/acme-tools/price-list`, { method: 'POST', headers: { 'Content-Type': 'text/csv', Authorization: `Bearer ${token}` }, body: CSV });
      expect(res.status).toBe(202);
      const answer = (await res.json()) as { statusUrl: string; durable: boolean };
      expect(answer.durable).toBe(true);
      let status: { state?: string; applied?: number[] } = {};
      await until(async () => (status = (await (await fetch(answer.statusUrl, { headers: { Authorization: `Bearer ${token}` } })).json()) as typeof status).state === 'done', 'the upload done, on its status URL', 30_000);
      expect(status.applied).toEqual([2, 3, 4]);
      expect(await prices()).toHaveLength(3);
    } finally {
      odoo.close();
    }
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(await child.stop()).not.toBe(1);
  });

  it('with ODOO_URL, MQTT_URL and SUPPLIER_SFTP_HOST set: no stand-in starts, the flows use that Odoo', async () => {
    const sandbox = await startSandbox();
    // a broker of this test's own: the plant flow's persistent session must not stay behind on the machine's broker
    const broker = await startEmbeddedBroker();
    const odoo = new OdooClient({ url: sandbox.url, database: sandbox.database, login: sandbox.login, secret: sandbox.apiKey });
    try {
      await seedDemo(odoo);
      const port = await freePort();
      child = run('npm', ['start'], {
        env: {
          ...baseEnv(tmp.dir, port),
          ODOO_URL: sandbox.url,
          ODOO_DB: sandbox.database,
          ODOO_LOGIN: sandbox.login,
          ODOO_API_KEY: sandbox.apiKey,
          MQTT_URL: broker.url,
          SUPPLIER_SFTP_HOST: '127.0.0.1',
          SUPPLIER_TOKEN_ACME_TOOLS: 'acme-token-for-this-test',
        },
      });
      await child.waitFor(/Started flows/, 90_000);
      const log = child.log();
      expect(log).not.toContain('LOCAL STAND-IN');
      expect(log).toContain('Odoo: the real one (ODOO_URL is set');
      expect(log).toContain('MQTT broker: the real one (MQTT_URL is set');
      expect(log).toContain('Supplier SFTP: the real one (SUPPLIER_SFTP_HOST is set');
      const res = await fetch(`http://127.0.0.1:${port}/suppliers/acme-tools/price-list`, { method: 'POST', headers: { 'Content-Type': 'text/csv', Authorization: 'Bearer acme-token-for-this-test' }, body: CSV });
      expect(res.status).toBe(202);
      const acme = sandbox.store.search('res.partner', [['ref', '=', 'ACME-TOOLS']])[0];
      await until(() => sandbox.store.search('product.supplierinfo', [['partner_id', '=', acme]]).length === 3, 'three ACME vendor prices in the Odoo ODOO_URL names', 30_000);
    } finally {
      await child?.stop();
      child = undefined;
      odoo.close();
      await sandbox.close();
      await broker.close();
    }
  });
});
