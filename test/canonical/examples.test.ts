/** The example mappings for three fictional suppliers, run on their sample files. */
import { compileOutbound } from '../../lib/canonical/outbound';
import * as fs from 'fs';
import { compileMapping, MappingSpecError } from '../../lib/canonical';
import { EXAMPLES, loadExample, readSemicolonCsv } from './fixtures';

describe('mappings', () => {
  it('every example spec compiles', () => {
    const specs = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.json') && !f.includes('.sample.'));
    expect(specs.length).toBeGreaterThanOrEqual(4);
    for (const file of specs) {
      try {
        const spec = loadExample(file) as { direction?: string };
        if (spec.direction === 'from-canonical') compileOutbound(spec);
        else compileMapping(spec);
      } catch (e) {
        throw new Error(`${file}: ${(e as MappingSpecError).message}`);
      }
    }
  });

  it('ACME Tools: semicolon CSV with decimal commas, German dates, blank and duplicate rows, bad rows', async () => {
    const rows = readSemicolonCsv('acme-tools.price-list.sample.csv');
    const res = await compileMapping(loadExample('acme-tools.price-list.json')).mapMany(rows);
    expect(res.valid.map((v) => v.row)).toEqual([1, 2, 3]);
    expect(res.valid[1].value).toEqual({
      supplierCode: 'ACME-TOOLS',
      supplierProductCode: 'A-1002',
      internalRef: 'FURN_1002',
      productName: 'Bithalter magnetisch',
      price: 102.875, // 1.234,50 per Dtz
      currency: 'EUR',
      minQty: 24, // 2 Dtz
      uom: 'Units',
      leadTimeDays: 10,
      validFrom: '2026-01-01',
      validTo: '2026-12-31',
      discountPercent: 2.5,
    });
    expect(res.valid[2].value).toMatchObject({ price: 3.99, minQty: 10, currency: 'EUR' }); // VE10 = pack of 10
    expect(res.skippedBlank).toEqual([4]);
    expect(res.invalid.map((x) => [x.row, x.problems.map((p) => `${p.kind}:${p.path}`)])).toEqual([
      [5, ['duplicate:supplierCode+supplierProductCode+minQty']],
      [6, ['format:price']],
      [7, ['value:price', 'value:minQty', 'format:validFrom']],
    ]);
    expect(res.invalid[0].problems[0].duplicateOf).toBe(2);
    expect(res.invalid[1].problems[0].message).toBe('row 6, price (from Preis): expected number like 1.234,56, received "18,5x"');
  });

  it('Nordic Fasteners: JSON API with nested lines, own status codes, Stockholm time', async () => {
    const doc = JSON.parse(fs.readFileSync(`${EXAMPLES}/nordic-fasteners.po-ack.sample.json`, 'utf8'));
    const m = compileMapping(loadExample('nordic-fasteners.po-ack.json'));
    const r = await m.map(doc, 1);
    if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
    expect(r.value.acknowledgedAt).toBe('2026-03-31T07:15:00Z'); // 09:15 CEST
    expect(r.value.lines).toEqual([
      { supplierProductCode: 'NF-M8-40', status: 'accepted', confirmedQty: 1500, uom: 'Units', price: 0.12, promisedDate: '2026-04-07' },
      { supplierProductCode: 'NF-M10-60', status: 'changed', confirmedQty: 240, uom: 'Units', price: 0.2, promisedDate: '2026-04-14' },
      { supplierProductCode: 'NF-WASH-8', status: 'rejected', confirmedQty: 0, uom: 'Units' },
      { supplierProductCode: 'NF-NUT-M8', status: 'backordered', confirmedQty: 250, uom: 'Units', price: 0.075, promisedDate: '2026-05-04' },
    ]);
    doc.orderAck.items[1].state = 'HOLD';
    const bad = await m.map(doc, 1);
    expect(!bad.ok && bad.problems).toEqual([
      expect.objectContaining({ kind: 'value', path: 'lines[1].status', received: '"HOLD"', expected: 'one of OK, CHG, REJ, BO (value map status)', source: 'state' }),
    ]);
  });

  it('Iberia Packaging: fixed Spanish column names (price list and shipment notice)', async () => {
    const prices = await compileMapping(loadExample('iberia-packaging.price-list.json')).mapMany(readSemicolonCsv('iberia-packaging.price-list.sample.csv'));
    expect(prices.invalid).toEqual([]);
    expect(prices.valid.map((v) => [v.value.supplierProductCode, v.value.price, v.value.minQty, v.value.uom, v.value.leadTimeDays, v.value.validTo])).toEqual([
      ['IB-CAJA-40', 0.85, 500, 'Units', 7, '2026-06-30'],
      ['IB-CAJA-40', 0.79, 2000, 'Units', 10, '2026-06-30'],
      ['IB-FILM-23', 2.35, 25, 'kg', 5, undefined],
      ['IB-CINTA-48', 1050, 1, 'Dozens', 3, '2026-12-31'],
    ]);
    const asn = JSON.parse(fs.readFileSync(`${EXAMPLES}/iberia-packaging.shipment-notice.sample.json`, 'utf8'));
    const r = compileMapping(loadExample('iberia-packaging.shipment-notice.json')).mapSync(asn, 1);
    expect(r.ok && r.value).toEqual({
      asnNumber: 'ALB-2026-0315',
      poNumber: 'P00043',
      supplierCode: 'IBERIA-PACK',
      shipDate: '2026-03-15',
      expectedArrival: '2026-03-18',
      carrier: 'SEUR',
      trackingNumber: 'SEUR123456789ES',
      lines: [
        { supplierProductCode: 'IB-CAJA-40', quantity: 1200, uom: 'Units', lotNumber: 'L2026-11' },
        { supplierProductCode: 'IB-CAJA-60', quantity: 1200, uom: 'Units', lotNumber: 'L2026-12' }, // 24 boxes of 50
        { supplierProductCode: 'IB-CINTA-48', quantity: 30, uom: 'Units' }, // 2,5 dozens
      ], // the blank fourth line is not a line
    });
  });
});

describe('lib/canonical/README.md', () => {
  it('its spec example compiles and maps a row', () => {
    const readme = fs.readFileSync(`${__dirname}/../../lib/canonical/README.md`, 'utf8');
    const block = /```json\n([\s\S]*?)\n```/.exec(readme);
    const m = compileMapping(JSON.parse(block?.[1] ?? ''));
    return m
      .map({ 'Art.-Nr.': 'A-1', 'Unsere Nr.': 'furn_1', Preis: '1.234,50', Währung: 'eur', MinMenge: '2', Einheit: 'Dtz', Lieferzeit: '5 Tage', 'Gültig ab': '01.04.2026' }, 1)
      .then((r) => expect(r).toEqual({
        ok: true,
        value: { supplierCode: 'ACME-TOOLS', supplierProductCode: 'A-1', internalRef: 'FURN_1', price: 102.875, currency: 'EUR', minQty: 24, uom: 'Units', leadTimeDays: 5, validFrom: '2026-04-01' },
      }));
  });
});
