/** A least-privilege user in the sandbox meets Odoo 19's AccessError, over both transports. */
import { OdooClient } from '../../lib/odoo/client';
import { OdooWriter } from '../../lib/odoo/writer';
import { INTEGRATION_USER } from '../../sandbox/odoo/access';
import { startSandbox, Sandbox } from '../../sandbox/odoo/server';

let sb: Sandbox;
const clients: OdooClient[] = [];
const as = (login: string, secret: string, protocol: 'json2' | 'xmlrpc') => {
  const c = new OdooClient({ url: sb.url, database: sb.database, login, secret, protocol });
  clients.push(c);
  return c;
};
beforeAll(async () => {
  sb = await startSandbox({ users: [INTEGRATION_USER, { login: 'buyer', password: 'buyer-pw', apiKey: 'buyer-key', groups: ['base.group_user', 'purchase.group_purchase_user'] }] });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await sb.close();
});

describe.each(['json2', 'xmlrpc'] as const)('the integration user over %s', (protocol) => {
  const client = () => as('integration', INTEGRATION_USER.apiKey, protocol);

  it('reads partners, and creating one is an AccessError naming the groups that may', async () => {
    const c = client();
    expect((await c.searchRead('res.partner', { fields: ['name'], limit: 1 })).length).toBe(1);
    const err = await c.create('res.partner', [{ name: 'Not allowed' }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ACCESS', transient: false, applied: 'no' });
    expect((err as Error).message).toContain("You are not allowed to create 'Contact' (res.partner) records.");
    expect((err as Error).message).toContain('\t- Contact/Creation');
  });

  it('cannot read external ids (ir.model.data), as on Odoo 19', async () => {
    await expect(client().searchRead('ir.model.data', { limit: 1 })).rejects.toMatchObject({ code: 'ACCESS' });
  });

  it('applies stock counts and adjustments through the writer, with its own uid on the records', async () => {
    const product = sb.store.create('product.product', { name: `ACL stock ${protocol}`, default_code: `ACL-${protocol}`, is_storable: true });
    const writer = new OdooWriter(client(), { maxSize: 10, windowMs: 5 });
    await writer.submit({ operation: 'set_quant', model: 'stock.quant', record: { product_id: product, location_id: 5, inventory_quantity: 10 } });
    await writer.submit({ operation: 'adjust_quant', model: 'stock.quant', record: { product_id: product, location_id: 5, quantity: -4 }, idempotencyKey: `acl-${protocol}` });
    const quants = sb.store.read('stock.quant', sb.store.search('stock.quant', [['product_id', '=', product], ['location_id', '=', 5]]), ['quantity']);
    expect(quants.reduce((n, q) => n + Number(q.quantity), 0)).toBe(6);
    const picking = sb.store.search('stock.picking', [['origin', 'like', 'odoo-supply:']]).pop()!;
    expect(sb.store.raw('stock.picking', picking)?.create_uid).toBe(6);
  });
});

it('a buyer without Products / Create cannot create vendor prices: the error names the missing right, through load too', async () => {
  const c = as('buyer', 'buyer-key', 'json2');
  const partner = sb.store.search('res.partner', [['supplier_rank', '>', 0]])[0]!;
  const product = sb.store.search('product.product', [])[0]!;
  const writer = new OdooWriter(c, { maxSize: 10, windowMs: 5 });
  const err = await writer.submit({ operation: 'upsert', model: 'product.supplierinfo', keyFields: ['partner_id', 'product_id'], record: { partner_id: partner, product_id: product, price: 3 } }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'ACCESS', applied: 'no' });
  expect((err as Error).message).toMatch(/not allowed to create 'Supplier Pricelist' \(product\.supplierinfo\)[\s\S]*Products\/Create/);
});
