// Odoo 19 domains: parsing with the same error texts as odoo/orm/domains.py,
// and compilation to a record predicate evaluated over the in-memory store.
import { PyTuple, pyRepr, typeError, valueError } from './errors';
import type { Context, FieldDef, Rec } from './models';
import type { ModelStore } from './store';

export type DomainNode =
  | { kind: 'const'; value: boolean }
  | { kind: 'and' | 'or'; children: DomainNode[] }
  | { kind: 'not'; child: DomainNode }
  | { kind: 'leaf'; field: string; op: string; value: unknown };

const STANDARD_OPERATORS = new Set([
  'any',
  'not any',
  'in',
  'not in',
  '<',
  '>',
  '<=',
  '>=',
  'like',
  'not like',
  'ilike',
  'not ilike',
  '=like',
  'not =like',
  '=ilike',
  'not =ilike',
]);
/** Operators accepted in a domain list (standard ones plus those Odoo rewrites). */
const OPERATORS = new Set([...STANDARD_OPERATORS, '=?', '<>', '==', '=', '!=', 'child_of', 'parent_of']);
const NEGATIVE: Record<string, string> = {
  'not any': 'any',
  'not in': 'in',
  'not like': 'like',
  'not ilike': 'ilike',
  'not =like': '=like',
  'not =ilike': '=ilike',
  '!=': '=',
  '<>': '=',
};

function conditionRepr(field: unknown, op: unknown, value: unknown): string {
  // sub-domains of any/not any are Domain objects, printed as lists of tuples
  const shown = (op === 'any' || op === 'not any') && Array.isArray(value) ? value.map((x) => (Array.isArray(x) ? new PyTuple(x) : x)) : value;
  return pyRepr(new PyTuple([field, op, shown]));
}

function checkedLeaf(item: unknown[]): DomainNode {
  const [field, op, value] = item;
  if (typeof field !== 'string') {
    if (field === 1 && op === '=' && value === 1) return { kind: 'const', value: true };
    if (field === 0 && op === '=' && value === 1) return { kind: 'const', value: false };
    throw typeError(`Domain() invalid arguments: ${pyRepr(new PyTuple(item))}`);
  }
  if (!field) throw typeError(`Empty field name in condition ${conditionRepr(field, op, value)}`);
  if (typeof op !== 'string' || !OPERATORS.has(op.toLowerCase())) {
    throw valueError(`Invalid operator in condition ${conditionRepr(field, op, value)}`);
  }
  return { kind: 'leaf', field, op: op.toLowerCase(), value: value === null ? false : value };
}

/** Domain(arg) of Odoo 19: prefix notation, implicit '&', errors worded like the real one. */
export function parseDomain(arg: unknown): DomainNode {
  if (arg === true || (Array.isArray(arg) && arg.length === 0)) return { kind: 'const', value: true };
  if (arg === false) return { kind: 'const', value: false };
  if (!Array.isArray(arg)) throw typeError(`Domain() invalid argument type for domain: ${pyRepr(arg)}`);
  const stack: DomainNode[] = [];
  const pop = (): DomainNode => {
    const n = stack.pop();
    if (!n) throw valueError(`Domain() malformed domain ${pyRepr(arg)}`);
    return n;
  };
  for (let i = arg.length - 1; i >= 0; i--) {
    const item: unknown = arg[i];
    if (Array.isArray(item) && item.length === 3) stack.push(checkedLeaf(item));
    else if (item === '&') stack.push({ kind: 'and', children: [pop(), pop()] });
    else if (item === '|') stack.push({ kind: 'or', children: [pop(), pop()] });
    else if (item === '!') stack.push({ kind: 'not', child: pop() });
    else throw valueError(`Domain() invalid item in domain: ${pyRepr(item)}`);
  }
  if (stack.length === 1) return stack[0];
  return { kind: 'and', children: stack.reverse() };
}

export function mentionsField(node: DomainNode, field: string): boolean {
  switch (node.kind) {
    case 'leaf':
      return node.field === field;
    case 'and':
    case 'or':
      return node.children.some((c) => mentionsField(c, field));
    case 'not':
      return mentionsField(node.child, field);
    default:
      return false;
  }
}

export type Predicate = (rec: Rec) => boolean;

const TRUE: Predicate = () => true;
const FALSE: Predicate = () => false;

/** Compile a parsed domain for `model`; the active filter is the caller's business. */
export function compileDomain(s: ModelStore, model: string, node: DomainNode, ctx: Context): Predicate {
  switch (node.kind) {
    case 'const':
      return node.value ? TRUE : FALSE;
    case 'and': {
      const parts = node.children.map((c) => compileDomain(s, model, c, ctx));
      return (r) => parts.every((p) => p(r));
    }
    case 'or': {
      const parts = node.children.map((c) => compileDomain(s, model, c, ctx));
      return (r) => parts.some((p) => p(r));
    }
    case 'not': {
      const p = compileDomain(s, model, node.child, ctx);
      return (r) => !p(r);
    }
    case 'leaf':
      return compileLeaf(s, model, node.field, node.op, node.value, ctx);
  }
}

/** Ids of `model` matching `domain`, with the active filter applied like _search does. */
export function searchIds(s: ModelStore, model: string, domain: DomainNode, ctx: Context, activeTest = true): Set<number> {
  const pred = compileWithActive(s, model, domain, ctx, activeTest);
  const out = new Set<number>();
  for (const rec of s.rows(model)) if (pred(rec)) out.add(rec.id);
  return out;
}

export function compileWithActive(
  s: ModelStore,
  model: string,
  domain: DomainNode,
  ctx: Context,
  activeTest = true,
): Predicate {
  const pred = compileDomain(s, model, domain, ctx);
  const def = s.def(model);
  if ('active' in def.fields && activeTest && ctx.active_test !== false && !mentionsField(domain, 'active')) {
    return (r) => s.value(model, r, 'active') !== false && pred(r);
  }
  return pred;
}

function isCollection(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

function compileLeaf(s: ModelStore, model: string, fieldExpr: string, op: string, value: unknown, ctx: Context): Predicate {
  const def = s.def(model);
  const dot = fieldExpr.indexOf('.');
  const fname = dot >= 0 ? fieldExpr.slice(0, dot) : fieldExpr;
  const rest = dot >= 0 ? fieldExpr.slice(dot + 1) : '';
  const field = def.fields[fname];
  const fail = (msg: string, err = valueError): never => {
    throw err(`${msg} in condition ${conditionRepr(fieldExpr, op, value)}`);
  };
  if (!field) fail(`Invalid field ${model}.${fname}`);
  const isRel = field.type === 'many2one' || field.type === 'one2many' || field.type === 'many2many';
  if (rest) {
    if (!isRel) fail('Cannot determine the comodel relation');
    return compileAny(s, model, field, [[rest, op, value]], false, ctx);
  }

  // rewrite rules Odoo applies before evaluating
  if (op === '==') op = '=';
  if (op === '<>') op = '!=';
  if (op === '=?') {
    if (!value) return TRUE;
    op = '=';
  }
  if (op === 'any' || op === 'not any') {
    if (fname === 'id') {
      const sub = compileDomain(s, model, parseDomain(value), ctx);
      return op === 'any' ? sub : (r) => !sub(r);
    }
    if (!isRel) fail("Cannot use 'any' with non-relational fields");
    return compileAny(s, model, field, value, op === 'not any', ctx);
  }
  if (op === 'child_of' || op === 'parent_of') return compileHierarchy(s, model, field, op, value, ctx);

  if (op.endsWith('like')) {
    const negative = op in NEGATIVE;
    const positive = NEGATIVE[op] ?? op;
    if (!value) {
      const result = negative === positive.startsWith('=');
      if (isRel || positive.startsWith('=')) return compileLeaf(s, model, fieldExpr, result ? '!=' : '=', false, ctx);
      return result ? TRUE : FALSE;
    }
    if (typeof value !== 'string') {
      if (positive.startsWith('=')) fail('The pattern to match must be a string', typeError);
      value = pyStrValue(value);
    }
    if (isRel) {
      const sub = compileAny(s, model, field, [['display_name', positive, value]], false, ctx);
      return negative ? (r) => !sub(r) : sub;
    }
    const re = likeRegex(value as string, positive);
    const getter = valueGetter(s, model, field);
    const test: Predicate = (r) => {
      const v = getter(r);
      if (v === false || v === null || v === undefined) return false;
      return re.test(String(v));
    };
    return negative ? (r) => !test(r) : test;
  }

  if (op === '=' || op === '!=' || op === 'in' || op === 'not in') {
    const negative = op === '!=' || op === 'not in';
    let values: unknown[];
    if (op === '=' || op === '!=') values = isCollection(value) ? (value.length ? value : [false]) : [value];
    else if (isCollection(value)) values = value;
    else values = [value];
    if (values.length === 0) return negative ? TRUE : FALSE;
    const test = compileIn(s, model, field, values, ctx);
    return negative ? (r) => !test(r) : test;
  }

  // inequalities
  if (isRel && typeof value === 'string') fail('Inequality not supported for relational field using a string', typeError);
  const getter = valueGetter(s, model, field);
  const cmp = compareFn(op);
  const target = normalizeScalar(field, value);
  return (r) => {
    const v = getter(r);
    if (v === false || v === null || v === undefined) {
      // numeric columns hold 0 rather than NULL
      if (field.type === 'integer' || field.type === 'float' || field.type === 'monetary') return cmp(0, target);
      return false;
    }
    if (isRel && field.type !== 'many2one') return (v as number[]).some((x) => cmp(x, target));
    return cmp(v, target);
  };
}

function pyStrValue(v: unknown): string {
  return typeof v === 'number' ? String(v) : pyRepr(v);
}

function compareFn(op: string): (a: unknown, b: unknown) => boolean {
  switch (op) {
    case '<':
      return (a, b) => (a as number) < (b as number);
    case '>':
      return (a, b) => (a as number) > (b as number);
    case '<=':
      return (a, b) => (a as number) <= (b as number);
    default:
      return (a, b) => (a as number) >= (b as number);
  }
}

function normalizeScalar(field: FieldDef, v: unknown): unknown {
  if (field.type === 'datetime' && typeof v === 'string' && v.length === 10) return `${v} 00:00:00`;
  if (field.type === 'boolean') return v ? 1 : 0;
  return v;
}

/** SQL LIKE pattern (with % and _ wildcards, unescaped as Odoo passes them) as a RegExp. */
export function likeRegex(pattern: string, op: string): RegExp {
  const anchored = op.startsWith('=');
  let src = '';
  let escaped = false;
  for (const ch of pattern) {
    if (escaped) {
      src += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      escaped = false;
    } else if (ch === '\\') escaped = true;
    else if (ch === '%') src += '[\\s\\S]*';
    else if (ch === '_') src += '[\\s\\S]';
    else src += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  if (!anchored) src = `[\\s\\S]*${src}[\\s\\S]*`;
  return new RegExp(`^${src}$`, op.includes('ilike') ? 'iu' : 'u');
}

function valueGetter(s: ModelStore, model: string, field: FieldDef): (r: Rec) => unknown {
  if (field.name === 'id') return (r) => r.id;
  if (!field.compute && !field.inherited && !field.translate && field.name !== 'display_name' && field.type !== 'one2many') {
    const name = field.name;
    return (r) => r[name];
  }
  return (r) => s.value(model, r, field.name);
}

function compileIn(s: ModelStore, model: string, field: FieldDef, values: unknown[], ctx: Context): Predicate {
  const isRel = field.type === 'many2one' || field.type === 'one2many' || field.type === 'many2many';
  if (field.name === 'display_name') return compileDisplayName(s, model, values, ctx);
  if (isRel) {
    const strs = values.filter((v): v is string => typeof v === 'string');
    const others = values.filter((v) => typeof v !== 'string');
    const parts: Predicate[] = [];
    if (strs.length) parts.push(compileAny(s, model, field, [['display_name', 'in', strs]], false, ctx));
    if (others.length) {
      const ids = new Set<number>();
      let wantEmpty = false;
      for (const v of others) {
        if (v === false) wantEmpty = true;
        else if (typeof v === 'number') ids.add(v);
        else if (typeof v === 'boolean') ids.add(1);
      }
      const getter = valueGetter(s, model, field);
      if (field.type === 'many2one') {
        parts.push((r) => {
          const v = getter(r);
          return v ? ids.has(v as number) : wantEmpty;
        });
      } else {
        parts.push((r) => {
          const v = (getter(r) as number[]) ?? [];
          if (v.length === 0) return wantEmpty;
          return v.some((x) => ids.has(x));
        });
      }
    }
    return parts.length === 1 ? parts[0] : (r) => parts.some((p) => p(r));
  }
  if (field.type === 'boolean') {
    const wanted = new Set(values.map((v) => !!v && v !== 'False' && v !== 'false'));
    const getter = valueGetter(s, model, field);
    return (r) => wanted.has(!!getter(r));
  }
  const set = new Set<unknown>();
  let wantEmpty = false;
  const textual = field.type === 'char' || field.type === 'text' || field.type === 'html' || field.type === 'selection';
  for (const v of values) {
    // '' and NULL are the same "not set" for text columns
    if (v === false || v === null || (textual && v === '')) wantEmpty = true;
    else set.add(normalizeIn(field, v));
  }
  const getter = valueGetter(s, model, field);
  const numeric = field.type === 'integer' || field.type === 'float' || field.type === 'monetary';
  if (numeric && wantEmpty) set.add(0);
  return (r) => {
    const v = getter(r);
    if (v === false || v === null || v === undefined || (v === '' && !numeric)) return wantEmpty || set.has(v);
    return set.has(v);
  };
}

function normalizeIn(field: FieldDef, v: unknown): unknown {
  if ((field.type === 'integer' || field.type === 'float' || field.type === 'monetary') && typeof v === 'string') {
    const n = Number(v);
    return Number.isNaN(n) ? v : n;
  }
  if (field.type === 'datetime' && typeof v === 'string' && v.length === 10) return `${v} 00:00:00`;
  return v;
}

/** Conditions on display_name search the model's rec names (Odoo's _search_display_name). */
function compileDisplayName(s: ModelStore, model: string, values: unknown[], ctx: Context): Predicate {
  const def = s.def(model);
  const strs = values.filter((v) => v !== false);
  const wantEmpty = strs.length !== values.length;
  const parts = def.recNamesSearch.map((fname) => compileLeaf(s, model, fname, 'in', strs, ctx));
  return (r) => {
    if (wantEmpty && !def.displayName(s, r)) return true;
    return strs.length > 0 && parts.some((p) => p(r));
  };
}

function compileAny(
  s: ModelStore,
  model: string,
  field: FieldDef,
  subDomain: unknown,
  negate: boolean,
  ctx: Context,
): Predicate {
  const comodel = field.relation!;
  const parsed = parseDomain(subDomain);
  const activeTest = field.type !== 'many2one';
  // display_name like conditions on the comodel: ensure recNamesSearch fields use like ops too
  const matching = lazyIds(() => searchIds(s, comodel, rewriteDisplayLike(s, comodel, parsed), ctx, activeTest));
  const getter = valueGetter(s, model, field);
  const test: Predicate =
    field.type === 'many2one'
      ? (r) => {
          const v = getter(r);
          return !!v && matching().has(v as number);
        }
      : (r) => ((getter(r) as number[]) ?? []).some((x) => matching().has(x));
  return negate ? (r) => !test(r) : test;
}

/** display_name with a like operator means "any rec-name field matches". */
function rewriteDisplayLike(s: ModelStore, model: string, node: DomainNode): DomainNode {
  if (node.kind === 'leaf' && node.field === 'display_name' && node.op.endsWith('like')) {
    const def = s.def(model);
    const negative = node.op in NEGATIVE;
    const positive = NEGATIVE[node.op] ?? node.op;
    const any: DomainNode = {
      kind: 'or',
      children: def.recNamesSearch.map((f) => ({ kind: 'leaf', field: f, op: positive, value: node.value }) as DomainNode),
    };
    return negative ? { kind: 'not', child: any } : any;
  }
  if (node.kind === 'and' || node.kind === 'or') return { kind: node.kind, children: node.children.map((c) => rewriteDisplayLike(s, model, c)) };
  if (node.kind === 'not') return { kind: 'not', child: rewriteDisplayLike(s, model, node.child) };
  return node;
}

export function compileSearch(s: ModelStore, model: string, domain: DomainNode, ctx: Context, activeTest = true): Predicate {
  return compileWithActive(s, model, rewriteDisplayLike(s, model, domain), ctx, activeTest);
}

function lazyIds(fn: () => Set<number>): () => Set<number> {
  let cache: Set<number> | undefined;
  return () => (cache ??= fn());
}

function compileHierarchy(
  s: ModelStore,
  model: string,
  field: FieldDef,
  op: string,
  value: unknown,
  ctx: Context,
): Predicate {
  const comodel = field.name === 'id' ? model : field.relation;
  if (!comodel) {
    throw valueError(
      `Cannot execute ${op} for ${model}.${field.name}, works only for relational fields in condition ${conditionRepr(field.name, op, value)}`,
    );
  }
  const codef = s.def(comodel);
  const roots = new Set<number>();
  const raw = isCollection(value) ? value : [value];
  for (const v of raw) {
    if (typeof v === 'number') roots.add(v);
    else if (typeof v === 'string') for (const [id] of s.nameSearch(comodel, v, [], 'ilike', undefined, ctx)) roots.add(id);
  }
  const parentName = codef.parentName;
  const related = new Set<number>();
  if (!parentName) {
    for (const id of roots) related.add(id);
  } else if (op === 'child_of') {
    const queue = [...roots].filter((id) => s.raw(comodel, id));
    for (const id of queue) related.add(id);
    while (queue.length) {
      const id = queue.pop()!;
      for (const child of s.childIds(comodel, parentName, id)) {
        if (!related.has(child)) {
          related.add(child);
          queue.push(child);
        }
      }
    }
  } else {
    for (const id of roots) {
      let cur = s.raw(comodel, id);
      for (let depth = 0; cur && depth < 100; depth++) {
        related.add(cur.id);
        cur = cur[parentName] ? s.raw(comodel, cur[parentName] as number) : undefined;
      }
    }
  }
  if (field.name === 'id') return (r) => related.has(r.id);
  const getter = valueGetter(s, model, field);
  if (field.type === 'many2one') return (r) => related.has(getter(r) as number);
  return (r) => ((getter(r) as number[]) ?? []).some((x) => related.has(x));
}
