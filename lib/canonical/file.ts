/**
 * The supplier's file as it arrives (bytes or text), read the way its mapping
 * spec's `input` section says: format, encoding, CSV dialect, sheet. Every
 * file-level problem (missing columns, wrong separator or encoding, an empty
 * or header-only file) is one BAD_INPUT error naming the problem, so nothing
 * of a file that does not fit is mapped. Rows carry the number a supplier
 * sees: the file line (CSV) or the sheet row (XLSX).
 */
import jsonata from 'jsonata';
import { IntegrationError } from '../errors';
import { CsvSyntaxError, readCsv } from './csv';
import type { Encoding, FieldSpec, InputSpec, MappingSpec } from './spec';

export type FileFormat = 'csv' | 'xlsx' | 'json';
export type FileProblem =
  | 'empty'
  | 'no-data-rows'
  | 'missing-columns'
  | 'duplicate-columns'
  | 'encoding'
  | 'format'
  | 'csv'
  | 'json'
  | 'sheet';

export interface FileRead {
  format: FileFormat;
  /** The encoding the text was read in (`binary` for XLSX). */
  encoding: string;
  /** Rows (CSV, XLSX, a JSON array) or one document (a JSON object). */
  rows: unknown[];
  /** Per row: its file line (CSV), sheet row (XLSX) or position (JSON array). */
  rowNumbers: number[];
  /** A JSON object: one document, mapped as one object rather than rows. */
  single: boolean;
  /** The header's names as the file has them (CSV, XLSX). */
  columns?: string[];
  /** Mapped columns the file does not have but the spec allows to be left out. */
  absentOptional?: string[];
}

/** One file-level error: code BAD_INPUT, `details.reason` says which problem. */
export function fileError(reason: FileProblem, message: string, details: Record<string, unknown> = {}): IntegrationError {
  return new IntegrationError({ message, code: 'BAD_INPUT', transient: false, details: { reason, ...details } });
}

/** True for what canonical-map takes as a file rather than rows: a Buffer, a Uint8Array or text. */
export function isFilePayload(payload: unknown): payload is Buffer | Uint8Array | string {
  return typeof payload === 'string' || payload instanceof Uint8Array;
}

// ---------------------------------------------------------------- mapped columns

export interface MappedColumns {
  /** Columns named by `path` (and unit `from` paths): must be in the header unless optional. */
  required: string[];
  /** Names read by JSONata expressions: counted as mapped, not required (an expression may test for absence). */
  fromExpressions: string[];
}

function exprNames(expr: string, out: Set<string>): void {
  let ast: unknown;
  try {
    ast = jsonata(expr).ast();
  } catch {
    return; // the compiler reports a bad expression
  }
  const walk = (node: unknown, firstStep: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((n) => walk(n, firstStep));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const n = node as { type?: string; value?: unknown; steps?: unknown[] };
    if (n.type === 'name' && firstStep && typeof n.value === 'string') out.add(n.value);
    if (n.type === 'path' && Array.isArray(n.steps)) {
      n.steps.forEach((s, i) => walk(s, i === 0 && firstStep));
      return;
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'steps' && typeof v === 'object') walk(v, true);
  };
  walk(ast, true);
}

/** The columns a tabular file must have for this spec: top-level source paths, without `each` lines. */
export function mappedColumns(spec: Pick<MappingSpec, 'fields'>): MappedColumns {
  const required = new Set<string>();
  const fromExpr = new Set<string>();
  const visit = (fields: Record<string, FieldSpec>): void => {
    for (const f of Object.values(fields)) {
      if (f.each !== undefined) continue;
      if (f.fields !== undefined) {
        if (f.path === undefined) visit(f.fields);
        else required.add(f.path);
        continue;
      }
      if (f.path !== undefined && !f.path.startsWith('$row.')) required.add(f.path);
      if (f.expr !== undefined) exprNames(f.expr, fromExpr);
      const from = f.convert?.from;
      if (typeof from === 'string' && from.startsWith('path:')) required.add(from.slice(5));
      else if (typeof from === 'object' && from !== null) required.add(from.path);
    }
  };
  visit(fields(spec));
  return { required: [...required], fromExpressions: [...fromExpr].filter((n) => !required.has(n)) };
}

function fields(spec: Pick<MappingSpec, 'fields'>): Record<string, FieldSpec> {
  return spec.fields as Record<string, FieldSpec>;
}

// ---------------------------------------------------------------- bytes → text

const UTF8_BOM = [0xef, 0xbb, 0xbf];

function startsWith(buf: Uint8Array, bytes: number[]): boolean {
  return bytes.every((b, i) => buf[i] === b);
}

function lineOfByte(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < buf.length; i++) if (buf[i] === 0x0a) line++;
  return line;
}

/** First byte offset where the buffer stops being valid UTF-8, or -1. */
export function invalidUtf8At(buf: Uint8Array): number {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return -1;
  } catch {
    // rare path: find the position for the message
    let i = 0;
    while (i < buf.length) {
      const b = buf[i] as number;
      const n = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
      if (n === 0) return i;
      for (let k = 1; k < n; k++) if (((buf[i + k] ?? 0) & 0xc0) !== 0x80) return i;
      i += n;
    }
    return i;
  }
}

export interface Decoded {
  text: string;
  encoding: Exclude<Encoding, 'auto'>;
  bom: boolean;
}

/** Windows-1252 where it differs from ISO-8859-1: bytes 0x80–0x9F (the five unassigned ones stay as they are). */
const CP1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

export function decodeCp1252(b: Buffer): string {
  return b.toString('latin1').replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] as string);
}

function decodeAs(buf: Uint8Array, encoding: Exclude<Encoding, 'auto'>): string {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  switch (encoding) {
    case 'utf-8':
      return b.toString('utf8');
    case 'utf-16le':
      return b.toString('utf16le');
    case 'iso-8859-1':
      return b.toString('latin1'); // true ISO-8859-1 (WHATWG's "latin1" label is windows-1252)
    default:
      // not TextDecoder('windows-1252'): Node 20 decodes that label as ISO-8859-1 (0x80 gives U+0080, not €)
      return decodeCp1252(b);
  }
}

/** Decodes a file: `auto` lets a BOM decide, then valid UTF-8, then the fallback (windows-1252). */
export function decodeFile(buf: Uint8Array, input: InputSpec = {}): Decoded {
  const wanted = input.encoding ?? 'auto';
  const fallback = input.fallbackEncoding ?? 'windows-1252';
  if (startsWith(buf, UTF8_BOM)) {
    if (wanted !== 'auto' && wanted !== 'utf-8') {
      throw fileError('encoding', `the file starts with a UTF-8 byte order mark, but the mapping says ${wanted}: set input.encoding to "utf-8" or "auto"`, { encoding: wanted, detected: 'utf-8' });
    }
    return { ...checkedUtf8(buf.subarray(3), 3), bom: true };
  }
  if (startsWith(buf, [0xff, 0xfe])) {
    if (wanted !== 'auto' && wanted !== 'utf-16le') {
      throw fileError('encoding', `the file starts with a UTF-16LE byte order mark, but the mapping says ${wanted}: set input.encoding to "utf-16le" or "auto"`, { encoding: wanted, detected: 'utf-16le' });
    }
    return { text: decodeAs(buf.subarray(2), 'utf-16le'), encoding: 'utf-16le', bom: true };
  }
  if (startsWith(buf, [0xfe, 0xff])) {
    throw fileError('encoding', 'the file is UTF-16 big-endian (byte order mark FE FF); save it as UTF-8 or UTF-16LE', { detected: 'utf-16be' });
  }
  if (wanted === 'utf-8') return { ...checkedUtf8(buf, 0), bom: false };
  if (wanted === 'utf-16le') {
    if (buf.length % 2 !== 0) throw fileError('encoding', `the file has an odd number of bytes (${buf.length}), so it cannot be UTF-16LE`, { encoding: wanted });
    return { text: decodeAs(buf, 'utf-16le'), encoding: 'utf-16le', bom: false };
  }
  if (wanted === 'auto') {
    // UTF-16 without BOM: every other byte zero in ASCII text
    if (buf.length >= 4 && buf[1] === 0 && buf[3] === 0 && buf[0] !== 0) return { text: decodeAs(buf, 'utf-16le'), encoding: 'utf-16le', bom: false };
    if (buf.length >= 4 && buf[0] === 0 && buf[2] === 0 && buf[1] !== 0 && buf[3] !== 0) {
      throw fileError('encoding', 'the file looks like UTF-16 big-endian without a byte order mark (every other byte is zero, starting with the first); save it as UTF-8 or UTF-16LE', { detected: 'utf-16be' });
    }
    // one pass: the strict decoder's text is the answer when the file is valid UTF-8
    const text = strictUtf8(buf);
    return text !== undefined ? { text, encoding: 'utf-8', bom: false } : { text: decodeAs(buf, fallback), encoding: fallback, bom: false };
  }
  return { text: decodeAs(buf, wanted), encoding: wanted, bom: false };
}

function strictUtf8(buf: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    return undefined;
  }
}

function checkedUtf8(buf: Uint8Array, shift: number): Omit<Decoded, 'bom'> {
  const text = strictUtf8(buf);
  if (text !== undefined) return { text, encoding: 'utf-8' };
  const at = invalidUtf8At(buf);
  const line = lineOfByte(buf, at);
  throw fileError(
    'encoding',
    `the file is not valid UTF-8 (byte 0x${(buf[at] as number).toString(16).toUpperCase().padStart(2, '0')} at offset ${at + shift}, line ${line}); it is probably windows-1252 (Latin-1): set input.encoding to "windows-1252" or "auto"`,
    { encoding: 'utf-8', offset: at + shift, line },
  );
}

// ---------------------------------------------------------------- format

export function sniffFormat(buf: Uint8Array | undefined, text: string | undefined): FileFormat | 'xml' | 'zip' {
  if (buf && buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04) return 'zip';
  const head = (text ?? (buf ? Buffer.from(buf.subarray(0, 512)).toString('utf8') : '')).replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('<')) return 'xml';
  if (head.startsWith('{') || head.startsWith('[')) return 'json';
  return 'csv';
}

// ---------------------------------------------------------------- CSV

const SEPARATORS = [';', ',', '\t', '|'];

function sepName(sep: string): string {
  return sep === '\t' ? 'tab' : `"${sep}"`;
}

export interface CsvDialect {
  separator: string;
  quote: string;
  skipLines: number;
  comment?: string;
}

/** The header line's text (after skipped lines and comments), for hints. */
function headerLineText(text: string, d: CsvDialect): string {
  let pos = 0;
  for (let i = 0; pos <= text.length; i++) {
    const nl = text.indexOf('\n', pos);
    const l = (nl < 0 ? text.slice(pos) : text.slice(pos, nl)).replace(/\r$/, '');
    pos = nl < 0 ? text.length + 1 : nl + 1;
    if (i < d.skipLines || !l.trim() || (d.comment && l.startsWith(d.comment))) continue;
    return l;
  }
  return '';
}

function splitHeader(line: string, sep: string, quote: string): string[] {
  let cells: string[] = [];
  try {
    readCsv(line, { separator: sep, quote, skipLines: 0 }, (c) => {
      if (!cells.length) cells = c;
    });
  } catch {
    cells = line.split(sep);
  }
  return cells.map((h) => h.trim());
}

function countKnown(names: string[], wanted: Set<string>): number {
  let n = 0;
  for (const h of names) if (wanted.has(h)) n++;
  return n;
}

function chooseSeparator(text: string, d: Omit<CsvDialect, 'separator'>, mapped: MappedColumns): string {
  const line = headerLineText(text, { ...d, separator: ';' });
  const wanted = new Set([...mapped.required, ...mapped.fromExpressions]);
  let best = ';';
  let bestScore = -1;
  for (const sep of SEPARATORS) {
    const names = splitHeader(line, sep, d.quote);
    const score = countKnown(names, wanted) * 1000 + (names.length > 1 ? names.length : 0);
    if (score > bestScore) {
      best = sep;
      bestScore = score;
    }
  }
  return best;
}

export function csvDialect(input: InputSpec | undefined, text: string, mapped: MappedColumns): CsvDialect {
  const c = input?.csv ?? {};
  const base = { quote: c.quote ?? '"', skipLines: c.skipLines ?? 0, ...(c.comment ? { comment: c.comment } : {}) };
  const sep = c.separator === undefined || c.separator === 'auto' ? chooseSeparator(text, base, mapped) : c.separator === 'tab' ? '\t' : c.separator;
  return { ...base, separator: sep };
}

/**
 * A function building one row object from a record's cells, as one object
 * literal with the header's names: every row gets the same shape, which is
 * what keeps reading 100,000 rows cheap. Names are JSON-quoted, so no header
 * text can become code.
 */
function rowMaker(names: string[]): (cells: string[]) => Record<string, unknown> {
  const seen = new Set<string>();
  const props: string[] = [];
  names.forEach((name, i) => {
    if (seen.has(name)) return; // a repeated name: the first one counts (reported when it is mapped)
    seen.add(name);
    props.push(`${JSON.stringify(name)}: c.length > ${i} ? c[${i}] : ''`);
  });
  if (seen.has('__proto__')) {
    return (c) => {
      const row: Record<string, unknown> = Object.create(null);
      names.forEach((n, i) => {
        if (!(n in row)) row[n] = i < c.length ? c[i] : '';
      });
      return row;
    };
  }
  return new Function('c', `return { ${props.join(', ')} };`) as (cells: string[]) => Record<string, unknown>;
}

/** Turns records into rows named by the header; the first record is the header. */
export class CsvRows {
  columns: string[] | undefined;
  headerLine = 0;
  private names: string[] = [];

  private make: (cells: string[]) => Record<string, unknown> = () => ({});

  add(cells: string[], line: number, rows: Record<string, unknown>[], rowNumbers: number[]): void {
    if (this.columns === undefined) {
      this.columns = cells.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
      this.names = this.columns;
      this.headerLine = line;
      this.make = rowMaker(this.columns);
      return;
    }
    rows.push(this.make(cells));
    rowNumbers.push(line);
  }
}

export function csvFailure(err: unknown, d: CsvDialect): IntegrationError {
  if (!(err instanceof CsvSyntaxError)) throw err;
  return fileError('csv', `the file is not readable as CSV with separator ${sepName(d.separator)} and quote ${d.quote} (line ${err.line}): ${err.message}`, { line: err.line });
}

export function csvOptions(d: CsvDialect) {
  return { separator: d.separator, quote: d.quote, skipLines: d.skipLines, ...(d.comment ? { comment: d.comment } : {}) };
}

function readCsvText(text: string, d: CsvDialect): { rows: Record<string, unknown>[]; rowNumbers: number[]; columns: string[] | undefined; headerLine: number } {
  const rows: Record<string, unknown>[] = [];
  const rowNumbers: number[] = [];
  const reader = new CsvRows();
  try {
    readCsv(text, csvOptions(d), (cells, line) => reader.add(cells, line, rows, rowNumbers));
  } catch (err) {
    throw csvFailure(err, d);
  }
  return { rows, rowNumbers, columns: reader.columns, headerLine: reader.headerLine };
}

// ---------------------------------------------------------------- header check

export interface HeaderContext {
  format: 'csv' | 'xlsx';
  encoding: string;
  /** CSV: how to look for a better separator or encoding. */
  csv?: { dialect: CsvDialect; text: string; bytes?: Uint8Array; separatorGiven: boolean; encodingGiven: boolean };
  where: string;
}

const MOJIBAKE = /[ÃÂ][\u0080-\u00bf\u00a0-\u00ff€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|\uFFFD/;

/**
 * Throws when a mapped column is not in the header: names both sides (the
 * missing ones, the ones nothing maps) and, when it can tell, the separator or
 * encoding that would have found them.
 */
export function checkColumns(columns: string[], mapped: MappedColumns, input: InputSpec | undefined, ctx: HeaderContext): string[] {
  const have = new Set(columns);
  const dupes = columns.filter((c, i) => c !== '' && columns.indexOf(c) !== i);
  const optional = new Set(input?.optionalColumns ?? []);
  const missing = mapped.required.filter((c) => !have.has(c) && !optional.has(c));
  const absentOptional = mapped.required.filter((c) => !have.has(c) && optional.has(c));
  const mappedDupes = [...new Set(dupes)].filter((c) => mapped.required.includes(c) || mapped.fromExpressions.includes(c));
  if (mappedDupes.length) {
    throw fileError('duplicate-columns', `${ctx.where}: the header has ${mappedDupes.map((c) => `"${c}"`).join(', ')} more than once, so it is not clear which to read`, { duplicateColumns: mappedDupes, columns });
  }
  if (!missing.length) return absentOptional;
  const known = new Set([...mapped.required, ...mapped.fromExpressions]);
  const unmapped = columns.filter((c) => c !== '' && !known.has(c));
  const hints: string[] = [];
  let reason: FileProblem = 'missing-columns';
  const details: Record<string, unknown> = { missingColumns: missing, unmappedColumns: unmapped, columns, encoding: ctx.encoding };
  const c = ctx.csv;
  if (c) {
    // a separator that finds the missing columns
    const line = headerLineText(c.text, c.dialect);
    let bestSep: string | undefined;
    let bestFound = 0;
    for (const sep of SEPARATORS) {
      if (sep === c.dialect.separator) continue;
      const found = countKnown(splitHeader(line, sep, c.dialect.quote), new Set(missing));
      if (found > bestFound) {
        bestFound = found;
        bestSep = sep;
      }
    }
    if (bestSep !== undefined) {
      hints.push(`the file seems to be separated by ${sepName(bestSep)}, not ${sepName(c.dialect.separator)}${c.separatorGiven ? ': check input.csv.separator' : ''}`);
      details.separator = c.dialect.separator;
      details.detectedSeparator = bestSep;
      reason = 'csv';
    }
    // an encoding that finds them
    if (c.bytes && bestSep === undefined) {
      for (const enc of ['utf-8', 'windows-1252', 'utf-16le'] as const) {
        if (enc === ctx.encoding) continue;
        const head = decodeAs(c.bytes.subarray(0, Math.min(c.bytes.length, 65536)), enc).replace(/^\uFEFF/, '');
        const found = countKnown(splitHeader(headerLineText(head, c.dialect), c.dialect.separator, c.dialect.quote), new Set(missing));
        if (found > 0) {
          hints.push(`the file is probably in ${enc}, not ${ctx.encoding}: read as ${ctx.encoding} its column names come out mis-decoded${c.encodingGiven ? '; set input.encoding to "' + enc + '" (or "auto")' : ''}`);
          details.detectedEncoding = enc;
          reason = 'encoding';
          break;
        }
      }
    }
  }
  if (reason === 'missing-columns' && columns.some((n) => MOJIBAKE.test(n))) {
    hints.push(`some column names look mis-decoded (${columns.filter((n) => MOJIBAKE.test(n)).slice(0, 3).map((n) => `"${n}"`).join(', ')}): the file is probably not in ${ctx.encoding}${ctx.csv?.bytes ? '' : '; send the file as a Buffer so its encoding can be detected'}`);
    reason = 'encoding';
  }
  if (reason === 'missing-columns') {
    // "Währung" read as "W„hrung": the same names but for their accented letters (a DOS or Mac code page)
    const ascii = (n: string) => n.replace(/[^\x20-\x7e]/g, '');
    const pairs = missing.filter((m) => ascii(m) !== m).flatMap((m) => unmapped.filter((u) => u !== m && ascii(u) === ascii(m)).map((u) => `"${u}" for "${m}"`));
    if (pairs.length) {
      hints.push(`the file's column names differ from the mapping's only in their accented letters (${pairs.slice(0, 3).join(', ')}): the file is in another encoding than ${ctx.encoding} (a DOS or Mac code page?); ask for UTF-8 or windows-1252, or set input.encoding`);
      reason = 'encoding';
    }
  }
  const message =
    `${ctx.where}: ${missing.length === 1 ? 'mapped column' : 'mapped columns'} ${missing.map((m) => `"${m}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in the header` +
    (unmapped.length ? `; the file has ${unmapped.map((m) => `"${m}"`).join(', ')} that nothing maps` : '') +
    (hints.length ? `; ${hints.join('; ')}` : '');
  throw fileError(reason, message, details);
}

// ---------------------------------------------------------------- XLSX

function cellValue(v: unknown): unknown {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19);
  }
  if (typeof v !== 'object') return v;
  const o = v as { richText?: { text: string }[]; result?: unknown; text?: unknown; error?: unknown };
  if (Array.isArray(o.richText)) return o.richText.map((r) => r.text).join('');
  if ('result' in o) return cellValue(o.result);
  if (typeof o.text === 'string') return o.text;
  if (o.error !== undefined) return String(o.error);
  return String(v);
}

async function readXlsx(buf: Uint8Array, input: InputSpec | undefined): Promise<{ rows: Record<string, unknown>[]; rowNumbers: number[]; columns: string[] | undefined; sheet: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ExcelJS = require('exceljs') as typeof import('exceljs');
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength) as never);
  } catch (err) {
    throw fileError('format', `the file is not a readable XLSX workbook: ${(err as Error).message}`);
  }
  const names = wb.worksheets.map((w) => w.name);
  const want = input?.sheet;
  const ws = want === undefined ? wb.worksheets[0] : typeof want === 'number' ? wb.worksheets[want - 1] : wb.worksheets.find((w) => w.name === want);
  if (!ws) throw fileError('sheet', `the workbook has no sheet ${typeof want === 'number' ? `number ${want}` : `"${String(want)}"`}; its sheets: ${names.map((n) => `"${n}"`).join(', ') || 'none'}`, { sheets: names });
  const skip = input?.skipRows ?? 0;
  let columns: string[] | undefined;
  const rows: Record<string, unknown>[] = [];
  const rowNumbers: number[] = [];
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    if (rowNumber <= skip) return;
    const values = row.values as unknown[]; // 1-based, index 0 unused
    if (columns === undefined) {
      columns = values.slice(1).map((v) => String(cellValue(v)).trim());
      return;
    }
    const out: Record<string, unknown> = {};
    columns.forEach((name, i) => {
      out[name] = cellValue(values[i + 1]);
    });
    rows.push(out);
    rowNumbers.push(rowNumber);
  });
  return { rows, rowNumbers, columns, sheet: ws.name };
}

// ---------------------------------------------------------------- the whole file

function isBlankRow(row: Record<string, unknown>): boolean {
  for (const k in row) {
    const v = row[k];
    if (v !== '' && v !== null && v !== undefined && !(typeof v === 'string' && v.trim() === '')) return false;
  }
  return true;
}

function emptyOutcome(format: FileFormat, encoding: string): FileRead {
  return { format, encoding, rows: [], rowNumbers: [], single: false };
}

/** Where JSON text stops being valid (Node 20's JSON.parse does not say), or -1. */
export function jsonErrorOffset(t: string): number {
  let i = 0;
  const ws = () => {
    while (i < t.length && ' \t\r\n'.includes(t[i] as string)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = t[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (t[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (t[i] !== '"') fail();
          value();
          ws();
          if (t[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (t[i] === ',') i++;
        else if (t[i] === close) {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '"') {
      i++;
      while (i < t.length && t[i] !== '"') i += t[i] === '\\' ? 2 : 1;
      if (i >= t.length) fail();
      i++;
      return;
    }
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(t.slice(i, i + 64));
    if (!m) fail();
    i += (m as RegExpExecArray)[0].length;
  };
  try {
    value();
    ws();
    return i < t.length ? i : -1;
  } catch (at) {
    return typeof at === 'number' ? at : -1;
  }
}

/** The line of a character offset, for JSON errors. */
function lineOfChar(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Reads a supplier file for a mapping spec. Throws one BAD_INPUT error
 * (`details.reason`) when the file does not fit, before any row is mapped.
 */
export async function readSupplierFile(payload: Uint8Array | string, spec: Pick<MappingSpec, 'fields' | 'input'>): Promise<FileRead> {
  const input = spec.input;
  const bytes = typeof payload === 'string' ? undefined : payload;
  const emptyOk = input?.emptyFile === 'ok';
  const size = bytes ? bytes.length : payload.length;
  const blank = bytes ? bytes.every((b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) || (bytes.length === 3 && startsWith(bytes, UTF8_BOM)) : (payload as string).replace(/^\uFEFF/, '').trim() === '';
  const sniffed = sniffFormat(bytes, typeof payload === 'string' ? payload : undefined);
  const format: FileFormat = input?.format ?? (sniffed === 'zip' ? 'xlsx' : sniffed === 'json' ? 'json' : 'csv');
  if (size === 0 || blank) {
    if (emptyOk) return emptyOutcome(format, 'utf-8');
    throw fileError('empty', size === 0 ? 'the file is empty (0 bytes)' : 'the file is empty (only whitespace)', { size });
  }
  if (sniffed === 'xml') throw fileError('format', `the file looks like XML, but this mapping reads ${format.toUpperCase()}`, { detected: 'xml', expected: format });
  if (format === 'xlsx') {
    if (!bytes) throw fileError('format', 'an XLSX workbook must arrive as a Buffer, not text (Node-RED file-in: "a single Buffer object")');
    if (sniffed !== 'zip') throw fileError('format', `the file is not an XLSX workbook (it looks like ${sniffed.toUpperCase()})`, { detected: sniffed, expected: 'xlsx' });
    const x = await readXlsx(bytes, input);
    const where = `sheet "${x.sheet}"`;
    if (x.columns === undefined) {
      if (emptyOk) return emptyOutcome('xlsx', 'binary');
      throw fileError('empty', `${where} is empty`, { sheet: x.sheet });
    }
    const mapped = mappedColumns(spec);
    const absentOptional = checkColumns(x.columns, mapped, input, { format: 'xlsx', encoding: 'binary', where });
    return finishTabular({ format: 'xlsx', encoding: 'binary', rows: x.rows, rowNumbers: x.rowNumbers, single: false, columns: x.columns, absentOptional }, emptyOk, where);
  }
  if (sniffed === 'zip') throw fileError('format', `the file is a ZIP archive (an XLSX workbook?), but this mapping reads ${format.toUpperCase()}: set input.format to "xlsx"`, { detected: 'xlsx', expected: format });
  const decoded: Decoded = bytes ? decodeFile(bytes, input) : { text: (payload as string).replace(/^\uFEFF/, ''), encoding: 'utf-8', bom: false };
  const encoding = bytes ? decoded.encoding : 'text';
  if (format === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(decoded.text);
    } catch (err) {
      const at = jsonErrorOffset(decoded.text);
      const line = at >= 0 ? lineOfChar(decoded.text, at) : undefined;
      throw fileError('json', `the file is not valid JSON${line ? ` (line ${line})` : ''}: ${(err as Error).message}`, line ? { line } : {});
    }
    if (Array.isArray(doc)) {
      if (!doc.length) {
        if (emptyOk) return emptyOutcome('json', encoding);
        throw fileError('no-data-rows', 'the file is an empty JSON array: no rows');
      }
      return { format: 'json', encoding, rows: doc, rowNumbers: doc.map((_, i) => i + 1), single: false };
    }
    if (typeof doc !== 'object' || doc === null) throw fileError('json', `the file is JSON ${doc === null ? 'null' : typeof doc}, not an object or an array of rows`);
    return { format: 'json', encoding, rows: [doc], rowNumbers: [1], single: true };
  }
  const mapped = mappedColumns(spec);
  const dialect = csvDialect(input, decoded.text, mapped);
  const t = readCsvText(decoded.text, dialect);
  if (t.columns === undefined) {
    if (emptyOk) return emptyOutcome('csv', encoding);
    throw fileError('empty', `the file has no header line${dialect.skipLines ? ` after the ${dialect.skipLines} skipped lines` : ''}`);
  }
  const absentOptional = checkColumns(t.columns, mapped, input, {
    format: 'csv',
    encoding,
    where: `header (line ${t.headerLine})`,
    csv: { dialect, text: decoded.text, ...(bytes ? { bytes } : {}), separatorGiven: input?.csv?.separator !== undefined && input.csv.separator !== 'auto', encodingGiven: input?.encoding !== undefined && input.encoding !== 'auto' },
  });
  return finishTabular({ format: 'csv', encoding, rows: t.rows, rowNumbers: t.rowNumbers, single: false, columns: t.columns, absentOptional }, emptyOk, `the file (header on line ${t.headerLine})`);
}

function finishTabular(read: FileRead, emptyOk: boolean, where: string): FileRead {
  if (!read.rows.length) {
    if (emptyOk) return read;
    throw fileError('no-data-rows', `${where} has a header but no data rows`, { columns: read.columns });
  }
  if ((read.rows as Record<string, unknown>[]).every(isBlankRow)) {
    if (emptyOk) return { ...read, rows: [], rowNumbers: [] };
    throw fileError('no-data-rows', `${where} has only blank rows (lines ${read.rowNumbers[0]}–${read.rowNumbers[read.rowNumbers.length - 1]})`, { columns: read.columns });
  }
  return read;
}

/**
 * Rows as Node-RED's core CSV node leaves them: a byte order mark, spaces or
 * quotes may stay in the header names. Returns the rows with clean names (the
 * same array when nothing needed cleaning).
 */
export function normaliseRowKeys(rows: unknown[]): unknown[] {
  const first = rows.find((r) => typeof r === 'object' && r !== null && !Array.isArray(r)) as Record<string, unknown> | undefined;
  if (!first) return rows;
  const clean = (k: string) => k.replace(/^\uFEFF/, '').trim().replace(/^"(.*)"$/, '$1');
  if (Object.keys(first).every((k) => clean(k) === k)) return rows;
  return rows.map((r) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return r;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) out[clean(k)] = v;
    return out;
  });
}

/** The editor's Try it panel: a pasted file read as at runtime; a file-level problem is an answer, not a failure. */
export async function tryFile(text: string, spec: Pick<MappingSpec, 'fields' | 'input'>): Promise<FileRead | { fileError: { message: string; details?: Record<string, unknown> } }> {
  try {
    return await readSupplierFile(text, spec);
  } catch (err) {
    if (err instanceof IntegrationError && err.code === 'BAD_INPUT') return { fileError: { message: err.message, ...(err.details ? { details: err.details } : {}) } };
    throw err;
  }
}

export const forTests = { decodeCp1252 };
