/**
 * Parsers the mapping engine compiles once per field: numbers with a decimal
 * comma, dates in explicit formats and IANA time zones, units of measure.
 *
 * Each `compile*` function validates its options and throws a plain Error with
 * a readable message (the mapping compiler turns it into a spec issue naming
 * the field); the returned function is the per-row hot path and never throws.
 */

// ---------------------------------------------------------------- numbers

export interface NumberFormat {
  decimal: '.' | ',';
  thousands?: '.' | ',' | ' ' | "'";
}

/** Returns the number, or `undefined` when the input is not a number in this format. */
export type NumberParser = (input: unknown) => number | undefined;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function numberExample(fmt: NumberFormat): string {
  const t = fmt.thousands === undefined ? '' : fmt.thousands;
  return `1${t}234${fmt.decimal}56`;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

export function compileNumberParser(fmt: NumberFormat): NumberParser {
  const { decimal, thousands } = fmt;
  if (thousands !== undefined && thousands === decimal) {
    throw new Error(`decimal and thousands separators are both "${decimal}"`);
  }
  const d = escapeRe(decimal);
  // A space as thousands separator also matches the no-break spaces spreadsheets write.
  const t = thousands === undefined ? undefined : thousands === ' ' ? '[ \\u00a0\\u202f]' : escapeRe(thousands);
  // Grouping is checked (1.234,5 yes; 1.23,5 no) so a wrong separator setting is an error, not a silently wrong price.
  const intPart = t === undefined ? '\\d+' : `(?:\\d{1,3}(?:${t}\\d{3})+|\\d+)`;
  const re = new RegExp(`^[+-]?(?:${intPart}(?:${d}\\d+)?|${d}\\d+)$`);
  const stripThousands = t === undefined ? undefined : new RegExp(t, 'g');
  const decimalCode = decimal.charCodeAt(0);
  const thousandsCode = thousands === undefined ? -1 : thousands.charCodeAt(0);
  const spaceGroups = thousands === ' ';

  // Exact for up to 15 digits: an integer mantissa < 2^53 divided by an exact power of ten
  // is the double nearest to the decimal, the same as Number() of the normalised text.
  const viaText = (s: string): number | undefined => {
    if (!re.test(s)) return undefined;
    let n = s;
    if (stripThousands !== undefined) n = n.replace(stripThousands, '');
    if (decimal !== '.') n = n.replace(decimal, '.');
    return Number(n);
  };

  return (input: unknown): number | undefined => {
    if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
    if (typeof input !== 'string') return undefined;
    const s = input;
    const len = s.length;
    let i = 0;
    let c = len > 0 ? s.charCodeAt(0) : -1;
    const negative = c === 45;
    if (c === 45 || c === 43) i = 1;
    let mantissa = 0;
    let digits = 0;
    let intDigits = 0;
    let fracDigits = 0;
    let inFraction = false;
    let group = -1; // digits since the last thousands separator; -1 before the first one
    for (; i < len; i++) {
      c = s.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        if (inFraction) fracDigits++;
        else {
          intDigits++;
          if (group >= 0) group++;
        }
      } else if (c === decimalCode && !inFraction) {
        if (group >= 0 && group !== 3) return undefined;
        inFraction = true;
      } else if (
        !inFraction &&
        (c === thousandsCode || (spaceGroups && (c === 0xa0 || c === 0x202f)))
      ) {
        if (group === -1 ? intDigits < 1 || intDigits > 3 : group !== 3) return undefined;
        group = 0;
      } else {
        return undefined;
      }
    }
    if (digits === 0 || (inFraction && fracDigits === 0) || (!inFraction && group >= 0 && group !== 3)) return undefined;
    if (digits > 15) return viaText(s);
    const value = fracDigits === 0 ? mantissa : mantissa / POW10[fracDigits];
    return negative ? -value : value;
  };
}

// ---------------------------------------------------------------- time zones

export type Disambiguation = 'compatible' | 'earlier' | 'later' | 'reject';

/** Throws when `tz` is not an IANA time zone this Node.js knows. */
export function assertTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new Error(`unknown time zone "${tz}" (use an IANA name such as Europe/Berlin)`);
  }
}

const QUARTER_HOUR = 15 * 60 * 1000;
const DAY = 24 * 60 * 60 * 1000;
const PARTS_RE = /(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)/;

/**
 * Converts wall-clock times of one IANA zone to UTC instants with Intl only.
 * Results are cached per 15-minute wall-clock slot: every zone transition in
 * use today happens on a quarter hour, so one slot has one answer.
 */
export class ZoneConverter {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly cache = new Map<number, number>();

  constructor(
    readonly tz: string,
    private readonly disambiguation: Disambiguation = 'compatible',
  ) {
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Offset of the zone from UTC at a UTC instant, in ms (Berlin in winter: +3 600 000). */
  offsetAt(utcMs: number): number {
    const m = PARTS_RE.exec(this.fmt.format(utcMs));
    if (m === null) throw new Error(`cannot read the time in ${this.tz}`);
    const wall = Date.UTC(+m[3], +m[1] - 1, +m[2], +m[4], +m[5], +m[6]);
    const wholeSeconds = utcMs - (((utcMs % 1000) + 1000) % 1000);
    return wall - wholeSeconds;
  }

  /**
   * UTC instant of a wall-clock time given as "wall ms" (`Date.UTC` of the local
   * fields). Times in a DST gap or fold follow `disambiguation` (default
   * `compatible`, as Temporal: a gap moves forward, a fold takes the earlier
   * instant). Returns NaN when `reject` and the time is in a gap or fold.
   */
  toUtc(wallMs: number): number {
    const slot = Math.floor(wallMs / QUARTER_HOUR);
    const cached = this.cache.get(slot);
    if (cached !== undefined) return Number.isNaN(cached) ? NaN : wallMs - cached;

    const before = this.offsetAt(wallMs - DAY);
    const after = this.offsetAt(wallMs + DAY);
    let offset: number;
    if (before === after) {
      offset = before;
    } else {
      const t1 = wallMs - before;
      const t2 = wallMs - after;
      const v1 = this.offsetAt(t1) === before;
      const v2 = this.offsetAt(t2) === after;
      if (v1 && v2) {
        // Fold (clocks went back): two instants have this wall time.
        const earlierOffset = t1 < t2 ? before : after;
        const laterOffset = t1 < t2 ? after : before;
        offset =
          this.disambiguation === 'reject' ? NaN : this.disambiguation === 'later' ? laterOffset : earlierOffset;
      } else if (v1) {
        offset = before;
      } else if (v2) {
        offset = after;
      } else {
        // Gap (clocks went forward): this wall time never happened.
        offset = this.disambiguation === 'reject' ? NaN : this.disambiguation === 'earlier' ? after : before;
      }
    }
    if (before % QUARTER_HOUR === 0 && after % QUARTER_HOUR === 0) {
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(slot, offset);
    }
    return Number.isNaN(offset) ? NaN : wallMs - offset;
  }
}

// ---------------------------------------------------------------- dates

export interface DateSpec {
  /** Token format (`DD.MM.YYYY`, `YYYY-MM-DD HH:mm`, `MM/DD/YYYY`, …) or `ISO` (ISO 8601, offset optional). */
  format: string;
  /** IANA zone the supplier's wall-clock times are in. Required for date-time fields unless every value carries an offset. */
  tz?: string;
  /**
   * Date fields only: the zone whose calendar date is kept when the source is a
   * point in time (it carries an offset, or has a time of day and `tz` is set).
   * Default `tz`. Example: Odoo's `2026-03-31 22:30:00` (UTC) is 2026-04-01 in Europe/Berlin.
   */
  dateTz?: string;
  disambiguation?: Disambiguation;
}

/** `date`: calendar date `YYYY-MM-DD`; `datetime`: UTC instant `YYYY-MM-DDTHH:mm:ssZ`. */
export type DateTarget = 'date' | 'datetime';

/** Why a date did not parse; a string result is the converted value. */
export class DateFailure {
  constructor(readonly reason: string) {}
}

export interface CompiledDate {
  convert: (input: unknown) => string | DateFailure;
  expected: string;
}

type Token = 'Y' | 'M' | 'D' | 'H' | 'm' | 's' | 'S';
const TOKEN_WIDTH: Record<string, [Token, string]> = {
  YYYY: ['Y', '(\\d{4})'],
  MM: ['M', '(\\d{2})'],
  M: ['M', '(\\d{1,2})'],
  DD: ['D', '(\\d{2})'],
  D: ['D', '(\\d{1,2})'],
  HH: ['H', '(\\d{2})'],
  H: ['H', '(\\d{1,2})'],
  mm: ['m', '(\\d{2})'],
  ss: ['s', '(\\d{2})'],
};
const TOKEN_HINT: Record<string, string> = {
  yyyy: 'YYYY',
  YY: 'YYYY (four-digit years only)',
  yy: 'YYYY (four-digit years only)',
  dd: 'DD',
  d: 'D',
  hh: 'HH (24-hour clock)',
  h: 'H (24-hour clock)',
  MMM: 'MM (month names are not supported)',
  SS: 'SSS',
  S: 'SSS',
};

interface FixedLayout {
  length: number;
  literals: [number, number][]; // position, char code
  at: Partial<Record<Token, [number, number]>>; // position, width
}

interface FormatPlan {
  re: RegExp;
  group: Partial<Record<Token, number>>;
  hasTime: boolean;
  /** Set when every token has a fixed width (DD.MM.YYYY, not D.M.YYYY): parsed by position, no regex. */
  fixed?: FixedLayout;
}

function planFormat(format: string): FormatPlan {
  let re = '^';
  const group: Partial<Record<Token, number>> = {};
  let n = 0;
  let i = 0;
  const layout: FixedLayout = { length: 0, literals: [], at: {} };
  let fixed = true;
  const literal = (text: string) => {
    for (const ch of text) layout.literals.push([layout.length++, ch.charCodeAt(0)]);
  };
  while (i < format.length) {
    const c = format[i];
    if (c === '[') {
      const end = format.indexOf(']', i);
      if (end < 0) throw new Error(`unclosed "[" in date format "${format}"`);
      re += escapeRe(format.slice(i + 1, end));
      literal(format.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (j < format.length && format[j] === c) j++;
      const tok = format.slice(i, j);
      i = j;
      if (tok === 'T') {
        re += 'T';
        literal('T');
        continue;
      }
      if (tok === 'SSS') {
        group.S = ++n;
        re += '(\\d{3})';
        layout.at.S = [layout.length, 3];
        layout.length += 3;
        continue;
      }
      const known = TOKEN_WIDTH[tok];
      if (known === undefined) {
        const hint = TOKEN_HINT[tok];
        throw new Error(
          `unknown token "${tok}" in date format "${format}"${hint ? `; did you mean ${hint}?` : ''} ` +
            '(tokens: YYYY MM M DD D HH H mm ss SSS; put literal text in [brackets])',
        );
      }
      if (group[known[0]] !== undefined) throw new Error(`token "${tok}" appears twice in date format "${format}"`);
      group[known[0]] = ++n;
      re += known[1];
      if (tok.length === 1) fixed = false;
      layout.at[known[0]] = [layout.length, tok.length];
      layout.length += tok.length;
      continue;
    }
    if (/\s/.test(c)) {
      re += '\\s+';
      fixed = false;
    } else {
      re += escapeRe(c);
      literal(c);
    }
    i++;
  }
  if (group.Y === undefined || group.M === undefined || group.D === undefined) {
    throw new Error(`date format "${format}" needs a year (YYYY), a month (MM or M) and a day (DD or D)`);
  }
  if (group.m !== undefined && group.H === undefined) throw new Error(`date format "${format}" has minutes but no hours`);
  if (group.s !== undefined && group.m === undefined) throw new Error(`date format "${format}" has seconds but no minutes`);
  const plan: FormatPlan = { re: new RegExp(re + '$'), group, hasTime: group.H !== undefined };
  if (fixed) plan.fixed = layout;
  return plan;
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function pad4(n: number): string {
  return n >= 1000 ? String(n) : String(n).padStart(4, '0');
}

/**
 * `YYYY-MM-DD` of a valid calendar date. A price list repeats a few dates on
 * every row: each date's text is made once and shared (10,000 dates at most).
 */
const isoDays = new Map<number, string>();
function isoDay(y: number, mo: number, d: number): string {
  const key = y * 10000 + mo * 100 + d;
  let s = isoDays.get(key);
  if (s === undefined) {
    if (isoDays.size >= 10_000) isoDays.clear();
    s = pad4(y) + '-' + pad2(mo) + '-' + pad2(d);
    isoDays.set(key, s);
  }
  return s;
}

function utcIso(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith('.000Z') ? s.slice(0, -5) + 'Z' : s;
}

function parseOffset(z: string): number {
  if (z === 'Z' || z === 'z') return 0;
  const sign = z[0] === '-' ? -1 : 1;
  const digits = z.slice(1).replace(':', '');
  const h = +digits.slice(0, 2);
  const m = digits.length > 2 ? +digits.slice(2, 4) : 0;
  return sign * (h * 60 + m) * 60_000;
}

const NO_SUCH_DATE = new DateFailure('no such calendar date');
const NO_SUCH_TIME = new DateFailure('no such time of day');
const NOT_TEXT = new DateFailure('not a text');

export function compileDate(spec: DateSpec, target: DateTarget): CompiledDate {
  const iso = spec.format.toUpperCase() === 'ISO';
  if (spec.tz !== undefined) assertTimeZone(spec.tz);
  if (spec.dateTz !== undefined) assertTimeZone(spec.dateTz);
  if (target === 'datetime' && !iso && spec.tz === undefined) {
    throw new Error('a date-time field needs "tz": the IANA time zone of the supplier\'s clock, e.g. Europe/Berlin');
  }
  if (spec.dateTz !== undefined && target !== 'date') throw new Error('"dateTz" is for date fields; a date-time is always output in UTC');
  const zone = spec.tz === undefined ? undefined : new ZoneConverter(spec.tz, spec.disambiguation);
  const plan = iso ? undefined : planFormat(spec.format);
  if (spec.dateTz !== undefined && spec.tz === undefined && !iso) {
    throw new Error('"dateTz" needs "tz": the zone the source times are in');
  }
  if (spec.dateTz !== undefined && !iso && !(plan as FormatPlan).hasTime) {
    throw new Error(`"dateTz" needs a time of day in the format ("${spec.format}" has none)`);
  }
  const calendarTz = spec.dateTz ?? spec.tz;
  const calendar =
    calendarTz === undefined ? undefined : calendarTz === spec.tz ? zone : new ZoneConverter(calendarTz, spec.disambiguation);
  // A wall-clock time is moved to another calendar only when asked to (dateTz differs from tz).
  const shiftWallTime = spec.dateTz !== undefined && spec.dateTz !== spec.tz;
  const noun = target === 'date' ? 'date' : 'date-time';
  const isoTime = target === 'date' ? '' : `THH:mm:ss with offset or in ${spec.tz ?? 'UTC'}`;
  const expected = iso
    ? `${noun} in ISO 8601 (YYYY-MM-DD${isoTime})`
    : `${noun} as ${spec.format}${spec.tz ? ` (${spec.tz})` : ''}`;

  // Date objects (from a CSV parser or a function node) are instants.
  const fromDate = (d: Date): string | DateFailure => {
    const ms = d.getTime();
    if (Number.isNaN(ms)) return NO_SUCH_DATE;
    if (target === 'datetime') return utcIso(ms);
    return calendarDate(ms);
  };

  const calendarDate = (utcMs: number): string =>
    utcIso(calendar === undefined ? utcMs : utcMs + calendar.offsetAt(utcMs)).slice(0, 10);

  const finish = (
    y: number,
    mo: number,
    d: number,
    h: number,
    mi: number,
    s: number,
    ms: number,
    offsetMs: number | undefined,
  ): string | DateFailure => {
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NO_SUCH_DATE;
    if (h > 23 || mi > 59 || s > 59) return NO_SUCH_TIME;
    if (target === 'date') {
      if (offsetMs !== undefined && calendar !== undefined) return calendarDate(Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMs);
      if (shiftWallTime && zone !== undefined) {
        const utc = zone.toUtc(Date.UTC(y, mo - 1, d, h, mi, s, ms));
        if (Number.isNaN(utc)) return new DateFailure(`the local time does not exist or is ambiguous in ${zone.tz} (DST change)`);
        return calendarDate(utc);
      }
      return isoDay(y, mo, d);
    }
    const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    if (offsetMs !== undefined) return utcIso(wall - offsetMs);
    if (zone === undefined) return new DateFailure('the time has no UTC offset and the mapping sets no "tz"');
    const utc = zone.toUtc(wall);
    if (Number.isNaN(utc)) return new DateFailure(`the local time does not exist or is ambiguous in ${zone.tz} (DST change)`);
    return utcIso(utc);
  };

  if (iso) {
    return {
      expected,
      convert(input) {
        if (input instanceof Date) return fromDate(input);
        if (typeof input !== 'string') return NOT_TEXT;
        const m = ISO_RE.exec(input);
        if (m === null) return new DateFailure('not in the expected format');
        const ms = m[7] === undefined ? 0 : Math.floor(+('0.' + m[7]) * 1000);
        return finish(
          +m[1],
          +m[2],
          +m[3],
          m[4] === undefined ? 0 : +m[4],
          m[5] === undefined ? 0 : +m[5],
          m[6] === undefined ? 0 : +m[6],
          ms,
          m[8] === undefined ? undefined : parseOffset(m[8]),
        );
      },
    };
  }

  const p = plan as FormatPlan;
  if (p.fixed !== undefined) {
    const { length, literals, at } = p.fixed;
    const digitsAt = (s: string, field: [number, number] | undefined): number => {
      if (field === undefined) return 0;
      let v = 0;
      for (let k = field[0], end = field[0] + field[1]; k < end; k++) {
        const c = s.charCodeAt(k) - 48;
        if (c < 0 || c > 9) return -1;
        v = v * 10 + c;
      }
      return v;
    };
    const badFormat = new DateFailure('not in the expected format');
    return {
      expected,
      convert(input) {
        if (input instanceof Date) return fromDate(input);
        if (typeof input !== 'string') return NOT_TEXT;
        if (input.length !== length) return badFormat;
        for (let k = 0; k < literals.length; k++) {
          if (input.charCodeAt(literals[k][0]) !== literals[k][1]) return badFormat;
        }
        const y = digitsAt(input, at.Y);
        const mo = digitsAt(input, at.M);
        const d = digitsAt(input, at.D);
        const h = digitsAt(input, at.H);
        const mi = digitsAt(input, at.m);
        const sec = digitsAt(input, at.s);
        const ms = digitsAt(input, at.S);
        if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || ms < 0) return badFormat;
        return finish(y, mo, d, h, mi, sec, ms, undefined);
      },
    };
  }
  const { re } = p;
  const gY = p.group.Y as number;
  const gM = p.group.M as number;
  const gD = p.group.D as number;
  const gH = p.group.H;
  const gm = p.group.m;
  const gs = p.group.s;
  const gS = p.group.S;
  return {
    expected,
    convert(input) {
      if (input instanceof Date) return fromDate(input);
      if (typeof input !== 'string') return NOT_TEXT;
      const m = re.exec(input);
      if (m === null) return new DateFailure('not in the expected format');
      return finish(
        +m[gY],
        +m[gM],
        +m[gD],
        gH === undefined ? 0 : +m[gH],
        gm === undefined ? 0 : +m[gm],
        gs === undefined ? 0 : +m[gs],
        gS === undefined ? 0 : +m[gS],
        undefined,
      );
    },
  };
}

// ---------------------------------------------------------------- units

export type UnitCategory = 'count' | 'mass' | 'volume' | 'length';

export interface UnitDef {
  name: string;
  category: UnitCategory;
  /** Size in the category's base unit (Units, g, ml, mm). */
  factor: number;
}

/** Built-in units, named as in Odoo's default units of measure. */
export const BUILTIN_UNITS: readonly UnitDef[] = [
  { name: 'Units', category: 'count', factor: 1 },
  { name: 'Dozens', category: 'count', factor: 12 },
  { name: 'g', category: 'mass', factor: 1 },
  { name: 'kg', category: 'mass', factor: 1000 },
  { name: 't', category: 'mass', factor: 1_000_000 },
  { name: 'ml', category: 'volume', factor: 1 },
  { name: 'L', category: 'volume', factor: 1000 },
  { name: 'mm', category: 'length', factor: 1 },
  { name: 'cm', category: 'length', factor: 10 },
  { name: 'm', category: 'length', factor: 1000 },
  { name: 'km', category: 'length', factor: 1_000_000 },
];

/** Extra units a spec may declare: 1 `name` = `factor` × `unit`, e.g. `{"Box50": {"unit": "Units", "factor": 50}}`. */
export type CustomUnits = Record<string, { unit: string; factor: number }>;

export class UnitTable {
  private readonly exact = new Map<string, UnitDef>();
  private readonly folded = new Map<string, UnitDef>();

  constructor(custom: CustomUnits = {}) {
    for (const u of BUILTIN_UNITS) this.add(u);
    for (const [name, def] of Object.entries(custom)) {
      const base = this.get(def.unit);
      if (base === undefined) throw new Error(`unit "${name}" is defined in unknown unit "${def.unit}"`);
      this.add({ name, category: base.category, factor: base.factor * def.factor });
    }
  }

  private add(u: UnitDef): void {
    this.exact.set(u.name, u);
    const key = u.name.toLowerCase();
    if (!this.folded.has(key)) this.folded.set(key, u);
  }

  /** Exact name first, then case-insensitive (`KG`, `l`, `units`). */
  get(name: string): UnitDef | undefined {
    return this.exact.get(name) ?? this.folded.get(name.toLowerCase());
  }

  names(): string[] {
    return [...this.exact.keys()];
  }
}

/** Conversion as an exact fraction `value × mul ÷ div` (per-unit values such as prices invert it). */
export interface UnitRatio {
  mul: number;
  div: number;
}

export function unitRatio(from: UnitDef, to: UnitDef, perUnit: boolean): UnitRatio {
  return perUnit ? { mul: to.factor, div: from.factor } : { mul: from.factor, div: to.factor };
}

/**
 * Applies a conversion and drops binary noise (1.1 kg → 1100 g, not
 * 1100.0000000000002; 39.90 per 10 → 3.99): the result is rounded to 15
 * significant digits, like `Number(x.toPrecision(15))` but without the string.
 */
export function scale(value: number, mul: number, div: number): number {
  const r = (value * mul) / div;
  if (Number.isInteger(r)) return r;
  const a = Math.abs(r);
  if (a >= 1e14 || a < 1e-7 || !Number.isFinite(r)) return Number(r.toPrecision(15));
  const p = POW10_22[14 - Math.floor(Math.log10(a))];
  return Math.round(r * p) / p;
}

const POW10_22 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
