/**
 * The versioned flow flows/supplier-price-lists.json, run as committed in a
 * real Node-RED runtime against the sandbox Odoo: a supplier posts its CSV,
 * gets 202 with a correlation id, and its prices land in Odoo.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startSandbox, Sandbox } from '../../sandbox/odoo/server';
import { repositoryFlows, Runtime, startNodeRed } from '../helpers/runtime';
import { until } from '../helpers/red';

const CSV = fs.readFileSync(path.resolve(__dirname, '..', '..', 'mappings', 'acme-tools.price-list.sample.csv'), 'utf8');

describe('flow: supplier price lists', () => {
  let sandbox: Sandbox;
  let rt: Runtime;

  beforeAll(async () => {
    sandbox = await startSandbox();
    // what the supplier's rows refer to must exist in Odoo
    sandbox.store.create('res.partner', { name: 'ACME Tools GmbH', ref: 'ACME-TOOLS', is_company: true, supplier_rank: 1 });
    for (const code of ['FURN_1001', 'FURN_1002', 'FURN_1003']) sandbox.store.create('product.product', { name: `Product ${code}`, default_code: code });
    Object.assign(process.env, { ODOO_URL: sandbox.url, ODOO_DB: sandbox.database, ODOO_LOGIN: sandbox.login, ODOO_API_KEY: sandbox.apiKey });
    rt = await startNodeRed({}, repositoryFlows());
  }, 60_000);

  afterAll(async () => {
    await rt?.close();
    await sandbox?.close();
  });

  it('acknowledges the upload with a correlation id and upserts the valid rows into product.supplierinfo', async () => {
    const res = await fetch(`${rt.url}/api/suppliers/acme-tools/price-list`, { method: 'POST', headers: { 'Content-Type': 'text/csv', 'X-Correlation-Id': 'acme-2026-03' }, body: CSV });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: true, correlationId: 'acme-2026-03' });

    const acme = sandbox.store.search('res.partner', [['ref', '=', 'ACME-TOOLS']])[0];
    const prices = () => sandbox.store.read('product.supplierinfo', sandbox.store.search('product.supplierinfo', [['partner_id', '=', acme]]), ['product_code', 'price', 'min_qty', 'currency_id', 'date_start']);
    await until(() => prices().length === 3, 'three vendor prices in Odoo', 15_000);
    const byCode = Object.fromEntries(prices().map((p) => [p.product_code, p]));
    expect(Object.keys(byCode).sort()).toEqual(['A-1001', 'A-1002', 'A-1003']);
    expect(byCode['A-1001']).toMatchObject({ price: 12.5, min_qty: 1, currency_id: [expect.any(Number), 'EUR'], date_start: '2026-01-01' });

    // the same file again changes nothing: upsert by supplier, product, quantity and start date
    const again = await fetch(`${rt.url}/api/suppliers/acme-tools/price-list`, { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: CSV });
    expect(again.status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    expect(prices()).toHaveLength(3);
  });
});
