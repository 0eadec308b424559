import { compileMapping, MappingSpecError, type SpecIssue } from '../../lib/canonical';

/** A minimal valid supplier-price spec to vary. */
function priceSpec(fields: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    schema: 'supplier-price@1',
    specVersion: 1,
    fields: {
      supplierCode: { const: 'SUP-1' },
      supplierProductCode: { path: 'code' },
      internalRef: { path: 'ref' },
      price: { path: 'price', number: { decimal: ',' } },
      currency: { const: 'EUR' },
      minQty: { default: 1 },
      uom: { const: 'Units' },
      leadTimeDays: { default: 0 },
      ...fields,
    },
    ...extra,
  };
}

function compileIssues(spec: unknown): SpecIssue[] {
  try {
    compileMapping(spec);
  } catch (e) {
    expect(e).toBeInstanceOf(MappingSpecError);
    expect((e as MappingSpecError).code).toBe('MAPPING_SPEC_INVALID');
    return (e as MappingSpecError).issues;
  }
  throw new Error('expected the spec to be rejected');
}

describe('compileMapping rejects bad specs at deploy, naming the field', () => {
  it('accepts the base spec', () => {
    const m = compileMapping(priceSpec());
    expect(m.schema.id).toBe('supplier-price@1');
    expect(m.usesExpressions).toBe(false);
  });

  it('unknown schema, and a schema without version', () => {
    expect(compileIssues({ ...priceSpec(), schema: 'supplier-prize@1' })).toEqual([
      { field: 'schema', message: expect.stringMatching(/unknown schema "supplier-prize@1"; did you mean "supplier-price@1"/) },
    ]);
    expect(compileIssues({ ...priceSpec(), schema: 'supplier-price@9' })[0].field).toBe('schema');
    expect(compileIssues({ ...priceSpec(), schema: 'supplier-price' })[0].message).toMatch(/needs a version, e.g. "supplier-price@1"/);
  });

  it('unknown target field, with a suggestion', () => {
    const issues = compileIssues(priceSpec({ prise: { path: 'x' } }));
    expect(issues).toEqual([{ field: 'prise', message: expect.stringMatching(/unknown target field for supplier-price@1; did you mean "price"/) }]);
  });

  it('unknown line field names the line path', () => {
    const spec = {
      schema: 'po-ack@1',
      specVersion: 1,
      fields: {
        poNumber: { path: 'po' },
        supplierCode: { const: 'S' },
        acknowledgedAt: { path: 'at', date: { format: 'ISO' } },
        lines: { each: 'items', fields: { status: { const: 'accepted' }, confirmedQty: { path: 'q' }, quantty: { path: 'q' } } },
      },
    };
    expect(compileIssues(spec)).toEqual([{ field: 'lines[].quantty', message: expect.stringMatching(/unknown target field/) }]);
  });

  it('invalid JSONata, with its position', () => {
    const issues = compileIssues(priceSpec({ leadTimeDays: { expr: '$number(Lieferzeit' } }));
    expect(issues).toEqual([{ field: 'leadTimeDays', message: expect.stringMatching(/invalid JSONata in "expr" at position \d+: Expected "\)"/) }]);
  });

  it('required fields that are not mapped', () => {
    const spec = priceSpec();
    delete (spec.fields as Record<string, unknown>).internalRef;
    expect(compileIssues(spec)).toEqual([{ field: 'internalRef', message: expect.stringMatching(/required field is not mapped/) }]);
  });

  it('unknown value map and unknown unit', () => {
    expect(compileIssues(priceSpec({ uom: { path: 'u', map: 'unit' } }, { maps: { units: { Stk: 'Units' } } }))).toEqual([
      { field: 'uom', message: expect.stringMatching(/unknown value map "unit"; did you mean "units"/) },
    ]);
    expect(compileIssues(priceSpec({ minQty: { path: 'q', number: true, convert: { from: 'Dozen', to: 'Units' } } }))[0]).toEqual({
      field: 'minQty',
      message: expect.stringMatching(/convert.from: unknown unit "Dozen"; did you mean "Dozens"/),
    });
    expect(compileIssues(priceSpec({ minQty: { path: 'q', number: true, convert: { from: 'kg', to: 'Units' } } }))[0].message).toMatch(
      /cannot convert kg \(mass\) to Units \(count\)/,
    );
    expect(
      compileIssues(priceSpec({ minQty: { path: 'q', number: true, convert: { from: { path: 'u', map: { KGM: 'kg' } }, to: 'Units' } } }))[0]
        .message,
    ).toMatch(/"KGM" is kg \(mass\), not convertible to Units/);
    expect(compileIssues(priceSpec({}, { units: { Box: { unit: 'Kiste', factor: 5 } } }))[0]).toEqual({
      field: 'units',
      message: expect.stringMatching(/unknown unit "Kiste"/),
    });
  });

  it('bad date format and time zone', () => {
    expect(compileIssues(priceSpec({ validFrom: { path: 'd', date: { format: 'dd.mm.yyyy' } } }))[0]).toEqual({
      field: 'validFrom',
      message: expect.stringMatching(/date: unknown token "dd".*did you mean DD/),
    });
    expect(compileIssues(priceSpec({ validFrom: { path: 'd', date: { format: 'DD.MM.YYYY', tz: 'Berlin' } } }))[0].message).toMatch(
      /unknown time zone "Berlin"/,
    );
  });

  it('const, default and map values the schema would reject', () => {
    expect(compileIssues(priceSpec({ currency: { const: 'euro' } }))[0]).toEqual({
      field: 'currency',
      message: expect.stringMatching(/const "euro" is not a valid currency/),
    });
    expect(compileIssues(priceSpec({ minQty: { path: 'q', number: true, default: 0 } }))[0].message).toMatch(/default 0 .*number > 0/);
    expect(compileIssues(priceSpec({ productName: { const: null } }))[0]).toEqual({ field: 'productName', message: expect.stringMatching(/null is not a value/) });
    const ack = {
      schema: 'po-ack@1',
      specVersion: 1,
      fields: {
        poNumber: { path: 'po' },
        supplierCode: { const: 'S' },
        acknowledgedAt: { path: 'at', date: { format: 'ISO' } },
        lines: { each: 'items', fields: { status: { path: 's', map: { OK: 'accepted', BO: 'backorder' } }, confirmedQty: { path: 'q' } } },
      },
    };
    expect(compileIssues(ack)).toEqual([
      { field: 'lines[].status', message: expect.stringMatching(/map value for "BO": "backorder" is not a valid lines\[\]\.status: expected one of accepted, changed/) },
    ]);
  });

  it('options that do not fit the field type', () => {
    const issues = compileIssues(priceSpec({ supplierProductCode: { path: 'c', number: true }, price: { path: 'p', date: { format: 'ISO' } } }));
    expect(issues.map((i) => i.field)).toEqual(['supplierProductCode', 'price']);
    expect(compileIssues(priceSpec({ internalRef: { path: 'a', expr: 'b' } }))[0].message).toMatch(/only one of path, expr, const/);
    expect(compileIssues(priceSpec({ internalRef: {} }))[0].message).toMatch(/needs a source/);
  });

  it('spec shape errors: misspelt option, wrong separator, bad dedupeBy', () => {
    expect(compileIssues(priceSpec({ internalRef: { path: 'r', defualt: 'X' } }))).toEqual([
      { field: 'internalRef', message: expect.stringMatching(/Unrecognized key.*defualt/) },
    ]);
    expect(compileIssues(priceSpec({ price: { path: 'p', number: { decimal: ';' } } }))).toEqual([
      { field: 'price', message: expect.stringMatching(/^number\.decimal: /) },
    ]);
    expect(compileIssues(priceSpec({}, { options: { dedupeBy: ['supplierCode', 'sku'] } }))).toEqual([
      { field: 'options.dedupeBy', message: expect.stringMatching(/unknown target field "sku"/) },
    ]);
    expect(compileIssues(priceSpec({ price: { path: 'p', number: 'yes' } }))).toEqual([
      { field: 'price', message: expect.stringMatching(/^number: Invalid input: expected true, or expected object/) },
    ]);
    expect(compileIssues({ ...priceSpec(), specVersion: 2 })[0].field).toBe('specVersion');
    expect(compileIssues(null)[0].field).toBe('spec');
  });

  it('reports every bad field at once, in one message', () => {
    try {
      compileMapping(priceSpec({ prise: { path: 'x' }, leadTimeDays: { expr: '(' }, validTo: { path: 'v', date: { format: 'YY' } } }));
      throw new Error('not rejected');
    } catch (e) {
      const err = e as MappingSpecError;
      expect(err.issues.map((i) => i.field).sort()).toEqual(['leadTimeDays', 'prise', 'validTo']);
      expect(err.message).toMatch(/^Invalid mapping spec for supplier-price@1: /);
    }
  });
});

describe('field mapping', () => {
  it('paths: exact keys with dots and spaces, nested, indexed, $row from lines', async () => {
    const spec = {
      schema: 'shipment-notice@1',
      specVersion: 1,
      fields: {
        asnNumber: { path: 'Lief.-Nr.' },
        poNumber: { path: 'refs[0].po' },
        supplierCode: { path: 'header.supplier code' },
        shipDate: { path: 'header.dates.ship', date: { format: 'ISO' } },
        lines: {
          each: 'header.items',
          fields: { supplierProductCode: { path: 'sku' }, quantity: { path: 'q' }, uom: { const: 'Units' }, lotNumber: { path: '$row.batch' } },
        },
      },
    };
    const row = {
      'Lief.-Nr.': 'ASN-1',
      refs: [{ po: 'P1' }],
      header: { 'supplier code': 'S1', dates: { ship: '2026-03-02' }, items: { sku: 'X', q: 5 } }, // one line as an object
      batch: 'B-7',
    };
    const r = compileMapping(spec).mapSync(row, 1);
    expect(r).toEqual({
      ok: true,
      value: {
        asnNumber: 'ASN-1',
        poNumber: 'P1',
        supplierCode: 'S1',
        shipDate: '2026-03-02',
        lines: [{ supplierProductCode: 'X', quantity: 5, uom: 'Units', lotNumber: 'B-7' }],
      },
    });
  });

  it('trim (default on, can be turned off), empty text counts as missing, upper/lower', async () => {
    const m = compileMapping(
      priceSpec({
        supplierProductCode: { path: 'code', lower: true },
        internalRef: { path: 'ref', upper: true },
        productName: { path: 'name', trim: false },
        currency: { path: 'cur', default: 'EUR', upper: true },
      }),
    );
    const r = m.mapSync({ code: '  AB-1 ', ref: ' furn_1', name: '  Hammer ', price: '1', cur: '   ' });
    expect(r.ok && r.value).toMatchObject({ supplierProductCode: 'ab-1', internalRef: 'FURN_1', productName: '  Hammer ', currency: 'EUR' });
  });

  it('value maps: named or inline, mapDefault, null means no value, numeric keys', async () => {
    const m = compileMapping(
      priceSpec(
        {
          supplierCode: { path: 'vendor', map: { '70001': 'ACME', '70002': 'NORDIC' } },
          uom: { path: 'unit', map: 'units', mapDefault: 'Units' },
          productName: { path: 'name', map: { '-': null, 'n/a': null }, mapDefault: null },
        },
        { maps: { units: { Stk: 'Units', Dtz: 'Dozens' } } },
      ),
    );
    const ok = m.mapSync({ vendor: 70002, code: 'c', ref: 'r', price: '1', unit: 'Kiste', name: '-' });
    expect(ok.ok && ok.value).toMatchObject({ supplierCode: 'NORDIC', uom: 'Units' });
    expect(ok.ok && 'productName' in ok.value).toBe(false);
    const bad = m.mapSync({ vendor: 70009, code: 'c', ref: 'r', price: '1', unit: 'Dtz' }, 4);
    expect(bad).toEqual({
      ok: false,
      problems: [
        {
          kind: 'value',
          path: 'supplierCode',
          expected: 'one of 70001, 70002 (value map)',
          received: '70009',
          row: 4,
          source: 'vendor',
          message: 'row 4, supplierCode (from vendor): expected one of 70001, 70002 (value map), received 70009',
        },
      ],
    });
  });

  it('JSONata expressions see the row (or line), $row and $rowNumber', async () => {
    const m = compileMapping(
      priceSpec({
        productName: { expr: "Name & ' (row ' & $rowNumber & ')'" },
        leadTimeDays: { expr: "$number($substringBefore(Lieferzeit & ' ', ' '))" },
        minQty: { expr: '$number(MinMenge) * 12', default: 1 },
      }),
    );
    expect(m.usesExpressions).toBe(true);
    expect(() => m.mapSync({})).toThrow(/uses JSONata expressions.*use map\(\)/);
    const r = await m.map({ code: 'c', ref: 'r', price: '2,5', Name: 'Zange', Lieferzeit: '7 Tage', MinMenge: '2' }, 3);
    expect(r.ok && r.value).toMatchObject({ productName: 'Zange (row 3)', leadTimeDays: 7, minQty: 24, price: 2.5 });
    const noQty = await m.map({ code: 'c', ref: 'r', price: '2,5', Lieferzeit: '7' });
    expect(noQty.ok && noQty.value.minQty).toBe(1); // expression gave nothing → default
  });

  it('an expression failing on one row is that row\'s problem, not an exception', async () => {
    const m = compileMapping(priceSpec({ leadTimeDays: { expr: '$number(Lieferzeit)' } }));
    const res = await m.mapMany([
      { code: 'a', ref: 'r', price: '1', Lieferzeit: '5' },
      { code: 'b', ref: 'r', price: '1', Lieferzeit: 'fünf' },
    ]);
    expect(res.valid.map((v) => v.row)).toEqual([1]);
    expect(res.invalid[0]).toMatchObject({
      row: 2,
      problems: [{ kind: 'expression', path: 'leadTimeDays', row: 2, received: expect.stringMatching(/Unable to cast value to a number/) }],
    });
  });

  it('unit conversion by factor, by fixed unit, and by the unit in the row', async () => {
    const m = compileMapping(
      priceSpec(
        {
          minQty: { path: 'q', number: { decimal: ',' }, convert: { from: { path: 'u', map: 'units' }, to: 'Units' } },
          price: { path: 'p', number: { decimal: ',' }, convert: { from: 'path:u2', to: 'Units', perUnit: true } },
          leadTimeDays: { path: 'weeks', number: true, convert: { factor: 7 } },
        },
        { maps: { units: { Stk: 'Units', Dtz: 'Dozens', Pal: 'Pallet' } }, units: { Pallet: { unit: 'Units', factor: 480 } } },
      ),
    );
    const r = m.mapSync({ code: 'c', ref: 'r', q: '0,5', u: 'Pal', p: '24,00', u2: 'dozens', weeks: '3' });
    expect(r.ok && r.value).toMatchObject({ minQty: 240, price: 2, leadTimeDays: 21 });
    const bad = m.mapSync({ code: 'c', ref: 'r', q: '1', u: 'kg', p: '1', u2: 'kg', weeks: '1' }, 2);
    expect(!bad.ok && bad.problems.map((p) => [p.path, p.kind, p.expected, p.received])).toEqual([
      ['price', 'value', 'a count unit convertible to Units', '"kg"'],
      ['minQty', 'value', 'a known unit (Stk, Dtz, Pal)', '"kg"'],
    ]);
    const missingUnit = m.mapSync({ code: 'c', ref: 'r', q: '1', u: '', p: '1', u2: 'Units', weeks: '1' });
    expect(!missingUnit.ok && missingUnit.problems[0]).toMatchObject({ path: 'minQty', kind: 'missing', source: 'u' });
  });

  it('text in a number field needs "number"; the problem says so', () => {
    const m = compileMapping(priceSpec({ price: { path: 'p' }, minQty: { path: 'q', convert: { factor: 12 } } }));
    const r = m.mapSync({ code: 'c', ref: 'r', p: '12.5', q: '2' }, 1);
    expect(!r.ok && r.problems.map((p) => [p.path, p.kind, p.expected])).toEqual([
      ['price', 'type', 'number ≥ 0'],
      ['minQty', 'type', 'number to convert (add "number" to parse text)'],
    ]);
  });

  it('a field that failed to map is reported once, with the supplier value', () => {
    const m = compileMapping(priceSpec({ validFrom: { path: 'from', date: { format: 'DD.MM.YYYY' } } }));
    const r = m.mapSync({ code: 'c', ref: 'r', price: '1,2,3', from: '30.02.2026' }, 9);
    expect(!r.ok && r.problems.map((p) => p.message)).toEqual([
      'row 9, price (from price): expected number like 1234,56, received "1,2,3"',
      'row 9, validFrom (from from): expected date as DD.MM.YYYY; no such calendar date, received "30.02.2026"',
    ]);
  });

  it('cross-field rules of the schema are reported as rule problems', () => {
    const m = compileMapping(
      priceSpec({ validFrom: { path: 'from', date: { format: 'DD.MM.YYYY' } }, validTo: { path: 'to', date: { format: 'DD.MM.YYYY' } } }),
    );
    const r = m.mapSync({ code: 'c', ref: 'r', price: '1', from: '01.03.2026', to: '28.02.2026' }, 1);
    expect(!r.ok && r.problems).toEqual([expect.objectContaining({ kind: 'rule', path: 'validTo', expected: 'date on or after validFrom (2026-03-01)', received: '"2026-02-28"' })]);
  });

  it('a line that is not an object is reported once, not once per missing line field', () => {
    const spec = {
      schema: 'shipment-notice@1',
      specVersion: 1,
      fields: {
        asnNumber: { path: 'asn' },
        poNumber: { path: 'po' },
        supplierCode: { const: 'S' },
        shipDate: { path: 'd', date: { format: 'ISO' } },
        lines: { each: 'lines', fields: { supplierProductCode: { path: 'sku' }, quantity: { path: 'q' }, uom: { const: 'Units' } } },
      },
    };
    const r = compileMapping(spec).mapSync({ asn: 'A', po: 'P', d: '2026-03-02', lines: [{ sku: 'X', q: 1 }, 'Y;2'] }, 1);
    expect(!r.ok && r.problems.map((p) => [p.kind, p.path, p.received])).toEqual([['type', 'lines[1]', '"Y;2"']]);
  });

  it('a row that is not an object is a problem of its own', () => {
    const m = compileMapping(priceSpec());
    const res = m.mapManySync(['A-1;12,50;EUR', 42, { code: 'c', ref: 'r', price: '1' }]);
    expect(res.invalid.map((x) => [x.row, x.problems[0].kind, x.problems[0].received])).toEqual([
      [1, 'type', '"A-1;12,50;EUR"'],
      [2, 'type', '42'],
    ]);
    expect(res.valid.map((v) => v.row)).toEqual([3]);
  });

  it('onBlank "error" makes blank rows invalid; onDuplicate "skip" drops duplicates quietly', () => {
    const m = compileMapping(priceSpec({}, { options: { onBlank: 'error', dedupeBy: ['supplierProductCode'], onDuplicate: 'skip' } }));
    const row = { code: 'c', ref: 'r', price: '1' };
    const res = m.mapManySync([row, { code: ' ', ref: '' }, { ...row }]);
    expect(res.invalid).toEqual([{ row: 2, input: { code: ' ', ref: '' }, problems: [expect.objectContaining({ kind: 'blank', row: 2 })] }]);
    expect(res.skippedDuplicate).toEqual([{ row: 3, duplicateOf: 1 }]);
    expect(res.skippedBlank).toEqual([]);
    expect(res.valid).toHaveLength(1);
  });

  it('dedupe compares values exactly, not by hash only', () => {
    const m = compileMapping(priceSpec({}, { options: { dedupeBy: ['supplierProductCode', 'price'] } }));
    const rows = Array.from({ length: 5000 }, (_, i) => ({ code: `C${i % 2500}`, ref: 'r', price: String(i % 3) }));
    const res = m.mapManySync(rows);
    // (code, price) pairs repeat with period lcm(2500, 3) = 7500 > 5000: all unique.
    expect(res.invalid).toHaveLength(0);
    const again = m.mapManySync([...rows, ...rows.slice(0, 10)]);
    expect(again.invalid.map((x) => x.problems[0].duplicateOf)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('invoice totals are a group; a wrong total breaks the rule, not the lines', () => {
    const spec = {
      schema: 'supplier-invoice@1',
      specVersion: 1,
      fields: {
        number: { path: 'no' },
        supplierCode: { const: 'S' },
        poNumber: { path: 'po' },
        invoiceDate: { path: 'date', date: { format: 'ISO' } },
        currency: { const: 'EUR' },
        lines: { each: 'lines', fields: { internalRef: { path: 'ref' }, quantity: { path: 'q' }, unitPrice: { path: 'p' }, lineTotal: { path: 't' } } },
        totals: { fields: { untaxed: { path: 'net' }, tax: { path: 'vat' }, total: { path: 'gross' } } },
      },
    };
    const m = compileMapping(spec);
    const row = { no: 'I1', po: 'P1', date: '2026-03-31', lines: [{ ref: 'R', q: 1, p: 10, t: 10 }], net: 10, vat: 1.9, gross: 11.9 };
    expect(m.mapSync(row).ok).toBe(true);
    const r = m.mapSync({ ...row, gross: 12.9 }, 1);
    expect(!r.ok && r.problems).toEqual([expect.objectContaining({ kind: 'rule', path: 'totals.total', received: '12.9' })]);
  });

  it('inventory events: business rules per kind', () => {
    const spec = {
      schema: 'inventory-event@1',
      specVersion: 1,
      fields: {
        eventId: { path: 'id' },
        site: { const: 'BER1' },
        location: { path: 'from' },
        toLocation: { path: 'to' },
        internalRef: { path: 'sku' },
        kind: { path: 'kind' },
        quantity: { path: 'qty' },
        uom: { const: 'Units' },
        occurredAt: { path: 'at', date: { format: 'ISO' } },
      },
    };
    const m = compileMapping(spec);
    const base = { id: 'e1', from: 'A', sku: 'X', at: '2026-03-31T08:00:00+02:00' };
    expect(m.mapSync({ ...base, kind: 'adjust', qty: -3 })).toMatchObject({ ok: true, value: { occurredAt: '2026-03-31T06:00:00Z' } });
    const move = m.mapSync({ ...base, kind: 'move', qty: 2 }, 1);
    expect(!move.ok && move.problems.map((p) => [p.path, p.kind])).toEqual([['toLocation', 'rule']]);
    const count = m.mapSync({ ...base, kind: 'count', qty: -1 }, 1);
    expect(!count.ok && count.problems[0].expected).toBe('number ≥ 0 for a count');
    const kind = m.mapSync({ ...base, kind: 'recount', qty: 1 }, 1);
    expect(!kind.ok && kind.problems[0]).toMatchObject({ kind: 'value', path: 'kind', expected: 'one of count, adjust, move' });
  });

  it('maps Odoo purchase.order read results to a purchase-order (UTC → Berlin date, numeric keys, regex in JSONata)', async () => {
    const spec = {
      schema: 'purchase-order@1',
      specVersion: 1,
      fields: {
        number: { path: 'name' },
        supplierCode: { path: 'partner_id[0]', map: { '7': 'ACME-TOOLS' } },
        orderDate: { path: 'date_order', date: { format: 'YYYY-MM-DD HH:mm:ss', tz: 'UTC', dateTz: 'Europe/Berlin' } },
        currency: { path: 'currency_id[1]' },
        lines: {
          each: 'order_line',
          fields: {
            lineRef: { expr: '$string(id)' },
            internalRef: { expr: '$match(product_id[1], /^\\[([^\\]]+)\\]/).groups[0]' },
            quantity: { path: 'product_qty', convert: { from: 'path:product_uom[1]', to: 'Units' } },
            uom: { const: 'Units' },
            price: { path: 'price_unit', convert: { from: 'path:product_uom[1]', to: 'Units', perUnit: true } },
            requestedDate: { path: 'date_planned', date: { format: 'YYYY-MM-DD HH:mm:ss', tz: 'UTC', dateTz: 'Europe/Berlin' } },
          },
        },
      },
    };
    const order = {
      name: 'P00042',
      partner_id: [7, 'ACME Tools GmbH'],
      date_order: '2026-03-31 22:30:00',
      currency_id: [1, 'EUR'],
      order_line: [
        { id: 101, product_id: [12, '[FURN_1001] Screwdriver set'], product_qty: 2, product_uom: [2, 'Dozens'], price_unit: 60, date_planned: '2026-04-06 23:00:00' },
      ],
    };
    const r = await compileMapping(spec).map(order, 1);
    expect(r).toEqual({
      ok: true,
      value: {
        number: 'P00042',
        supplierCode: 'ACME-TOOLS',
        orderDate: '2026-04-01',
        currency: 'EUR',
        lines: [{ lineRef: '101', internalRef: 'FURN_1001', quantity: 24, uom: 'Units', price: 5, requestedDate: '2026-04-07' }],
      },
    });
  });
});
