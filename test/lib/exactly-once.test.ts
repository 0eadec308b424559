/**
 * Issue 6's reproduced defects, each against the sandbox Odoo: what is in
 * Odoo after concurrent writers, slow calls, lost answers and replays.
 */
import { retryVerdict } from '../../lib/errors';
import { OdooClient } from '../../lib/odoo/client';
import { OdooWriter, WriteRequest, writerOf } from '../../lib/odoo/writer';
import { startSandbox, Sandbox } from '../../sandbox/odoo/server';

let sandbox: Sandbox;
let client: OdooClient;
const clients: OdooClient[] = [];
/** A second Node-RED instance: its own connection and its own writer. */
const otherInstance = (timeoutMs = 30_000) => {
  const c = new OdooClient({ url: sandbox.url, database: sandbox.database, secret: sandbox.apiKey, protocol: 'json2', timeoutMs });
  clients.push(c);
  return new OdooWriter(c, { maxSize: 50, windowMs: 5 });
};

beforeAll(async () => {
  sandbox = await startSandbox();
  client = new OdooClient({ url: sandbox.url, database: sandbox.database, secret: sandbox.apiKey, protocol: 'json2' });
});
afterAll(async () => {
  client.close();
  for (const c of clients) c.close();
  await sandbox.close();
});
afterEach(() => sandbox.clearFaults());

let seq = 0;
function storableProduct(): number {
  seq++;
  return sandbox.store.create('product.product', { name: `EO product ${seq}`, default_code: `EO-${seq}`, is_storable: true });
}
const onHand = (product: number) =>
  sandbox.store.read('stock.quant', sandbox.store.search('stock.quant', [['product_id', '=', product], ['location_id', '=', 5]]), ['quantity']).reduce((n, q) => n + Number(q.quantity), 0);

/** A receipt of `qty` validated in Odoo by someone else. */
async function receive(product: number, qty: number): Promise<void> {
  const [picking] = await client.create('stock.picking', [{ picking_type_id: 1, location_id: 1, location_dest_id: 5, move_ids: [[0, 0, { product_id: product, product_uom_qty: qty, quantity: qty, location_id: 1, location_dest_id: 5 }]] }]);
  await client.call('stock.picking', 'action_confirm', { ids: [picking as number] });
  await client.call('stock.picking', 'button_validate', { ids: [picking as number] });
}

async function count(writer: OdooWriter, product: number, quantity: number) {
  return writer.submit({ operation: 'set_quant', model: 'stock.quant', record: { product_id: product, location_id: 5, inventory_quantity: quantity } });
}
const adjust = (product: number, quantity: number, key?: string): WriteRequest => ({ operation: 'adjust_quant', model: 'stock.quant', record: { product_id: product, location_id: 5, quantity }, ...(key ? { idempotencyKey: key } : {}) });

describe('1. stock changes are applied by Odoo, never read-then-set', () => {
  it('a receipt validated while an adjustment is on its way: 40, +5, +10 receipt → 55', async () => {
    const writer = writerOf(client);
    const p = storableProduct();
    await count(writer, p, 40);
    // the adjustment's transfer is slow to arrive; the receipt lands in between
    sandbox.inject({ model: 'stock.picking', method: 'load', latencyMs: 150, times: 1 });
    const adjusting = writer.submit(adjust(p, 5, 'evt-r1'));
    await new Promise((r) => setTimeout(r, 50));
    await receive(p, 10);
    expect((await adjusting).action).toBe('adjusted');
    expect(onHand(p)).toBe(55);
  });

  it('two Node-RED instances adding +5 at the same instant: 40 → 50', async () => {
    const p = storableProduct();
    await count(writerOf(client), p, 40);
    sandbox.inject({ model: 'stock.picking', method: 'search_read', latencyMs: 40, times: 2 });
    await Promise.all([writerOf(client).submit(adjust(p, 5, 'evt-a')), otherInstance().submit(adjust(p, 5, 'evt-b'))]);
    expect(onHand(p)).toBe(50);
  });

  it('a count then an adjustment in two messages: 600, count 400, +5 → 405', async () => {
    const writer = writerOf(client);
    const p = storableProduct();
    await count(writer, p, 600);
    // the count is slowed; the adjustment arrives after it and must wait for it
    sandbox.inject({ model: 'stock.quant', method: 'create', latencyMs: 120, times: 1 });
    const counted = count(writer, p, 400);
    const adjusted = writer.submit(adjust(p, 5, 'evt-c'));
    await Promise.all([counted, adjusted]);
    expect(onHand(p)).toBe(405);
  });

  it('a count whose quant moved before it was applied still ends at the counted quantity', async () => {
    const writer = writerOf(client);
    const p = storableProduct();
    await count(writer, p, 20);
    // the receipt lands between the count being set and applied: Odoo answers with its conflict wizard
    sandbox.inject({ model: 'stock.quant', method: 'action_apply_inventory', latencyMs: 150, times: 1 });
    const counting = count(writer, p, 7);
    await new Promise((r) => setTimeout(r, 60));
    await receive(p, 3);
    expect((await counting).action).toBe('counted');
    expect(onHand(p)).toBe(7);
  });

  it('a lot-tracked product is refused with a clear error, and nothing is written', async () => {
    const p = sandbox.store.create('product.product', { name: 'EO lots', default_code: 'EO-LOT', is_storable: true, tracking: 'lot' });
    const pickings = sandbox.store.search('stock.picking', []).length;
    await expect(writerOf(client).submit(adjust(p, 5, 'evt-lot'))).rejects.toMatchObject({ code: 'BAD_INPUT', applied: 'no', message: expect.stringMatching(/tracked by lot/) });
    expect(sandbox.store.search('stock.picking', []).length).toBe(pickings);
    expect(onHand(p)).toBe(0);
  });
});

describe('2. one writer per server: no duplicates across nodes', () => {
  it('two nodes upserting one key at once create one record', async () => {
    const a = writerOf(client);
    const b = writerOf(client);
    expect(a).toBe(b);
    // the first creation is slow: before, the second node's search saw nothing and created a duplicate
    sandbox.inject({ model: 'res.partner', method: 'load', latencyMs: 100, times: 1 });
    const results = await Promise.all([
      a.submit({ operation: 'upsert', model: 'res.partner', keyFields: ['ref'], record: { ref: 'EO-UP-1', name: 'From node A' } }),
      b.submit({ operation: 'upsert', model: 'res.partner', keyFields: ['ref'], record: { ref: 'EO-UP-1', name: 'From node B' } }),
    ]);
    expect(results.map((r) => r.action)).toEqual(['created', 'updated']);
    expect(sandbox.store.search('res.partner', [['ref', '=', 'EO-UP-1']])).toHaveLength(1);
  });

  it('two Node-RED instances creating one business key at once make one record (PostgreSQL-unique external id)', async () => {
    const one = otherInstance();
    const two = otherInstance();
    sandbox.inject({ model: 'purchase.order', method: 'search_read', latencyMs: 60, times: 2 });
    const partner = sandbox.store.search('res.partner', [['supplier_rank', '>', 0]])[0]!;
    const po = { partner_id: partner, origin: 'EO-PO-1', order_line: [[0, 0, { product_id: sandbox.store.search('product.product', [])[0]!, product_qty: 2 }]] };
    await Promise.all([one.submit({ operation: 'create_missing', model: 'purchase.order', keyFields: ['partner_id', 'origin'], record: po }), two.submit({ operation: 'create_missing', model: 'purchase.order', keyFields: ['partner_id', 'origin'], record: po })]);
    const ids = sandbox.store.search('purchase.order', [['origin', '=', 'EO-PO-1']]);
    expect(ids).toHaveLength(1);
    expect(sandbox.store.search('purchase.order.line', [['order_id', '=', ids[0]]])).toHaveLength(1);
  });
});

describe('3. writes to one record run in arrival order', () => {
  it('the first write slowed: the later value wins', async () => {
    const id = sandbox.store.create('res.partner', { name: 'EO order' });
    sandbox.inject({ model: 'res.partner', method: 'write', latencyMs: 120, times: 1 });
    const writer = writerOf(client);
    await Promise.all([
      writer.submit({ operation: 'write', model: 'res.partner', record: { id, email: 'old@example.com' } }),
      writer.submit({ operation: 'write', model: 'res.partner', record: { id, email: 'new@example.com' } }),
    ]);
    expect(sandbox.store.read('res.partner', [id], ['email'])[0]!.email).toBe('new@example.com');
  });
});

describe('4. a replay after a lost answer cannot apply twice', () => {
  it('create: the answer dropped after commit; the replay finds the record', async () => {
    const writer = writerOf(client);
    const req: WriteRequest = { operation: 'create', model: 'res.partner', record: { name: 'EO lost answer', ref: 'EO-LOST-1' }, idempotencyKey: 'msg-1:0' };
    sandbox.inject({ model: 'res.partner', method: 'load', loseAnswer: 'drop', times: 1 });
    const err = await writer.submit(req).catch((e: unknown) => e);
    expect(err).toMatchObject({ transient: true, applied: 'unknown', idempotent: true });
    expect(retryVerdict(err as never)).toEqual({ retry: true });
    await writer.submit(req);
    expect(sandbox.store.search('res.partner', [['ref', '=', 'EO-LOST-1']])).toHaveLength(1);
  });

  it('create without an idempotency key says a replay is unsafe', async () => {
    sandbox.inject({ model: 'res.partner', method: 'create', loseAnswer: 'drop', times: 1 });
    const err = await writerOf(client).submit({ operation: 'create', model: 'res.partner', record: { name: 'EO unkeyed' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ applied: 'unknown', idempotent: false });
    expect(retryVerdict(err as never)).toEqual({ retry: false, reason: 'unsafe' });
  });

  it('adjust_quant: validated, answer lost, replayed: the delta counts once', async () => {
    const writer = writerOf(client);
    const p = storableProduct();
    await count(writer, p, 40);
    sandbox.inject({ model: 'stock.picking', method: 'button_validate', loseAnswer: 'drop', times: 1 });
    const err = await writer.submit(adjust(p, 5, 'evt-lost')).catch((e: unknown) => e);
    expect(err).toMatchObject({ applied: 'unknown', idempotent: true });
    expect(onHand(p)).toBe(45);
    expect((await writer.submit(adjust(p, 5, 'evt-lost'))).action).toBe('unchanged');
    expect(onHand(p)).toBe(45);
  });

  it('create_missing: timed out while Odoo still works, replayed: one purchase order', async () => {
    const writer = otherInstance(300);
    sandbox.inject({ model: 'purchase.order', method: 'load', loseAnswer: 'delay', loseAnswerDelayMs: 800, times: 1 });
    const partner = sandbox.store.search('res.partner', [['supplier_rank', '>', 0]])[0]!;
    const req: WriteRequest = { operation: 'create_missing', model: 'purchase.order', keyFields: ['partner_id', 'origin'], record: { partner_id: partner, origin: 'EO-PO-T', order_line: [[0, 0, { product_id: sandbox.store.search('product.product', [])[0]!, product_qty: 1 }]] } };
    const err = await writer.submit(req).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TIMEOUT', applied: 'unknown', idempotent: true });
    await writer.submit(req);
    expect(sandbox.store.search('purchase.order', [['origin', '=', 'EO-PO-T']])).toHaveLength(1);
  });

  it('a chatter note: posted, answer lost, replayed: one note', async () => {
    const writer = writerOf(client);
    const po = sandbox.store.search('purchase.order', [])[0]!;
    const req: WriteRequest = { operation: 'note', model: 'purchase.order', record: { res_id: po, body: 'Supplier acknowledged: 2 lines confirmed' }, idempotencyKey: 'ack-7:0' };
    const notes = () => sandbox.store.search('mail.message', [['model', '=', 'purchase.order'], ['res_id', '=', po], ['body', 'ilike', 'Supplier acknowledged: 2 lines']]);
    sandbox.inject({ model: 'purchase.order', method: 'message_post', loseAnswer: 'drop', times: 1 });
    const err = await writer.submit(req).catch((e: unknown) => e);
    expect(err).toMatchObject({ applied: 'unknown', idempotent: true });
    expect((await writer.submit(req)).action).toBe('unchanged');
    expect(notes()).toHaveLength(1);
    // another delivery of another message with the same text is another note
    expect((await writer.submit({ ...req, idempotencyKey: 'ack-8:0' })).action).toBe('posted');
    expect(notes()).toHaveLength(2);
  });

  it('errors say whether the write may have been applied', async () => {
    const writer = writerOf(client);
    sandbox.inject({ model: 'res.partner', method: 'write', httpStatus: 503, times: 1 });
    const id = sandbox.store.create('res.partner', { name: 'EO 503' });
    await expect(writer.submit({ operation: 'write', model: 'res.partner', record: { id, name: 'x' } })).rejects.toMatchObject({ transient: true, applied: 'no', idempotent: true });
    sandbox.inject({ model: 'res.partner', method: 'write', serializationFailure: true, times: 1 });
    await expect(writer.submit({ operation: 'write', model: 'res.partner', record: { id, name: 'y' } })).rejects.toMatchObject({ code: 'CONCURRENCY', applied: 'no' });
    // a read that lost its answer changed nothing
    sandbox.inject({ model: 'res.partner', method: 'search_read', drop: true, times: 1 });
    await expect(writer.submit({ operation: 'upsert', model: 'res.partner', keyFields: ['ref'], record: { ref: 'EO-R', name: 'z' } })).rejects.toMatchObject({ applied: 'no' });
  });
});

describe('7 and 9. splitting failed batches', () => {
  it('200 records with one unknown field make 3 calls, not 399', async () => {
    const writer = new OdooWriter(client, { maxSize: 200, windowMs: 20 });
    sandbox.resetStats();
    const settled = await Promise.allSettled(Array.from({ length: 200 }, (_x, i) => writer.submit({ operation: 'create', model: 'res.partner', record: { name: `EO bad ${i}`, no_such_field: 1 } })));
    expect(settled.every((s) => s.status === 'rejected' && s.reason.code === 'UNKNOWN_FIELD')).toBe(true);
    expect(sandbox.stats.byMethod['res.partner.create']).toBe(3);
  });

  it('one bad record among 8 is still isolated, the 7 others land', async () => {
    const writer = new OdooWriter(client, { maxSize: 8, windowMs: 20 });
    const partner = sandbox.store.search('res.partner', [['supplier_rank', '>', 0]])[0]!;
    const product = sandbox.store.search('product.product', [])[0]!;
    const settled = await Promise.allSettled(
      Array.from({ length: 8 }, (_x, i) => writer.submit({ operation: 'create', model: 'product.supplierinfo', record: i === 5 ? { product_id: product, price: 1 } : { partner_id: partner, product_id: product, price: i, product_code: `EO-SPLIT-${i}` } })),
    );
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(7);
    expect(sandbox.store.search('product.supplierinfo', [['product_code', '=like', 'EO-SPLIT-%']])).toHaveLength(7);
  });

  it('a record created by a batch that was then split is reported created, not unchanged', async () => {
    const writer = new OdooWriter(client, { maxSize: 10, windowMs: 20 });
    const existing = sandbox.store.create('res.partner', { name: 'EO split existing', ref: 'EO-S-OLD' });
    const results = await Promise.allSettled([
      writer.submit({ operation: 'upsert', model: 'res.partner', keyFields: ['ref'], record: { ref: 'EO-S-NEW', name: 'EO split new' } }),
      // the write of this one fails on its data, after the create of the first committed
      writer.submit({ operation: 'upsert', model: 'res.partner', keyFields: ['ref'], record: { ref: 'EO-S-OLD', name: 'EO split existing', parent_id: 999_999 } }),
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { action: 'created' } });
    expect(results[1]).toMatchObject({ status: 'rejected' });
    expect(sandbox.store.search('res.partner', [['ref', '=', 'EO-S-NEW']])).toHaveLength(1);
    expect(existing).toBeGreaterThan(0);
  });
});

describe('a field only some records carry', () => {
  it('an unknown field in 5 of 40 records fails those 5; the 35 others land', async () => {
    const writer = new OdooWriter(client, { maxSize: 40, windowMs: 20 });
    const settled = await Promise.allSettled(
      Array.from({ length: 40 }, (_x, i) => writer.submit({ operation: 'create', model: 'res.partner', record: i % 8 === 3 ? { name: `EO mixed ${i}`, ref: `EO-MIX-${i}`, no_such_field: 1 } : { name: `EO mixed ${i}`, ref: `EO-MIX-${i}` }, idempotencyKey: `mix:${i}` })),
    );
    expect(settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason.code)).toEqual(Array(5).fill('UNKNOWN_FIELD'));
    expect(sandbox.store.search('res.partner', [['ref', '=like', 'EO-MIX-%']])).toHaveLength(35);
  });
});
