/**
 * Canonical → the supplier's format: a mapping spec that runs the other way.
 * One spec per supplier and document, data only: its columns in order, each
 * from a canonical path (or a constant, a JSONata expression), with value
 * maps, decimal comma, date format; the file's format (CSV, XLSX, JSON), CSV
 * dialect, encoding and file name.
 *
 * ```json
 * { "schema": "purchase-order@1", "specVersion": 1, "direction": "from-canonical",
 *   "id": "acme-tools.purchase-order", "rows": "lines",
 *   "columns": [ { "name": "Bestellnr", "path": "number" },
 *                { "name": "Menge", "path": "lines[].quantity", "number": { "decimal": ",", "decimals": 3 } },
 *                { "name": "Datum", "path": "orderDate", "date": "DD.MM.YYYY" },
 *                { "name": "Einheit", "path": "lines[].uom", "map": "units" },
 *                { "name": "Revision", "path": "@revision" } ],
 *   "maps": { "units": { "Units": "Stk" } },
 *   "output": { "format": "csv", "encoding": "windows-1252", "csv": { "separator": ";" }, "fileName": "PO_{number}_R{@revision}.csv" } }
 * ```
 * `lines[].x` is the row's line; other paths are the object's; `@name` is
 * what the flow passes beside the object (`@revision`, `@correlationId`, `@sentAt`).
 */
import ExcelJS from 'exceljs';
import jsonata from 'jsonata';
import { z } from 'zod';
import { badInput, configError } from '../errors';
import { describeIssues } from '../util/zod';
import { getSchema } from './registry';

const columnSchema = z
  .object({
    name: z.string().min(1),
    path: z.string().min(1).optional(),
    const: z.union([z.string(), z.number(), z.boolean()]).optional(),
    expr: z.string().min(1).optional(),
    default: z.union([z.string(), z.number()]).optional(),
    map: z.string().optional(),
    upper: z.boolean().optional(),
    number: z.object({ decimal: z.enum(['.', ',']).default('.'), thousands: z.enum(['', '.', ',', ' ', "'"]).default(''), decimals: z.number().int().min(0).max(10).optional() }).optional(),
    date: z.string().min(2).optional(),
  })
  .refine((c) => [c.path, c.const, c.expr].filter((v) => v !== undefined).length === 1, 'each column takes exactly one of path, const, expr');

export const outboundSpecSchema = z.object({
  schema: z.string().regex(/^[a-z0-9-]+@\d+$/, 'a canonical object with its version, like purchase-order@1'),
  specVersion: z.literal(1),
  direction: z.literal('from-canonical'),
  id: z.string().optional(),
  version: z.string().optional(),
  /** One row per element of this list of the object (with the object's own fields beside); omitted: one row per object. */
  rows: z.string().regex(/^[A-Za-z_]\w*$/).optional(),
  columns: z.array(columnSchema).min(1),
  maps: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  output: z
    .object({
      format: z.enum(['csv', 'xlsx', 'json']).default('csv'),
      encoding: z.enum(['utf-8', 'utf-8-bom', 'windows-1252', 'iso-8859-1', 'utf-16le']).default('utf-8'),
      csv: z.object({ separator: z.string().min(1).max(3).default(','), quote: z.string().length(1).default('"'), lineEnd: z.enum(['\r\n', '\n']).default('\r\n'), header: z.boolean().default(true) }).default({ separator: ',', quote: '"', lineEnd: '\r\n', header: true }),
      sheet: z.string().min(1).max(31).default('Sheet1'),
      fileName: z.string().min(1).default('{number}.{@format}'),
    })
    .default({ format: 'csv', encoding: 'utf-8', csv: { separator: ',', quote: '"', lineEnd: '\r\n', header: true }, sheet: 'Sheet1', fileName: '{number}.{@format}' }),
});
export type OutboundSpec = z.infer<typeof outboundSpecSchema>;

export interface SupplierFile {
  fileName: string;
  bytes: Buffer;
  format: 'csv' | 'xlsx' | 'json';
  encoding: string;
  rows: number;
}

export interface CompiledOutbound {
  spec: OutboundSpec;
  /** The object as the supplier's file; `meta` fills `@…` paths (revision, correlation id). */
  write(object: unknown, meta?: Record<string, unknown>): Promise<SupplierFile>;
}

/** Checks an outbound spec at deploy: a bad one is refused then, naming the column. */
export function compileOutbound(input: unknown): CompiledOutbound {
  const parsed = outboundSpecSchema.safeParse(input);
  if (!parsed.success) throw configError(`outbound mapping: ${describeIssues(parsed.error)}`);
  const spec = parsed.data;
  if (!getSchema(spec.schema)) throw configError(`outbound mapping: unknown canonical schema "${spec.schema}"`);
  const exprs = new Map<number, jsonata.Expression>();
  spec.columns.forEach((c, i) => {
    if (c.map && !spec.maps[c.map]) throw configError(`outbound mapping: column "${c.name}" uses map "${c.map}", which the spec does not define`);
    if (c.path?.includes('[]') && !(spec.rows && c.path.startsWith(`${spec.rows}[].`))) throw configError(`outbound mapping: column "${c.name}": path ${c.path} needs "rows": "${c.path.split('[]')[0]}"`);
    if (c.expr) {
      try {
        exprs.set(i, jsonata(c.expr));
      } catch (err) {
        throw configError(`outbound mapping: column "${c.name}": invalid JSONata (${(err as Error).message})`);
      }
    }
  });
  return {
    spec,
    async write(object, meta = {}) {
      if (!object || typeof object !== 'object') throw badInput(`an outbound mapping writes one canonical object (${spec.schema}), got ${typeof object}`);
      const checked = getSchema(spec.schema)?.schema.safeParse(object);
      if (checked && !checked.success) throw badInput(`the object is not a valid ${spec.schema}: ${describeIssues(checked.error)}`);
      const obj = object as Record<string, unknown>;
      const items = spec.rows ? ((obj[spec.rows] as unknown[] | undefined) ?? []) : [undefined];
      const rows: string[][] = [];
      const typed: unknown[][] = [];
      for (const item of items) {
        const row: string[] = [];
        const raw: unknown[] = [];
        for (const [i, c] of spec.columns.entries()) {
          let v: unknown;
          if (c.const !== undefined) v = c.const;
          else if (c.expr) v = await exprs.get(i)?.evaluate({ object: obj, line: item, meta });
          else v = valueAt(c.path as string, obj, item, spec.rows, meta);
          if ((v === undefined || v === null || v === '') && c.default !== undefined) v = c.default;
          if (c.map && v !== undefined && v !== null) {
            const mapped = (spec.maps[c.map] as Record<string, string>)[String(v)];
            if (mapped === undefined) throw badInput(`column "${c.name}": value "${String(v)}" is not in map "${c.map}"`, { column: c.name, value: v });
            v = mapped;
          }
          raw.push(v);
          row.push(formatValue(v, c));
        }
        rows.push(row);
        typed.push(raw);
      }
      const names = spec.columns.map((c) => c.name);
      const o = spec.output;
      let bytes: Buffer;
      if (o.format === 'csv') {
        const lines = [...(o.csv.header ? [names] : []), ...rows].map((r) => r.map((cell) => csvCell(cell, o.csv.separator, o.csv.quote)).join(o.csv.separator));
        bytes = encodeText(lines.join(o.csv.lineEnd) + o.csv.lineEnd, o.encoding);
      } else if (o.format === 'json') {
        bytes = encodeText(JSON.stringify(rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]]))), null, 2) + '\n', o.encoding);
      } else {
        const wb = new ExcelJS.Workbook();
        const ws = wb.addWorksheet(o.sheet);
        ws.addRow(names);
        // numbers stay numbers in a sheet (the supplier's Excel shows them in its own locale); the rest as written
        typed.forEach((r, ri) => ws.addRow(r.map((v, i) => (typeof v === 'number' && !spec.columns[i]?.date ? v : rows[ri]?.[i]))));
        bytes = Buffer.from(await wb.xlsx.writeBuffer());
      }
      const fileName = o.fileName.replace(/\{(@?[\w.]+)\}/g, (_m, key: string) => {
        const v = key === '@format' ? o.format : key.startsWith('@') ? meta[key.slice(1)] : valueAt(key, obj, undefined, undefined, meta);
        return String(v ?? '').replace(/[^A-Za-z0-9._-]/g, '_');
      });
      return { fileName, bytes, format: o.format, encoding: o.encoding, rows: rows.length };
    },
  };
}

function valueAt(p: string, obj: Record<string, unknown>, item: unknown, rowsKey: string | undefined, meta: Record<string, unknown>): unknown {
  if (p.startsWith('@')) return meta[p.slice(1)];
  let base: unknown = obj;
  let rest = p;
  if (rowsKey && p.startsWith(`${rowsKey}[].`)) {
    base = item;
    rest = p.slice(rowsKey.length + 3);
  }
  return rest.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), base);
}

function formatValue(v: unknown, c: z.infer<typeof columnSchema>): string {
  if (v === undefined || v === null || v === false) return '';
  if (c.date && typeof v === 'string') return formatDate(v, c.date);
  if (typeof v === 'number' && c.number) return formatNumber(v, c.number);
  const s = String(v);
  return c.upper ? s.toUpperCase() : s;
}

export function formatNumber(n: number, f: { decimal: '.' | ','; thousands: string; decimals?: number | undefined }): string {
  const fixed = f.decimals !== undefined ? n.toFixed(f.decimals) : String(n);
  const [int, frac] = fixed.split('.');
  const sign = int?.startsWith('-') ? '-' : '';
  const digits = (int ?? '').replace('-', '');
  const grouped = f.thousands ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, f.thousands) : digits;
  return `${sign}${grouped}${frac !== undefined ? f.decimal + frac : ''}`;
}

/** `YYYY-MM-DD` (or an ISO date-time, in UTC) in a format of YYYY, YY, MM, DD, HH, mm, ss. */
export function formatDate(value: string, format: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2}))?/.exec(value);
  if (!m) return value;
  const parts: Record<string, string> = { YYYY: m[1] as string, YY: (m[1] as string).slice(2), MM: m[2] as string, DD: m[3] as string, HH: m[4] ?? '00', mm: m[5] ?? '00', ss: m[6] ?? '00' };
  return format.replace(/YYYY|YY|MM|DD|HH|mm|ss/g, (t) => parts[t] as string);
}

function csvCell(cell: string, sep: string, quote: string): string {
  const needs = cell.includes(sep) || cell.includes(quote) || /[\r\n]/.test(cell) || /^\s|\s$/.test(cell);
  return needs ? quote + cell.split(quote).join(quote + quote) + quote : cell;
}

/** Windows-1252 bytes 0x80–0x9F, by character. */
const CP1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

export function encodeText(text: string, encoding: OutboundSpec['output']['encoding']): Buffer {
  if (encoding === 'utf-8') return Buffer.from(text, 'utf8');
  if (encoding === 'utf-8-bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  if (encoding === 'utf-16le') return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const out = Buffer.alloc(text.length);
  let n = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    let byte: number | undefined;
    if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) byte = code;
    else if (encoding === 'iso-8859-1' && code <= 0xff) byte = code;
    else if (encoding === 'windows-1252') {
      const i = CP1252_HIGH.indexOf(ch);
      if (i >= 0) byte = 0x80 + i;
    }
    if (byte === undefined) throw badInput(`"${ch}" (U+${code.toString(16).toUpperCase().padStart(4, '0')}) cannot be written in ${encoding}; the supplier's file needs another encoding or the text another character`);
    out[n++] = byte;
  }
  return out.subarray(0, n);
}
