/**
 * 2,000 product records, each its own message, through odoo-write in create
 * mode, against a baseline of 100 more written the way today's Node-RED Odoo
 * nodes do it: a fresh XML-RPC login and one create call per message.
 */
import xmlrpc from 'xmlrpc';
import { OdooClient } from '../lib/odoo/client';
import { OdooWriter } from '../lib/odoo/writer';
import { benchTarget } from './target';
import { loadNodes } from './nodes';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 2000);
const BASELINE_RECORDS = Number(process.env.BENCH_BASELINE_RECORDS ?? 100);

function call(client: ReturnType<typeof xmlrpc.createClient>, method: string, params: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => client.methodCall(method, params, (err: unknown, v: unknown) => (err ? reject(err) : resolve(v))));
}

/** What node-red-contrib-odoo-xmlrpc does per message: log in, create one record. */
async function baseline(t: { url: string; database: string; login: string; secret: string }, prefix: string): Promise<number> {
  const u = new URL(t.url);
  const opts = { host: u.hostname, port: Number(u.port) || 80 };
  const start = process.hrtime.bigint();
  for (let i = 0; i < BASELINE_RECORDS; i++) {
    const common = xmlrpc.createClient({ ...opts, path: '/xmlrpc/2/common' });
    const uid = await call(common, 'authenticate', [t.database, t.login, t.secret, {}]);
    const object = xmlrpc.createClient({ ...opts, path: '/xmlrpc/2/object' });
    await call(object, 'execute_kw', [t.database, uid, t.secret, 'product.product', 'create', [[{ name: `${prefix} baseline ${i}`, default_code: `${prefix}-B${i}`, list_price: i }]], {}]);
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function run(): Promise<Record<string, number>> {
  const target = await benchTarget();
  const prefix = `BENCH-${Date.now().toString(36)}`;
  const nodes = await loadNodes(target, { type: 'odoo-write', operation: 'create', model: 'product.product', batchSize: 500, batchWindow: 20 });
  try {
    const start = process.hrtime.bigint();
    for (let i = 0; i < RECORDS; i++) nodes.input.receive({ payload: { name: `${prefix} product ${i}`, default_code: `${prefix}-${i}`, list_price: i } });
    await nodes.waitFor(RECORDS);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (nodes.errors() > 0) throw new Error(`${nodes.errors()} records failed`);
    const calls = nodes.calls();
    // the same records as plain `create` (no idempotency key, so no external ids): what exactly-once costs, same run
    const plainSeconds = await plainCreates(target, prefix);
    const baselineSeconds = await baseline(target, prefix);
    const rate = RECORDS / seconds;
    const baselineRate = BASELINE_RECORDS / baselineSeconds;
    return {
      records: RECORDS,
      seconds: round(seconds),
      records_per_s: round(rate),
      calls,
      plain_create_records_per_s: round(RECORDS / plainSeconds),
      vs_plain_create: round(rate / (RECORDS / plainSeconds)),
      baseline_records_per_s: round(baselineRate),
      ratio: round(rate / baselineRate),
    };
  } finally {
    await nodes.close();
    if (target.real) await cleanup(target, prefix);
    target.stop();
  }
}

async function plainCreates(t: { url: string; database: string; login: string; secret: string; secretKind: 'apikey' | 'password' }, prefix: string): Promise<number> {
  const client = new OdooClient({ url: t.url, database: t.database, login: t.login, secret: t.secret, secretKind: t.secretKind });
  const writer = new OdooWriter(client, { maxSize: 500, windowMs: 20 });
  try {
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: RECORDS }, (_x, i) => writer.submit({ operation: 'create', model: 'product.product', record: { name: `${prefix} plain ${i}`, default_code: `${prefix}-P${i}`, list_price: i } })));
    return Number(process.hrtime.bigint() - start) / 1e9;
  } finally {
    client.close();
  }
}

async function cleanup(t: { url: string; database: string; login: string; secret: string }, prefix: string): Promise<void> {
  const client = new OdooClient({ url: t.url, database: t.database, login: t.login, secret: t.secret });
  for (;;) {
    const ids = await client.search('product.product', { domain: [['default_code', '=like', `${prefix}-%`]], limit: 1000 });
    if (!ids.length) break;
    await client.unlink('product.product', ids);
  }
  client.close();
}

const round = (n: number) => Math.round(n * 100) / 100;
