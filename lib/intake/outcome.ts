/**
 * What one message at the end of a flow says about the file it came from:
 * which file lines were applied in Odoo, which were refused (and why), which
 * are parked in the dead-letter store, or that the whole file failed.
 *
 * Line numbers are the file's own (CSV line, sheet row; 1 for a one-document
 * JSON file), as canonical-map counts them in msg.canonical.rows and in its
 * problems. odoo-write counts rows within its payload (msg.odoo.rows,
 * msg.error.details.failures[].row); those are turned back into file lines
 * through msg.canonical.rows.
 */
/** `applying`: some of the writes of a line are done, not all. */
export type LineState = 'applied' | 'applying' | 'refused' | 'parked';

export interface LineOutcome {
  line: number;
  state: LineState;
  problems?: string[];
  /** One of several writes that apply this line (msg.canonical.plan). */
  step?: { write: number; of: number };
}

export interface OutcomeEvent {
  lines: LineOutcome[];
  /** The whole upload failed (a file that does not fit, or an error naming no rows). */
  whole?: { state: 'failed' | 'parked'; error: { message: string; code?: string } };
  file?: { format?: string; encoding?: string; rows?: number };
  skipped?: { blank: number[]; duplicate: Array<{ row: number; duplicateOf: number }> };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const numbers = (v: unknown): number[] | undefined => (Array.isArray(v) && v.every((n) => typeof n === 'number') ? (v as number[]) : undefined);

/** msg.error as the failing node set it (Catch nodes move ours to msg._error). */
function errorOf(msg: Obj): Obj | undefined {
  if (isObj(msg._error) && typeof msg._error.transient === 'boolean') return msg._error;
  return isObj(msg.error) ? msg.error : undefined;
}

export function outcomeOf(msg: Obj): OutcomeEvent {
  const canonical = isObj(msg.canonical) ? msg.canonical : {};
  const rows = numbers(canonical.rows);
  const event: OutcomeEvent = { lines: [] };
  if (isObj(canonical.file)) {
    const f = canonical.file;
    event.file = { ...(typeof f.format === 'string' ? { format: f.format } : {}), ...(typeof f.encoding === 'string' ? { encoding: f.encoding } : {}), ...(typeof f.rows === 'number' ? { rows: f.rows } : {}) };
  }
  if (isObj(canonical.skipped)) {
    const s = canonical.skipped;
    event.skipped = { blank: numbers(s.blank) ?? [], duplicate: Array.isArray(s.duplicate) ? (s.duplicate as Array<{ row: number; duplicateOf: number }>) : [] };
  }
  // a row within odoo-write's payload → the file line it came from
  const fileLine = (r: number): number[] => {
    if (!rows?.length) return [r];
    if (rows.length === 1) return rows;
    const l = rows[r - 1];
    return l === undefined ? rows : [l];
  };
  const error = errorOf(msg);
  if (!error) {
    const odooRows = isObj(msg.odoo) ? numbers(msg.odoo.rows) : undefined;
    const lines = odooRows ? odooRows.flatMap(fileLine) : (rows ?? [1]);
    // a line the plan writes in several steps (order lines, then a note) is applied once every step is
    const plan = isObj(canonical.plan) ? canonical.plan : undefined;
    const needs = plan && isObj(plan.needs) ? plan.needs : {};
    event.lines = [...new Set(lines)].map((line) => {
      const n = Number(needs[String(line)] ?? 1);
      return n > 1 && typeof plan?.write === 'number' ? { line, state: 'applied', step: { write: plan.write, of: n } } : { line, state: 'applied' };
    });
    return event;
  }
  const retry = isObj(msg.retry) ? msg.retry : {};
  // out of attempts or time on a transient error: kept in the dead-letter store for an operator to replay
  const parked = error.transient === true && typeof retry.gaveUp === 'string' && retry.gaveUp !== 'permanent';
  const state: LineState = parked ? 'parked' : 'refused';
  const details = isObj(error.details) ? error.details : {};
  const source = isObj(error.source) ? error.source : {};
  const byLine = new Map<number, string[]>();
  const add = (line: number, message: string) => byLine.set(line, [...(byLine.get(line) ?? []), message]);
  if (Array.isArray(details.problems)) {
    for (const p of details.problems as Obj[]) if (typeof p.row === 'number') add(p.row, String(p.message ?? ''));
  }
  if (Array.isArray(details.failures)) {
    // canonical-map names file lines already; odoo-write names rows of its payload
    const inPayload = source.type === 'odoo-write';
    for (const f of details.failures as Obj[]) {
      if (typeof f.row !== 'number') continue;
      for (const line of inPayload ? fileLine(f.row) : [f.row]) add(line, String(f.message ?? error.message ?? ''));
    }
  }
  // problems naming no row: the rows of the message, or the document of a one-document file
  const problemTexts = Array.isArray(details.problems) ? (details.problems as Obj[]).map((p) => String(p.message ?? '')) : [];
  const texts = problemTexts.length ? problemTexts : [String(error.message ?? '')];
  if (!byLine.size && rows?.length) for (const line of rows) for (const t of texts) add(line, t);
  if (!byLine.size && event.file?.rows === 1) for (const t of texts) add(1, t);
  if (!byLine.size) {
    event.whole = { state: parked ? 'parked' : 'failed', error: { message: String(error.message ?? 'failed'), ...(typeof error.code === 'string' ? { code: error.code } : {}) } };
    return event;
  }
  event.lines = [...byLine].map(([line, problems]) => ({ line, state, problems }));
  return event;
}
