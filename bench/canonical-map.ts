/**
 * Benchmark: canonical-map vs. the same mapping built from stock Node-RED nodes.
 *
 *   node dist/bench/canonical-map.js [--json] [--rows N] [--baseline-rows N] [--repeats N]
 *
 * Ours: the ACME Tools price-list mapping (mappings, 12 target fields:
 * decimal commas with thousands separators, dd.mm.yyyy dates, unit codes with
 * conversion, dedupe, zod validation) over 100,000 synthetic CSV rows with
 * `compileMapping(spec).mapMany(rows)`.
 *
 * Baseline, same process, same rows: what an analyst builds without this
 * package, one message per row (after a split node):
 * - a `change` node with one rule per field — a JSONata rule where the field
 *   needs logic, a plain string rule for constants — evaluated exactly as the
 *   change node does it: `RED.util.prepareJSONataExpression` at deploy,
 *   `RED.util.evaluateJSONataExpression(expr, msg, callback)` per rule per
 *   message, then `RED.util.setMessageProperty`, rules chained by callbacks;
 * - a `function` node doing the checks (types, lengths, ranges, currency code,
 *   real calendar dates, validTo ≥ validFrom, duplicates in node context), run
 *   like the function node runs it: its body wrapped in the same async function
 *   text, compiled once with `vm.Script`, run per message with
 *   `script.runInContext(sandboxContext)` and the promise awaited.
 * The Node-RED runtime's own per-message cost (routing between nodes,
 * setImmediate hops, message cloning, split/join) is NOT counted, which favours
 * the baseline.
 *
 * Both paths must produce the same canonical objects; the bench checks that on
 * the first rows before timing anything.
 *
 * Then the same 100,000 rows from the file's bytes (`file_rows_per_s`): the
 * ACME file as the supplier sends it (`;`-separated, Windows-1252), read with
 * `readSupplierFile` (encoding detected, decoded, CSV parsed into rows with
 * their file lines) and mapped with `mapMany`, median of `repeats` runs. The
 * target is ≥ 100,000 rows/s (`file_target_rows_per_s`, `file_target_met`).
 * Where the time goes (CPU profile, 2-core machine): mapping and garbage
 * collection of the 100,000 rows and objects kept, not decoding. Rows that
 * the fast check (lib/canonical/fast-check.ts) proves valid skip zod; that
 * and a generated per-level constructor took the file path from ~47,000 to
 * ~82,000 rows/s (medians of 5 runs, load average 3.5–7.8) and from ~90,000 to ~170,000
 * (best of 7, in alternating runs) against main's build; see the README.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import * as iconv from 'iconv-lite';
import { compileMapping } from '../lib/canonical';
import { readSupplierFile } from '../lib/canonical/file';

interface NodeRedUtil {
  prepareJSONataExpression(expr: string, node: unknown): unknown;
  evaluateJSONataExpression(expr: unknown, msg: unknown, cb: (err: Error | null, value: unknown) => void): void;
  setMessageProperty(msg: unknown, prop: string, value: unknown, createMissing?: boolean): boolean;
}

export interface BenchOptions {
  json: boolean;
  /** Rows for canonical-map (default 100,000). */
  rows?: number;
  /** Rows for the baseline: the first N of the same rows (default 20,000: it runs at a few thousand rows/s). */
  baselineRows?: number;
  /** Timed runs per side; the median counts (default 3). */
  repeats?: number;
}

export interface BenchResult {
  rows: number;
  seconds: number;
  rows_per_s: number;
  baseline_rows_per_s: number;
  ratio: number;
  /** The same rows starting from the file's bytes (Windows-1252 CSV: encoding detected, decoded, parsed, mapped). */
  file_rows_per_s: number;
  file_target_rows_per_s: number;
  file_target_met: boolean;
  /** file_rows_per_s ÷ rows_per_s in the same run: what reading the file costs, whatever the machine's load. */
  file_vs_rows: number;
  file_note: string;
}

/** The rows as the supplier's file: `;`-separated, quoted where needed, Windows-1252, one header line. */
export function makeFile(rows: readonly Record<string, string>[]): Buffer {
  const cols = Object.keys(rows[0] ?? {});
  const cell = (v: string) => (/[;"\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [cols.join(';')];
  for (const r of rows) lines.push(cols.map((c) => cell(r[c] ?? '')).join(';'));
  return iconv.encode(lines.join('\r\n') + '\r\n', 'windows-1252');
}

export const FILE_TARGET_ROWS_PER_S = 100_000;

function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
}

// ---------------------------------------------------------------- data

const UNITS = ['Stk', 'Dtz', 'VE10', 'Stk'];
const NAMES = ['Schraubendreher-Set', 'Bithalter magnetisch', 'Holzbohrer 8 mm', 'Wasserwaage 60 cm', 'Cuttermesser'];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Price-list rows as a CSV parser would give them: every value is text. */
export function makeRows(n: number): Record<string, string>[] {
  const rows: Record<string, string>[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const cents = 100 + ((i * 7919) % 250_000);
    const euros = Math.floor(cents / 100);
    const euroText = euros >= 1000 ? `${Math.floor(euros / 1000)}.${pad(euros % 1000, 3)}` : String(euros);
    const day = 1 + (i % 28);
    const month = 1 + (i % 12);
    rows[i] = {
      'Art.-Nr.': `A-${100000 + i}`,
      Bezeichnung: `${NAMES[i % NAMES.length]} ${i}`,
      'Unsere Nr.': ` furn_${i} `,
      Preis: `${euroText},${pad(cents % 100)}`,
      Währung: i % 10 === 0 ? 'eur' : 'EUR',
      MinMenge: String(1 + (i % 5)),
      Einheit: UNITS[i % UNITS.length],
      'Lieferzeit (Tage)': String(i % 30),
      'Gültig ab': `${pad(day)}.${pad(month)}.2026`,
      'Gültig bis': i % 3 === 0 ? '' : `${pad(day)}.${pad(month)}.2027`,
      'Rabatt %': i % 4 === 0 ? `${i % 20},5` : '',
    };
  }
  return rows;
}

// ---------------------------------------------------------------- baseline: change node rules

const UNIT_FACTORS = '{"Stk": 1, "St.": 1, "Dtz": 12, "VE10": 10}';
const DE_NUMBER = (field: string) => `$number($replace($replace($trim(payload.\`${field}\`), ".", ""), ",", "."))`;
const DE_DATE = (field: string) =>
  `($d := $trim(payload.\`${field}\`); $d ? $substring($d, 6, 4) & "-" & $substring($d, 3, 2) & "-" & $substring($d, 0, 2))`;

/** The change node's rules: property → JSONata expression, or a string constant. */
export const CHANGE_RULES: { p: string; tot: 'jsonata' | 'str'; to: string }[] = [
  { p: 'canonical.supplierCode', tot: 'str', to: 'ACME-TOOLS' },
  { p: 'canonical.supplierProductCode', tot: 'jsonata', to: '$trim(payload.`Art.-Nr.`)' },
  { p: 'canonical.internalRef', tot: 'jsonata', to: '$uppercase($trim(payload.`Unsere Nr.`))' },
  { p: 'canonical.productName', tot: 'jsonata', to: '$trim(payload.Bezeichnung)' },
  { p: 'canonical.price', tot: 'jsonata', to: `${DE_NUMBER('Preis')} / $lookup(${UNIT_FACTORS}, $trim(payload.Einheit))` },
  { p: 'canonical.currency', tot: 'jsonata', to: '($c := $uppercase($trim(payload.`Währung`)); $c ? $c : "EUR")' },
  { p: 'canonical.minQty', tot: 'jsonata', to: `${DE_NUMBER('MinMenge')} * $lookup(${UNIT_FACTORS}, $trim(payload.Einheit))` },
  { p: 'canonical.uom', tot: 'str', to: 'Units' },
  { p: 'canonical.leadTimeDays', tot: 'jsonata', to: '$number($replace($trim(payload.`Lieferzeit (Tage)`), ",", "."))' },
  { p: 'canonical.validFrom', tot: 'jsonata', to: DE_DATE('Gültig ab') },
  { p: 'canonical.validTo', tot: 'jsonata', to: DE_DATE('Gültig bis') },
  { p: 'canonical.discountPercent', tot: 'jsonata', to: '($r := $trim(payload.`Rabatt %`); $r ? $number($replace($r, ",", ".")))' },
];

// ---------------------------------------------------------------- baseline: function node body

/** The function node an analyst writes to check what the change node produced (2 outputs: valid, invalid). */
export const FUNCTION_BODY = `
const c = msg.canonical;
const errors = [];
function text(f, min, max, required) {
  const v = c[f];
  if (v === undefined || v === '') { if (required) errors.push({ path: f, expected: 'text', received: 'missing' }); else delete c[f]; return; }
  if (typeof v !== 'string') errors.push({ path: f, expected: 'text', received: typeof v });
  else if (v.length < min || v.length > max) errors.push({ path: f, expected: min + ' to ' + max + ' characters', received: v.length + ' characters' });
}
function num(f, min, exclusive, max, integer, required) {
  const v = c[f];
  if (v === undefined) { if (required) errors.push({ path: f, expected: 'number', received: 'missing' }); return; }
  if (typeof v !== 'number' || !isFinite(v)) errors.push({ path: f, expected: 'number', received: String(v) });
  else if (exclusive ? v <= min : v < min) errors.push({ path: f, expected: (exclusive ? '> ' : '>= ') + min, received: String(v) });
  else if (max !== undefined && v > max) errors.push({ path: f, expected: '<= ' + max, received: String(v) });
  else if (integer && !Number.isInteger(v)) errors.push({ path: f, expected: 'whole number', received: String(v) });
}
function date(f) {
  const v = c[f];
  if (v === undefined || v === '') { delete c[f]; return; }
  const m = /^(\\d{4})-(\\d{2})-(\\d{2})$/.exec(v);
  const d = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  if (!m || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) errors.push({ path: f, expected: 'date YYYY-MM-DD', received: String(v) });
}
text('supplierCode', 1, 64, true);
text('supplierProductCode', 1, 64, true);
text('internalRef', 1, 64, true);
text('productName', 0, 256, false);
num('price', 0, false, undefined, false, true);
if (typeof c.currency !== 'string' || !/^[A-Z]{3}$/.test(c.currency)) errors.push({ path: 'currency', expected: 'ISO 4217 code', received: String(c.currency) });
num('minQty', 0, true, undefined, false, true);
text('uom', 1, 32, true);
num('leadTimeDays', 0, false, 3650, true, true);
date('validFrom');
date('validTo');
if (c.validFrom && c.validTo && c.validTo < c.validFrom) errors.push({ path: 'validTo', expected: '>= validFrom', received: c.validTo });
num('discountPercent', 0, false, 100, false, false);
if (errors.length === 0) {
  const seen = context.get('seen') || new Map();
  const key = c.supplierCode + '|' + c.supplierProductCode + '|' + c.minQty;
  if (seen.has(key)) errors.push({ path: 'supplierCode+supplierProductCode+minQty', expected: 'unique', received: 'duplicate of ' + seen.get(key) });
  else { seen.set(key, msg.parts ? msg.parts.index + 1 : 0); context.set('seen', seen); }
}
if (errors.length > 0) {
  msg.error = { message: 'invalid row', details: errors };
  return [null, msg];
}
msg.payload = c;
delete msg.canonical;
return [msg, null];
`;

interface Baseline {
  process(msg: Record<string, unknown>): Promise<[unknown, unknown] | null>;
}

/** Builds the change node + function node pair as Node-RED would at deploy. */
export function buildBaseline(): Baseline {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED_util = (require('@node-red/util') as { util: NodeRedUtil }).util;
  const rules = CHANGE_RULES.map((r) => ({ ...r, expr: r.tot === 'jsonata' ? RED_util.prepareJSONataExpression(r.to, null) : undefined }));

  const applyRules = (msg: Record<string, unknown>, i: number, done: (msg: Record<string, unknown> | null) => void): void => {
    if (i >= rules.length) return done(msg);
    const r = rules[i];
    if (r.tot === 'jsonata') {
      RED_util.evaluateJSONataExpression(r.expr, msg, (err, value) => {
        if (err) return done(null); // the change node logs the error and drops the message
        RED_util.setMessageProperty(msg, r.p, value);
        applyRules(msg, i + 1, done);
      });
    } else {
      RED_util.setMessageProperty(msg, r.p, r.to);
      applyRules(msg, i + 1, done);
    }
  };

  // Function node: same wrapper text as @node-red/nodes/core/function/10-function.js.
  const functionText =
    'var results = null;' +
    'results = (async function(msg,__send__,__done__){ ' +
    'var __msgid__ = msg._msgid;' +
    'var node = {id:__node__.id,name:__node__.name,path:__node__.path,outputCount:__node__.outputCount,' +
    'log:__node__.log,error:__node__.error,warn:__node__.warn,debug:__node__.debug,trace:__node__.trace,' +
    'on:__node__.on,status:__node__.status,' +
    'send:function(msgs,cloneMsg){ __node__.send(__send__,__msgid__,msgs,cloneMsg);},done:__done__};\n' +
    FUNCTION_BODY +
    '\n})(msg,__send__,__done__);';
  const store: Record<string, unknown> = {};
  const noop = () => undefined;
  const sandbox = {
    console,
    Buffer,
    Date,
    __node__: { id: 'bench-fn', name: 'checks', path: 'bench', outputCount: 2, log: noop, error: noop, warn: noop, debug: noop, trace: noop, on: noop, status: noop, send: noop },
    context: { get: (k: string) => store[k], set: (k: string, v: unknown) => void (store[k] = v) },
    flow: { get: noop, set: noop },
    global: { get: noop, set: noop },
    env: { get: noop },
    setTimeout,
    clearTimeout,
    msg: undefined as unknown,
    __send__: undefined as unknown,
    __done__: undefined as unknown,
    results: undefined as unknown,
  };
  const context = vm.createContext(sandbox);
  const script = new vm.Script(functionText, { filename: 'Function node:bench-fn [checks]' });

  return {
    process(msg) {
      return new Promise((resolve, reject) => {
        applyRules(msg, 0, (changed) => {
          if (changed === null) return resolve(null);
          context.msg = changed;
          context.__send__ = noop;
          context.__done__ = noop;
          try {
            script.runInContext(context, {});
          } catch (e) {
            return reject(e);
          }
          (context.results as Promise<[unknown, unknown]>).then(resolve, reject);
        });
      });
    },
  };
}

// ---------------------------------------------------------------- run

function loadSpec(): unknown {
  return JSON.parse(fs.readFileSync(path.join(packageRoot(), 'mappings', 'acme-tools.price-list.json'), 'utf8'));
}

async function runBaseline(baseline: Baseline, rows: readonly Record<string, string>[], count: number) {
  const valid: unknown[] = [];
  let invalid = 0;
  for (let i = 0; i < count; i++) {
    const msg = { _msgid: `m${i}`, payload: rows[i], parts: { index: i, count } };
    const out = await baseline.process(msg);
    if (out && out[0]) valid.push((out[0] as { payload: unknown }).payload);
    else invalid++;
  }
  return { valid, invalid };
}

/** Deep equality; numbers may differ in binary noise (ours rounds conversions to 15 significant digits). */
function sameResults(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a));
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return (
    ka.length === kb.length &&
    ka.every((k, i) => k === kb[i] && sameResults((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const n = opts.rows ?? 100_000;
  const nBase = Math.min(opts.baselineRows ?? 20_000, n);
  const repeats = opts.repeats ?? 3;
  const rows = makeRows(n);
  const mapping = compileMapping(loadSpec());

  // Both must agree before either is timed (this also warms both paths up).
  const check = Math.min(2000, n);
  const oursCheck = await mapping.mapMany(rows.slice(0, check));
  const baseCheck = await runBaseline(buildBaseline(), rows, check);
  if (oursCheck.invalid.length > 0 || baseCheck.invalid > 0) {
    throw new Error(`bench rows should all be valid: ours ${oursCheck.invalid.length} invalid (${oursCheck.invalid[0]?.problems[0]?.message}), baseline ${baseCheck.invalid}`);
  }
  for (let i = 0; i < check; i++) {
    if (!sameResults(oursCheck.valid[i].value, baseCheck.valid[i])) {
      throw new Error(`row ${i + 1}: ours ${JSON.stringify(oursCheck.valid[i].value)} ≠ baseline ${JSON.stringify(baseCheck.valid[i])}`);
    }
  }

  // Median of `repeats` runs each; results are dropped between runs so neither side pays for the other's garbage.
  const ours: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t0 = process.hrtime.bigint();
    const result = await mapping.mapMany(rows);
    ours.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (result.valid.length !== n) throw new Error(`expected ${n} valid rows, got ${result.valid.length}`);
  }
  const base: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const baseline = buildBaseline(); // fresh node context (duplicate memory) per run, like a redeploy
    const t0 = process.hrtime.bigint();
    const result = await runBaseline(baseline, rows, nBase);
    base.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (result.valid.length !== nBase) throw new Error(`baseline: expected ${nBase} valid rows, got ${result.valid.length}`);
  }

  // from the file's bytes: detect the encoding, decode, parse the CSV, map (what canonical-map does with msg.payload = Buffer)
  const file = makeFile(rows);
  const fromFile: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t0 = process.hrtime.bigint();
    const read = await readSupplierFile(file, mapping.spec);
    const result = await mapping.mapMany(read.rows, read.rowNumbers);
    fromFile.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (result.valid.length !== n || read.encoding !== 'windows-1252') throw new Error(`from the file: expected ${n} valid rows in windows-1252, got ${result.valid.length} in ${read.encoding}`);
  }
  const fileRowsPerS = Math.round(n / median(fromFile));

  const seconds = median(ours);
  const baseSeconds = median(base);
  // rounded first, so `ratio` and `file_vs_rows` are the ratios of the numbers printed beside them
  const rowsPerS = Math.round(n / seconds);
  const baselineRowsPerS = Math.round(nBase / baseSeconds);
  const out: BenchResult = {
    rows: n,
    seconds: Math.round(seconds * 1000) / 1000,
    rows_per_s: rowsPerS,
    baseline_rows_per_s: baselineRowsPerS,
    ratio: Math.round((rowsPerS / baselineRowsPerS) * 100) / 100,
    file_rows_per_s: fileRowsPerS,
    file_target_rows_per_s: FILE_TARGET_ROWS_PER_S,
    file_target_met: fileRowsPerS >= FILE_TARGET_ROWS_PER_S,
    file_vs_rows: Math.round((fileRowsPerS / rowsPerS) * 100) / 100,
    file_note: `from the file's ${file.length} bytes (windows-1252 detected, decoded, CSV parsed, mapped): ${fileRowsPerS} rows/s, target ≥ ${FILE_TARGET_ROWS_PER_S}: ${fileRowsPerS >= FILE_TARGET_ROWS_PER_S ? 'met' : 'NOT met'}`,
  };
  // With json the caller prints the one JSON line (bench/run.ts, or main below); without, a summary for people.
  if (!opts.json) {
    const runs = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(', ');
    console.log(`canonical-map: ${n} rows of ${mapping.schema.id} (12 fields, validated, deduped): median ${out.seconds} s of [${runs(ours)}] = ${out.rows_per_s} rows/s`);
    console.log(`baseline (change node: JSONata per field + function node checks), first ${nBase} of the same rows: median ${baseSeconds.toFixed(3)} s of [${runs(base)}] = ${out.baseline_rows_per_s} rows/s`);
    console.log(`ratio: ${out.ratio}×`);
    console.log(out.file_note);
  }
  return out;
}

function argValue(args: string[], name: string): number | undefined {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? Number(args[i + 1]) : undefined;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  run({ json, rows: argValue(args, '--rows'), baselineRows: argValue(args, '--baseline-rows'), repeats: argValue(args, '--repeats') })
    .then((out) => {
      if (json) console.log(JSON.stringify(out));
    })
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}
