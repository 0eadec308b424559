/** Supplier files as they arrive: encodings, dialects, and every file-level problem as one clear error. */
import * as fs from 'fs';
import * as path from 'path';
import * as iconv from 'iconv-lite';
import { compileMapping } from '../../lib/canonical';
import { mapToCanonical } from '../../lib/canonical/flow';
import { readSupplierFile } from '../../lib/canonical/file';
import { IntegrationError } from '../../lib/errors';
import { EXAMPLES, loadExample } from './fixtures';

const sample = (f: string) => fs.readFileSync(path.join(EXAMPLES, f), 'utf8');

/** The ways a file plausibly arrives: UTF-8, UTF-8 with BOM, Windows-1252. */
export function encodings(text: string): Array<[string, Buffer]> {
  return [
    ['utf-8', Buffer.from(text, 'utf8')],
    ['utf-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])],
    ['windows-1252', iconv.encode(text, 'windows-1252')],
  ];
}

async function fileFailure(payload: Buffer | string, spec: Record<string, unknown>): Promise<IntegrationError> {
  const m = compileMapping(spec);
  try {
    await mapToCanonical(m, payload, false);
  } catch (err) {
    return err as IntegrationError;
  }
  throw new Error('expected a file-level error');
}

const acmeSpec = loadExample('acme-tools.price-list.json');
const acmeCsv = sample('acme-tools.price-list.sample.csv');

describe('supplier files in each encoding they arrive in', () => {
  const acmeRef = { valid: [2, 3, 4], blank: [5], invalid: [[6, 'duplicate'], [7, 'format'], [8, 'value']] };
  it.each(encodings(acmeCsv))('ACME price list (%s): same objects, same problems on the same file lines', async (_name, bytes) => {
    const out = await mapToCanonical(compileMapping(acmeSpec), bytes, false);
    expect(out.ok[0]?.rows).toEqual(acmeRef.valid);
    const valid = out.ok[0]?.payload as Record<string, unknown>[];
    expect(valid[1]).toMatchObject({ supplierProductCode: 'A-1002', currency: 'EUR', validFrom: '2026-01-01', validTo: '2026-12-31', price: 102.875 });
    expect(out.skipped?.blank).toEqual(acmeRef.blank);
    const problems = (out.failed[0]?.error.details?.problems as Array<{ row: number; kind: string; message: string }>) ?? [];
    expect([...new Set(problems.map((p) => p.row))]).toEqual([6, 7, 8]);
    expect(problems.find((p) => p.kind === 'duplicate')?.message).toMatch(/^row 6: duplicate of row 3 \(same supplierCode, supplierProductCode, minQty/);
    expect(problems.find((p) => p.kind === 'format')?.message).toMatch(/^row 7, price \(from Preis\)/);
    expect(out.file?.encoding).toBe(_name === 'windows-1252' ? 'windows-1252' : 'utf-8');
  });

  it.each(encodings(sample('iberia-packaging.price-list.sample.csv')))('Iberia price list (%s)', async (_name, bytes) => {
    const out = await mapToCanonical(compileMapping(loadExample('iberia-packaging.price-list.json')), bytes, false);
    expect(out.failed).toEqual([]);
    expect(out.ok[0]?.rows).toEqual([2, 3, 4, 5]);
    const v = out.ok[0]?.payload as Record<string, unknown>[];
    expect(v[2]).toMatchObject({ supplierProductCode: 'IB-FILM-23', productName: 'Film estirable 23 µm', uom: 'kg', leadTimeDays: 5, validFrom: '2026-01-01' });
    expect(v[1]).toMatchObject({ minQty: 2000, validTo: '2026-06-30' });
  });

  it.each(encodings(sample('iberia-packaging.shipment-notice.sample.json')))('Iberia shipment notice, JSON (%s)', async (_name, bytes) => {
    const out = await mapToCanonical(compileMapping(loadExample('iberia-packaging.shipment-notice.json')), bytes, false);
    const direct = await compileMapping(loadExample('iberia-packaging.shipment-notice.json')).map(JSON.parse(sample('iberia-packaging.shipment-notice.sample.json')));
    if (direct.ok) {
      expect(out.ok[0]?.payload).toEqual(direct.value);
      expect(out.ok[0]?.payload).toMatchObject({ asnNumber: 'ALB-2026-0315' });
    } else {
      expect(out.failed[0]?.error.details?.problems).toEqual(direct.problems.map(({ kind, path, expected, received, source, message }) => ({ kind, path, expected, received, ...(source ? { source } : {}), message })));
    }
  });

  it.each(encodings(sample('nordic-fasteners.po-ack.sample.json')))('Nordic Fasteners acknowledgement, JSON (%s)', async (_name, bytes) => {
    const out = await mapToCanonical(compileMapping(loadExample('nordic-fasteners.po-ack.json')), bytes, false);
    expect(out.failed).toEqual([]);
    expect(out.ok[0]?.payload).toMatchObject({ poNumber: 'P00042', acknowledgedAt: '2026-03-31T07:15:00Z' });
  });

  it('text from file-in (already decoded) and a UTF-16LE file read the same', async () => {
    const m = compileMapping(acmeSpec);
    const fromText = await mapToCanonical(m, acmeCsv, false);
    const utf16 = await mapToCanonical(m, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(acmeCsv, 'utf16le')]), false);
    expect(fromText.ok[0]?.rows).toEqual([2, 3, 4]);
    expect(utf16.ok[0]?.payload).toEqual(fromText.ok[0]?.payload);
  });
});

describe('file-level problems: one clear error, nothing mapped', () => {
  it('a Latin-1 file read as UTF-8 text names the missing columns and says the encoding is wrong', async () => {
    const latin1AsUtf8 = iconv.encode(acmeCsv, 'windows-1252').toString('utf8'); // what file-in does with "a single utf8 string"
    const err = await fileFailure(latin1AsUtf8, acmeSpec);
    expect(err.code).toBe('BAD_INPUT');
    expect(err.transient).toBe(false);
    expect(err.details).toMatchObject({ reason: 'encoding', missingColumns: ['Währung', 'Gültig ab', 'Gültig bis'] });
    expect(err.message).toMatch(/mapped columns "Währung", "Gültig ab", "Gültig bis" are not in the header/);
    expect(err.message).toMatch(/the file has "W\uFFFDhrung", "G\uFFFDltig ab", "G\uFFFDltig bis" that nothing maps/);
    expect(err.message).toMatch(/look mis-decoded .* probably not in text; send the file as a Buffer/);
  });

  it('a Latin-1 file where the mapping insists on UTF-8 is undecodable, with the line', async () => {
    const err = await fileFailure(iconv.encode(acmeCsv, 'windows-1252'), { ...acmeSpec, input: { format: 'csv', encoding: 'utf-8', csv: { separator: ';' } } });
    expect(err.details).toMatchObject({ reason: 'encoding', line: 1 });
    expect(err.message).toMatch(/not valid UTF-8 \(byte 0xE4 at offset \d+, line 1\); it is probably windows-1252/);
  });

  it('a UTF-8 file where the mapping says windows-1252 names the encoding it is probably in', async () => {
    const err = await fileFailure(Buffer.from(acmeCsv), { ...acmeSpec, input: { format: 'csv', encoding: 'windows-1252', csv: { separator: ';' } } });
    expect(err.details).toMatchObject({ reason: 'encoding', detectedEncoding: 'utf-8', missingColumns: ['Währung', 'Gültig ab', 'Gültig bis'] });
    expect(err.message).toMatch(/"WÃ¤hrung"/);
    expect(err.message).toMatch(/probably in utf-8, not windows-1252.*set input.encoding to "utf-8"/);
  });

  it('a price list in a DOS or Mac code page names the columns whose accented letters came out wrong, and says it is another encoding', async () => {
    for (const cp of ['cp850', 'macintosh']) {
      const err = await fileFailure(iconv.encode(acmeCsv, cp), acmeSpec);
      expect(err.details).toMatchObject({ reason: 'encoding', missingColumns: ['Währung', 'Gültig ab', 'Gültig bis'] });
      expect(err.message).toMatch(/differ from the mapping's only in their accented letters \(".*" for "Währung".*another encoding than windows-1252/);
    }
  });

  it('UTF-16 big-endian without a byte order mark is named as such (not a header of NUL characters)', async () => {
    const err = await fileFailure(iconv.encode(acmeCsv, 'utf16-be'), acmeSpec);
    expect(err.details).toMatchObject({ reason: 'encoding', detected: 'utf-16be' });
    expect(err.message).toMatch(/UTF-16 big-endian without a byte order mark/);
    expect(err.message).not.toMatch(/\u0000/);
  });

  it('a comma-separated file where semicolons are expected gives a separator hint, not "missing" on every field', async () => {
    const commas = acmeCsv.split('\n').map((l) => l.split(';').map((c) => (c.includes(',') ? `"${c}"` : c)).join(',')).join('\n');
    const err = await fileFailure(Buffer.from(commas), acmeSpec);
    expect(err.details).toMatchObject({ reason: 'csv', separator: ';', detectedSeparator: ',' });
    expect(err.message).toMatch(/separated by ",", not ";": check input.csv.separator/);
    // without a separator in the spec, the reader finds it
    const auto = await mapToCanonical(compileMapping({ ...acmeSpec, input: { format: 'csv' } }), Buffer.from(commas), false);
    expect(auto.ok[0]?.rows).toEqual([2, 3, 4]);
  });

  it('a missing column is named with the columns nothing maps', async () => {
    const renamed = acmeCsv.replace('MinMenge', 'Mindestmenge');
    const err = await fileFailure(Buffer.from(renamed), acmeSpec);
    expect(err.details).toMatchObject({ reason: 'missing-columns', missingColumns: ['MinMenge'], unmappedColumns: ['Mindestmenge'] });
    expect(err.message).toBe('header (line 1): mapped column "MinMenge" is not in the header; the file has "Mindestmenge" that nothing maps');
    // unless the spec says the supplier may leave it out
    const ok = await mapToCanonical(compileMapping({ ...acmeSpec, input: { ...(acmeSpec.input as object), optionalColumns: ['MinMenge'] } }), Buffer.from(renamed), false);
    expect(ok.file?.absentOptional).toEqual(['MinMenge']);
    expect((ok.ok[0]?.payload as Array<{ minQty: number }>)[0]?.minQty).toBe(1);
  });

  it('empty, whitespace-only, header-only, blank-rows-only, XML and XLSX-as-CSV files', async () => {
    const header = acmeCsv.split('\n')[0] as string;
    const cases: Array<[Buffer, string, RegExp]> = [
      [Buffer.alloc(0), 'empty', /the file is empty \(0 bytes\)/],
      [Buffer.from('\r\n  \n'), 'empty', /only whitespace/],
      [Buffer.from('\ufeff'), 'empty', /empty/],
      [Buffer.from(header + '\n'), 'no-data-rows', /has a header but no data rows/],
      [Buffer.from(header + '\n;;;;;;;;;;\n;;;\n'), 'no-data-rows', /only blank rows \(lines 2–3\)/],
      [Buffer.from('<?xml version="1.0"?><prices/>'), 'format', /looks like XML, but this mapping reads CSV/],
      [Buffer.from('PK\u0003\u0004rest'), 'format', /ZIP archive \(an XLSX workbook\?\)/],
    ];
    for (const [bytes, reason, message] of cases) {
      const err = await fileFailure(bytes, acmeSpec);
      expect({ reason: err.details?.reason, message: err.message }).toEqual({ reason, message: expect.stringMatching(message) });
    }
  });

  it('an empty file can be configured as 0 rows, fine', async () => {
    const spec = { ...acmeSpec, input: { ...(acmeSpec.input as object), emptyFile: 'ok' } };
    for (const bytes of [Buffer.alloc(0), Buffer.from(acmeCsv.split('\n')[0] + '\n')]) {
      const out = await mapToCanonical(compileMapping(spec), bytes, false);
      expect(out.failed).toEqual([]);
      expect(out.ok).toEqual([{ payload: [], rows: [] }]);
    }
  });

  it('broken JSON and an unclosed CSV quote name their line', async () => {
    const err = await fileFailure(Buffer.from('{\n  "orderAck": {\n    "ackId": \n}'), loadExample('nordic-fasteners.po-ack.json'));
    expect(err.details).toMatchObject({ reason: 'json', line: 4 });
    const lines = acmeCsv.split('\n');
    lines[2] = (lines[2] as string).replace('Bithalter', '"Bithalter');
    const csvErr = await fileFailure(Buffer.from(lines.join('\n')), acmeSpec);
    expect(csvErr.details?.reason).toBe('csv');
    expect(csvErr.message).toMatch(/not readable as CSV with separator ";" and quote "/);
  });
});

describe('CSV row numbers are file lines', () => {
  it('skipped lines, comments, empty lines and quoted newlines', async () => {
    const spec = { ...acmeSpec, input: { format: 'csv', csv: { separator: ';', skipLines: 1, comment: '#' } } };
    const lines = acmeCsv.trimEnd().split('\n');
    lines[1] = (lines[1] as string).replace('Schraubendreher-Set 6-tlg.', '"Schraubendreher-Set\n6-tlg."');
    const text = ['ACME Tools GmbH Preisliste 2026', lines[0], '# Werkzeuge', lines[1], '', lines[2], lines[3], lines[6]].join('\r\n');
    const read = await readSupplierFile(Buffer.from(text), spec as never);
    // line 1 title, 2 header, 3 comment, 4–5 a quoted newline, 6 empty, 7, 8, 9
    expect(read.rowNumbers).toEqual([4, 7, 8, 9]);
    const out = await mapToCanonical(compileMapping(spec), Buffer.from(text), false);
    expect(out.ok[0]?.rows).toEqual([4, 7, 8]);
    expect((out.failed[0]?.error.details?.problems as Array<{ row: number }>)[0]?.row).toBe(9);
  });
});

describe('XLSX workbooks', () => {
  async function workbook(sheets: Record<string, unknown[][]>): Promise<Buffer> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ExcelJS = require('exceljs') as typeof import('exceljs');
    const wb = new ExcelJS.Workbook();
    for (const [name, rows] of Object.entries(sheets)) {
      const ws = wb.addWorksheet(name);
      rows.forEach((r, i) => {
        if (r.length) ws.getRow(i + 1).values = r as never;
      });
    }
    return Buffer.from(await wb.xlsx.writeBuffer());
  }
  const header = acmeCsv.split('\n')[0]!.split(';');
  const line = (i: number) => acmeCsv.split('\n')[i]!.split(';');

  it('the sheet named in the spec, with its title rows skipped; problems name the sheet row', async () => {
    const bytes = await workbook({ Info: [['nothing here']], Preise: [['ACME Preisliste'], [], header, line(1), line(2), [], line(6)] });
    const spec = { ...acmeSpec, input: { format: 'xlsx', sheet: 'Preise', skipRows: 2 } };
    const out = await mapToCanonical(compileMapping(spec), bytes, false);
    expect(out.ok[0]?.rows).toEqual([4, 5]);
    expect((out.ok[0]?.payload as Array<{ supplierProductCode: string }>).map((v) => v.supplierProductCode)).toEqual(['A-1001', 'A-1002']);
    expect((out.failed[0]?.error.details?.problems as Array<{ row: number; path: string }>)[0]).toMatchObject({ row: 7, path: 'price' });
    expect(out.file).toMatchObject({ format: 'xlsx' });
    const err = await fileFailure(bytes, { ...acmeSpec, input: { format: 'xlsx', sheet: 'Prices' } });
    expect(err.message).toBe('the workbook has no sheet "Prices"; its sheets: "Info", "Preise"');
    // detected from the bytes without a format in the spec; the first sheet has no mapped columns
    const first = await fileFailure(bytes, { ...acmeSpec, input: undefined });
    expect(first.details).toMatchObject({ reason: 'missing-columns', unmappedColumns: ['nothing here'] });
  });
});

it('windows-1252 is decoded as windows-1252 (€, smart quotes, dashes), agreeing with iconv-lite on every assigned byte', async () => {
  const { forTests } = jest.requireActual('../../lib/canonical/file') as typeof import('../../lib/canonical/file');
  const unassigned = [0x81, 0x8d, 0x8f, 0x90, 0x9d];
  const all = Buffer.from(Array.from({ length: 256 }, (_x, i) => i).filter((i) => !unassigned.includes(i)));
  expect(forTests.decodeCp1252(all)).toBe(iconv.decode(all, 'windows-1252'));
  // through a whole file and a stream: a price list whose product names have € and „quotes“
  const text = acmeCsv.replace('Holzbohrer 8 mm', '„Holzbohrer“ 8 mm – 3 € Rabatt');
  const out = await mapToCanonical(compileMapping(acmeSpec), iconv.encode(text, 'windows-1252'), false);
  expect((out.ok[0]?.payload as Array<{ productName: string }>)[2]?.productName).toBe('„Holzbohrer“ 8 mm – 3 € Rabatt');
});
