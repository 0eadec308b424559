import http from 'node:http';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { executeKw, json2 } from './helpers';

// The benchmark pages 50,000 records and creates 2,000 one by one: the sandbox
// must not be the bottleneck. Bounds are loose enough for a busy CI box.
let sb: Sandbox;
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

beforeAll(async () => {
  sb = await startSandbox();
  for (let batch = 0; batch < 50; batch++) {
    const vals = Array.from({ length: 1000 }, (_, i) => ({ name: `Bench ${batch}-${i}`, default_code: `BN-${batch * 1000 + i}`, list_price: i % 97 }));
    const res = await json2(sb, 'product.product', 'create', { vals_list: vals }, { agent });
    expect(res.status).toBe(200);
  }
}, 60_000);
afterAll(async () => {
  agent.destroy();
  await sb.close();
});

it('pages through 50k records with limit/offset, every page once', async () => {
  const times: number[] = [];
  let total = 0;
  for (let offset = 0; ; offset += 1000) {
    const t = process.hrtime.bigint();
    const res = await json2(sb, 'product.product', 'search_read', { domain: [], fields: ['name', 'default_code', 'list_price'], order: 'id', limit: 1000, offset }, { agent });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    expect(res.status).toBe(200);
    total += res.json.length;
    if (res.json.length < 1000) break;
  }
  expect(total).toBe(50_020);
  // how fast is for `npm run bench -- odoo-read`; here: every page arrived, none lost or repeated
  expect(times).toHaveLength(51);
}, 60_000);

it('pages with the default product order and a domain', async () => {
  const first = await json2(sb, 'product.product', 'search_read', { domain: [['default_code', '=like', 'BN-%']], fields: ['default_code'], limit: 500 }, { agent });
  expect(first.json[0].default_code).toBe('BN-0');
  const seen = new Set<string>(first.json.map((r: { default_code: string }) => r.default_code));
  for (let offset = 500; offset < 10_000; offset += 500) {
    const page = await json2(sb, 'product.product', 'search_read', { domain: [['default_code', '=like', 'BN-%']], fields: ['default_code'], limit: 500, offset }, { agent });
    for (const r of page.json as Array<{ default_code: string }>) seen.add(r.default_code);
  }
  expect(seen.size).toBe(10_000);
}, 60_000);

it('handles 2,000 single creates', async () => {
  for (let i = 0; i < 2000; i++) {
    const res = await json2(sb, 'res.partner', 'create', { vals_list: [{ name: `Single ${i}`, ref: `S-${i}` }] }, { agent });
    expect(res.status).toBe(200);
  }
  expect(sb.store.search('res.partner', [['ref', '=like', 'S-%']])).toHaveLength(2000);
}, 60_000);

it('XML-RPC search_read of 1,000 records', async () => {
  const rows = await executeKw(sb, 'product.product', 'search_read', [[['default_code', '=like', 'BN-%']]], { fields: ['name', 'list_price'], limit: 1000, order: 'id' });
  expect(rows).toHaveLength(1000);
  expect(new Set(rows.map((r: { id: number }) => r.id)).size).toBe(1000);
});
