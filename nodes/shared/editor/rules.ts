/**
 * Validation rules of the Odoo nodes' options. They mirror lib/odoo/options.ts
 * (zod) and lib/odoo/domain.ts; keep them in step with those.
 */
import { current } from './form';
import { t } from './i18n';
import type { EditorNode, Validator } from './red';

const ENV_REF = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/g;
export const MODEL_RE = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;
const ORDER_RE = /^[\w.]+( (asc|desc))?( *, *[\w.]+( (asc|desc))?)*$/i;
const METHOD_RE = /^[a-zA-Z][\w]*$/;
const DOMAIN_OPERATORS = ['=', '!=', '<>', '<', '<=', '>', '>=', '=?', 'in', 'not in', 'like', 'not like', 'ilike', 'not ilike',
  '=like', '=ilike', 'not =like', 'not =ilike', 'child_of', 'parent_of', 'any', 'not any'];

type Result = true | string;

export function isBlank(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}
function hasEnv(v: unknown): boolean {
  return typeof v === 'string' && v.search(ENV_REF) >= 0;
}
/** A comma list (or array) as trimmed, non-empty strings. */
export function csv(v: unknown): string[] {
  return (Array.isArray(v) ? v : String(isBlank(v) ? '' : v).split(','))
    .map((s) => String(s).trim())
    .filter(Boolean);
}

interface NumberRule { integer?: boolean; min?: number; above?: number; max: number; env?: boolean }

/** A number property; '' means the default (or unset). */
function number(v: unknown, o: NumberRule): Result {
  if (isBlank(v)) return true;
  if (o.env && hasEnv(v)) return true;
  const n = Number(v);
  const ok = !isNaN(n) && (o.integer ? Number.isInteger(n) : isFinite(n)) && (o.above !== undefined ? n > o.above : n >= (o.min ?? -Infinity)) && n <= o.max;
  if (ok) return true;
  if (o.above !== undefined) return t('validation.above', { min: o.above, max: o.max });
  return t(o.integer ? 'validation.integer' : 'validation.number', { min: o.min, max: o.max });
}

/** `context`: empty, or the text of a JSON object. */
function jsonObject(v: unknown, env: boolean): Result {
  if (isBlank(v) || typeof v === 'object') return true;
  const text = env ? String(v).replace(ENV_REF, '0') : String(v);
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return true;
    return t('validation.jsonObject');
  } catch (err) {
    return t('validation.json', { problem: (err as Error).message });
  }
}

/** Optional text that must match a pattern once trimmed (zod: trim().regex() or ''). */
function pattern(re: RegExp, message: string) {
  return (v: unknown): Result => (isBlank(v) ? true : re.test(String(v).trim()) ? true : t(message));
}

/** The same checks the runtime makes before a domain travels (lib/odoo/domain.ts). */
export function domainTerms(domain: unknown): Result {
  if (!Array.isArray(domain)) return t('validation.domainList');
  let terms = 0;
  let operators = 0;
  for (let i = 0; i < domain.length; i++) {
    const term: unknown = domain[i];
    if (term === '&' || term === '|') {
      operators++;
      continue;
    }
    if (term === '!') continue;
    if (!Array.isArray(term) || term.length !== 3) return t('validation.domainTerm', { n: i + 1 });
    if (typeof term[1] !== 'string' || DOMAIN_OPERATORS.indexOf(term[1].toLowerCase()) < 0) {
      return t('validation.domainOperator', { n: i + 1, op: JSON.stringify(term[1]) });
    }
    terms++;
  }
  if (terms > 0 && operators > terms - 1) return t('validation.domainOperators', { operators, terms });
  return true;
}

export const rules = {
  url(v: unknown): Result {
    const s = String(isBlank(v) ? '' : v).trim();
    if (!s) return t('validation.urlRequired');
    if (hasEnv(s)) return true;
    return /^https?:\/\/[^/\s]+/.test(s) ? true : t('validation.url');
  },
  timeout: (v: unknown) => number(v, { above: 0, max: 600, env: true }),
  concurrency: (v: unknown) => number(v, { integer: true, min: 1, max: 32, env: true }),
  maxResponseMb: (v: unknown) => number(v, { above: 0, max: 4096, env: true }),
  keyWarnDays: (v: unknown) => number(v, { integer: true, min: 0, max: 365 }),
  configContext: (v: unknown) => jsonObject(v, true),
  secretEnv: pattern(/^$|^[A-Za-z_][A-Za-z0-9_]*$/, 'validation.envName'),
  context: (v: unknown) => jsonObject(v, false),
  model: pattern(MODEL_RE, 'validation.model'),
  order: pattern(ORDER_RE, 'validation.order'),
  limit: (v: unknown) => number(v, { integer: true, min: 1, max: 1000000000 }),
  offset: (v: unknown) => number(v, { integer: true, min: 0, max: 1000000000 }),
  pageSize: (v: unknown) => number(v, { integer: true, min: 1, max: 10000 }),
  batchSize: (v: unknown) => number(v, { integer: true, min: 1, max: 10000 }),
  batchWindow: (v: unknown) => number(v, { integer: true, min: 0, max: 60000 }),
  domain(this: EditorNode | undefined, v: unknown): Result {
    const type = current(this, 'domainType') || 'json';
    if (type !== 'json' || v === undefined) return true; // the runtime reads a missing domain as []
    try {
      return domainTerms(JSON.parse(String(v)));
    } catch (err) {
      return t('validation.json', { problem: (err as Error).message });
    }
  },
  keyFields(this: EditorNode | undefined, v: unknown): Result {
    return current(this, 'operation') === 'upsert' && csv(v).length === 0 ? t('validation.keyFieldsRequired') : true;
  },
  method(this: EditorNode | undefined, v: unknown): Result {
    const shape = pattern(METHOD_RE, 'validation.method')(v);
    if (shape !== true) return shape;
    return current(this, 'operation') === 'call' && isBlank(v) ? t('validation.methodRequired') : true;
  },
};
export type RuleName = keyof typeof rules;

/**
 * A validator for `defaults`; two arguments so Node-RED shows the returned
 * message, which names the property (`prop`, default the rule's name).
 */
export function rule(name: RuleName, prop?: string): Validator {
  return function (this: EditorNode, v: unknown, opt?: { label?: string }) {
    const r = (rules[name] as (this: EditorNode, v: unknown) => Result).call(this, v);
    return r === true ? true : `${(opt && opt.label) || prop || name}: ${r}`;
  };
}

/** An enum property; missing (an imported node without it) means the default, as in zod. */
export function oneOf(values: readonly string[]): Validator {
  return (v: unknown) => v === undefined || values.indexOf(String(v)) >= 0;
}
