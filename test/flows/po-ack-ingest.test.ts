/**
 * flows/po-ack-ingest.json as committed: Nordic's acknowledgement, by HTTP and
 * from its SFTP folder, updates the lines of P00042 in the sandbox Odoo
 * (quantities, promised dates, prices); what the supplier did not confirm as
 * ordered is an exception on the MQTT topic and in the order's chatter.
 */
import { createHash, randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { until } from '../helpers/red';
import { itWithBroker, MQTT_URL } from '../helpers/mqtt';
import { harness, sample, TOKENS, type Harness } from './harness';

const TOPIC = `test/exceptions/${randomUUID()}`;
let h: Harness;
let client: mqtt.MqttClient | undefined;
const exceptions: any[] = [];

beforeAll(async () => {
  h = await harness('po-ack-ingest', { MQTT_URL, EXCEPTIONS_TOPIC: TOPIC });
  client = mqtt.connect(MQTT_URL, { reconnectPeriod: 0, connectTimeout: 3000 });
  await new Promise<void>((resolve) => {
    client!.once('connect', () => client!.subscribe(TOPIC, { qos: 1 }, () => resolve()));
    client!.once('error', () => resolve());
  });
  client.on('message', (_t, p) => exceptions.push(JSON.parse(p.toString())));
}, 60_000);
afterAll(async () => {
  await client?.endAsync();
  await h?.close();
});

const NORDIC = TOKENS.SUPPLIER_TOKEN_NORDIC_FASTENERS as string;
const lines = () => {
  const s = h.sandbox.store;
  const po = s.read('purchase.order', [h.demo.orders.P00042], ['order_line'])[0]!;
  const rows = s.read('purchase.order.line', po.order_line as number[], ['product_id', 'product_qty', 'date_planned', 'price_unit']);
  return Object.fromEntries(rows.map((r) => [s.read('product.product', [(r.product_id as [number, string])[0]], ['default_code'])[0]!.default_code as string, r]));
};
const notes = () => h.sandbox.store.read('mail.message', h.sandbox.store.search('mail.message', [['model', '=', 'purchase.order'], ['res_id', '=', h.demo.orders.P00042]]), ['body']).map((m) => String(m.body));

itWithBroker('an HTTP acknowledgement updates the order lines; rejected, changed and backordered lines are an exception on MQTT and in the chatter', async () => {
  const up = await h.post('/suppliers/nordic-fasteners/po-ack', sample('nordic-fasteners.po-ack.sample.json'), NORDIC, { 'Content-Type': 'application/json' });
  expect(up.status).toBe(202);
  const status = await h.finished(up.body.statusUrl, NORDIC);
  expect(status).toMatchObject({ state: 'done', file: { format: 'json', rows: 1 }, applied: [1], refused: [] });

  const l = lines();
  expect([l.NORD_M8_40!.product_qty, l.NORD_M10_60!.product_qty, l.NORD_WASH_8!.product_qty, l.NORD_NUT_M8!.product_qty]).toEqual([1500, 240, 0, 250]);
  expect(String(l.NORD_M8_40!.date_planned).slice(0, 10)).toBe('2026-04-07');
  expect(String(l.NORD_NUT_M8!.date_planned).slice(0, 10)).toBe('2026-05-04');
  expect(String(l.NORD_WASH_8!.date_planned).slice(0, 10)).toBe('2026-04-01'); // rejected: no date sent, left as ordered
  expect(l.NORD_M10_60!.price_unit).toBeCloseTo(0.2);

  // the chatter says what differs from the order, line by line
  const note = notes().find((b) => b.includes('NF-ACK-88123'));
  expect(note).toMatch(/<strong>Exception<\/strong>: the supplier did not confirm 4 lines as ordered/);
  expect(note).toMatch(/Hex bolt M8x40: date 2026-04-01 → 2026-04-07/);
  expect(note).toMatch(/Hex bolt M10x60: changed, quantity 200 → 240, date 2026-04-01 → 2026-04-14/);
  expect(note).toMatch(/Washer 8 mm: rejected/);
  expect(note).toMatch(/Hex nut M8: backordered, quantity 300 → 250/);

  // and the exceptions topic has the lines the supplier did not accept
  await until(() => exceptions.length > 0, 'an exception on MQTT', 10_000);
  expect(exceptions).toHaveLength(1);
  expect(exceptions[0]).toMatchObject({ kind: 'po-ack', poNumber: 'P00042', supplierCode: 'NORDIC-FAST', supplierReference: 'NF-ACK-88123', correlationId: up.body.correlationId });
  expect(exceptions[0].lines.map((x: any) => [x.supplierProductCode, x.status, x.confirmedQty])).toEqual([
    ['NF-M10-60', 'changed', 240],
    ['NF-WASH-8', 'rejected', 0],
    ['NF-NUT-M8', 'backordered', 250],
  ]);
});

itWithBroker('an acknowledgement from the SFTP folder is applied, and a fully accepted one raises no exception', async () => {
  const before = exceptions.length;
  const doc = JSON.parse(sample('nordic-fasteners.po-ack.sample.json').toString('utf8'));
  doc.orderAck.ackId = 'NF-ACK-88124';
  doc.orderAck.items = [{ pos: 10, article: 'NF-M8-40', state: 'OK', qty: { value: '1 500', unit: 'PCE' }, unitPrice: 0.11, deliveryDate: '2026-04-07' }];
  h.sshd.put(`${h.sshd.home}/suppliers/nordic-fasteners/acks/ack-88124.json`, JSON.stringify(doc), new Date(Date.now() - 60_000));
  await until(() => lines().NORD_M8_40!.price_unit === 0.11, 'the SFTP acknowledgement applied', 20_000);
  await until(() => notes().some((b) => b.includes('NF-ACK-88124')), 'its chatter note', 10_000);
  expect(notes().find((b) => b.includes('NF-ACK-88124'))).not.toMatch(/Exception/);
  await until(() => h.sshd.ls(`${h.sshd.home}/suppliers/nordic-fasteners/acks/archive`).some((f) => f.startsWith('ack-88124.')), 'the file archived', 10_000);
  await new Promise((r) => setTimeout(r, 300));
  expect(exceptions.length).toBe(before);
});

it('an acknowledgement for an order of another supplier is refused, and the status URL says why', async () => {
  const doc = JSON.parse(sample('nordic-fasteners.po-ack.sample.json').toString('utf8'));
  doc.orderAck.customerOrderRef = 'P00043'; // Iberia's order
  const up = await h.post('/suppliers/nordic-fasteners/po-ack', JSON.stringify(doc), NORDIC);
  expect(up.status).toBe(202);
  const status = await h.finished(up.body.statusUrl, NORDIC);
  expect(status).toMatchObject({ state: 'done', applied: [], refused: [{ line: 1, problems: [expect.stringMatching(/purchase order "P00043" belongs to another supplier than "NORDIC-FAST"/)] }] });
  expect(lines().NORD_M8_40!.product_qty).toBe(1500);
});

describe('audit trail', () => {
  const s = () => h.sandbox.store;
  const orderFiles = () => s().read('ir.attachment', s().search('ir.attachment', [['res_model', '=', 'purchase.order'], ['res_id', '=', h.demo.orders.P00042]]), ['name', 'datas', 'mimetype', 'checksum']);
  const ackNotes = (ref: string) => s().read('mail.message', s().search('mail.message', [['model', '=', 'purchase.order'], ['res_id', '=', h.demo.orders.P00042]]), ['body', 'attachment_ids']).filter((m) => String(m.body).includes(ref));

  it('an acknowledgement file is attached to the order once, its chatter note links it and names the correlation id, though the note failed once and the message was retried', async () => {
    const doc = JSON.parse(sample('nordic-fasteners.po-ack.sample.json').toString('utf8'));
    doc.orderAck.ackId = 'NF-ACK-88125';
    const bytes = Buffer.from(JSON.stringify(doc, null, 1));
    const sum = createHash('sha1').update(bytes).digest('hex');
    // the file is attached, then the note fails: the retried message finds the file and posts the note once
    h.sandbox.inject({ model: 'purchase.order', method: 'message_post', httpStatus: 503, times: 1 });
    const up = await h.post('/suppliers/nordic-fasteners/po-ack', bytes, NORDIC);
    expect(up.status).toBe(202);
    expect(await h.finished(up.body.statusUrl, NORDIC, 30_000)).toMatchObject({ state: 'done', applied: [1] });
    const files = orderFiles().filter((f) => f.checksum === sum);
    expect(files).toHaveLength(1);
    expect(Buffer.from(String(files[0]!.datas), 'base64').equals(bytes)).toBe(true);
    expect(files[0]).toMatchObject({ mimetype: 'application/json', name: expect.stringMatching(/^nordic-fasteners-po-ack-.*\.json$/) });
    const notes = ackNotes('NF-ACK-88125');
    expect(notes).toHaveLength(1);
    expect(String(notes[0]!.body)).toContain(`Correlation id: ${up.body.correlationId}`);
    expect(notes[0]!.attachment_ids).toEqual([files[0]!.id]);

    // the same file again: a note for the new upload, the file still once on the order
    const again = await h.post('/suppliers/nordic-fasteners/po-ack', bytes, NORDIC);
    expect(await h.finished(again.body.statusUrl, NORDIC)).toMatchObject({ state: 'done', applied: [1] });
    expect(orderFiles().filter((f) => f.checksum === sum).map((f) => f.id)).toEqual([files[0]!.id]);
    const after = ackNotes('NF-ACK-88125');
    expect(after).toHaveLength(2);
    expect(after.every((n) => (n.attachment_ids as number[]).join() === String(files[0]!.id))).toBe(true);
    expect(after.some((n) => String(n.body).includes(`Correlation id: ${again.body.correlationId}`))).toBe(true);
  }, 60_000);

  it('an acknowledgement from the SFTP folder is attached under its file name', async () => {
    const doc = JSON.parse(sample('nordic-fasteners.po-ack.sample.json').toString('utf8'));
    doc.orderAck.ackId = 'NF-ACK-88126';
    const bytes = Buffer.from(JSON.stringify(doc));
    h.sshd.put(`${h.sshd.home}/suppliers/nordic-fasteners/acks/ack-88126.json`, bytes, new Date(Date.now() - 60_000));
    await until(() => orderFiles().some((f) => f.name === 'ack-88126.json'), 'the SFTP file attached', 20_000);
    const [file] = orderFiles().filter((f) => f.name === 'ack-88126.json');
    expect(Buffer.from(String(file!.datas), 'base64').equals(bytes)).toBe(true);
    await until(() => ackNotes('NF-ACK-88126').length === 1, 'its note', 10_000);
    expect(ackNotes('NF-ACK-88126')[0]!.attachment_ids).toEqual([file!.id]);
  }, 40_000);
});
