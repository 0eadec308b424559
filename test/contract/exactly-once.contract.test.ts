/**
 * Exactly once on the server itself: the sandbox by default, a real Odoo with
 * ODOO_URL (run it as admin and as the least-privilege integration user).
 * Several writers stand for several Node-RED instances: each has its own
 * connection and its own writer, so only Odoo and PostgreSQL keep them apart.
 */
import { IntegrationError, retryVerdict } from '../../lib/errors';
import { OdooClient } from '../../lib/odoo/client';
import { OdooWriter, WriteRequest } from '../../lib/odoo/writer';
import { runPrefix, startTarget, Target, targets, type TargetSpec } from '../helpers/target';

const specs = targets();

describe.each(specs.map((spec) => [spec.label, spec] as const))('%s', (_label, spec: TargetSpec) => {
let target: Target;
const clients: OdooClient[] = [];
let fixtures: OdooClient;
const prefix = runPrefix('exo');
const created: { products: number[] } = { products: [] };

function instance(): OdooWriter {
  // XML-RPC where the server has no JSON-2 (Odoo 17), as auto would choose
  const c = new OdooClient({ url: target.url, database: target.database, login: target.login, secret: (target.apiKey ?? target.password) as string, secretKind: target.apiKey ? 'apikey' : 'password', protocol: target.version.json2 ? 'json2' : 'xmlrpc' });
  clients.push(c);
  return new OdooWriter(c, { maxSize: 50, windowMs: 5 });
}
/** Master data and checks: the fixture login (admin) where the user under test may not create products. */
const admin = () => fixtures;

/** What retry-gate does: send again while retryVerdict allows it. */
async function untilDone<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= 8 || !retryVerdict(err as IntegrationError).retry) throw err;
      await new Promise((r) => setTimeout(r, 100 * (n + 1)));
    }
  }
}

beforeAll(async () => {
  target = await startTarget(spec);
  instance();
  fixtures = target.fixtureLogin
    ? new OdooClient({ url: target.url, database: target.database, login: target.fixtureLogin.login, secret: target.fixtureLogin.password, secretKind: 'password', protocol: 'xmlrpc' })
    : (clients[0] as OdooClient);
  if (fixtures !== clients[0]) clients.push(fixtures);
}, 60_000);
afterAll(async () => {
  if (target.real && created.products.length) {
    const tmpl = await admin().read('product.product', created.products, ['product_tmpl_id']);
    await admin().write('product.template', [...new Set(tmpl.map((t) => (t.product_tmpl_id as [number])[0]))], { active: false }).catch(() => undefined);
  }
  for (const c of clients) c.close();
  await target.close();
});

async function storable(name: string): Promise<number> {
  const [id] = await admin().create('product.product', [{ name: `${prefix} ${name}`, default_code: `${prefix}-${name}`, ...target.version.fields.storableProduct }]);
  created.products.push(id as number);
  return id as number;
}
async function stockLocation(): Promise<number> {
  const [loc] = await admin().search('stock.location', { domain: [['usage', '=', 'internal']], limit: 1, order: 'id' });
  return loc as number;
}
async function onHand(product: number, location: number): Promise<number> {
  const quants = await admin().searchRead('stock.quant', { domain: [['product_id', '=', product], ['location_id', '=', location]], fields: ['quantity'] });
  return quants.reduce((n, q) => n + Number(q.quantity), 0);
}
async function receive(product: number, location: number, qty: number): Promise<void> {
  const f = target.version.fields;
  const [type] = await admin().search('stock.picking.type', { domain: [['code', '=', 'incoming']], limit: 1 });
  const [supplier] = await admin().search('stock.location', { domain: [['usage', '=', 'supplier']], limit: 1 });
  const move = { product_id: product, product_uom_qty: qty, [f.stockMoveQuantity]: qty, location_id: supplier, location_dest_id: location, ...(f.stockMoveName ? { [f.stockMoveName]: `${prefix} receipt` } : {}) };
  const [picking] = await admin().create('stock.picking', [{ picking_type_id: type, location_id: supplier, location_dest_id: location, [f.pickingMoves]: [[0, 0, move]] }]);
  await admin().call('stock.picking', 'action_confirm', { ids: [picking as number] });
  await admin().call('stock.picking', 'button_validate', { ids: [picking as number] });
}

it('four instances create one purchase order number at once: one order with one line, every instance done', async () => {
  const [vendor] = await admin().search('res.partner', { domain: [], limit: 1, order: 'id' });
  const product = await storable('po');
  const req: WriteRequest = { operation: 'create_missing', model: 'purchase.order', keyFields: ['partner_id', 'origin'], record: { partner_id: vendor, origin: `${prefix}-PO`, order_line: [[0, 0, { product_id: product, product_qty: 3 }]] } };
  const writers = [instance(), instance(), instance(), instance()];
  await Promise.all(writers.map((w) => untilDone(() => w.submit(req))));
  const orders = await admin().searchRead('purchase.order', { domain: [['origin', '=', `${prefix}-PO`]], fields: ['order_line', 'state'] });
  expect(orders).toHaveLength(1);
  expect((orders[0]?.order_line as number[]).length).toBe(1);
  if (target.real) await admin().call('purchase.order', 'button_cancel', { ids: orders.map((o) => o.id as number) }).catch(() => undefined);
}, 120_000);

it('two instances adjust while a receipt is validated: Odoo adds everything, and a redelivered event adds nothing', async () => {
  const location = await stockLocation();
  const product = await storable('adj');
  const [a, b] = [instance(), instance()];
  await a.submit({ operation: 'set_quant', model: 'stock.quant', record: { product_id: product, location_id: location, inventory_quantity: 40 } });
  const adjust = (w: OdooWriter, key: string, quantity: number) => untilDone(() => w.submit({ operation: 'adjust_quant', model: 'stock.quant', record: { product_id: product, location_id: location, quantity }, idempotencyKey: `${prefix}-${key}` }));
  await Promise.all([adjust(a, 'e1', 5), adjust(b, 'e2', 5), adjust(a, 'e3', -2), receive(product, location, 10)]);
  expect(await onHand(product, location)).toBe(58);
  expect((await adjust(b, 'e1', 5)).action).toBe('unchanged');
  expect(await onHand(product, location)).toBe(58);
}, 120_000);

it('a count then an adjustment, sent at once: the adjustment builds on the count', async () => {
  const location = await stockLocation();
  const product = await storable('cnt');
  const w = instance();
  await w.submit({ operation: 'set_quant', model: 'stock.quant', record: { product_id: product, location_id: location, inventory_quantity: 600 } });
  await Promise.all([
    w.submit({ operation: 'set_quant', model: 'stock.quant', record: { product_id: product, location_id: location, inventory_quantity: 400 } }),
    w.submit({ operation: 'adjust_quant', model: 'stock.quant', record: { product_id: product, location_id: location, quantity: 5 }, idempotencyKey: `${prefix}-c1` }),
  ]);
  expect(await onHand(product, location)).toBe(405);
}, 120_000);

it('a chatter note sent twice is posted once', async () => {
  const [po] = await admin().search('purchase.order', { domain: [['origin', '=', `${prefix}-PO`]], limit: 1 });
  const w = instance();
  const req: WriteRequest = { operation: 'note', model: 'purchase.order', record: { res_id: po as number, body: `${prefix} acknowledged` }, idempotencyKey: `${prefix}-note` };
  expect((await w.submit(req)).action).toBe('posted');
  expect((await instance().submit(req)).action).toBe('unchanged');
  const notes = await admin().searchRead('mail.message', { domain: [['model', '=', 'purchase.order'], ['res_id', '=', po as number], ['body', 'ilike', `${prefix} acknowledged`]], fields: ['body'] });
  expect(notes).toHaveLength(1);
}, 60_000);
});
