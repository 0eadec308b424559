/**
 * The mapping spec: JSON an analyst writes (and versions inside the flow that
 * uses it) to turn one supplier's shape into a canonical object. This file is
 * the spec's own zod schema; `mapping.ts` compiles a parsed spec.
 */
import { z } from 'zod';
import type { SpecIssue } from './errors';

const mapValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** A value map: supplier value → canonical value (`null` = no value, so `default` applies). */
const valueMap = z.record(z.string(), mapValue);
const mapRef = z.union([z.string().min(1), valueMap]);

const numberFormat = z.strictObject({
  decimal: z.enum(['.', ',']),
  thousands: z.enum(['.', ',', ' ', "'"]).optional(),
});

const dateSpec = z.strictObject({
  format: z.string().min(1),
  tz: z.string().min(1).optional(),
  dateTz: z.string().min(1).optional(),
  disambiguation: z.enum(['compatible', 'earlier', 'later', 'reject']).optional(),
});

const unitFrom = z.union([
  z.string().min(1),
  z.strictObject({ path: z.string().min(1), map: mapRef.optional() }),
]);

const convertSpec = z.strictObject({
  /** Plain multiplier: value × factor. */
  factor: z.number().positive().optional(),
  /** Unit the source value is in: a unit name, `"path:<column>"`, or `{path, map}` to read it per row. */
  from: unitFrom.optional(),
  /** Unit of the canonical value. */
  to: z.string().min(1).optional(),
  /** The value is per unit (a price): converting Dozens → Units divides by 12 instead of multiplying. */
  perUnit: z.boolean().optional(),
});

export interface FieldSpec {
  description?: string;
  path?: string;
  expr?: string;
  const?: unknown;
  default?: unknown;
  trim?: boolean;
  upper?: boolean;
  lower?: boolean;
  map?: string | Record<string, string | number | boolean | null>;
  mapDefault?: string | number | boolean | null;
  number?: true | z.infer<typeof numberFormat>;
  date?: z.infer<typeof dateSpec>;
  convert?: z.infer<typeof convertSpec>;
  each?: string;
  fields?: Record<string, FieldSpec>;
}

export const fieldSpecSchema: z.ZodType<FieldSpec> = z.lazy(() =>
  z.strictObject({
    description: z.string().optional(),
    path: z.string().min(1).optional(),
    expr: z.string().min(1).optional(),
    const: z.unknown().optional(),
    default: z.unknown().optional(),
    trim: z.boolean().optional(),
    upper: z.boolean().optional(),
    lower: z.boolean().optional(),
    map: mapRef.optional(),
    mapDefault: mapValue.optional(),
    number: z.union([z.literal(true), numberFormat]).optional(),
    date: dateSpec.optional(),
    convert: convertSpec.optional(),
    each: z.string().min(1).optional(),
    fields: z.record(z.string(), fieldSpecSchema).optional(),
  }),
);

export const ENCODINGS = ['auto', 'utf-8', 'windows-1252', 'iso-8859-1', 'utf-16le'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** How the supplier's file is written: the file-level half of the contract. */
export const inputSpecSchema = z.strictObject({
  /** `csv`, `xlsx` or `json`; without it the file's first bytes decide. */
  format: z.enum(['csv', 'xlsx', 'json']).optional(),
  /** `auto` (default): a BOM decides, valid UTF-8 is UTF-8, otherwise `fallbackEncoding`. */
  encoding: z.enum(ENCODINGS).optional(),
  /** What `auto` takes when the file is not valid UTF-8 and has no BOM (default `windows-1252`). */
  fallbackEncoding: z.enum(['windows-1252', 'iso-8859-1']).optional(),
  csv: z
    .strictObject({
      /** One character, or `auto` (default): the one of ; , tab | that finds the mapped columns. */
      separator: z.string().min(1).max(4).optional(),
      /** Quote character (default `"`), doubled inside a quoted cell. */
      quote: z.string().length(1).optional(),
      /** Lines to skip before the header line (a title, a date line). */
      skipLines: z.number().int().min(0).max(1000).optional(),
      /** Lines that start with this text are comments. */
      comment: z.string().min(1).max(4).optional(),
    })
    .optional(),
  /** XLSX: the sheet's name or 1-based position (default the first sheet). */
  sheet: z.union([z.string().min(1), z.number().int().min(1)]).optional(),
  /** XLSX: rows to skip before the header row. */
  skipRows: z.number().int().min(0).max(1000).optional(),
  /** Mapped columns the supplier may leave out; every other mapped column must be in the header. */
  optionalColumns: z.array(z.string().min(1)).optional(),
  /** `error` (default): an empty file is a file-level error; `ok`: it is 0 rows, fine. */
  emptyFile: z.enum(['error', 'ok']).optional(),
});

export type InputSpec = z.infer<typeof inputSpecSchema>;

export const mappingSpecSchema = z.strictObject({
  /** Canonical object id with version: `supplier-price@1`. */
  schema: z.string().min(1),
  specVersion: z.literal(1),
  /** The mapping's own identity and version, as the flow versions it (`acme-tools.price-list`, `2026-03-01`). */
  id: z.string().optional(),
  version: z.union([z.string(), z.number()]).optional(),
  description: z.string().optional(),
  /** The file itself: format, encoding, CSV dialect, sheet. */
  input: inputSpecSchema.optional(),
  fields: z.record(z.string(), fieldSpecSchema),
  maps: z.record(z.string(), valueMap).optional(),
  units: z.record(z.string(), z.strictObject({ unit: z.string().min(1), factor: z.number().positive() })).optional(),
  options: z
    .strictObject({
      /** Target fields whose values together identify a row; a later row with the same values is a duplicate. */
      dedupeBy: z.array(z.string().min(1)).min(1).optional(),
      /** `reject` (default): a duplicate row is invalid; `skip`: it is dropped and listed in `skippedDuplicate`. */
      onDuplicate: z.enum(['reject', 'skip']).optional(),
      /** `skip` (default): rows with no values are skipped and listed; `error`: they are invalid. */
      onBlank: z.enum(['skip', 'error']).optional(),
      /** Default for every field's `trim` (true). */
      trim: z.boolean().optional(),
    })
    .optional(),
});

export type MappingSpec = z.infer<typeof mappingSpecSchema>;

/**
 * Turns zod issues about a spec into issues that name the target field
 * (`lines[].quantity`) rather than the spec's JSON path.
 */
export function specIssuesFromZod(issues: readonly z.core.$ZodIssue[], raw: unknown): SpecIssue[] {
  const out: SpecIssue[] = [];
  for (const issue of issues) {
    // A union failure: report the branch that matched the input's type, not "Invalid input".
    // The branch whose errors are all inside the value is the one whose type matched.
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branch = issue.errors.find((errs) => errs.length > 0 && errs.every((e) => e.path.length > 0));
      if (branch !== undefined) {
        out.push(...specIssuesFromZod(branch.map((e) => ({ ...e, path: [...issue.path, ...e.path] }) as z.core.$ZodIssue), raw));
      } else {
        const alternatives = issue.errors.flat().map((e) => e.message.replace(/^Invalid input: /, ''));
        out.push(nameIssue(issue.path, `Invalid input: ${[...new Set(alternatives)].join(', or ')}`, raw));
      }
      continue;
    }
    out.push(nameIssue(issue.path, issue.message, raw));
  }
  return out;
}

function nameIssue(path: readonly PropertyKey[], message: string, raw: unknown): SpecIssue {
  if (path[0] !== 'fields' || path.length < 2) {
    return { field: path.length ? path.map(String).join('.') : 'spec', message };
  }
  // fields.<a>.fields.<b>.<option…> → a[].b (or a.b for an object group)
  let field = '';
  let node: unknown = raw;
  let i = 0;
  while (i + 1 < path.length && path[i] === 'fields') {
    const key = String(path[i + 1]);
    const fields = (node as { fields?: Record<string, unknown> } | undefined)?.fields;
    node = fields?.[key];
    field += key;
    i += 2;
    if (i < path.length && path[i] === 'fields') {
      field += (node as { each?: unknown } | undefined)?.each !== undefined ? '[].' : '.';
    }
  }
  const rest = path.slice(i).map(String).join('.');
  return { field, message: rest ? `${rest}: ${message}` : message };
}
