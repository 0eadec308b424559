/**
 * Mapping engine: compiles a mapping spec (JSON) once into closures, then maps
 * supplier rows to canonical objects and validates them with the canonical
 * zod schema. Every mistake in the spec is found by `compileMapping`; every
 * problem in the data is reported per row, never thrown.
 */
import jsonata from 'jsonata';
import { z } from 'zod';
import { DedupeIndex } from './dedupe';
import { compileFastCheck, type FastCheck } from './fast-check';
import {
  MappingSpecError,
  describeReceived,
  makeProblem,
  problemFromIssue,
  zodIssuePath,
  type Problem,
  type ProblemKind,
  type SpecIssue,
} from './errors';
import {
  DateFailure,
  UnitTable,
  compileDate,
  compileNumberParser,
  numberExample,
  scale,
  unitRatio,
  type CompiledDate,
  type NumberFormat,
  type NumberParser,
  type UnitDef,
  type UnitRatio,
} from './parse';
import { getSchema, listSchemas, type CanonicalSchemaEntry, type TargetField } from './registry';
import { mappingSpecSchema, specIssuesFromZod, type FieldSpec, type MappingSpec } from './spec';

// ---------------------------------------------------------------- public types

export type MapResult =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; problems: Problem[] };

export interface MapManyResult {
  /** Valid canonical objects with their 1-based row numbers, in input order. */
  valid: { row: number; value: Record<string, unknown> }[];
  /** Rows that could not be mapped or failed validation; `input` is the row as received (not copied). */
  invalid: { row: number; problems: Problem[]; input: unknown }[];
  /** Rows with no values at all (every value empty or whitespace), skipped when `options.onBlank` is `skip`. */
  skippedBlank: number[];
  /** Duplicates dropped when `options.onDuplicate` is `skip`. */
  skippedDuplicate: { row: number; duplicateOf: number }[];
}

export interface CompiledMapping {
  /** The canonical object this mapping produces (`schema.id` is `supplier-price@1`). */
  readonly schema: CanonicalSchemaEntry;
  /** The spec as validated (defaults not filled in). */
  readonly spec: MappingSpec;
  /** True when some field uses `expr`; then only the async `map`/`mapMany` can run it. */
  readonly usesExpressions: boolean;
  /** Maps and validates one row. `rowNumber` (1-based) is copied into each problem. */
  map(row: unknown, rowNumber?: number): Promise<MapResult>;
  /**
   * Maps and validates an array of rows; row numbers are `rowNumbers[i]` (a file's lines) or index + 1.
   * One bad row never affects another.
   */
  mapMany(rows: readonly unknown[], rowNumbers?: readonly number[]): Promise<MapManyResult>;
  /** Synchronous `map`, for mappings without expressions. Throws if `usesExpressions`. */
  mapSync(row: unknown, rowNumber?: number): MapResult;
  /** Synchronous `mapMany`, for mappings without expressions. Throws if `usesExpressions`. */
  mapManySync(rows: readonly unknown[], rowNumbers?: readonly number[]): MapManyResult;
  /**
   * For a file read in chunks: each call maps one chunk, and duplicates are
   * found across every chunk of the session (only the dedupe fields are kept).
   */
  session(): MappingSession;
}

export interface MappingSession {
  mapMany(rows: readonly unknown[], rowNumbers?: readonly number[]): Promise<MapManyResult>;
}

// ---------------------------------------------------------------- compiled form

type Getter = (src: unknown, root: unknown) => unknown;

interface DynamicUnit {
  get: Getter;
  source: string;
  map?: Map<string, unknown>;
  to: UnitDef;
  perUnit: boolean;
  units: UnitTable;
  /** Supplier unit text → ratio, or the problem it causes. */
  cache: Map<string, UnitRatio | { kind: ProblemKind; expected: string }>;
}

interface ScalarField {
  container: false;
  key: string;
  /** Target path without line indexes: `lines[].quantity`. */
  path: string;
  target: TargetField;
  source: string;
  get?: Getter;
  exprSlot: number; // -1 when not an expression
  hasConst: boolean;
  constValue: unknown;
  hasDefault: boolean;
  defaultValue: unknown;
  trim: boolean;
  upper: boolean;
  lower: boolean;
  map?: Map<string, unknown>;
  mapExpected: string;
  hasMapDefault: boolean;
  mapDefault: unknown;
  number?: NumberParser;
  numberExpected: string;
  date?: CompiledDate;
  /** Static conversion value × mul ÷ div; 1/1 when none. */
  mul: number;
  div: number;
  dynamicUnit?: DynamicUnit;
  convertExpected: string;
}

interface ContainerField {
  container: true;
  key: string;
  path: string;
  target: TargetField;
  lines: boolean;
  get?: Getter; // undefined: an object group read from the same source object
  source: string;
  level: Level;
  childSlot: number;
}

interface Level {
  members: (ScalarField | ContainerField)[];
  exprs: jsonata.Expression[];
  containers: ContainerField[];
  hasExpr: boolean;
  /** The level's mapping function, made on first use (`compileLevelRun`). */
  run?: LevelRun;
}

type MemberRun = (src: unknown, root: unknown, st: RowState, frame: ExprFrame | undefined, prefix: string) => unknown;
type LevelRun = (src: unknown, root: unknown, st: RowState, frame: ExprFrame | undefined, prefix: string) => Record<string, unknown>;

class ExprError {
  constructor(readonly message: string) {}
}

interface ExprFrame {
  values: unknown[];
  children: (ExprFrame | (ExprFrame | undefined)[] | undefined)[];
}

interface RowState {
  row: number | undefined;
  problems: Problem[] | null;
  failed: Set<string> | null;
}

// ---------------------------------------------------------------- paths

/**
 * Compiles a source path. `a.b[0].c` walks objects and arrays; a key that
 * itself contains dots or spaces (`Art.-Nr.`, `Gültig ab`) is matched exactly
 * first. `$row.X` reads from the whole row inside `each` lines.
 */
function compilePath(path: string): Getter {
  const fromRoot = path.startsWith('$row.');
  const p = fromRoot ? path.slice(5) : path;
  const segments: (string | number)[] = [];
  for (const part of p.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) {
      segments.push(part);
      continue;
    }
    if (m[1] !== '') segments.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) segments.push(Number(idx[1]));
  }
  const simple = segments.length === 1 && segments[0] === p;
  let get: (src: unknown) => unknown;
  if (simple) {
    // the key written as a literal (JSON-quoted): each field's read learns the rows' one shape, where a shared
    // `src[p]` saw every key of the row
    get = new Function('src', `return src !== null && typeof src === 'object' ? src[${JSON.stringify(p)}] : undefined;`) as (src: unknown) => unknown;
  } else {
    get = (src) => {
      if (src === null || typeof src !== 'object') return undefined;
      const exact = (src as Record<string, unknown>)[p];
      if (exact !== undefined) return exact;
      let cur: unknown = src;
      for (const s of segments) {
        if (cur === null || typeof cur !== 'object') return undefined;
        cur = (cur as Record<string | number, unknown>)[s];
      }
      return cur;
    };
  }
  return fromRoot ? (_src, root) => get(root) : get;
}

// ---------------------------------------------------------------- helpers

/** A character `String.prototype.trim` can never remove: printable ASCII other than space, or U+00A1–U+167F. */
function neverTrimmed(c: number): boolean {
  return (c > 32 && c < 127) || (c > 160 && c < 0x1680);
}

/** False when `trim()` would give `s` back unchanged (its first and last characters are not whitespace). */
function mayTrim(s: string): boolean {
  return s.length === 0 || !neverTrimmed(s.charCodeAt(0)) || !neverTrimmed(s.charCodeAt(s.length - 1));
}

function isBlank(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') {
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 160 && c !== 0xfeff) return false;
    }
    return true;
  }
  if (typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (const x of v) if (!isBlank(x)) return false;
    return true;
  }
  if (v instanceof Date) return false;
  for (const k in v as Record<string, unknown>) {
    if (!isBlank((v as Record<string, unknown>)[k])) return false;
  }
  return true;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

function suggest(name: string, candidates: Iterable<string>): string {
  let best = '';
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? `; did you mean "${best}"?` : '';
}

function listWords(values: Iterable<string>, max = 8): string {
  const all = [...values];
  return all.length <= max ? all.join(', ') : `${all.slice(0, max).join(', ')}, … (${all.length} values)`;
}

// ---------------------------------------------------------------- compiler

interface CompileContext {
  entry: CanonicalSchemaEntry;
  spec: MappingSpec;
  issues: SpecIssue[];
  maps: Map<string, Map<string, unknown>>;
  units: UnitTable;
  trimDefault: boolean;
}

function toValueMap(m: Record<string, unknown>): Map<string, unknown> {
  return new Map(Object.entries(m));
}

function resolveMap(
  ref: string | Record<string, unknown>,
  ctx: CompileContext,
  field: string,
  option: string,
): { map: Map<string, unknown>; label: string } | undefined {
  if (typeof ref === 'string') {
    const m = ctx.maps.get(ref);
    if (m === undefined) {
      ctx.issues.push({
        field,
        message: `${option}: unknown value map "${ref}"${suggest(ref, ctx.maps.keys())} (maps: ${listWords(ctx.maps.keys()) || 'none'})`,
      });
      return undefined;
    }
    return { map: m, label: `value map ${ref}` };
  }
  return { map: toValueMap(ref), label: 'value map' };
}

function checkCanonical(value: unknown, target: TargetField, ctx: CompileContext, field: string, what: string, nullMeansNone = false): void {
  if (value === null) {
    // In a value map null means "no value"; as a const or default it would be sent as null.
    if (!nullMeansNone) ctx.issues.push({ field, message: `${what} null is not a value; leave "${what}" out instead` });
    return;
  }
  if (!target.schema.safeParse(value).success) {
    ctx.issues.push({ field, message: `${what} ${describeReceived(value)} is not a valid ${target.path}: expected ${target.expected}` });
  }
}

function compileScalar(key: string, spec: FieldSpec, target: TargetField, ctx: CompileContext, exprs: jsonata.Expression[]): ScalarField | undefined {
  const field = target.path;
  const before = ctx.issues.length;
  const issue = (message: string) => ctx.issues.push({ field, message });
  const kind = target.kind;
  const numeric = kind === 'number' || kind === 'integer';

  if (spec.each !== undefined || spec.fields !== undefined) {
    issue(`"${spec.each !== undefined ? 'each' : 'fields'}" is only for lines and groups; ${field} is a single ${kind} value`);
  }
  const sources = (['path', 'expr', 'const'] as const).filter((k) => spec[k] !== undefined);
  if (sources.length > 1) issue(`use only one of path, expr, const (found ${sources.join(', ')})`);
  if (sources.length === 0 && spec.default === undefined) issue('needs a source: path, expr, const or default');
  if (spec.const !== undefined) {
    const extra = (['default', 'map', 'number', 'date', 'convert', 'upper', 'lower'] as const).filter((k) => spec[k] !== undefined);
    if (extra.length) issue(`"const" is used as it is; remove ${extra.join(', ')}`);
    checkCanonical(spec.const, target, ctx, field, 'const');
  }
  if (spec.default !== undefined) checkCanonical(spec.default, target, ctx, field, 'default');
  if (spec.upper && spec.lower) issue('use only one of upper, lower');
  if (spec.number !== undefined && !numeric) issue(`"number" parsing is for number fields; ${field} is ${kind}`);
  if (spec.convert !== undefined && !numeric) issue(`"convert" is for number fields; ${field} is ${kind}`);
  if (spec.date !== undefined && kind !== 'date' && kind !== 'datetime') issue(`"date" parsing is for date fields; ${field} is ${kind}`);
  if (spec.mapDefault !== undefined && spec.map === undefined) issue('"mapDefault" needs "map"');

  const f: ScalarField = {
    container: false,
    key,
    path: field,
    target,
    source: spec.path ?? (spec.expr !== undefined ? `expr ${spec.expr.length > 40 ? spec.expr.slice(0, 40) + '…' : spec.expr}` : 'const'),
    exprSlot: -1,
    hasConst: spec.const !== undefined,
    constValue: spec.const,
    hasDefault: spec.default !== undefined,
    defaultValue: spec.default,
    trim: spec.trim ?? ctx.trimDefault,
    upper: spec.upper === true,
    lower: spec.lower === true,
    mapExpected: '',
    hasMapDefault: spec.mapDefault !== undefined,
    mapDefault: spec.mapDefault,
    numberExpected: '',
    mul: 1,
    div: 1,
    convertExpected: '',
  };

  if (spec.path !== undefined) f.get = compilePath(spec.path);
  if (spec.expr !== undefined) {
    try {
      exprs.push(jsonata(spec.expr));
      f.exprSlot = exprs.length - 1;
    } catch (e) {
      const err = e as { message?: string; position?: number };
      issue(`invalid JSONata in "expr"${err.position !== undefined ? ` at position ${err.position}` : ''}: ${err.message ?? String(e)}`);
    }
  }
  if (spec.map !== undefined) {
    const resolved = resolveMap(spec.map, ctx, field, 'map');
    if (resolved) {
      f.map = resolved.map;
      f.mapExpected = `one of ${listWords(resolved.map.keys())} (${resolved.label})`;
      // Map values are canonical values when nothing parses them further: check them now, not at the first row.
      if (spec.number === undefined && spec.date === undefined && spec.convert === undefined) {
        for (const [from, to] of resolved.map) checkCanonical(to, target, ctx, field, `map value for "${from}":`, true);
        if (spec.mapDefault !== undefined) checkCanonical(spec.mapDefault, target, ctx, field, 'mapDefault', true);
      }
    }
  }
  if (spec.number !== undefined) {
    const fmt: NumberFormat = spec.number === true ? { decimal: '.' } : spec.number;
    try {
      f.number = compileNumberParser(fmt);
      f.numberExpected = `number like ${numberExample(fmt)}`;
    } catch (e) {
      issue(`number: ${(e as Error).message}`);
    }
  }
  if (spec.date !== undefined && (kind === 'date' || kind === 'datetime')) {
    try {
      f.date = compileDate(spec.date, kind);
    } catch (e) {
      issue(`date: ${(e as Error).message}`);
    }
  }
  if (spec.convert !== undefined) compileConvert(f, spec.convert, ctx, issue);
  return ctx.issues.length === before ? f : undefined;
}

function compileConvert(f: ScalarField, c: NonNullable<FieldSpec['convert']>, ctx: CompileContext, issue: (m: string) => void): void {
  if (c.factor !== undefined) {
    if (c.from !== undefined || c.to !== undefined) issue('convert: use either "factor" or "from"/"to", not both');
    f.mul = c.factor;
    return;
  }
  if (c.from === undefined || c.to === undefined) {
    issue('convert: needs "factor", or "from" and "to" units');
    return;
  }
  const unitNames = () => listWords(ctx.units.names(), 12);
  const to = ctx.units.get(c.to);
  if (to === undefined) {
    issue(`convert.to: unknown unit "${c.to}"${suggest(c.to, ctx.units.names())} (units: ${unitNames()})`);
    return;
  }
  const perUnit = c.perUnit === true;
  let from = c.from;
  if (typeof from === 'string' && from.startsWith('path:')) from = { path: from.slice(5) };
  if (typeof from === 'string') {
    const unit = ctx.units.get(from);
    if (unit === undefined) {
      issue(`convert.from: unknown unit "${from}"${suggest(from, ctx.units.names())} (units: ${unitNames()})`);
    } else if (unit.category !== to.category) {
      issue(`convert: cannot convert ${unit.name} (${unit.category}) to ${to.name} (${to.category})`);
    } else {
      const r = unitRatio(unit, to, perUnit);
      f.mul = r.mul;
      f.div = r.div;
    }
    return;
  }
  const dyn: DynamicUnit = { get: compilePath(from.path), source: from.path, to, perUnit, units: ctx.units, cache: new Map() };
  if (from.map !== undefined) {
    const resolved = resolveMap(from.map, ctx, f.path, 'convert.from.map');
    if (resolved) {
      dyn.map = resolved.map;
      for (const [code, name] of resolved.map) {
        const unit = typeof name === 'string' ? ctx.units.get(name) : undefined;
        if (unit === undefined) issue(`convert.from.map: "${code}" maps to unknown unit ${describeReceived(name)}`);
        else if (unit.category !== to.category) {
          issue(`convert.from.map: "${code}" is ${unit.name} (${unit.category}), not convertible to ${to.name}`);
        }
      }
    }
  }
  f.dynamicUnit = dyn;
  f.convertExpected = `a ${to.category} unit convertible to ${to.name}`;
}

function compileLevel(
  fieldSpecs: Record<string, FieldSpec>,
  targets: Map<string, TargetField>,
  prefix: string,
  ctx: CompileContext,
): Level {
  const level: Level = { members: [], exprs: [], containers: [], hasExpr: false };
  for (const key of Object.keys(fieldSpecs)) {
    if (!targets.has(key)) {
      ctx.issues.push({
        field: prefix + key,
        message: `unknown target field for ${ctx.entry.id}${suggest(key, targets.keys())} (fields: ${listWords(targets.keys(), 20)})`,
      });
    }
  }
  // Schema order, so every canonical object has the same key order whatever order the spec lists fields in.
  for (const [key, target] of targets) {
    const spec = fieldSpecs[key];
    if (spec === undefined) {
      if (target.required) ctx.issues.push({ field: target.path, message: `required field is not mapped (expected ${target.expected})` });
      continue;
    }
    if (target.kind === 'lines' || target.kind === 'object') {
      const c = compileContainer(key, spec, target, ctx);
      if (c) {
        c.childSlot = level.containers.length;
        level.containers.push(c);
        level.members.push(c);
        if (c.level.hasExpr) level.hasExpr = true;
      }
    } else {
      const f = compileScalar(key, spec, target, ctx, level.exprs);
      if (f) level.members.push(f);
    }
  }
  if (level.exprs.length > 0) level.hasExpr = true;
  return level;
}

function compileContainer(key: string, spec: FieldSpec, target: TargetField, ctx: CompileContext): ContainerField | undefined {
  const field = target.path;
  const lines = target.kind === 'lines';
  const before = ctx.issues.length;
  const scalarOptions = (['expr', 'const', 'default', 'map', 'number', 'date', 'convert', 'upper', 'lower'] as const).filter(
    (k) => spec[k] !== undefined,
  );
  if (scalarOptions.length) {
    const what = lines ? 'lines' : 'a group';
    ctx.issues.push({ field, message: `${scalarOptions.join(', ')} cannot be used on ${what}; map its fields in "fields"` });
  }
  if (spec.fields === undefined) ctx.issues.push({ field, message: `needs "fields" for its ${lines ? 'line' : ''} fields` });
  let sourcePath: string | undefined;
  if (lines) {
    if (spec.each === undefined) ctx.issues.push({ field, message: '"each" must name the source array of lines' });
    if (spec.path !== undefined) ctx.issues.push({ field, message: 'lines read their source array from "each", not "path"' });
    sourcePath = spec.each;
  } else {
    if (spec.each !== undefined) ctx.issues.push({ field, message: `"each" is for lines; ${field} is a single group (use "path" or nothing)` });
    sourcePath = spec.path;
  }
  const level = compileLevel(spec.fields ?? {}, target.children ?? new Map(), lines ? `${field}[].` : `${field}.`, ctx);
  if (ctx.issues.length !== before) return undefined;
  return {
    container: true,
    key,
    path: field,
    target,
    lines,
    get: sourcePath === undefined ? undefined : compilePath(sourcePath),
    source: sourcePath ?? '(same row)',
    level,
    childSlot: -1,
  };
}

// ---------------------------------------------------------------- runtime

/** True when `path` or a field containing it (`lines[2]` for `lines[2].quantity`) already has a problem. */
function coveredBy(failed: Set<string>, path: string): boolean {
  if (failed.has(path)) return true;
  for (const f of failed) if (path.startsWith(f) && (path[f.length] === '.' || path[f.length] === '[')) return true;
  return false;
}

function resetState(st: RowState, row: number | undefined): RowState {
  st.row = row;
  st.problems = null;
  st.failed = null;
  return st;
}

function fail(
  st: RowState,
  kind: ProblemKind,
  path: string,
  expected: string,
  received: unknown,
  source: string | undefined,
): undefined {
  const p = makeProblem(kind, path, expected, describeReceived(received), st.row, source);
  (st.problems ??= []).push(p);
  (st.failed ??= new Set()).add(path);
  return undefined;
}

function convertDynamic(
  f: ScalarField,
  dyn: DynamicUnit,
  value: number,
  src: unknown,
  root: unknown,
  st: RowState,
  prefix: string,
): number | undefined {
  let unitRaw = dyn.get(src, root);
  if (typeof unitRaw === 'string') unitRaw = unitRaw.trim();
  if (unitRaw === undefined || unitRaw === null || unitRaw === '') {
    return fail(st, 'missing', prefix + f.key, `${f.convertExpected} (unit from ${dyn.source})`, unitRaw, dyn.source);
  }
  const text = String(unitRaw);
  let hit = dyn.cache.get(text);
  if (hit === undefined) {
    const name = dyn.map !== undefined ? dyn.map.get(text) : text;
    const unit = typeof name === 'string' ? dyn.units.get(name) : undefined;
    if (unit === undefined) {
      const known = dyn.map !== undefined ? listWords(dyn.map.keys()) : listWords(dyn.units.names(), 12);
      hit = { kind: 'value', expected: `a known unit (${known})` };
    } else if (unit.category !== dyn.to.category) {
      hit = { kind: 'value', expected: f.convertExpected };
    } else {
      hit = unitRatio(unit, dyn.to, dyn.perUnit);
    }
    if (dyn.cache.size < 1000) dyn.cache.set(text, hit);
  }
  if ('mul' in hit) return scale(value, hit.mul, hit.div);
  return fail(st, hit.kind, prefix + f.key, hit.expected, unitRaw, dyn.source);
}

function mapScalar(f: ScalarField, src: unknown, root: unknown, st: RowState, frame: ExprFrame | undefined, prefix: string): unknown {
  if (f.hasConst) return f.constValue;
  let v: unknown;
  if (f.exprSlot >= 0) {
    v = (frame as ExprFrame).values[f.exprSlot];
    if (v instanceof ExprError) return fail(st, 'expression', prefix + f.key, 'expression to evaluate', v.message, f.source);
  } else if (f.get !== undefined) {
    v = f.get(src, root);
  }
  if (typeof v === 'string') {
    if (f.trim && mayTrim(v as string)) v = (v as string).trim();
    if (v === '') v = undefined;
  }
  if (v === undefined || v === null) return f.hasDefault ? f.defaultValue : undefined;
  const raw = v;
  if (typeof v === 'string') {
    if (f.upper) v = (v as string).toUpperCase();
    else if (f.lower) v = (v as string).toLowerCase();
  }
  if (f.map !== undefined) {
    const hit = f.map.get(typeof v === 'string' ? v : String(v));
    if (hit === undefined) {
      if (!f.hasMapDefault) return fail(st, 'value', prefix + f.key, f.mapExpected, raw, f.source);
      v = f.mapDefault;
    } else {
      v = hit;
    }
    if (v === null) return f.hasDefault ? f.defaultValue : undefined;
  }
  if (f.number !== undefined) {
    const n = f.number(v);
    if (n === undefined) return fail(st, 'format', prefix + f.key, f.numberExpected, raw, f.source);
    v = n;
  }
  if (f.date !== undefined) {
    const d = f.date.convert(v);
    if (d instanceof DateFailure) return fail(st, 'format', prefix + f.key, `${f.date.expected}; ${d.reason}`, raw, f.source);
    v = d;
  }
  if (f.mul !== f.div || f.dynamicUnit !== undefined) {
    if (typeof v !== 'number') {
      return fail(st, 'type', prefix + f.key, 'number to convert (add "number" to parse text)', raw, f.source);
    }
    v = f.dynamicUnit !== undefined ? convertDynamic(f, f.dynamicUnit, v, src, root, st, prefix) : scale(v, f.mul, f.div);
  }
  return v;
}

function mapLevel(level: Level, src: unknown, root: unknown, st: RowState, frame: ExprFrame | undefined, prefix: string): Record<string, unknown> {
  return (level.run ??= compileLevelRun(level))(src, root, st, frame, prefix);
}

/**
 * One function per level: it maps the members in schema order into locals,
 * then builds the object with a constructor that sets each defined value
 * under its key written as a literal (`this["price"] = v2`). Every row then
 * goes through the same few object shapes with all fields inside the object
 * (a `{}` grown key by key keeps most of them in a second, separate array),
 * where one loop with `out[m.key] = v` looked each key up per row. The
 * objects are plain: their prototype is Object.prototype, as a `{}`'s.
 * Keys are JSON-quoted, so no schema text can become code.
 */
function compileLevelRun(level: Level): LevelRun {
  const members = level.members;
  const fns: MemberRun[] = members.map((m) =>
    m.container
      ? (src, root, st, frame, prefix) => mapContainer(m, src, root, st, frame, prefix)
      : (src, root, st, frame, prefix) => mapScalar(m, src, root, st, frame, prefix),
  );
  const fnNames = members.map((_, i) => `f${i}`);
  const values = members.map((_, i) => `v${i}`);
  const sets = members.map((m, i) => `if (v${i} !== undefined) this[${JSON.stringify(m.key)}] = v${i};`);
  const calls = members.map((_, i) => `const v${i} = f${i}(src, root, st, frame, prefix);`);
  const source = [
    `const [${fnNames.join(', ')}] = fns;`,
    `function Canonical(${values.join(', ')}) {`,
    ...sets.map((l) => '  ' + l),
    '}',
    'Canonical.prototype = Object.prototype;',
    'return function mapLevel(src, root, st, frame, prefix) {',
    ...calls.map((l) => '  ' + l),
    `  return new Canonical(${values.join(', ')});`,
    '};',
  ].join('\n');
  return new Function('fns', source)(fns) as LevelRun;
}

function containerSource(c: ContainerField, src: unknown, root: unknown): unknown {
  return c.get === undefined ? src : c.get(src, root);
}

function mapContainer(c: ContainerField, src: unknown, root: unknown, st: RowState, frame: ExprFrame | undefined, prefix: string): unknown {
  const source = containerSource(c, src, root);
  const childFrame = frame?.children[c.childSlot];
  if (source === undefined || source === null || source === '') return undefined;
  if (!c.lines) {
    if (typeof source !== 'object') return fail(st, 'type', prefix + c.key, 'object', source, c.source);
    return mapLevel(c.level, source, root, st, childFrame as ExprFrame | undefined, `${prefix}${c.key}.`);
  }
  // A single line often arrives as an object instead of a one-element array (XML → JSON converters).
  const items = Array.isArray(source) ? source : typeof source === 'object' ? [source] : undefined;
  if (items === undefined) return fail(st, 'type', prefix + c.key, 'list of lines', source, c.source);
  const frames = childFrame as (ExprFrame | undefined)[] | undefined;
  const out: unknown[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (isBlank(item)) continue; // empty trailing lines of a form are not lines
    const linePrefix = `${prefix}${c.key}[${out.length}].`;
    if (item === null || typeof item !== 'object') {
      fail(st, 'type', `${prefix}${c.key}[${out.length}]`, 'object (one line)', item, c.source);
      out.push({});
      continue;
    }
    out.push(mapLevel(c.level, item, root, st, frames?.[i], linePrefix));
  }
  return out;
}

async function evalLevel(level: Level, src: unknown, root: unknown, bindings: Record<string, unknown>): Promise<ExprFrame | undefined> {
  if (!level.hasExpr) return undefined;
  const values: unknown[] = new Array(level.exprs.length);
  for (let i = 0; i < level.exprs.length; i++) {
    try {
      values[i] = await level.exprs[i].evaluate(src, bindings);
    } catch (e) {
      values[i] = new ExprError((e as Error).message ?? String(e));
    }
  }
  const children: ExprFrame['children'] = new Array(level.containers.length);
  for (let ci = 0; ci < level.containers.length; ci++) {
    const c = level.containers[ci];
    if (!c.level.hasExpr) continue;
    const source = containerSource(c, src, root);
    if (source === null || typeof source !== 'object') continue;
    if (!c.lines) {
      children[ci] = await evalLevel(c.level, source, root, bindings);
      continue;
    }
    const items = Array.isArray(source) ? source : [source];
    const frames: (ExprFrame | undefined)[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) frames[i] = await evalLevel(c.level, items[i], root, bindings);
    children[ci] = frames;
  }
  return { values, children };
}

// ---------------------------------------------------------------- compileMapping

class Mapping implements CompiledMapping {
  readonly usesExpressions: boolean;
  private readonly zodSchema: z.ZodType;
  /** Proves a mapped object valid without zod (undefined: this schema always goes through zod). */
  private readonly fastCheck: FastCheck | undefined;
  private readonly onBlank: 'skip' | 'error';
  private readonly onDuplicate: 'reject' | 'skip';
  private readonly dedupeBy: string[] | undefined;
  private readonly state: RowState = { row: undefined, problems: null, failed: null };
  private readonly byFieldOrder: (a: Problem, b: Problem) => number;

  constructor(
    readonly schema: CanonicalSchemaEntry,
    readonly spec: MappingSpec,
    private readonly root: Level,
  ) {
    this.usesExpressions = root.hasExpr;
    this.zodSchema = schema.schema;
    this.fastCheck = compileFastCheck(schema.schema);
    this.onBlank = spec.options?.onBlank ?? 'skip';
    this.onDuplicate = spec.options?.onDuplicate ?? 'reject';
    this.dedupeBy = spec.options?.dedupeBy;
    const order = new Map(schema.targetFields.map((f, i) => [f, i]));
    const sortKey = (p: Problem): [number, number, number] => {
      const generic = p.path.replace(/\[\d+\]/g, '[]');
      const line = /\[(\d+)\]/.exec(p.path);
      const top = order.get(generic.split(/[.[]/)[0]) ?? -1;
      return [top, line ? Number(line[1]) : -1, order.get(generic) ?? -1];
    };
    this.byFieldOrder = (a, b) => {
      const ka = sortKey(a);
      const kb = sortKey(b);
      return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
    };
  }

  /** Maps one non-blank row whose expressions (if any) are already evaluated. */
  private mapRow(row: unknown, rowNumber: number | undefined, frame: ExprFrame | undefined): MapResult {
    const r = this.mapRowRaw(row, rowNumber, frame);
    return Array.isArray(r) ? { ok: false, problems: r } : { ok: true, value: r };
  }

  /** `mapRow` without the result wrapper (one object less per row in `mapMany`): the canonical object, or its problems. */
  private mapRowRaw(row: unknown, rowNumber: number | undefined, frame: ExprFrame | undefined): Record<string, unknown> | Problem[] {
    if (row === null || typeof row !== 'object') {
      return [makeProblem('type', '', 'object (one row)', describeReceived(row), rowNumber)];
    }
    // One state object reused row after row: mapping a row is synchronous, so rows never share it at the same time.
    const st = resetState(this.state, rowNumber);
    const out = mapLevel(this.root, row, row, st, frame, '');
    // zod would accept `out` unchanged: keep it; otherwise zod decides and words the problems
    if (st.problems === null && this.fastCheck !== undefined && this.fastCheck(out)) return out;
    const parsed = this.zodSchema.safeParse(out);
    if (parsed.success && st.problems === null) return parsed.data as Record<string, unknown>;
    const problems = st.problems ?? [];
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        // A field that failed to map is already reported with its source value; zod would only add "missing".
        if (st.failed !== null && coveredBy(st.failed, zodIssuePath(issue.path).concrete)) continue;
        problems.push(problemFromIssue(issue, out, this.schema, rowNumber));
      }
      // Mapping problems and schema problems each come in field order; merged, they should too.
      if (st.problems !== null && problems.length > 1) problems.sort(this.byFieldOrder);
    }
    return problems;
  }

  private blankProblems(rowNumber: number | undefined): Problem[] {
    return [makeProblem('blank', '', 'a row with at least one value', 'a blank row', rowNumber)];
  }

  mapSync(row: unknown, rowNumber?: number): MapResult {
    this.assertSync('mapSync');
    return isBlank(row) ? { ok: false, problems: this.blankProblems(rowNumber) } : this.mapRow(row, rowNumber, undefined);
  }

  async map(row: unknown, rowNumber?: number): Promise<MapResult> {
    if (isBlank(row)) return { ok: false, problems: this.blankProblems(rowNumber) };
    const frame = this.usesExpressions
      ? await evalLevel(this.root, row, row, { row, rowNumber })
      : undefined;
    return this.mapRow(row, rowNumber, frame);
  }

  mapManySync(rows: readonly unknown[], rowNumbers?: readonly number[], seen?: DedupeIndex): MapManyResult {
    this.assertSync('mapManySync');
    const acc = this.accumulator(rows, rowNumbers, seen);
    for (let i = 0; i < rows.length; i++) acc.add(i, undefined);
    return acc.result;
  }

  async mapMany(rows: readonly unknown[], rowNumbers?: readonly number[], seen?: DedupeIndex): Promise<MapManyResult> {
    if (!this.usesExpressions) return this.mapManySync(rows, rowNumbers, seen);
    const acc = this.accumulator(rows, rowNumbers, seen);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const frame = isBlank(row) ? undefined : await evalLevel(this.root, row, row, { row, rowNumber: rowNumbers?.[i] ?? i + 1 });
      acc.add(i, frame);
    }
    return acc.result;
  }

  session(): MappingSession {
    const seen = this.dedupeBy === undefined ? undefined : new DedupeIndex(this.dedupeBy, true);
    return { mapMany: (rows, rowNumbers) => this.mapMany(rows, rowNumbers, seen) };
  }

  private accumulator(
    rows: readonly unknown[],
    rowNumbers: readonly number[] | undefined,
    shared: DedupeIndex | undefined,
  ): { result: MapManyResult; add(i: number, frame: ExprFrame | undefined): void } {
    const result: MapManyResult = { valid: [], invalid: [], skippedBlank: [], skippedDuplicate: [] };
    const seen = shared ?? (this.dedupeBy === undefined ? undefined : new DedupeIndex(this.dedupeBy));
    const dedupeBy = this.dedupeBy ?? [];
    return {
      result,
      add: (i, frame) => {
        const input = rows[i];
        const rowNumber = rowNumbers === undefined ? i + 1 : (rowNumbers[i] as number);
        if (isBlank(input)) {
          if (this.onBlank === 'skip') result.skippedBlank.push(rowNumber);
          else result.invalid.push({ row: rowNumber, problems: this.blankProblems(rowNumber), input });
          return;
        }
        const r = this.mapRowRaw(input, rowNumber, frame);
        if (Array.isArray(r)) {
          result.invalid.push({ row: rowNumber, problems: r, input });
          return;
        }
        if (seen !== undefined) {
          const first = seen.firstRow(r, rowNumber);
          if (first !== undefined) {
            if (this.onDuplicate === 'skip') {
              result.skippedDuplicate.push({ row: rowNumber, duplicateOf: first });
            } else {
              const values = dedupeBy.map((f) => describeReceived(r[f])).join(', ');
              const p = makeProblem('duplicate', dedupeBy.join('+'), `a unique ${dedupeBy.join(' + ')}`, values, rowNumber);
              p.duplicateOf = first;
              p.message = `row ${rowNumber}: duplicate of row ${first} (same ${dedupeBy.join(', ')}: ${values})`;
              result.invalid.push({ row: rowNumber, problems: [p], input });
            }
            return;
          }
        }
        result.valid.push({ row: rowNumber, value: r });
      },
    };
  }

  private assertSync(method: string): void {
    if (this.usesExpressions) {
      const instead = method.replace('Sync', '');
      throw new Error(`${method}: this ${this.schema.id} mapping uses JSONata expressions, which evaluate asynchronously; use ${instead}()`);
    }
  }
}

/**
 * Validates and compiles a mapping spec. Throws `MappingSpecError` (with one
 * issue per bad field) for an unknown schema, unknown target field, unmapped
 * required field, invalid JSONata, unknown value map or unit, bad date format
 * or time zone, or a `const`/`default`/map value the schema would reject.
 */
export function compileMapping(spec: unknown): CompiledMapping {
  const parsed = mappingSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const id = typeof (spec as { schema?: unknown })?.schema === 'string' ? (spec as { schema: string }).schema : undefined;
    throw new MappingSpecError(specIssuesFromZod(parsed.error.issues, spec), id);
  }
  const s = parsed.data;
  const known = listSchemas().map((e) => e.id);
  if (!s.schema.includes('@')) {
    const example = getSchema(s.schema)?.id ?? 'supplier-price@1';
    const message = `"${s.schema}" needs a version, e.g. "${example}" (known: ${known.join(', ')})`;
    throw new MappingSpecError([{ field: 'schema', message }]);
  }
  const entry = getSchema(s.schema);
  if (entry === undefined) {
    const message = `unknown schema "${s.schema}"${suggest(s.schema, known)} (known: ${known.join(', ')})`;
    throw new MappingSpecError([{ field: 'schema', message }]);
  }

  const issues: SpecIssue[] = [];
  let units = new UnitTable();
  try {
    units = new UnitTable(s.units ?? {});
  } catch (e) {
    issues.push({ field: 'units', message: (e as Error).message });
  }
  const maps = new Map<string, Map<string, unknown>>();
  for (const [name, m] of Object.entries(s.maps ?? {})) maps.set(name, toValueMap(m));
  const ctx: CompileContext = { entry, spec: s, issues, maps, units, trimDefault: s.options?.trim ?? true };

  const root = compileLevel(s.fields, entry.fields, '', ctx);
  for (const f of s.options?.dedupeBy ?? []) {
    const target = entry.fields.get(f);
    if (target === undefined) issues.push({ field: 'options.dedupeBy', message: `unknown target field "${f}"${suggest(f, entry.fields.keys())}` });
    else if (target.kind === 'lines' || target.kind === 'object') {
      issues.push({ field: 'options.dedupeBy', message: `"${f}" is not a single value` });
    }
  }
  if (issues.length > 0) throw new MappingSpecError(issues, entry.id);
  return new Mapping(entry, s, root);
}
