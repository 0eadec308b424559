// read_group (deprecated in 19, still served) and formatted_read_group, with
// the result shapes a real Odoo 19 returns.
import { compileSearch, parseDomain, type DomainNode } from './domain';
import { pyStr, valueError } from './errors';
import type { FieldDef, ModelDef, Rec } from './models';
import type { CallEnv } from './methods';
import type { ModelStore } from './store';

interface GroupBy {
  spec: string;
  fname: string;
  field: FieldDef;
  granularity?: string;
}

interface Aggregate {
  key: string;
  fname: string;
  func: string;
}

interface Group {
  keys: unknown[];
  recs: Rec[];
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const GRANULARITIES = ['day', 'week', 'month', 'quarter', 'year'];
const NUMBER_PARTS = ['year_number', 'quarter_number', 'month_number', 'iso_week_number', 'day_of_year', 'day_of_month', 'day_of_week', 'hour_number', 'minute_number', 'second_number'];

function parseGroupBy(def: ModelDef, spec: string, defaultGranularity?: string): GroupBy {
  // formatted_read_group insists on a granularity for dates; read_group defaults to month
  if (typeof spec !== 'string') throw valueError(`Invalid groupby specification ${pyStr(String(spec))}`);
  const [fname, granularity] = spec.split(':');
  const field = def.fields[fname.split('.')[0]];
  if (!field) throw valueError(`Invalid field ${pyStr(fname)} on model ${pyStr(def.name)}`);
  const temporal = field.type === 'date' || field.type === 'datetime';
  if (granularity && !temporal) throw valueError(`Granularity set on a no-datetime field or property: ${pyStr(spec)}`);
  if (granularity && !GRANULARITIES.includes(granularity) && !NUMBER_PARTS.includes(granularity)) {
    throw valueError(`Granularity ${pyStr(granularity)} is not supported`);
  }
  if (temporal && !granularity && !defaultGranularity) throw valueError(`Granularity not set on a date(time) field: ${pyStr(spec)}`);
  return { spec, fname, field, granularity: temporal ? granularity ?? defaultGranularity : undefined };
}

function parseAggregate(def: ModelDef, spec: string): Aggregate {
  if (spec === '__count') return { key: spec, fname: '__count', func: 'count' };
  const [fname, func] = spec.split(':');
  if (!def.fields[fname]) throw valueError(`Invalid field ${pyStr(fname)} on model ${pyStr(def.name)}`);
  if (!func) throw valueError(`Aggregate method is mandatory for ${pyStr(fname)}`);
  if (!['sum', 'avg', 'min', 'max', 'count', 'count_distinct', 'bool_and', 'bool_or', 'array_agg', 'recordset'].includes(func)) {
    throw valueError(`Invalid aggregate method ${pyStr(func)} for ${pyStr(spec)}.`);
  }
  return { key: spec, fname, func };
}

// ---- temporal buckets -------------------------------------------------------------------

interface Bucket {
  start: string;
  end: string;
  label: string;
}

function parseStamp(v: string): Date {
  return new Date(`${v.length === 10 ? `${v}T00:00:00` : v.replace(' ', 'T')}Z`);
}

function stamp(d: Date, dateOnly: boolean): string {
  const iso = d.toISOString().slice(0, 19).replace('T', ' ');
  return dateOnly ? iso.slice(0, 10) : iso;
}

function isoWeek(d: Date): [number, number] {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(t.getUTCFullYear(), 0, 1));
  return [t.getUTCFullYear(), Math.ceil(((t.getTime() - yearStart.getTime()) / 86400000 + 1) / 7)];
}

function bucket(value: string, granularity: string, dateOnly: boolean): Bucket {
  const d = parseStamp(value);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  let start: Date;
  let end: Date;
  let label: string;
  switch (granularity) {
    case 'day':
      start = new Date(Date.UTC(y, m, d.getUTCDate()));
      end = new Date(Date.UTC(y, m, d.getUTCDate() + 1));
      label = `${String(d.getUTCDate()).padStart(2, '0')} ${MONTHS[m].slice(0, 3)} ${y}`;
      break;
    case 'week': {
      const day = d.getUTCDay() || 7;
      start = new Date(Date.UTC(y, m, d.getUTCDate() - day + 1));
      end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + 7));
      const [wy, wn] = isoWeek(d);
      label = `W${wn} ${wy}`;
      break;
    }
    case 'quarter': {
      const q = Math.floor(m / 3);
      start = new Date(Date.UTC(y, q * 3, 1));
      end = new Date(Date.UTC(y, q * 3 + 3, 1));
      label = `Q${q + 1} ${y}`;
      break;
    }
    case 'year':
      start = new Date(Date.UTC(y, 0, 1));
      end = new Date(Date.UTC(y + 1, 0, 1));
      label = String(y);
      break;
    default:
      start = new Date(Date.UTC(y, m, 1));
      end = new Date(Date.UTC(y, m + 1, 1));
      label = `${MONTHS[m]} ${y}`;
  }
  return { start: stamp(start, dateOnly), end: stamp(end, dateOnly), label };
}

function numberPart(value: string, part: string): number {
  const d = parseStamp(value);
  switch (part) {
    case 'year_number':
      return d.getUTCFullYear();
    case 'quarter_number':
      return Math.floor(d.getUTCMonth() / 3) + 1;
    case 'month_number':
      return d.getUTCMonth() + 1;
    case 'iso_week_number':
      return isoWeek(d)[1];
    case 'day_of_year':
      return Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1;
    case 'day_of_month':
      return d.getUTCDate();
    case 'day_of_week':
      return d.getUTCDay();
    case 'hour_number':
      return d.getUTCHours();
    case 'minute_number':
      return d.getUTCMinutes();
    default:
      return d.getUTCSeconds();
  }
}

// ---- grouping --------------------------------------------------------------------------------

function groupKey(s: ModelStore, model: string, rec: Rec, g: GroupBy): unknown {
  const v = s.value(model, rec, g.fname);
  if (g.field.type === 'boolean') return !!v;
  if (v === false || v === null || v === undefined) return false;
  if (g.granularity && NUMBER_PARTS.includes(g.granularity)) return numberPart(v as string, g.granularity);
  if (g.granularity) return bucket(v as string, g.granularity, g.field.type === 'date').start;
  return v;
}

function collect(env: CallEnv, domain: unknown, groupbys: GroupBy[]): Group[] {
  const { s, model, ctx } = env;
  const pred = compileSearch(s, model, parseDomain(domain), ctx);
  const groups = new Map<string, Group>();
  for (const rec of s.rows(model)) {
    if (!pred(rec)) continue;
    const keysList = expandKeys(groupbys.map((g) => groupKey(s, model, rec, g)));
    for (const keys of keysList) {
      const id = JSON.stringify(keys);
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { keys, recs: [] }));
      g.recs.push(rec);
    }
  }
  return [...groups.values()];
}

/** many2many group keys fan a record out into one group per related id. */
function expandKeys(keys: unknown[]): unknown[][] {
  let out: unknown[][] = [[]];
  for (const k of keys) {
    const options = Array.isArray(k) ? (k.length ? k : [false]) : [k];
    out = out.flatMap((prefix) => options.map((o) => [...prefix, o]));
  }
  return out;
}

function aggregate(s: ModelStore, model: string, recs: Rec[], agg: Aggregate): unknown {
  if (agg.fname === '__count') return recs.length;
  const values = recs.map((r) => s.value(model, r, agg.fname));
  const present = values.filter((v) => v !== false && v !== null && v !== undefined);
  const field = s.def(model).fields[agg.fname];
  const numeric = field.type === 'integer' || field.type === 'float' || field.type === 'monetary';
  const nums = numeric ? values.map((v) => (typeof v === 'number' ? v : 0)) : present.map(Number);
  if (!recs.length && ['sum', 'avg', 'min', 'max'].includes(agg.func)) return false;
  switch (agg.func) {
    case 'sum':
      return roundSum(nums.reduce((a, b) => a + b, 0));
    case 'avg':
      return nums.length ? roundSum(nums.reduce((a, b) => a + b, 0) / nums.length) : false;
    case 'min':
    case 'max': {
      const pool = numeric ? nums : present;
      if (!pool.length) return false;
      const sorted = [...pool].sort((a, b) => (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
      const v = agg.func === 'min' ? sorted[0] : sorted[sorted.length - 1];
      return field.type === 'many2one' ? [v, s.displayName(field.relation!, v as number)] : v;
    }
    case 'count':
      return present.length;
    case 'count_distinct':
      return new Set(present.map((v) => JSON.stringify(v))).size;
    case 'bool_and':
      return values.every((v) => !!v);
    case 'bool_or':
      return values.some((v) => !!v);
    default:
      return values.flat();
  }
}

function roundSum(n: number): number {
  return Math.round(n * 1e10) / 1e10;
}

function formatKey(s: ModelStore, g: GroupBy, key: unknown, legacy: boolean): unknown {
  if (key === false) return false;
  if (g.field.type === 'many2one') return [key, s.displayName(g.field.relation!, key as number)];
  if (g.field.type === 'many2many') return [key, s.displayName(g.field.relation!, key as number)];
  if (g.granularity && GRANULARITIES.includes(g.granularity)) {
    const b = bucket(key as string, g.granularity, g.field.type === 'date');
    return legacy ? b.label : [b.start, b.label];
  }
  return key;
}

function groupDomain(g: GroupBy, key: unknown): unknown[] {
  if (g.granularity && GRANULARITIES.includes(g.granularity) && key !== false) {
    const b = bucket(key as string, g.granularity, g.field.type === 'date');
    return ['&', [g.fname, '>=', b.start], [g.fname, '<', b.end]];
  }
  if (g.granularity) return [[`${g.fname}.${g.granularity}`, '=', key]];
  return [[g.fname, '=', key]];
}

/** Top-level AND of complete prefix expressions, as Domain.AND(...) lists it. */
function andDomains(parts: unknown[][]): unknown[] {
  const terms: unknown[][] = [];
  for (const p of parts) for (const t of splitTerms(p)) terms.push(...flattenAnd(t));
  if (!terms.length) return [];
  return [...Array(terms.length - 1).fill('&'), ...terms.flat()];
}

/** Domain.AND flattens nested ANDs: ['&', a, b] contributes a and b. */
function flattenAnd(term: unknown[]): unknown[][] {
  if (term[0] !== '&') return [term];
  const [a, b] = splitTerms(term.slice(1));
  return [...flattenAnd(a), ...flattenAnd(b)];
}

function splitTerms(domain: unknown[]): unknown[][] {
  const terms: unknown[][] = [];
  let i = 0;
  while (i < domain.length) {
    const start = i;
    let need = 1;
    while (need > 0 && i < domain.length) {
      const item = domain[i++];
      if (item === '&' || item === '|') need += 1;
      else if (item === '!') need += 0;
      else need -= 1;
    }
    terms.push(domain.slice(start, i));
  }
  return terms;
}

function orderGroups(s: ModelStore, groups: Group[], groupbys: GroupBy[], order: string | undefined, aggValue: (g: Group, key: string) => unknown): void {
  const terms: Array<{ get: (g: Group) => unknown; desc: boolean }> = [];
  const specs = order ? order.split(',').map((t) => t.trim()).filter(Boolean) : groupbys.map((g) => g.spec);
  for (const term of specs) {
    const [name, dir] = term.split(/\s+/);
    const desc = (dir ?? '').toLowerCase() === 'desc';
    const gi = groupbys.findIndex((g) => g.spec === name || g.fname === name);
    if (gi >= 0) {
      const g = groupbys[gi];
      terms.push({ get: (grp) => sortableKey(s, g, grp.keys[gi]), desc });
    } else {
      terms.push({ get: (grp) => aggValue(grp, name), desc });
    }
  }
  groups.sort((a, b) => {
    for (const t of terms) {
      const c = cmp(t.get(a), t.get(b));
      if (c !== 0) return t.desc ? -c : c;
    }
    return 0;
  });
}

function sortableKey(s: ModelStore, g: GroupBy, key: unknown): unknown {
  if (g.field.type === 'boolean') return key ? 1 : 0;
  if (key === false) return null;
  if (g.field.type === 'many2one' || g.field.type === 'many2many') {
    const comodel = g.field.relation!;
    const terms = s.parseOrder(comodel, s.def(comodel).order);
    const rec = s.raw(comodel, key as number);
    return rec ? terms.map((t) => t.get(rec)) : null;
  }
  if (typeof key === 'boolean') return key ? 1 : 0;
  return key;
}

function cmp(a: unknown, b: unknown): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const c = cmp(a[i], b[i]);
      if (c !== 0) return c;
    }
    return 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function havingFilter(having: unknown, groups: Group[], aggValue: (g: Group, key: string) => unknown): Group[] {
  if (!Array.isArray(having) || !having.length) return groups;
  const node = parseDomain(having);
  const test = (n: DomainNode, g: Group): boolean => {
    switch (n.kind) {
      case 'const':
        return n.value;
      case 'and':
        return n.children.every((c) => test(c, g));
      case 'or':
        return n.children.some((c) => test(c, g));
      case 'not':
        return !test(n.child, g);
      case 'leaf': {
        const v = aggValue(g, n.field) as number;
        const t = n.value as number;
        switch (n.op) {
          case '=':
          case '==':
            return v === t;
          case '!=':
            return v !== t;
          case '<':
            return v < t;
          case '>':
            return v > t;
          case '<=':
            return v <= t;
          case '>=':
            return v >= t;
          case 'in':
            return (n.value as unknown[]).includes(v);
          case 'not in':
            return !(n.value as unknown[]).includes(v);
          default:
            return false;
        }
      }
    }
  };
  return groups.filter((g) => test(node, g));
}

function page<T>(items: T[], offset: unknown, limit: unknown): T[] {
  const o = Number(offset) || 0;
  const l = limit ? Number(limit) : undefined;
  return items.slice(o, l === undefined ? undefined : o + l);
}

// ---- public methods ------------------------------------------------------------------------

export function formattedReadGroup(env: CallEnv, a: Record<string, unknown>): Array<Record<string, unknown>> {
  const { s, model } = env;
  const def = s.def(model);
  const groupbys = ((a.groupby as string[]) ?? []).map((g) => parseGroupBy(def, g));
  const aggs = ((a.aggregates as string[]) ?? []).map((x) => parseAggregate(def, x));
  let groups = collect(env, a.domain, groupbys);
  if (!groupbys.length && !groups.length) groups = [{ keys: [], recs: [] }];
  const aggValue = (g: Group, key: string): unknown => aggregate(s, model, g.recs, key === '__count' ? parseAggregate(def, '__count') : parseAggregate(def, key));
  groups = havingFilter(a.having, groups, aggValue);
  orderGroups(s, groups, groupbys, (a.order as string) || undefined, aggValue);
  return page(groups, a.offset, a.limit).map((g) => {
    const row: Record<string, unknown> = {};
    groupbys.forEach((gb, i) => {
      row[gb.spec] = formatKey(s, gb, g.keys[i], false);
    });
    row.__extra_domain = groupbys.length ? andDomains(groupbys.map((gb, i) => groupDomain(gb, g.keys[i]))) : [[1, '=', 1]];
    for (const agg of aggs) row[agg.key] = aggregate(s, model, g.recs, agg);
    return row;
  });
}

export function webReadGroup(env: CallEnv, a: Record<string, unknown>): Record<string, unknown> {
  const all = formattedReadGroup(env, { ...a, limit: undefined, offset: undefined });
  return { groups: page(all, a.offset, a.limit), length: all.length };
}

const FIELD_AGG = /^(\w+)(?::(\w+)(?:\((\w+)\))?)?$/;

export function readGroup(env: CallEnv, a: Record<string, unknown>): Array<Record<string, unknown>> {
  const { s, model } = env;
  const def = s.def(model);
  const groupbyAll = typeof a.groupby === 'string' ? [a.groupby] : ((a.groupby as string[]) ?? []);
  const lazy = a.lazy === undefined ? true : !!a.lazy;
  const used = lazy ? groupbyAll.slice(0, 1) : groupbyAll;
  const groupbys = used.map((g) => parseGroupBy(def, g, 'month'));
  const countKey = lazy && groupbys.length === 1 ? `${groupbys[0].fname}_count` : '__count';
  const aggs: Aggregate[] = [];
  for (const spec of (a.fields as string[]) ?? []) {
    if (spec === '__count') continue;
    const m = FIELD_AGG.exec(spec);
    if (!m) throw valueError(`Invalid field specification ${pyStr(spec)}.`);
    const [, name, func, fname] = m;
    if (fname) {
      aggs.push({ key: name, fname, func: func! });
      continue;
    }
    if (!def.fields[name]) throw valueError(`Invalid field ${pyStr(name)} on model ${pyStr(model)}`);
    if (func) {
      aggs.push({ key: name, fname: name, func });
      continue;
    }
    const field = def.fields[name];
    const numeric = field.type === 'integer' || field.type === 'float' || field.type === 'monetary';
    if (numeric && name !== 'id' && (field.store ?? true) && !field.inherited && !used.includes(name)) {
      aggs.push({ key: name, fname: name, func: field.aggregator ?? 'sum' });
    }
  }
  const groups = collect(env, a.domain, groupbys);
  const aggValue = (g: Group, key: string): unknown =>
    key === countKey || key === '__count' ? g.recs.length : aggregate(s, model, g.recs, aggs.find((x) => x.key === key) ?? parseAggregate(def, `${key}:sum`));
  orderGroups(s, groups, groupbys, (a.orderby as string) || undefined, aggValue);
  const baseDomain = Array.isArray(a.domain) ? (a.domain as unknown[]) : [];
  return page(groups, a.offset, a.limit).map((g) => {
    const row: Record<string, unknown> = {};
    groupbys.forEach((gb, i) => {
      row[gb.spec] = formatKey(s, gb, g.keys[i], true);
    });
    row[countKey] = g.recs.length;
    for (const agg of aggs) row[agg.key] = aggregate(s, model, g.recs, agg);
    row.__domain = andDomains([baseDomain, ...groupbys.map((gb, i) => groupDomain(gb, g.keys[i]))]);
    const ranges: Record<string, unknown> = {};
    groupbys.forEach((gb, i) => {
      if (gb.granularity && GRANULARITIES.includes(gb.granularity) && g.keys[i] !== false) {
        const b = bucket(g.keys[i] as string, gb.granularity, gb.field.type === 'date');
        ranges[gb.spec] = { from: b.start, to: b.end };
      }
    });
    if (Object.keys(ranges).length) row.__range = ranges;
    if (lazy && groupbyAll.length > 1) row.__context = { group_by: groupbyAll.slice(1) };
    return row;
  });
}
