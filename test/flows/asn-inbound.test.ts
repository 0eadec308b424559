/**
 * flows/asn-inbound.json as committed: Iberia's shipment notice, by HTTP and
 * from its SFTP folder, sets the shipped quantities and the expected arrival
 * on the open receipt of P00043 in the sandbox Odoo, with a chatter note.
 */
import { createHash } from 'node:crypto';
import { until } from '../helpers/red';
import { harness, sample, TOKENS, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await harness('asn-inbound');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const IBERIA = TOKENS.SUPPLIER_TOKEN_IBERIA_PACKAGING as string;
function receipt() {
  const s = h.sandbox.store;
  const po = s.read('purchase.order', [h.demo.orders.P00043], ['picking_ids'])[0]!;
  const picking = s.read('stock.picking', po.picking_ids as number[], ['state', 'scheduled_date', 'picking_type_code'])[0]!;
  const moves = s.read('stock.move', s.search('stock.move', [['picking_id', '=', picking.id]]), ['product_id', 'quantity', 'product_uom_qty']);
  const code = (m: any) => s.read('product.product', [m.product_id[0]], ['default_code'])[0]!.default_code as string;
  const notes = s.read('mail.message', s.search('mail.message', [['model', '=', 'stock.picking'], ['res_id', '=', picking.id]]), ['body']).map((m) => String(m.body));
  return { picking, moves: Object.fromEntries(moves.map((m) => [code(m), m])), notes };
}

it('an HTTP shipment notice fills the receipt: shipped quantities, expected arrival, carrier and tracking in the chatter', async () => {
  const up = await h.post('/suppliers/iberia-packaging/shipment-notice', sample('iberia-packaging.shipment-notice.sample.json'), IBERIA, { 'Content-Type': 'application/json' });
  expect(up.status).toBe(202);
  expect(await h.finished(up.body.statusUrl, IBERIA)).toMatchObject({ state: 'done', applied: [1], refused: [] });
  const r = receipt();
  expect(r.picking).toMatchObject({ picking_type_code: 'incoming' });
  expect(r.picking.state).not.toBe('done'); // the warehouse validates it when the goods arrive
  expect(String(r.picking.scheduled_date).slice(0, 10)).toBe('2026-03-18');
  expect([r.moves.PACK_4030!.quantity, r.moves.PACK_4060!.quantity, r.moves.PACK_TAPE48!.quantity]).toEqual([1200, 1200, 30]);
  expect([r.moves.PACK_4030!.product_uom_qty, r.moves.PACK_4060!.product_uom_qty]).toEqual([1200, 1200]); // the demand stays as ordered
  expect(r.notes.find((b) => b.includes('ALB-2026-0315'))).toMatch(/shipped 2026-03-15, expected 2026-03-18, carrier SEUR, tracking SEUR123456789ES/);
});

it('a notice from the SFTP folder is applied and archived; a line Iberia does not sell us is refused with the reason', async () => {
  const doc = JSON.parse(sample('iberia-packaging.shipment-notice.sample.json').toString('utf8'));
  doc['Número de envío'] = 'ALB-2026-0316';
  doc['Líneas'] = [{ 'Línea pedido': '1', Código: 'IB-CAJA-40', Cantidad: '1.150', Unidad: 'UD' }];
  h.sshd.put(`${h.sshd.home}/suppliers/iberia-packaging/asn/alb-0316.json`, JSON.stringify(doc), new Date(Date.now() - 60_000));
  await until(() => receipt().moves.PACK_4030!.quantity === 1150, 'the SFTP notice applied', 20_000);
  await until(() => h.sshd.ls(`${h.sshd.home}/suppliers/iberia-packaging/asn/archive`).some((f) => f.startsWith('alb-0316.')), 'the file archived', 10_000);

  doc['Número de envío'] = 'ALB-2026-0317';
  doc['Líneas'] = [{ Código: 'IB-PALET-1', Cantidad: '2', Unidad: 'UD' }];
  const up = await h.post('/suppliers/iberia-packaging/shipment-notice', JSON.stringify(doc), IBERIA);
  const status = await h.finished(up.body.statusUrl, IBERIA);
  expect(status).toMatchObject({ state: 'done', applied: [], refused: [{ line: 1, problems: [expect.stringMatching(/line 1: supplier product code "IB-PALET-1" is not in this supplier's vendor prices/)] }] });
  expect(receipt().moves.PACK_4030!.quantity).toBe(1150);
});

it('a shipment notice file is attached to the receipt once, and its note names the correlation id', async () => {
  const doc = JSON.parse(sample('iberia-packaging.shipment-notice.sample.json').toString('utf8'));
  doc['Número de envío'] = 'ALB-2026-0318';
  const bytes = Buffer.from(JSON.stringify(doc));
  h.sshd.put(`${h.sshd.home}/suppliers/iberia-packaging/asn/alb-0318.json`, bytes, new Date(Date.now() - 60_000));
  const s = h.sandbox.store;
  const picking = () => receipt().picking.id;
  const files = () => s.read('ir.attachment', s.search('ir.attachment', [['res_model', '=', 'stock.picking'], ['res_id', '=', picking()], ['name', '=', 'alb-0318.json']]), ['datas', 'mimetype']);
  await until(() => files().length === 1 && receipt().notes.some((b) => b.includes('ALB-2026-0318')), 'the notice file on the receipt, and its note', 20_000);
  expect(Buffer.from(String(files()[0]!.datas), 'base64').equals(bytes)).toBe(true);
  const note = s.read('mail.message', s.search('mail.message', [['model', '=', 'stock.picking'], ['res_id', '=', picking()]]), ['body', 'attachment_ids']).find((m) => String(m.body).includes('ALB-2026-0318'))!;
  expect(String(note.body)).toMatch(/Correlation id: [0-9a-f-]{36}/);
  expect(note.attachment_ids).toEqual([files()[0]!.id]);

  // the same bytes again, uploaded: a note for that upload, and the receipt keeps one copy of the file
  const up = await h.post('/suppliers/iberia-packaging/shipment-notice', bytes, IBERIA);
  expect(await h.finished(up.body.statusUrl, IBERIA)).toMatchObject({ state: 'done', applied: [1] });
  expect(receipt().notes.filter((b) => b.includes('ALB-2026-0318'))).toHaveLength(2);
  expect(files()).toHaveLength(1);
  expect(s.search('ir.attachment', [['res_model', '=', 'stock.picking'], ['res_id', '=', picking()], ['checksum', '=', createHash('sha1').update(bytes).digest('hex')]])).toHaveLength(1);
}, 60_000);
