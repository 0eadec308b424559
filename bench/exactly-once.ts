/**
 * Every write operation odoo-write offers, through a fault proxy that forwards
 * each request to Odoo and then drops or holds back a share of the answers
 * ("applied, answer lost"), with stock adjustments from two writers (two
 * Node-RED instances) while receipts are validated in Odoo. Every failed write
 * is replayed as a retry node would (only when `retryVerdict` allows it);
 * then what is in Odoo is counted.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IntegrationError, retryVerdict } from '../lib/errors';
import { OdooClient } from '../lib/odoo/client';
import { OdooWriter, WriteRequest } from '../lib/odoo/writer';
import { benchTarget } from './target';

const OPS = Number(process.env.BENCH_OPERATIONS ?? 400);
const LOSE_SHARE = Number(process.env.BENCH_LOSE_SHARE ?? 0.2);

/** Forwards every request; loses the answer of a share of the model calls that change data. */
async function faultProxy(target: string, timeoutMs: number): Promise<{ url: string; lost: () => number; close: () => Promise<void> }> {
  let lost = 0;
  let n = 0;
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const method = /^\/json\/2\/[^/]+\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? /<string>(create|write|unlink|load|button_validate|action_confirm|action_apply_inventory|action_keep_counted_quantity)<\/string>/.exec(text)?.[1];
      const changes = method !== undefined && /^(create|write|unlink|load|button_validate|action_confirm|action_apply_inventory|action_keep_counted_quantity)$/.test(method);
      // deterministic: every k-th changing call loses its answer, alternately dropped and held past the timeout
      const lose = changes && ++n % Math.round(1 / LOSE_SHARE) === 0 ? (n % 2 ? 'drop' : 'delay') : undefined;
      const fwd = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, agent }, (up) => {
        const parts: Buffer[] = [];
        up.on('data', (c: Buffer) => parts.push(c));
        up.on('end', () => {
          if (lose) {
            lost++;
            if (lose === 'drop') req.socket.destroy();
            else setTimeout(() => req.socket.destroy(), timeoutMs + 200).unref();
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(parts));
        });
      });
      fwd.on('error', () => req.socket.destroy());
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lost: () => lost,
    close: () =>
      new Promise<void>((r) => {
        agent.destroy();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export async function run(): Promise<Record<string, number>> {
  const target = await benchTarget();
  const timeoutMs = target.real ? 8000 : 1500;
  const proxy = await faultProxy(target.url, timeoutMs);
  const base = { database: target.database, login: target.login, secret: target.secret, secretKind: target.secretKind } as const;
  const direct = new OdooClient({ ...base, url: target.url });
  const viaProxy = () => new OdooClient({ ...base, url: proxy.url, timeoutMs });
  const clientA = viaProxy();
  const clientB = viaProxy();
  const writers = [new OdooWriter(clientA, { maxSize: 50, windowMs: 10 }), new OdooWriter(clientB, { maxSize: 50, windowMs: 10 })];
  const tag = `EXO${Date.now().toString(36)}`;
  try {
    // master data, written directly, in this Odoo version's field names
    const v = (await direct.version()).fields;
    const products = await direct.create('product.product', Array.from({ length: 4 }, (_x, i) => ({ name: `${tag} stock ${i}`, default_code: `${tag}-S${i}`, ...v.storableProduct })));
    const [stock] = await direct.search('stock.location', { domain: [['usage', '=', 'internal']], limit: 1, order: 'id' });
    // receipts come from the vendors location through the receipts type (ids differ between databases)
    const [vendors] = await direct.search('stock.location', { domain: [['usage', '=', 'supplier']], limit: 1, order: 'id' });
    const [receiptType] = await direct.search('stock.picking.type', { domain: [['code', '=', 'incoming']], limit: 1, order: 'id' });
    const [vendor] = await direct.create('res.partner', [{ name: `${tag} vendor`, supplier_rank: 1 }]);
    const doomed = await direct.create('res.partner', Array.from({ length: 10 }, (_x, i) => ({ name: `${tag} doomed ${i}`, ref: `${tag}-D${i}` })));
    const [noteOrder] = await direct.create('purchase.order', [{ partner_id: vendor, origin: `${tag}-NOTES` }]);
    const start = process.hrtime.bigint();
    const requests: WriteRequest[] = [];
    const expectedDelta = new Map<number, number>(products.map((p) => [p, 0]));
    for (let i = 0; i < OPS; i++) {
      switch (i % 8) {
        case 0:
          requests.push({ operation: 'create', model: 'res.partner', record: { name: `${tag} created ${i}`, ref: `${tag}-C${i}` }, idempotencyKey: `${tag}:create:${i}` });
          break;
        case 1:
        case 2: {
          // each business key twice, the second time with another name: one record with the later name
          const k = Math.floor(i / 8);
          requests.push({ operation: 'upsert', model: 'res.partner', keyFields: ['ref'], record: { ref: `${tag}-U${k}`, name: `${tag} upsert ${k} v${i % 8}` } });
          break;
        }
        case 3:
          if (i % 16 === 3) requests.push({ operation: 'create_missing', model: 'purchase.order', keyFields: ['partner_id', 'origin'], record: { partner_id: vendor, origin: `${tag}-PO${Math.floor(i / 16)}`, order_line: [[0, 0, { product_id: products[0], product_qty: 1 }]] } });
          else requests.push({ operation: 'note', model: 'purchase.order', record: { res_id: noteOrder, body: `${tag} note ${i}` }, idempotencyKey: `${tag}:note:${i}` });
          break;
        case 7:
          if (i < 80) requests.push({ operation: 'unlink', model: 'res.partner', record: { id: doomed[Math.floor(i / 8)] as number } });
          else requests.push({ operation: 'upsert_xid', model: 'res.partner', record: { xid: `__import__.${tag}_x${i}`, name: `${tag} xid ${i}` } });
          break;
        default: {
          const p = products[i % products.length] as number;
          const delta = (i % 3) - 1 || 2;
          expectedDelta.set(p, (expectedDelta.get(p) ?? 0) + delta);
          requests.push({ operation: 'adjust_quant', model: 'stock.quant', record: { product_id: p, location_id: stock, quantity: delta }, idempotencyKey: `${tag}:adj:${i}` });
        }
      }
    }
    let replays = 0;
    let unsafe = 0;
    const givenUp: Record<string, number> = {};
    const submitUntilDone = async (req: WriteRequest, n: number): Promise<void> => {
      for (let attempt = 0; attempt < 12; attempt++) {
        try {
          await (writers[n % 2] as OdooWriter).submit(req);
          return;
        } catch (err) {
          const verdict = retryVerdict(err as IntegrationError);
          if (!verdict.retry) {
            unsafe++;
            const e = err as IntegrationError;
            const k = `${req.operation}:${verdict.reason}:${e.code}`;
            givenUp[k] = (givenUp[k] ?? 0) + 1;
            if (process.env.BENCH_VERBOSE) process.stderr.write(`${k}: ${e.message}\n`);
            return;
          }
          replays++;
          await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
        }
      }
    };
    // receipts validated in Odoo meanwhile, directly
    const receipts = (async () => {
      for (let r = 0; r < 8; r++) {
        const p = products[r % products.length] as number;
        const [picking] = await direct.create('stock.picking', [{ picking_type_id: receiptType, location_id: vendors, location_dest_id: stock, move_ids: [[0, 0, { product_id: p, product_uom_qty: 10, quantity: 10, location_id: vendors, location_dest_id: stock, ...(v.stockMoveName ? { [v.stockMoveName]: `${tag} receipt` } : {}) }]] }]);
        await direct.call('stock.picking', 'action_confirm', { ids: [picking as number] });
        await direct.call('stock.picking', 'button_validate', { ids: [picking as number] });
        expectedDelta.set(p, (expectedDelta.get(p) ?? 0) + 10);
      }
    })();
    await Promise.all([...requests.map((req, n) => submitUntilDone(req, n)), receipts]);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;

    // what is in Odoo
    let duplicates = 0;
    let lost = 0;
    const refs = await direct.searchRead('res.partner', { domain: [['ref', '=like', `${tag}-%`]], fields: ['ref', 'name'], context: { active_test: false } });
    const byRef = new Map<string, unknown[]>();
    for (const r of refs) byRef.set(String(r.ref), [...(byRef.get(String(r.ref)) ?? []), r]);
    for (const req of requests) {
      if (req.operation === 'create' || req.operation === 'upsert') {
        const hits = byRef.get(String(req.record.ref)) ?? [];
        if (hits.length === 0) lost++;
      }
    }
    for (const [ref, hits] of byRef) if (!ref.startsWith(`${tag}-D`)) duplicates += hits.length - 1;
    lost += [...byRef.keys()].filter((r) => r.startsWith(`${tag}-D`)).length;
    const pos = await direct.searchRead('purchase.order', { domain: [['origin', '=like', `${tag}-PO%`]], fields: ['origin', 'order_line'] });
    const origins = new Set(requests.filter((r) => r.operation === 'create_missing').map((r) => String(r.record.origin)));
    const notes = await direct.searchRead('mail.message', { domain: [['model', '=', 'purchase.order'], ['res_id', '=', noteOrder as number], ['body', 'ilike', `${tag} note`]], fields: ['body'] });
    for (const req of requests.filter((r) => r.operation === 'note')) {
      const n = notes.filter((m) => new RegExp(`${String(req.record.body)}\\b`).test(String(m.body))).length;
      if (n === 0) lost++;
      duplicates += Math.max(0, n - 1);
    }
    duplicates += pos.length - new Set(pos.map((p) => p.origin)).size + pos.reduce((n, p) => n + Math.max(0, (p.order_line as number[]).length - 1), 0);
    lost += [...origins].filter((o) => !pos.some((p) => p.origin === o)).length;
    const xids = requests.filter((r) => r.operation === 'upsert_xid').length;
    const xidRecords = await direct.searchCount('res.partner', [['name', '=like', `${tag} xid %`]]);
    duplicates += Math.max(0, xidRecords - xids);
    lost += Math.max(0, xids - xidRecords);
    let wrong = 0;
    const quants = await direct.searchRead('stock.quant', { domain: [['product_id', 'in', products], ['location_id', '=', stock]], fields: ['product_id', 'quantity'] });
    for (const p of products) {
      const have = quants.filter((q) => (q.product_id as [number])[0] === p).reduce((n, q) => n + Number(q.quantity), 0);
      if (Math.abs(have - (expectedDelta.get(p) ?? 0)) > 1e-9) wrong++;
    }
    return { operations: requests.length + 8, replays, duplicates, lost, wrong_quantities: wrong, seconds: Math.round(seconds * 100) / 100, answers_lost: proxy.lost(), given_up: unsafe, ...(unsafe ? { given_up_by: givenUp } : {}) } as unknown as Record<string, number>;
  } finally {
    clientA.close();
    clientB.close();
    direct.close();
    await proxy.close();
    target.stop();
  }
}
