/**
 * One supplier-shaped mapping per canonical object, with a generator of valid
 * rows and the ways a supplier row goes wrong. `schemas-matrix.test.ts` runs
 * the same checks over all of them.
 */
import * as fs from 'fs';
import * as path from 'path';

export const EXAMPLES = path.join(__dirname, '..', '..', 'mappings');

export function loadExample(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
}

/** Just enough CSV for the samples: `;`-separated, no quoting, first line is the header. */
export function readSemicolonCsv(file: string): Record<string, string>[] {
  const [header, ...lines] = fs.readFileSync(path.join(EXAMPLES, file), 'utf8').replace(/\r/g, '').trimEnd().split('\n');
  const names = header.split(';');
  return lines.map((line) => Object.fromEntries(line.split(';').map((v, i) => [names[i], v])));
}

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Breakage {
  /** Breaks a valid row in place. */
  apply(row: Row): void;
  /** The problem it must cause. */
  path: string;
  kind: string;
  expected?: RegExp;
  received?: RegExp;
}

export interface SchemaFixture {
  id: string;
  spec: Record<string, unknown>;
  /** A valid row, unique per `i` for the dedupe fields. */
  row(i: number): Row;
  /** A row with no values, in this supplier's shape. */
  blank(): Row;
  /** Fields of `row(1)` once mapped: proves decimal commas, time zones and unit conversion. */
  expected1: Record<string, unknown>;
  wrongType: Breakage;
  missing: Breakage;
  oversized: Breakage;
}

const long = (n: number) => 'X'.repeat(n);

// ---------------------------------------------------------------- supplier-price: ACME (CSV, German)

const acme: SchemaFixture = {
  id: 'supplier-price@1',
  spec: loadExample('acme-tools.price-list.json'),
  row: (i) => ({
    'Art.-Nr.': `A-${1000 + i}`,
    Bezeichnung: `Artikel ${i}`,
    'Unsere Nr.': ` furn_${i} `,
    Preis: i % 2 ? '1.234,50' : '12,00',
    Währung: 'eur',
    MinMenge: '2',
    Einheit: i % 2 ? 'Dtz' : 'Stk',
    'Lieferzeit (Tage)': '5',
    'Gültig ab': '31.03.2026',
    'Gültig bis': '',
    'Rabatt %': '2,5',
  }),
  blank: () => ({ 'Art.-Nr.': '', Bezeichnung: ' ', 'Unsere Nr.': '', Preis: '', Währung: '', MinMenge: '', Einheit: '\t' }),
  expected1: {
    supplierCode: 'ACME-TOOLS',
    internalRef: 'FURN_1',
    price: 102.875, // 1.234,50 per dozen → per unit
    currency: 'EUR',
    minQty: 24, // 2 dozens
    uom: 'Units',
    validFrom: '2026-03-31',
    discountPercent: 2.5,
  },
  wrongType: { apply: (r) => (r['Lieferzeit (Tage)'] = '5,5'), path: 'leadTimeDays', kind: 'type', expected: /whole number/, received: /^5\.5$/ },
  missing: { apply: (r) => (r['Art.-Nr.'] = '  '), path: 'supplierProductCode', kind: 'missing', expected: /text of 1 to 64/, received: /missing/ },
  oversized: { apply: (r) => (r.Bezeichnung = long(300)), path: 'productName', kind: 'length', expected: /at most 256 characters/, received: /300 characters/ },
};

// ---------------------------------------------------------------- purchase-order: a planning system export (German JSON)

const planningPo: SchemaFixture = {
  id: 'purchase-order@1',
  spec: {
    schema: 'purchase-order@1',
    specVersion: 1,
    id: 'planning-export.purchase-order',
    fields: {
      number: { path: 'Bestellung.Nummer', upper: true },
      supplierCode: { path: 'Bestellung.Lieferant', map: { '70001': 'ACME-TOOLS', '70002': 'NORDIC-FAST' } },
      orderDate: { path: 'Bestellung.Erstellt', date: { format: 'YYYY-MM-DD HH:mm:ss', tz: 'UTC', dateTz: 'Europe/Berlin' } },
      currency: { const: 'EUR' },
      lines: {
        each: 'Bestellung.Positionen',
        fields: {
          lineRef: { path: 'Pos' },
          internalRef: { path: 'Artikel', upper: true },
          supplierProductCode: { path: 'LiefArtNr' },
          description: { path: 'Text' },
          quantity: { path: 'Menge', number: { decimal: ',', thousands: '.' }, convert: { from: 'path:ME', to: 'Units' } },
          uom: { const: 'Units' },
          price: { path: 'Preis', number: { decimal: ',', thousands: '.' }, convert: { from: 'path:ME', to: 'Units', perUnit: true } },
          requestedDate: { path: 'Termin', date: { format: 'DD.MM.YYYY' } },
        },
      },
    },
    options: { dedupeBy: ['number'] },
  },
  row: (i) => ({
    Bestellung: {
      Nummer: `p${String(i).padStart(5, '0')}`,
      Lieferant: 70001,
      Erstellt: '2026-03-31 22:30:00', // UTC: already 1 April in Berlin
      Positionen: [
        { Pos: '1', Artikel: 'furn_1001', LiefArtNr: 'A-1001', Text: 'Schraubendreher', Menge: '1.200', ME: 'Units', Preis: '12,50', Termin: '07.04.2026' },
        { Pos: '2', Artikel: 'furn_1002', LiefArtNr: 'A-1002', Text: 'Bithalter', Menge: '2,5', ME: 'Dozens', Preis: '30,00', Termin: '14.04.2026' },
      ],
    },
  }),
  blank: () => ({ Bestellung: { Nummer: '', Lieferant: null, Erstellt: ' ', Positionen: [] } }),
  expected1: {
    number: 'P00001',
    supplierCode: 'ACME-TOOLS',
    orderDate: '2026-04-01',
    lines: [
      { lineRef: '1', internalRef: 'FURN_1001', supplierProductCode: 'A-1001', description: 'Schraubendreher', quantity: 1200, uom: 'Units', price: 12.5, requestedDate: '2026-04-07' },
      { lineRef: '2', internalRef: 'FURN_1002', supplierProductCode: 'A-1002', description: 'Bithalter', quantity: 30, uom: 'Units', price: 2.5, requestedDate: '2026-04-14' },
    ],
  },
  wrongType: {
    apply: (r) => (r.Bestellung.Positionen[1].Menge = 'zwei'),
    path: 'lines[1].quantity',
    kind: 'format',
    expected: /number like 1\.234,56/,
    received: /"zwei"/,
  },
  missing: { apply: (r) => delete r.Bestellung.Positionen[0].Artikel, path: 'lines[0].internalRef', kind: 'missing', received: /missing/ },
  oversized: { apply: (r) => (r.Bestellung.Positionen[0].Text = long(513)), path: 'lines[0].description', kind: 'length', expected: /at most 512/ },
};

// ---------------------------------------------------------------- po-ack: Nordic Fasteners (JSON API)

const nordic: SchemaFixture = {
  id: 'po-ack@1',
  spec: loadExample('nordic-fasteners.po-ack.json'),
  row: (i) => ({
    orderAck: {
      ackId: `NF-ACK-${i}`,
      customerOrderRef: `p0${i}`,
      ackTime: '2026-03-29 02:30', // Stockholm, inside the spring-forward gap
      items: [
        { pos: 10, article: 'NF-M8-40', state: 'OK', qty: { value: '1 250,5', unit: 'PCE' }, unitPrice: 0.12, deliveryDate: '2026-04-07' },
        { pos: 20, article: 'NF-M10-60', state: 'chg', qty: { value: '2', unit: 'DZN' }, unitPrice: '2.40', deliveryDate: '2026-04-14' },
        { pos: 30, article: 'NF-WASH-8', state: 'REJ', qty: { unit: 'PCE' } },
      ],
    },
  }),
  blank: () => ({ orderAck: { ackId: '', customerOrderRef: ' ', items: [{ pos: null, qty: {} }] } }),
  expected1: {
    poNumber: 'P01',
    supplierCode: 'NORDIC-FAST',
    acknowledgedAt: '2026-03-29T01:30:00Z', // 02:30 does not exist; compatible → 03:30 CEST
    supplierReference: 'NF-ACK-1',
    lines: [
      { supplierProductCode: 'NF-M8-40', status: 'accepted', confirmedQty: 1250.5, uom: 'Units', price: 0.12, promisedDate: '2026-04-07' },
      { supplierProductCode: 'NF-M10-60', status: 'changed', confirmedQty: 24, uom: 'Units', price: 0.2, promisedDate: '2026-04-14' },
      { supplierProductCode: 'NF-WASH-8', status: 'rejected', confirmedQty: 0, uom: 'Units' },
    ],
  },
  wrongType: { apply: (r) => (r.orderAck.items[0].unitPrice = true), path: 'lines[0].price', kind: 'format', received: /^true$/ },
  missing: { apply: (r) => delete r.orderAck.ackTime, path: 'acknowledgedAt', kind: 'missing', expected: /ISO 8601 date-time/ },
  oversized: { apply: (r) => (r.orderAck.items[1].article = long(65)), path: 'lines[1].supplierProductCode', kind: 'length', expected: /at most 64/ },
};

// ---------------------------------------------------------------- shipment-notice: Iberia Packaging (Spanish keys)

const iberiaAsn: SchemaFixture = {
  id: 'shipment-notice@1',
  spec: loadExample('iberia-packaging.shipment-notice.json'),
  row: (i) => ({
    'Número de envío': `ALB-${i}`,
    Pedido: 'p00042',
    'Fecha de envío': '15/03/2026',
    'Llegada prevista': '18/03/2026',
    Transportista: 'SEUR',
    Seguimiento: `SEUR${i}ES`,
    Líneas: [
      { 'Línea pedido': '1', Código: 'IB-CAJA-40', Cantidad: '1.200', Unidad: 'UD', Lote: 'L2026-11' },
      { 'Línea pedido': '2', Código: 'IB-CAJA-60', Cantidad: '2,5', Unidad: 'CAJA' },
    ],
  }),
  blank: () => ({ 'Número de envío': '', Pedido: '', Líneas: [{ Código: '' }] }),
  expected1: {
    asnNumber: 'ALB-1',
    poNumber: 'P00042',
    supplierCode: 'IBERIA-PACK',
    shipDate: '2026-03-15',
    expectedArrival: '2026-03-18',
    lines: [
      { supplierProductCode: 'IB-CAJA-40', quantity: 1200, uom: 'Units', lotNumber: 'L2026-11' },
      { supplierProductCode: 'IB-CAJA-60', quantity: 125, uom: 'Units' }, // 2,5 boxes of 50
    ],
  },
  wrongType: { apply: (r) => (r.Líneas[0].Cantidad = { valor: 3 }), path: 'lines[0].quantity', kind: 'format', received: /object/ },
  missing: { apply: (r) => (r['Fecha de envío'] = ''), path: 'shipDate', kind: 'missing', expected: /date as YYYY-MM-DD/ },
  oversized: { apply: (r) => (r.Seguimiento = long(129)), path: 'trackingNumber', kind: 'length', expected: /at most 128/ },
};

// ---------------------------------------------------------------- supplier-invoice: ACME e-invoice export (German JSON)

const acmeInvoice: SchemaFixture = {
  id: 'supplier-invoice@1',
  spec: {
    schema: 'supplier-invoice@1',
    specVersion: 1,
    id: 'acme-tools.invoice',
    fields: {
      number: { path: 'Rechnungsnummer' },
      supplierCode: { const: 'ACME-TOOLS' },
      poNumber: { path: 'Bestellnummer', upper: true },
      invoiceDate: { path: 'Rechnungsdatum', date: { format: 'DD.MM.YYYY' } },
      dueDate: { path: 'Fällig', date: { format: 'DD.MM.YYYY' } },
      currency: { path: 'Währung', upper: true },
      lines: {
        each: 'Positionen',
        fields: {
          lineRef: { path: 'Pos' },
          supplierProductCode: { path: 'Artikel' },
          description: { path: 'Text' },
          quantity: { path: 'Menge', number: { decimal: ',' }, convert: { from: { path: 'Einheit', map: 'units' }, to: 'Units' } },
          uom: { const: 'Units' },
          unitPrice: { path: 'Einzelpreis', number: { decimal: ',', thousands: '.' }, convert: { from: { path: 'Einheit', map: 'units' }, to: 'Units', perUnit: true } },
          taxPercent: { path: 'MwSt', number: { decimal: ',' } },
          lineTotal: { path: 'Netto', number: { decimal: ',', thousands: '.' } },
        },
      },
      totals: {
        path: 'Summen',
        fields: {
          untaxed: { path: 'Netto', number: { decimal: ',', thousands: '.' } },
          tax: { path: 'Steuer', number: { decimal: ',', thousands: '.' } },
          total: { path: 'Brutto', number: { decimal: ',', thousands: '.' } },
        },
      },
    },
    maps: { units: { Stk: 'Units', Dtz: 'Dozens' } },
    options: { dedupeBy: ['supplierCode', 'number'] },
  },
  row: (i) => ({
    Rechnungsnummer: `RE-2026-${i}`,
    Bestellnummer: 'p00042',
    Rechnungsdatum: '31.03.2026',
    Fällig: '30.04.2026',
    Währung: 'EUR',
    Positionen: [
      { Pos: '1', Artikel: 'A-1002', Text: 'Bithalter', Menge: '2', Einheit: 'Dtz', Einzelpreis: '1.234,50', MwSt: '19', Netto: '2.469,00' },
      { Pos: '2', Artikel: 'A-1001', Text: 'Schraubendreher', Menge: '1', Einheit: 'Stk', Einzelpreis: '12,50', MwSt: '19', Netto: '12,50' },
    ],
    Summen: { Netto: '2.481,50', Steuer: '471,49', Brutto: '2.952,99' },
  }),
  blank: () => ({ Rechnungsnummer: '', Positionen: [], Summen: { Netto: '', Steuer: '', Brutto: '' } }),
  expected1: {
    number: 'RE-2026-1',
    poNumber: 'P00042',
    invoiceDate: '2026-03-31',
    lines: [
      { lineRef: '1', supplierProductCode: 'A-1002', description: 'Bithalter', quantity: 24, uom: 'Units', unitPrice: 102.875, taxPercent: 19, lineTotal: 2469 },
      { lineRef: '2', supplierProductCode: 'A-1001', description: 'Schraubendreher', quantity: 1, uom: 'Units', unitPrice: 12.5, taxPercent: 19, lineTotal: 12.5 },
    ],
    totals: { untaxed: 2481.5, tax: 471.49, total: 2952.99 },
  },
  // JSON numbers pass `number` parsing; the wrong type this supplier sends is text where the list of lines belongs.
  wrongType: { apply: (r) => (r.Positionen = 'siehe Anhang'), path: 'lines', kind: 'type', expected: /list of lines/, received: /"siehe Anhang"/ },
  missing: { apply: (r) => delete r.Summen.Brutto, path: 'totals.total', kind: 'missing' },
  oversized: { apply: (r) => (r.Rechnungsnummer = long(65)), path: 'number', kind: 'length', expected: /at most 64/ },
};

// ---------------------------------------------------------------- inventory-event: plant MQTT events

const plantEvents: SchemaFixture = {
  id: 'inventory-event@1',
  spec: {
    schema: 'inventory-event@1',
    specVersion: 1,
    id: 'plant-ber1.inventory-event',
    fields: {
      eventId: { path: 'id' },
      site: { path: 'plant', upper: true },
      location: { path: 'bin' },
      toLocation: { path: 'to' },
      internalRef: { path: 'sku', upper: true },
      kind: { path: 'type', map: { CNT: 'count', ADJ: 'adjust', MOV: 'move' } },
      quantity: { path: 'qty', number: { decimal: ',' }, convert: { from: { path: 'unit', map: { GRM: 'g', KGM: 'kg', TNE: 't' } }, to: 'kg' } },
      uom: { const: 'kg' },
      lotNumber: { path: 'lot' },
      occurredAt: { path: 'ts', date: { format: 'DD.MM.YYYY HH:mm', tz: 'Europe/Berlin' } },
    },
    options: { dedupeBy: ['eventId'] },
  },
  row: (i) => ({
    id: `evt-${String(i).padStart(6, '0')}`,
    plant: 'ber1',
    bin: 'WH/Stock/A-01',
    sku: 'furn_2001',
    type: 'CNT',
    qty: '1500,5',
    unit: 'GRM',
    lot: 'LOT-7',
    ts: '31.03.2026 02:30',
  }),
  blank: () => ({ id: '', plant: '', bin: ' ', sku: '', type: '', qty: '', unit: '', ts: '' }),
  expected1: {
    eventId: 'evt-000001',
    site: 'BER1',
    internalRef: 'FURN_2001',
    kind: 'count',
    quantity: 1.5005, // 1500,5 g in kg
    uom: 'kg',
    occurredAt: '2026-03-31T00:30:00Z', // CEST (+02:00): after the 29 March switch
  },
  wrongType: { apply: (r) => (r.qty = [1, 2]), path: 'quantity', kind: 'format', received: /array of 2/ },
  missing: { apply: (r) => delete r.sku, path: 'internalRef', kind: 'missing' },
  oversized: { apply: (r) => (r.bin = long(129)), path: 'location', kind: 'length', expected: /at most 128/ },
};

export const FIXTURES: SchemaFixture[] = [acme, planningPo, nordic, iberiaAsn, acmeInvoice, plantEvents];
