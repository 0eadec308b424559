/**
 * Error and problem types of the canonical mapping engine.
 *
 * Two kinds of failure, deliberately kept apart:
 * - a bad mapping *spec* is the analyst's mistake and is found once, at compile
 *   (deploy) time: {@link MappingSpecError};
 * - a bad *row* is the supplier's data and is reported per row as
 *   {@link Problem}s, never thrown, so one bad row never blocks the good ones.
 */
import type { z } from 'zod';
import type { CanonicalSchemaEntry } from './registry';

/** What went wrong with one field of one row. */
export type ProblemKind =
  | 'missing' // a required field has no value
  | 'type' // the value has the wrong type (text where a number is expected, ...)
  | 'format' // text that does not parse: number, date, ISO code pattern
  | 'range' // a number outside its allowed range
  | 'length' // text too long / too short, too many / too few lines
  | 'value' // not one of the allowed values, or not in a value map, or an unknown unit
  | 'rule' // a rule across fields (validTo before validFrom, ...)
  | 'expression' // a JSONata expression failed while evaluating this row
  | 'duplicate' // same dedupe key as an earlier row
  | 'blank'; // the row has no values at all (single-row mapping only)

export interface Problem {
  kind: ProblemKind;
  /** Target field path in the canonical object, e.g. `price` or `lines[2].quantity` (0-based line index); `''` is the whole row. */
  path: string;
  /** What the field needs, in words: `number ≥ 0`, `date as DD.MM.YYYY`, `at most 64 characters`. */
  expected: string;
  /** What the row had, rendered short: `"12,5x"`, `missing`, `"AAAA…" (300 characters)`. */
  received: string;
  /** 1-based data row number (index in the input array + 1), when the row came from an array or a row number was given. */
  row?: number;
  /** Where the value came from in the supplier's shape: a column / source path, or `expr: …`. */
  source?: string;
  /** For `duplicate`: the row number of the first occurrence. */
  duplicateOf?: number;
  /** One readable sentence for logs and the editor. */
  message: string;
}

export interface SpecIssue {
  /** Target field path (`price`, `lines[].quantity`), or a top-level spec key (`schema`, `maps.units`, `options.dedupeBy`). */
  field: string;
  message: string;
}

/** A mapping spec that cannot be compiled. Thrown by `compileMapping`, never while mapping rows. */
export class MappingSpecError extends Error {
  readonly code = 'MAPPING_SPEC_INVALID';
  readonly issues: SpecIssue[];

  constructor(issues: SpecIssue[], schemaId?: string) {
    const head = schemaId ? `Invalid mapping spec for ${schemaId}` : 'Invalid mapping spec';
    super(`${head}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'MappingSpecError';
    this.issues = issues;
  }
}

const MAX_SHOWN = 40;

/** Renders a received value for a problem report: short, typed, never the whole payload. */
export function describeReceived(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string': {
      if (value.length === 0) return 'empty text';
      if (value.length <= MAX_SHOWN) return JSON.stringify(value);
      return `${JSON.stringify(value.slice(0, MAX_SHOWN))}… (${value.length} characters)`;
    }
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (Array.isArray(value)) return `array of ${value.length}`;
      if (value instanceof Date) return `date ${isNaN(value.getTime()) ? 'invalid' : value.toISOString()}`;
      return 'object';
    default:
      return typeof value;
  }
}

export function problemMessage(p: Pick<Problem, 'path' | 'expected' | 'received' | 'row' | 'source'>): string {
  const where = p.row !== undefined ? `row ${p.row}, ` : '';
  const field = p.path === '' ? 'row' : p.path;
  const from = p.source ? ` (from ${p.source})` : '';
  return `${where}${field}${from}: expected ${p.expected}, received ${p.received}`;
}

export function makeProblem(
  kind: ProblemKind,
  path: string,
  expected: string,
  received: string,
  row: number | undefined,
  source?: string,
): Problem {
  const p = { kind, path, expected, received } as Problem;
  if (row !== undefined) p.row = row;
  if (source !== undefined) p.source = source;
  p.message = problemMessage(p);
  return p;
}

// ---------------------------------------------------------------- zod issues → problems

/** `['lines', 2, 'quantity']` → `lines[2].quantity` and the field's generic path `lines[].quantity`. */
export function zodIssuePath(path: readonly PropertyKey[]): { concrete: string; generic: string } {
  let concrete = '';
  let generic = '';
  for (const seg of path) {
    if (typeof seg === 'number') {
      concrete += `[${seg}]`;
      generic += '[]';
    } else {
      const s = String(seg);
      concrete += concrete === '' ? s : `.${s}`;
      generic += generic === '' ? s : `.${s}`;
    }
  }
  return { concrete, generic };
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let cur = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  return cur;
}

/** Turns one zod issue into a problem worded for an analyst. */
export function problemFromIssue(issue: z.core.$ZodIssue, value: unknown, entry: CanonicalSchemaEntry, row: number | undefined): Problem {
  const { concrete, generic } = zodIssuePath(issue.path);
  const field = entry.fieldByPath.get(generic);
  const received = valueAt(value, issue.path);
  let kind: ProblemKind;
  let expected: string;
  switch (issue.code) {
    case 'invalid_type':
      kind = received === undefined ? 'missing' : 'type';
      expected = field?.expected ?? issue.expected;
      break;
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const bound = big ? (issue as z.core.$ZodIssueTooBig).maximum : (issue as z.core.$ZodIssueTooSmall).minimum;
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'string') {
        kind = 'length';
        expected = big ? `at most ${bound} characters` : Number(bound) === 1 ? 'non-empty text' : `at least ${bound} characters`;
      } else if (issue.origin === 'array') {
        kind = 'length';
        expected = big ? `at most ${bound} lines` : `at least ${bound} line${Number(bound) === 1 ? '' : 's'}`;
      } else {
        kind = 'range';
        expected = `number ${big ? (inclusive ? '≤' : '<') : inclusive ? '≥' : '>'} ${bound}`;
      }
      break;
    }
    case 'invalid_format':
      kind = 'format';
      // A regex carries its own words (the currency pattern's message); other formats are described by the field.
      expected = issue.format === 'regex' ? issue.message : (field?.expected ?? issue.message);
      break;
    case 'invalid_value':
      kind = 'value';
      expected = `one of ${issue.values.map(String).join(', ')}`;
      break;
    case 'not_multiple_of':
      kind = 'range';
      expected = `multiple of ${issue.divisor}`;
      break;
    case 'custom':
      kind = 'rule';
      expected = issue.message;
      break;
    default:
      kind = 'type';
      expected = field?.expected ?? issue.message;
  }
  return makeProblem(kind, concrete, expected, describeReceived(received), row);
}
