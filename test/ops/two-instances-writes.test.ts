/**
 * Two Node-RED processes running flows/invoice-inbound.json as committed, on one
 * sandbox Odoo and one PostgreSQL (ODOO_SUPPLY_DATABASE_URL, the setting of
 * README "Several instances"): a supplier that sends the same invoice to both
 * at the same moment (a retry that a load balancer routes to the other
 * instance) gets one draft vendor bill, with its file attached once. Each
 * instance's writer takes the record keys' advisory locks in PostgreSQL, so
 * the second instance's "create if missing" finds the first one's bill and
 * its attachment. Odoo answers every call slowly (150 ms), so the two
 * instances' writes overlap. TWO_INSTANCES_UNSHARED=1 runs the same without
 * the setting, to see the race: there the file was attached twice (2 of 2 runs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { seedIntake } from '../../sandbox/demo/intake';
import { startSshd, type Sshd } from '../helpers/sshd';
import { startRedProcess, userDirWith, type RedProcess } from '../helpers/red-process';
import { until } from '../helpers/red';
import { PG_URL } from '../helpers/pg';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '..', '..');
const TOKEN = 'iberia-two-instances-token';

const flows = ['config', 'invoice-inbound'].flatMap((n) => JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', `${n}.json`), 'utf8')) as unknown[]);
const invoice = (number: string): string => {
  const doc = JSON.parse(fs.readFileSync(path.join(ROOT, 'mappings', 'iberia-packaging.supplier-invoice.sample.json'), 'utf8'));
  doc['Número de factura'] = number;
  return JSON.stringify(doc, null, 2);
};

let sandbox: Sandbox;
let sshd: Sshd;
const instances: Array<{ red: RedProcess; url: string; dir: string }> = [];

beforeAll(async () => {
  // PostgreSQL must answer: the shared setting is what this test is about
  const c = new Client({ connectionString: PG_URL });
  await c.connect();
  await c.end();
  sandbox = await startSandbox();
  seedIntake(sandbox.store);
  sshd = await startSshd();
  for (const side of ['a', 'b']) {
    // the flows' HTTP routes under /api, as settings.js serves them
    const dir = userDirWith(flows, { httpNodeRoot: '/api' });
    const red = await startRedProcess(dir, {
      ODOO_URL: sandbox.url,
      ODOO_DB: sandbox.database,
      ODOO_LOGIN: sandbox.login,
      ODOO_API_KEY: sandbox.apiKey,
      ...(process.env.TWO_INSTANCES_UNSHARED ? {} : { ODOO_SUPPLY_DATABASE_URL: PG_URL }),
      SUPPLIER_SFTP_HOST: sshd.host,
      SUPPLIER_SFTP_PORT: String(sshd.port),
      SUPPLIER_SFTP_USER: sshd.user,
      SUPPLIER_SFTP_FINGERPRINT: sshd.fingerprint,
      SUPPLIER_SFTP_KEY: sshd.privateKey,
      SUPPLIER_TOKEN_IBERIA_PACKAGING: TOKEN,
      SUPPLIER_TOKEN_ACME_TOOLS: `acme-${side}`,
      SUPPLIER_TOKEN_NORDIC_FASTENERS: `nordic-${side}`,
    });
    await red.waitFor(/Started flows/);
    const url = /Server now running at (http:\/\/\S+?)\/?\s/.exec(red.log())?.[1];
    if (!url) throw new Error(`instance ${side} did not say where it runs:\n${red.log().slice(-2000)}`);
    instances.push({ red, url, dir });
  }
});

afterAll(async () => {
  for (const i of instances) {
    await i.red.stop('SIGINT').catch(() => undefined);
    fs.rmSync(i.dir, { recursive: true, force: true });
  }
  await sshd?.destroy();
  await sandbox?.close();
});

async function upload(base: string, body: string): Promise<string> {
  const res = await fetch(`${base}/api/suppliers/iberia-packaging/invoice`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body });
  expect(res.status).toBe(202);
  return ((await res.json()) as { statusUrl: string }).statusUrl;
}

async function outcome(statusUrl: string): Promise<{ state: string; applied: number[]; refused: unknown[] }> {
  let last: any;
  await until(
    async () => {
      const res = await fetch(statusUrl, { headers: { Authorization: `Bearer ${TOKEN}` } });
      last = await res.json();
      return res.status === 200 && !['received', 'processing'].includes(last.state);
    },
    `upload ${statusUrl} finished (last: ${JSON.stringify(last)?.slice(0, 300)})`,
    60_000,
  );
  return last;
}

it('the same invoice sent to two instances at once is one draft bill with one attachment; five invoices, each twice', async () => {
  const s = sandbox.store;
  // the instances' calls overlap: each searches before it creates
  sandbox.inject({ latencyMs: 150 });
  const numbers = ['FV-2026-2001', 'FV-2026-2002', 'FV-2026-2003', 'FV-2026-2004', 'FV-2026-2005'];
  const statusUrls = await Promise.all(numbers.flatMap((n) => instances.map((i) => upload(i.url, invoice(n)))));
  const outcomes = await Promise.all(statusUrls.map(outcome));
  sandbox.clearFaults();
  // both instances report the invoice applied (one made the bill, the other found it)
  expect(outcomes.map((o) => o.state)).toEqual(statusUrls.map(() => 'done'));
  expect(outcomes.map((o) => o.applied)).toEqual(statusUrls.map(() => [1]));
  for (const n of numbers) {
    const bills = s.search('account.move', [['ref', '=', n]]);
    expect({ n, bills: bills.length }).toEqual({ n, bills: 1 });
    // the audit trail: the file once on the bill, however many instances attached it
    await until(() => s.search('ir.attachment', [['res_model', '=', 'account.move'], ['res_id', '=', bills[0] as number]]).length > 0, `the file of ${n} attached`, 20_000);
    expect({ n, files: s.search('ir.attachment', [['res_model', '=', 'account.move'], ['res_id', '=', bills[0] as number]]).length }).toEqual({ n, files: 1 });
  }
});
