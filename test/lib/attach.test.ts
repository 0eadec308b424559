/**
 * The audit trail's attachments against the sandbox Odoo, over JSON-2 and
 * XML-RPC: ir.attachment as Odoo 19 keeps it (base64 `datas`, SHA-1
 * `checksum`, `file_size`, a MIME type guessed from the name), a file
 * attached once per record however often and however concurrently it is
 * sent, and the note linking it where the model has a chatter.
 */
import { createHash } from 'node:crypto';
import { OdooClient } from '../../lib/odoo/client';
import { attachFile, executeWithOriginal, mimetypeOf, originalOfMessage, safeFileName } from '../../lib/odoo/attach';
import { effectiveWriteOptions, parseNodeOptions, writeNodeSchema } from '../../lib/odoo/options';
import { OdooWriter } from '../../lib/odoo/writer';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(() => sandbox.close());
afterEach(() => sandbox.clearFaults());

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const filesOn = (model: string, id: number) => sandbox.store.read('ir.attachment', sandbox.store.search('ir.attachment', [['res_model', '=', model], ['res_id', '=', id]]), ['name', 'datas', 'mimetype', 'checksum', 'file_size']);
const notesOn = (model: string, id: number) => sandbox.store.read('mail.message', sandbox.store.search('mail.message', [['model', '=', model], ['res_id', '=', id]]), ['body', 'attachment_ids']);

describe('sandbox ir.attachment (as Odoo 19)', () => {
  it('keeps base64 datas with their SHA-1 checksum and size, guesses the MIME type from the name, refuses bytes that are not base64', () => {
    const s = sandbox.store;
    const bytes = Buffer.from('sku;price\nA-1;1,20\n', 'latin1');
    const id = s.create('ir.attachment', { name: 'prices.csv', datas: bytes.toString('base64'), res_model: 'res.partner', res_id: 1 });
    expect(s.read('ir.attachment', [id], ['checksum', 'file_size', 'mimetype', 'type'])[0]).toMatchObject({ checksum: sha1(bytes), file_size: bytes.length, mimetype: 'text/csv', type: 'binary' });
    expect(s.search('ir.attachment', [['checksum', '=', sha1(bytes)], ['res_model', '=', 'res.partner'], ['res_id', '=', 1]])).toEqual([id]);
    expect(s.read('ir.attachment', [s.create('ir.attachment', { name: 'blob', datas: 'AAEC' })], ['mimetype'])[0]!.mimetype).toBe('application/octet-stream');
    expect(() => s.create('ir.attachment', { name: 'bad', datas: 'not base64!' })).toThrow(/Incorrect padding/);
  });
});

describe.each(['json2', 'xmlrpc'] as const)('attach over %s', (protocol) => {
  let client: OdooClient;
  let writer: OdooWriter;
  beforeAll(() => {
    client = new OdooClient({ url: sandbox.url, database: sandbox.database, secret: sandbox.apiKey, login: sandbox.login, protocol });
    writer = new OdooWriter(client, { maxSize: 50, windowMs: 5 });
  });
  afterAll(() => client.close());

  it('a file sent to one record three times at once, and once more later, is one attachment with the same bytes', async () => {
    const po = sandbox.store.search('purchase.order', [], { limit: 1 })[0] as number;
    const file = { name: `ack-${protocol}.json`, data: Buffer.from(JSON.stringify({ ack: protocol, at: Date.now() })) };
    const results = await Promise.all([1, 2, 3].map(() => attachFile(writer, 'purchase.order', [po], file)));
    const again = await attachFile(writer, 'purchase.order', [po], file);
    const mine = filesOn('purchase.order', po).filter((f) => f.checksum === sha1(file.data));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ name: file.name, mimetype: 'application/json', file_size: file.data.length });
    expect(Buffer.from(String(mine[0]!.datas), 'base64').equals(file.data)).toBe(true);
    expect([...results.flat(), ...again].map((r) => [r.id, r.action]).sort()).toEqual([
      [mine[0]!.id, 'attached'],
      [mine[0]!.id, 'unchanged'],
      [mine[0]!.id, 'unchanged'],
      [mine[0]!.id, 'unchanged'],
    ]);
    // other bytes are another file
    const other = await attachFile(writer, 'purchase.order', [po], { ...file, data: Buffer.from(`other bytes ${protocol}`) });
    expect(other[0]).toMatchObject({ action: 'attached' });
    expect(other[0]!.id).not.toBe(mine[0]!.id);
  });

  it("a created record gets the file and a note linking it; a model without a chatter gets the file only; the document's default_type does not reach the attachment", async () => {
    const options = effectiveWriteOptions(parseNodeOptions(writeNodeSchema, { operation: 'create', model: 'res.partner', attach: true, context: JSON.stringify({ default_type: 'contact' }) }), undefined);
    expect(options.attachHere).toBe(true);
    const file = { name: 'card.txt', data: Buffer.from(`partner card ${protocol}`) };
    const r = await executeWithOriginal(client, writer, options, 'res.partner', { name: `Audited ${protocol}` }, { base: `msg-${protocol}` }, file, `corr-${protocol}`);
    const id = r.results[0]!.id as number;
    expect(filesOn('res.partner', id)).toEqual([expect.objectContaining({ name: 'card.txt', mimetype: 'text/plain' })]);
    const notes = notesOn('res.partner', id);
    expect(notes).toHaveLength(1);
    expect(String(notes[0]!.body)).toContain(`correlation id corr-${protocol}`);
    expect(notes[0]!.attachment_ids).toEqual([r.attachments[0]!.id]);
    // the same message again: the same partner (its create is keyed), no second file, no second note
    const replay = await executeWithOriginal(client, writer, options, 'res.partner', { name: `Audited ${protocol}` }, { base: `msg-${protocol}` }, file, `corr-${protocol}`);
    expect(replay.results[0]!.id).toBe(id);
    expect(filesOn('res.partner', id)).toHaveLength(1);
    expect(notesOn('res.partner', id)).toHaveLength(1);

    // product.supplierinfo has no chatter
    const tmpl = sandbox.store.search('product.template', [], { limit: 1 })[0] as number;
    const partner = sandbox.store.search('res.partner', [['ref', '!=', false]], { limit: 1 })[0] as number;
    const info = effectiveWriteOptions(parseNodeOptions(writeNodeSchema, { operation: 'create', model: 'product.supplierinfo', attach: true }), undefined);
    const w = await executeWithOriginal(client, writer, info, 'product.supplierinfo', { partner_id: partner, product_tmpl_id: tmpl, price: 1, min_qty: 7 }, { base: `info-${protocol}` }, file);
    expect(filesOn('product.supplierinfo', w.results[0]!.id as number)).toHaveLength(1);
  });
});

describe('what the attachment is called', () => {
  it('the file name without any directory, a name for an upload without one, the MIME type from the extension', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\suppliers\\ack 1.json')).toBe('ack 1.json');
    expect(safeFileName('..')).toBe('supplier-file');
    expect(originalOfMessage({ payload: Buffer.from('x'), file: { name: 'acks/ack-7.json' } })).toEqual({ name: 'ack-7.json', data: Buffer.from('x') });
    expect(originalOfMessage({ payload: 'a;b', intake: { supplier: 'acme-tools', document: 'price-list', receivedAt: '2026-03-01T10:00:00.000Z', contentType: 'text/csv; charset=utf-8' } })!.name).toBe('acme-tools-price-list-2026-03-01T100000000.csv');
    expect(originalOfMessage({ payload: 'a;b', intake: { supplier: 'acme-tools', document: 'price-list' } }, 'json')!.name).toBe('acme-tools-price-list.json');
    // canonical objects are not a file
    expect(originalOfMessage({ payload: { poNumber: 'P1' }, file: { name: 'x.json' } })).toBeUndefined();
    expect([mimetypeOf('a.csv'), mimetypeOf('a.xlsx'), mimetypeOf('a.json'), mimetypeOf('a')]).toEqual(['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/json', 'application/octet-stream']);
  });

  it('in msg mode only the writes the plan marks are attached, and only with the option on', () => {
    const on = parseNodeOptions(writeNodeSchema, { operation: 'msg', attach: true });
    const off = parseNodeOptions(writeNodeSchema, { operation: 'msg' });
    expect(effectiveWriteOptions(on, { operation: 'note', model: 'purchase.order', attach: true }).attachHere).toBe(true);
    expect(effectiveWriteOptions(on, { operation: 'write', model: 'purchase.order.line' }).attachHere).toBe(false);
    expect(effectiveWriteOptions(off, { operation: 'note', model: 'purchase.order', attach: true }).attachHere).toBe(false);
  });
});
