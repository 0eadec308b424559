/**
 * Purchase orders out of Odoo (the sandbox) as purchase-order@1, and
 * canonical objects written in a supplier's own format, read back by the
 * package's inbound reader as the supplier would read them.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { OdooClient } from '../../lib/odoo/client';
import { purchaseOrdersFromOdoo, odooDateIn } from '../../lib/canonical/from-odoo';
import { compileOutbound, encodeText, formatNumber } from '../../lib/canonical/outbound';
import { decodeFile } from '../../lib/canonical/file';
import { startSandbox, Sandbox } from '../../sandbox/odoo/server';

const SPEC = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'mappings', 'acme-tools.purchase-order.json'), 'utf8'));
let sandbox: Sandbox;
let client: OdooClient;
beforeAll(async () => {
  sandbox = await startSandbox();
  client = new OdooClient({ url: sandbox.url, database: sandbox.database, secret: sandbox.apiKey, protocol: 'json2' });
});
afterAll(async () => {
  client.close();
  await sandbox.close();
});

const product = (code: string) => sandbox.store.search('product.product', [['default_code', '=', code]])[0] as number;
const acme = () => sandbox.store.search('res.partner', [['ref', '=', 'SUP-ACME']])[0] as number;
function po(lines: Array<[string, number, number, number?]>): number {
  return sandbox.store.create('purchase.order', {
    partner_id: acme(),
    date_order: '2026-11-30 23:30:00',
    order_line: lines.map(([code, qty, price, uom]) => [0, 0, { product_id: product(code), product_qty: qty, price_unit: price, product_uom_id: uom ?? 1, name: `${code} für Lager`, date_planned: '2026-12-10 12:00:00' }]),
  });
}

describe('purchase orders from Odoo', () => {
  it('reads orders with their lines, our references and the supplier codes, in a fixed number of calls for any batch size', async () => {
    const one = po([['FAS-BOLT-M8', 10, 6.9], ['TLS-GLOVES-L', 2, 15, 3]]);
    const more = Array.from({ length: 19 }, (_, i) => po([['PKG-TAPE-50', i + 1, 1.05], ['TLS-DRILL-18V', 1, 71]]));
    const r = await purchaseOrdersFromOdoo(client, [one, ...more]);
    expect(r.failed).toEqual([]);
    expect(r.ok).toHaveLength(20);
    // orders, lines, products+vendors+units, vendor prices: not one call per order
    expect(r.calls).toBeLessThanOrEqual(6);
    const name = sandbox.store.read('purchase.order', one, ['name'])[0]!.name;
    const lines = sandbox.store.search('purchase.order.line', [['order_id', '=', one]]);
    expect(r.ok[0]!.payload).toEqual({
      number: name,
      supplierCode: 'SUP-ACME',
      orderDate: '2026-11-30',
      currency: 'USD',
      lines: [
        { lineRef: String(lines[0]), internalRef: 'FAS-BOLT-M8', supplierProductCode: 'AC-M8-40', description: 'FAS-BOLT-M8 für Lager', quantity: 10, uom: 'Units', price: 6.9, requestedDate: '2026-12-10' },
        { lineRef: String(lines[1]), internalRef: 'TLS-GLOVES-L', supplierProductCode: 'AC-WG-L-DZ', description: 'TLS-GLOVES-L für Lager', quantity: 2, uom: 'Dozens', price: 15, requestedDate: '2026-12-10' },
      ],
    });
    // the order date is the day in the user's time zone
    expect((await purchaseOrdersFromOdoo(client, [one], { tz: 'Europe/Berlin' })).ok[0]!.payload.orderDate).toBe('2026-12-01');
    expect(odooDateIn('2026-11-30 23:30:00', 'America/Chicago')).toBe('2026-11-30');
  });

  it('an order that cannot be one fails alone, naming the order and the reason', async () => {
    const good = po([['FAS-NUT-M8', 5, 2.1]]);
    const noRef = sandbox.store.create('product.product', { name: 'No reference' });
    const bad = sandbox.store.create('purchase.order', { partner_id: acme(), order_line: [[0, 0, { product_id: noRef, product_qty: 1, price_unit: 1, product_uom_id: 1, name: 'x' }]] });
    const r = await purchaseOrdersFromOdoo(client, [good, bad, 999_999]);
    expect(r.ok.map((o) => o.id)).toEqual([good]);
    expect(r.failed.map((f) => f.id)).toEqual([bad, 999_999]);
    expect(r.failed[0]!.error.message).toMatch(/without an internal reference/);
    expect(r.failed[1]!.error.message).toMatch(/does not exist/);
  });
});

describe('canonical to the supplier format', () => {
  const order = {
    number: 'P00042', supplierCode: 'SUP-ACME', orderDate: '2026-12-01', currency: 'EUR',
    lines: [
      { lineRef: '7', internalRef: 'FAS-BOLT-M8', supplierProductCode: 'AC-M8-40', description: 'Sechskantschraube M8; "verzinkt"', quantity: 1250.5, uom: 'Units', price: 6.9, requestedDate: '2026-12-10' },
      { lineRef: '8', internalRef: 'TLS-GLOVES-L', quantity: 2, uom: 'Dozens', price: 15 },
    ],
  };

  it('CSV in windows-1252 with decimal commas, dates and the supplier codes; the inbound reader reads it back', async () => {
    const out = compileOutbound(SPEC);
    const file = await out.write(order, { revision: 2 });
    expect(file.fileName).toBe('PO_P00042_R2.csv');
    expect(file.bytes.includes(Buffer.from([0xe4]))).toBe(true); // ä of Währung, one byte in windows-1252
    const decoded = decodeFile(file.bytes, { encoding: 'windows-1252' });
    const text = decoded.text;
    expect(text.split('\r\n')).toEqual([
      'Bestellnr;Revision;Lieferant;Bestelldatum;Pos;Art.-Nr.;Unsere Nr.;Bezeichnung;Menge;Einheit;Preis;Währung;Liefertermin',
      'P00042;2;SUP-ACME;01.12.2026;7;AC-M8-40;FAS-BOLT-M8;"Sechskantschraube M8; ""verzinkt""";1250,500;Stk;6,90;EUR;10.12.2026',
      'P00042;2;SUP-ACME;01.12.2026;8;;TLS-GLOVES-L;;2,000;Dtz;15,00;EUR;',
      '',
    ]);
  });

  it('XLSX and JSON from the same columns', async () => {
    const xlsx = await compileOutbound({ ...SPEC, output: { format: 'xlsx', sheet: 'Bestellung', fileName: '{number}.xlsx' } }).write(order, { revision: 1 });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.bytes as any);
    const ws = wb.getWorksheet('Bestellung')!;
    expect(ws.getRow(1).getCell(9).value).toBe('Menge');
    expect(ws.getRow(2).getCell(6).value).toBe('AC-M8-40');
    // numbers stay numbers in a sheet: the supplier's Excel shows them in its locale
    expect(ws.getRow(2).getCell(9).value).toBe(1250.5);
    const json = await compileOutbound({ ...SPEC, output: { format: 'json', encoding: 'utf-8' } }).write(order, { revision: 1 });
    expect(json.fileName).toBe('P00042.json');
    expect(JSON.parse(json.bytes.toString('utf8'))[1]).toMatchObject({ Bestellnr: 'P00042', Einheit: 'Dtz', Menge: '2,000' });
  });

  it('refuses a bad spec at deploy and a value it cannot write, naming them', async () => {
    expect(() => compileOutbound({ ...SPEC, columns: [{ name: 'X', path: 'lines[].quantity' }], rows: undefined })).toThrow(/needs "rows": "lines"/);
    expect(() => compileOutbound({ ...SPEC, columns: [{ name: 'X', path: 'number', map: 'nope' }] })).toThrow(/map "nope"/);
    expect(() => compileOutbound({ ...SPEC, schema: 'nothing@1' })).toThrow(/unknown canonical schema/);
    await expect(compileOutbound(SPEC).write({ ...order, lines: [{ ...order.lines[0], uom: 'Pallets' }] })).rejects.toThrow(/"Pallets" is not in map "units"/);
    await expect(compileOutbound(SPEC).write({ ...order, lines: [{ ...order.lines[0], description: 'Ω' }] })).rejects.toThrow(/cannot be written in windows-1252/);
    await expect(compileOutbound(SPEC).write({ number: 'P1' })).rejects.toThrow(/not a valid purchase-order@1/);
    expect(formatNumber(1234567.891, { decimal: ',', thousands: '.', decimals: 2 })).toBe('1.234.567,89');
    expect(encodeText('€', 'windows-1252')).toEqual(Buffer.from([0x80]));
  });
});
