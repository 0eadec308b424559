/**
 * A cheaper proof that zod would accept a mapped object unchanged.
 *
 * `compileFastCheck(schema)` reads the zod schema's definition once and
 * returns a predicate: `true` means `schema.safeParse(value)` succeeds and its
 * `data` equals `value` (same keys, same order, same values), so the mapping
 * engine can keep `value` and skip zod for that row. `false` means "not
 * proven", not "invalid": the caller runs zod, which finds the problems and
 * words them exactly as before. Schemas using something this file does not
 * know (defaults, transforms, pipes, unions, coercion, catchall, ...) get no
 * predicate (`undefined`), so they always go through zod.
 *
 * The common zod checks (type, number bounds, whole numbers, text length,
 * patterns) are tested inline with zod's own rules; any other check,
 * refinements such as `superRefine` included, is run by calling the check
 * itself on a reused payload, as zod does.
 */
import type { z } from 'zod';

/** true: zod accepts `v` and returns it unchanged. */
export type FastCheck = (v: unknown) => boolean;

interface ZodCheckDef {
  check?: string;
  when?: (payload: Payload) => boolean;
  value?: unknown;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
}

interface ZodInternals {
  def: {
    type: string;
    checks?: ZodLike[];
    coerce?: boolean;
    innerType?: ZodLike;
    element?: ZodLike;
    shape?: Record<string, ZodLike>;
    catchall?: ZodLike;
  } & ZodCheckDef;
  traits: Set<string>;
  check?: (payload: Payload) => unknown;
  values?: Set<unknown>;
  optin?: string;
  optout?: string;
}

interface ZodLike {
  _zod: ZodInternals;
}

interface Payload {
  value: unknown;
  issues: unknown[];
}

class Unsupported extends Error {}

/** The check that runs the zod check itself: exact by construction. */
function genericCheck(ch: ZodLike): FastCheck {
  const run = ch._zod.check;
  if (typeof run !== 'function') throw new Unsupported(`check ${ch._zod.def.check ?? '?'} without a function`);
  const def = ch._zod.def;
  const payload: Payload = { value: undefined, issues: [] };
  return (v) => {
    payload.value = v;
    payload.issues.length = 0;
    if (def.when !== undefined && !def.when(payload)) return true; // zod skips it too
    const r = run(payload);
    if (r instanceof Promise) return false; // zod says async; let zod say it
    const ok = payload.issues.length === 0 && payload.value === v;
    payload.value = undefined;
    payload.issues.length = 0;
    return ok;
  };
}

/** A check with zod's rule inlined where it is simple; the generic call for the edge cases and everything else. */
function compileCheck(ch: ZodLike, base: string): FastCheck {
  const def = ch._zod.def;
  const kind = def.check;
  if (kind === 'overwrite') throw new Unsupported('overwrite changes the value');
  const generic = genericCheck(ch);
  if (def.when !== undefined && kind !== 'min_length' && kind !== 'max_length') return generic;
  switch (kind) {
    case 'greater_than':
    case 'less_than': {
      if (typeof def.value !== 'number' || base !== 'number') return generic;
      const limit = def.value;
      if (kind === 'greater_than') return def.inclusive ? (v) => (v as number) >= limit : (v) => (v as number) > limit;
      return def.inclusive ? (v) => (v as number) <= limit : (v) => (v as number) < limit;
    }
    case 'number_format':
      // safeint: a safe integer is within [MIN_SAFE_INTEGER, MAX_SAFE_INTEGER] by definition
      return def.format === 'safeint' && base === 'number' ? (v) => Number.isSafeInteger(v) : generic;
    case 'max_length': {
      const max = def.maximum as number;
      // zod counts code points in text; a text of at most `max` UTF-16 units has at most `max` code points
      if (base === 'string') return (v) => (v as string).length <= max || generic(v);
      if (base === 'array') return (v) => (v as unknown[]).length <= max;
      return generic;
    }
    case 'min_length': {
      const min = def.minimum as number;
      // a text of 2 × `min` UTF-16 units or more has at least `min` code points
      if (base === 'string') return (v) => (v as string).length >= 2 * min || generic(v);
      if (base === 'array') return (v) => (v as unknown[]).length >= min;
      return generic;
    }
    case 'string_format':
      // these formats are a pattern and nothing else (zod's $ZodCheckRegex, $ZodISODate, $ZodISODateTime)
      if (base === 'string' && def.pattern instanceof RegExp && (def.format === 'regex' || def.format === 'date' || def.format === 'datetime')) {
        const re = def.pattern;
        return (v) => {
          re.lastIndex = 0;
          return re.test(v as string);
        };
      }
      return generic;
    default:
      return generic;
  }
}

/** The checks zod runs after the type: the schema itself when it is a check (string formats), then `def.checks`. */
function checksOf(s: ZodLike, base: string): FastCheck[] {
  const list: ZodLike[] = [];
  if (s._zod.traits.has('$ZodCheck')) list.push(s);
  for (const ch of s._zod.def.checks ?? []) list.push(ch);
  return list.map((ch) => compileCheck(ch, base));
}

function all(type: FastCheck, checks: FastCheck[]): FastCheck {
  if (checks.length === 0) return type;
  if (checks.length === 1) {
    const [a] = checks as [FastCheck];
    return (v) => type(v) && a(v);
  }
  if (checks.length === 2) {
    const [a, b] = checks as [FastCheck, FastCheck];
    return (v) => type(v) && a(v) && b(v);
  }
  return (v) => {
    if (!type(v)) return false;
    for (let i = 0; i < checks.length; i++) if (!(checks[i] as FastCheck)(v)) return false;
    return true;
  };
}

function compileNode(s: ZodLike): FastCheck {
  const z = s._zod;
  const def = z.def;
  if (def.coerce) throw new Unsupported('coercion changes the value');
  switch (def.type) {
    case 'string':
      return all((v) => typeof v === 'string', checksOf(s, 'string'));
    case 'number':
      return all((v) => typeof v === 'number' && Number.isFinite(v), checksOf(s, 'number'));
    case 'boolean':
      return all((v) => typeof v === 'boolean', checksOf(s, 'boolean'));
    case 'enum':
    case 'literal': {
      const values = z.values;
      if (!(values instanceof Set)) throw new Unsupported(`${def.type} without values`);
      return all((v) => values.has(v), checksOf(s, def.type));
    }
    case 'optional': {
      const inner = def.innerType as ZodLike;
      if (inner._zod.optin === 'defaulted') throw new Unsupported('a default inside optional');
      const check = compileNode(inner);
      return all((v) => v === undefined || check(v), checksOf(s, 'optional'));
    }
    case 'nullable': {
      const check = compileNode(def.innerType as ZodLike);
      return all((v) => v === null || check(v), checksOf(s, 'nullable'));
    }
    case 'array': {
      const element = compileNode(def.element as ZodLike);
      const type: FastCheck = (v) => {
        if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype) return false;
        for (let i = 0; i < v.length; i++) {
          if (!(i in v) || !element(v[i])) return false; // zod fills holes: not the same array
        }
        return true;
      };
      return all(type, checksOf(s, 'array'));
    }
    case 'object':
      return all(compileObject(s), checksOf(s, 'object'));
    default:
      throw new Unsupported(def.type);
  }
}

function compileObject(s: ZodLike): FastCheck {
  const def = s._zod.def;
  if (def.catchall !== undefined) throw new Unsupported('catchall');
  const shape = def.shape ?? {};
  const keys = Object.keys(shape);
  if (Object.getOwnPropertySymbols(shape).length > 0) throw new Unsupported('symbol keys');
  if (keys.includes('__proto__')) throw new Unsupported('__proto__ key');
  const fields = keys.map((k) => {
    const f = shape[k] as ZodLike;
    // an optional field may be absent; zod keeps a present one, undefined or not
    const optional = f._zod.optin === 'optional' && f._zod.optout === 'optional';
    if (f._zod.optin !== undefined && !optional) throw new Unsupported(`field ${k}: ${f._zod.optin}`);
    return { key: k, optional, check: compileNode(f) };
  });
  const n = fields.length;
  return (v) => {
    if (v === null || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
    const o = v as Record<string, unknown>;
    // zod's output has the shape's keys in the shape's order: the input's keys must be that, some optional ones left out
    let at = 0;
    for (const k in o) {
      while (at < n && (fields[at] as { key: string }).key !== k) {
        if (!(fields[at] as { optional: boolean }).optional) return false;
        at++;
      }
      if (at === n) return false; // unknown key (zod drops it) or out of order
      if (!(fields[at] as { check: FastCheck }).check(o[k])) return false;
      at++;
    }
    for (; at < n; at++) if (!(fields[at] as { optional: boolean }).optional) return false;
    return true;
  };
}

/**
 * The predicate for a schema, or undefined when the schema uses something
 * this file cannot prove (then every value goes through zod).
 */
export function compileFastCheck(schema: z.ZodType): FastCheck | undefined {
  try {
    return compileNode(schema as unknown as ZodLike);
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}
