/**
 * canonical → Odoo against the sandbox in each personality (19.0, 17.0) or a
 * real Odoo (ODOO_URL …), over every route the server offers:
 * a supplier price list lands as product.supplierinfo, a PO acknowledgement
 * updates the PO lines and notes it in the chatter, inventory events change
 * the on-hand quantity. Same planner and executor as the nodes use. Suppliers,
 * products and the orders a test starts from are made through the fixture
 * login when one is given; the canonical objects are applied as the tested one.
 */
import { OdooClient } from '../../lib/odoo/client';
import { OdooWriter } from '../../lib/odoo/writer';
import { LookupCache } from '../../lib/odoo/lookup';
import { executeWrite } from '../../lib/odoo/execute';
import { createHash } from 'node:crypto';
import { executeWithOriginal } from '../../lib/odoo/attach';
import { effectiveWriteOptions, parseNodeOptions, writeNodeSchema } from '../../lib/odoo/options';
import { planCanonicalToOdoo } from '../../lib/canonical/flow';
import type { EffectiveWriteOptions } from '../../lib/odoo/options';
import { cases, fixtureServerFor, runPrefix, serverFor, startTarget, Target } from '../helpers/target';

describe.each(cases())('canonical objects applied to Odoo: $label', ({ target: spec, route }) => {
  let target: Target;
  let client: OdooClient;
  /** Makes the suppliers, products and orders a test starts from (see fixtureServerFor). */
  let fixtures: OdooClient;
  const prefix = runPrefix(route.protocol === 'json2' ? 'canon' : `canon-${route.secretKind}`);
  const created: Record<string, number[]> = {};
  const track = (model: string, ids: number[]) => (created[model] = [...(created[model] ?? []), ...ids]);

  beforeAll(async () => {
    target = await startTarget(spec);
    const s = serverFor(target, route);
    client = new OdooClient({ url: s.url, database: s.database, login: s.login, secret: s.secret, protocol: s.protocol, secretKind: s.secretKind ?? 'apikey', timeoutMs: 30_000 });
    const f = fixtureServerFor(target, route);
    fixtures = new OdooClient({ url: f.url, database: f.database, login: f.login, secret: f.secret, protocol: f.protocol, secretKind: f.secretKind ?? 'apikey', timeoutMs: 30_000 });
  });

  afterAll(async () => {
    for (const model of ['account.move', 'purchase.order', 'product.supplierinfo', 'stock.quant', 'product.product', 'res.partner']) {
      const ids = created[model] ?? [];
      if (!ids.length) continue;
      if (model === 'purchase.order') await fixtures.call(model, 'button_cancel', { ids }).catch(() => undefined);
      await fixtures.unlink(model, ids).catch(() => fixtures.write(model, ids, { active: false }).catch(() => undefined));
    }
    client?.close();
    fixtures?.close();
    await target?.close();
  });

  /** Plans the canonical objects and runs every planned write like odoo-write would. */
  async function apply(schema: string, payload: unknown) {
    const lookups = new LookupCache(client, 60_000);
    const writer = new OdooWriter(client, { maxSize: 200, windowMs: 5 });
    const outcome = await planCanonicalToOdoo(schema, payload, lookups);
    for (const write of outcome.ok) {
      const o = { ...write.odoo, keyFields: write.odoo?.keyFields ?? [], batchSize: 200, batchWindow: 5 } as unknown as EffectiveWriteOptions;
      const done = await executeWrite(client, writer, o, write.odoo!.model, write.payload);
      expect(done.failed.map((f) => f.error.message)).toEqual([]);
      // a follow-up (action_apply_inventory) that failed leaves the records written but not applied
      expect(done.thenError?.message).toBeUndefined();
    }
    return outcome;
  }

  describe('each object', () => {
    let partnerRef: string;
    let productIds: number[];
    const refs = [`${prefix}-P1`, `${prefix}-P2`];

    beforeAll(async () => {
      partnerRef = `${prefix}-SUP`;
      track('res.partner', await fixtures.create('res.partner', [{ name: `${prefix} Supplier`, ref: partnerRef, is_company: true }]));
      productIds = await fixtures.create('product.product', refs.map((r) => ({ name: `${prefix} ${r}`, default_code: r, ...target.version.fields.storableProduct })));
      track('product.product', productIds);
    });

    it('a supplier price list lands as product.supplierinfo records; sent again, nothing changes', async () => {
      const rows = refs.map((internalRef, i) => ({ supplierCode: partnerRef, supplierProductCode: `V-${i}`, internalRef, price: 10 + i, currency: 'USD', minQty: 5, uom: 'Units', leadTimeDays: 3 + i, validFrom: '2026-01-01' }));
      const outcome = await apply('supplier-price@1', rows);
      expect(outcome.failed).toEqual([]);
      const partner = (await client.search('res.partner', { domain: [['ref', '=', partnerRef]] }))[0];
      const infos = await client.searchRead('product.supplierinfo', { domain: [['partner_id', '=', partner]], fields: ['product_code', 'price', 'min_qty', 'delay', 'date_start', 'product_tmpl_id'], order: 'product_code asc' });
      track('product.supplierinfo', infos.map((i) => i.id as number));
      expect(infos.map((i) => [i.product_code, i.price, i.min_qty, i.delay, i.date_start])).toEqual([
        ['V-0', 10, 5, 3, '2026-01-01'],
        ['V-1', 11, 5, 4, '2026-01-01'],
      ]);
      await apply('supplier-price@1', rows);
      expect(await client.searchCount('product.supplierinfo', [['partner_id', '=', partner]])).toBe(2);
    });

    it('a supplier code unknown to Odoo is named in the error; the other rows still land', async () => {
      const lookups = new LookupCache(client, 60_000);
      const outcome = await planCanonicalToOdoo('supplier-price@1', [{ supplierCode: `${prefix}-NOPE`, supplierProductCode: 'X', internalRef: refs[0], price: 1, currency: 'USD', minQty: 1, uom: 'Units', leadTimeDays: 1 }], lookups);
      expect(outcome.ok).toEqual([]);
      expect(outcome.failed[0]!.error.message).toContain(`supplier code "${prefix}-NOPE"`);
    });

    it('a PO acknowledgement updates the PO lines and posts a note', async () => {
      const partner = (await client.search('res.partner', { domain: [['ref', '=', partnerRef]] }))[0]!;
      const [poId] = await fixtures.create('purchase.order', [{ partner_id: partner, order_line: productIds.map((p) => [0, 0, { product_id: p, product_qty: 10, price_unit: 5 }]) }]);
      track('purchase.order', [poId!]);
      const [po] = await client.read('purchase.order', [poId!], ['name', 'order_line']);
      const lines = po!.order_line as number[];
      const outcome = await apply('po-ack@1', {
        poNumber: po!.name, supplierCode: partnerRef, acknowledgedAt: '2026-11-20T08:00:00Z', supplierReference: 'SO-778',
        lines: [
          { lineRef: String(lines[0]), status: 'changed', confirmedQty: 8, promisedDate: '2026-12-10', price: 4.75 },
          { internalRef: refs[1], status: 'rejected', confirmedQty: 0 },
        ],
      });
      expect(outcome.failed).toEqual([]);
      const after = await client.read('purchase.order.line', lines, ['product_qty', 'price_unit', 'date_planned']);
      expect(after.map((l) => l.product_qty)).toEqual([8, 0]);
      expect(after[0]).toMatchObject({ price_unit: 4.75, date_planned: '2026-12-10 12:00:00' });
      const notes = await client.searchRead('mail.message', { domain: [['model', '=', 'purchase.order'], ['res_id', '=', poId]], fields: ['body'] });
      expect(notes.some((n) => String(n.body).includes('SO-778'))).toBe(true);

      // a quantity in another unit than the line's is refused, not written as if it were the same unit
      const lookups = new LookupCache(client, 60_000);
      const other = await planCanonicalToOdoo('po-ack@1', { poNumber: po!.name, supplierCode: partnerRef, acknowledgedAt: '2026-11-21T08:00:00Z', lines: [{ lineRef: String(lines[0]), status: 'accepted', confirmedQty: 1, uom: 'Dozens' }] }, lookups);
      expect(other.ok).toEqual([]);
      expect(other.failed[0]!.error.message).toMatch(/unit "Dozens" differs from the order line's unit "Units"/);
    });

    it("the supplier's original file is attached to the acknowledged PO once, however often and however concurrently it is sent, with a note naming the correlation id", async () => {
      const partner = (await client.search('res.partner', { domain: [['ref', '=', partnerRef]] }))[0]!;
      const [poId] = await fixtures.create('purchase.order', [{ partner_id: partner, order_line: [[0, 0, { product_id: productIds[0], product_qty: 3, price_unit: 2 }]] }]);
      track('purchase.order', [poId!]);
      const writer = new OdooWriter(client, { maxSize: 50, windowMs: 5 });
      const file = { name: `${prefix}-ack.csv`, data: Buffer.from(`po;line;qty\n${poId};1;3\n`, 'latin1') };
      const options = effectiveWriteOptions(parseNodeOptions(writeNodeSchema, { operation: 'write', model: 'purchase.order', attach: true }), undefined);
      const send = () => executeWithOriginal(client, writer, options, 'purchase.order', { id: poId, partner_ref: `${prefix}-SO` }, { base: `${prefix}-ack` }, file, `${prefix}-corr`);
      const results = await Promise.all([send(), send(), send()]);
      await send();
      const sha1 = createHash('sha1').update(file.data).digest('hex');
      const files = await client.searchRead('ir.attachment', { domain: [['res_model', '=', 'purchase.order'], ['res_id', '=', poId]], fields: ['name', 'checksum', 'file_size', 'mimetype'] });
      expect(files).toEqual([expect.objectContaining({ name: file.name, checksum: sha1, file_size: file.data.length, mimetype: 'text/csv' })]);
      expect(new Set(results.map((r) => r.attachments[0]!.id))).toEqual(new Set([files[0]!.id]));
      const notes = await client.searchRead('mail.message', { domain: [['model', '=', 'purchase.order'], ['res_id', '=', poId], ['attachment_ids', 'in', [files[0]!.id as number]]], fields: ['body', 'attachment_ids'] });
      expect(notes).toHaveLength(1);
      expect(String(notes[0]!.body)).toContain(`${prefix}-corr`);
    });

    it('inventory events change the on-hand quantity: a count sets it, an adjustment adds to it', async () => {
      const [stock] = await client.searchRead('stock.location', { domain: [['usage', '=', 'internal']], fields: ['complete_name'], order: 'id asc', limit: 1 });
      const onHand = async () => (await client.searchRead('stock.quant', { domain: [['product_id', '=', productIds[0]], ['location_id', '=', stock!.id]], fields: ['quantity'] })).reduce((n, q) => n + Number(q.quantity), 0);
      const ev = { site: 'WH', location: String(stock!.complete_name), internalRef: refs[0], uom: 'Units', occurredAt: '2026-11-22T10:00:00Z' };
      await apply('inventory-event@1', { ...ev, eventId: `${prefix}-1`, kind: 'count', quantity: 40 });
      expect(await onHand()).toBe(40);
      await apply('inventory-event@1', [{ ...ev, eventId: `${prefix}-2`, kind: 'adjust', quantity: -15 }, { ...ev, eventId: `${prefix}-3`, kind: 'adjust', quantity: 3 }]);
      expect(await onHand()).toBe(28);
      await apply('inventory-event@1', { ...ev, eventId: `${prefix}-4`, kind: 'count', quantity: 0 });
      expect(await onHand()).toBe(0);
    });

    it('a shipment notice sets quantities and dates on the PO receipt and notes the carrier', async () => {
      const partner = (await client.search('res.partner', { domain: [['ref', '=', partnerRef]] }))[0]!;
      const [poId] = await fixtures.create('purchase.order', [{ partner_id: partner, order_line: productIds.map((p) => [0, 0, { product_id: p, product_qty: 6, price_unit: 2 }]) }]);
      track('purchase.order', [poId!]);
      await fixtures.call('purchase.order', 'button_confirm', { ids: [poId!] });
      const [po] = await client.read('purchase.order', [poId!], ['name', 'order_line', 'picking_ids']);
      const lines = po!.order_line as number[];
      const outcome = await apply('shipment-notice@1', {
        asnNumber: `${prefix}-ASN`, poNumber: po!.name, supplierCode: partnerRef, shipDate: '2026-11-25', expectedArrival: '2026-11-28', carrier: 'DHL', trackingNumber: 'JD0123',
        lines: [{ lineRef: String(lines[0]), quantity: 4, uom: 'Units' }, { internalRef: refs[1], quantity: 6, uom: 'Units' }],
      });
      expect(outcome.failed).toEqual([]);
      const { pickingMoves, stockMoveQuantity } = target.version.fields;
      const [picking] = await client.read('stock.picking', po!.picking_ids as number[], ['scheduled_date', pickingMoves]);
      expect(String(picking!.scheduled_date)).toMatch(/^2026-11-28/);
      const moves = await client.read('stock.move', picking![pickingMoves] as number[], ['purchase_line_id', stockMoveQuantity]);
      expect(Object.fromEntries(moves.map((m) => [(m.purchase_line_id as [number, string])[0], m[stockMoveQuantity]]))).toEqual({ [lines[0]!]: 4, [lines[1]!]: 6 });
      const notes = await client.searchRead('mail.message', { domain: [['model', '=', 'stock.picking'], ['res_id', '=', picking!.id]], fields: ['body'] });
      expect(notes.some((n) => String(n.body).includes('JD0123'))).toBe(true);
    });

    it('a supplier invoice becomes a draft vendor bill linked to the PO lines, once however often it is sent', async () => {
      const partner = (await client.search('res.partner', { domain: [['ref', '=', partnerRef]] }))[0]!;
      const [poId] = await fixtures.create('purchase.order', [{ partner_id: partner, order_line: [[0, 0, { product_id: productIds[0], product_qty: 3, price_unit: 7 }]] }]);
      track('purchase.order', [poId!]);
      const [po] = await client.read('purchase.order', [poId!], ['name', 'order_line']);
      const invoice = {
        number: `${prefix}-INV`, supplierCode: partnerRef, poNumber: po!.name, invoiceDate: '2026-11-30', dueDate: '2026-12-30', currency: 'USD',
        lines: [{ internalRef: refs[0], quantity: 3, unitPrice: 7, lineTotal: 21 }], totals: { untaxed: 21, tax: 0, total: 21 },
      };
      const first = await apply('supplier-invoice@1', invoice);
      expect(first.failed).toEqual([]);
      const bills = await client.searchRead('account.move', { domain: [['ref', '=', invoice.number], ['move_type', '=', 'in_invoice']], fields: ['partner_id', 'invoice_date', 'state', 'invoice_line_ids', 'invoice_origin'] });
      track('account.move', bills.map((b) => b.id as number));
      expect(bills).toHaveLength(1);
      expect(bills[0]).toMatchObject({ partner_id: [partner, expect.any(String)], invoice_date: '2026-11-30', state: 'draft', invoice_origin: po!.name });
      const billLines = await client.read('account.move.line', bills[0]!.invoice_line_ids as number[], ['purchase_line_id', 'quantity', 'price_unit']);
      expect(billLines[0]).toMatchObject({ purchase_line_id: [(po!.order_line as number[])[0], expect.any(String)], quantity: 3, price_unit: 7 });
      // sent again (a retry, a duplicate upload): nothing new, no error
      const again = await apply('supplier-invoice@1', invoice);
      expect(again.failed).toEqual([]);
      expect(await client.searchCount('account.move', [['ref', '=', invoice.number], ['move_type', '=', 'in_invoice']])).toBe(1);
      expect(await client.searchCount('account.move.line', [['move_id', '=', bills[0]!.id], ['purchase_line_id', '!=', false]])).toBe(1);
    });

    it('a purchase order from another system becomes a draft RFQ in Odoo, once per number however often it is sent', async () => {
      const order = {
        number: `${prefix}-PO`, supplierCode: partnerRef, orderDate: '2026-11-22', currency: 'USD',
        lines: [
          { internalRef: refs[0], quantity: 12, uom: 'Units', price: 3.5, requestedDate: '2026-12-01' },
          { internalRef: refs[1], quantity: 2, uom: 'Dozens', price: 30, description: 'two dozen, boxed' },
        ],
      };
      const first = await apply('purchase-order@1', order);
      expect(first.failed).toEqual([]);
      const pos = await client.searchRead('purchase.order', { domain: [['origin', '=', order.number]], fields: ['partner_id', 'state', 'order_line'] });
      track('purchase.order', pos.map((p) => p.id as number));
      expect(pos).toHaveLength(1);
      expect(pos[0]!.state).toBe('draft');
      const uom = target.version.fields.purchaseLineUom;
      const lines = await client.read('purchase.order.line', pos[0]!.order_line as number[], ['product_id', 'product_qty', 'price_unit', uom, 'name', 'date_planned']);
      expect(lines.map((l) => [(l.product_id as [number, string])[0], l.product_qty, l.price_unit, (l[uom] as [number, string])[1]])).toEqual([
        [productIds[0], 12, 3.5, 'Units'],
        [productIds[1], 2, 30, 'Dozens'],
      ]);
      expect(lines[1]!.name).toBe('two dozen, boxed');
      expect(String(lines[0]!.date_planned)).toMatch(/^2026-12-01/);
      // sent twice more, once in the same message: still one RFQ with its two lines
      const again = await apply('purchase-order@1', [order, order]);
      expect(again.failed).toEqual([]);
      expect(await client.searchCount('purchase.order', [['origin', '=', order.number]])).toBe(1);
      expect(await client.searchCount('purchase.order.line', [['order_id', '=', pos[0]!.id]])).toBe(2);
    });
  });
});
