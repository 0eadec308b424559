import { createHash } from 'node:crypto';
import type { OdooRecord } from './client';

/**
 * Records this package creates carry an external id in this module.
 * PostgreSQL keeps (module, name) unique across processes and machines, and
 * Odoo's `load` creates a record together with its external id in one
 * transaction: a replayed creation finds the record instead of making a
 * second one, even while the first attempt is still running in Odoo.
 */
export const XID_MODULE = 'odoo_supply';

/** A stable external id for what `parts` identify (model, key, values). */
export function externalIdFor(parts: unknown[]): string {
  return `${XID_MODULE}.x${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40)}`;
}

/** JSON with sorted keys: the same record always hashes the same. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

export type FieldTypes = Record<string, { type: string; digits?: [number, number] }>;

function isCommandList(v: unknown): v is unknown[][] {
  return Array.isArray(v) && v.length > 0 && v.every((c) => Array.isArray(c));
}

/** One `load` cell: text; false and empty are empty; many2one [id, name] and id lists by id. */
export function loadCell(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (v === true) return '1';
  if (Array.isArray(v)) return v.map((x) => (Array.isArray(x) && typeof x[0] === 'number' ? String(x[0]) : String(x))).join(',');
  return String(v);
}

function column(field: string, type: string | undefined, value: unknown): string {
  const relational = type === 'many2one' || type === 'many2many';
  const byId = typeof value === 'number' || (Array.isArray(value) && value.every((x) => typeof x === 'number'));
  return relational && byId ? `${field}/.id` : field;
}

/**
 * Records as the rows of one `load`: plain values, many2one and many2many by
 * id, and one2many lines given as create commands `[0, 0, {…}]` (each line
 * gets its own external id, so a replay updates the lines instead of adding
 * them again). Undefined when a record holds something `load` cannot say
 * (other x2many commands, nested lines, values of different kinds).
 */
export function loadMatrix(records: OdooRecord[], xids: string[], types: FieldTypes, lineTypes: (field: string) => FieldTypes | undefined): { fields: string[]; rows: string[][] } | undefined {
  const plain = new Map<string, string>();
  const lines = new Map<string, Map<string, string>>();
  for (const r of records) {
    for (const [f, v] of Object.entries(r)) {
      if (v === undefined || f === 'id') continue;
      const t = types[f]?.type;
      if (t === undefined) return undefined; // unknown to fields_get: let create report it
      if (t === 'one2many' || (t === 'many2many' && isCommandList(v))) {
        if (t === 'many2many') {
          // [[6, 0, ids]] is the one m2m command that says a state
          if (!(v as unknown[][]).every((c) => c[0] === 6 && Array.isArray(c[2]))) return undefined;
          const col = `${f}/.id`;
          if (plain.has(f) && plain.get(f) !== col) return undefined;
          plain.set(f, col);
          continue;
        }
        if (!Array.isArray(v)) return undefined;
        if (!(v as unknown[]).every((c) => Array.isArray(c) && c[0] === 0 && c[2] && typeof c[2] === 'object')) return undefined;
        const sub = lineTypes(f);
        if (!sub) return undefined;
        const cols = lines.get(f) ?? new Map<string, string>();
        // an empty cell is an explicit false to load (it would blank a required or computed field):
        // every line must carry the same fields
        const shapes = new Set((v as unknown[][]).map((c) => Object.keys(c[2] as OdooRecord).filter((k) => (c[2] as OdooRecord)[k] !== undefined).sort().join(',')));
        if (shapes.size > 1 || (cols.size > 0 && [...shapes][0] !== [...cols.keys()].sort().join(','))) return undefined;
        for (const c of v as unknown[][]) {
          for (const [lf, lv] of Object.entries(c[2] as OdooRecord)) {
            if (lv === undefined) continue;
            const lt = sub[lf]?.type;
            if (lt === undefined || lt === 'one2many' || (Array.isArray(lv) && lv.some((x) => Array.isArray(x)))) return undefined;
            const col = column(lf, lt, lv);
            if (cols.has(lf) && cols.get(lf) !== col) return undefined;
            cols.set(lf, col);
          }
        }
        lines.set(f, cols);
        continue;
      }
      if (Array.isArray(v) && v.some((x) => Array.isArray(x))) return undefined;
      const col = column(f, t, v);
      if (plain.has(f) && plain.get(f) !== col) return undefined;
      plain.set(f, col);
    }
  }
  const plainFields = [...plain.keys()];
  const lineFields = [...lines.entries()].map(([f, cols]) => ({ f, subs: [...cols.keys()], cols }));
  const fields = ['id', ...plainFields.map((f) => plain.get(f) as string)];
  for (const { f, subs, cols } of lineFields) fields.push(`${f}/id`, ...subs.map((s) => `${f}/${cols.get(s) as string}`));
  const rows: string[][] = [];
  records.forEach((r, n) => {
    const xid = xids[n] as string;
    const value = (f: string) => {
      const v = r[f];
      return Array.isArray(v) && isCommandList(v) ? loadCell((v[0] as unknown[])[2]) : loadCell(v);
    };
    const lineCells = (line: OdooRecord | undefined, i: number, f: string, subs: string[]) => (line ? [`${xid}_${f}_${i}`, ...subs.map((s) => loadCell(line[s]))] : ['', ...subs.map(() => '')]);
    const height = Math.max(1, ...lineFields.map(({ f }) => (Array.isArray(r[f]) ? (r[f] as unknown[]).length : 0)));
    for (let i = 0; i < height; i++) {
      const row = i === 0 ? [xid, ...plainFields.map(value)] : ['', ...plainFields.map(() => '')];
      for (const { f, subs } of lineFields) {
        const cmds = Array.isArray(r[f]) ? (r[f] as unknown[][]) : [];
        row.push(...lineCells(cmds[i]?.[2] as OdooRecord | undefined, i, f, subs));
      }
      rows.push(row);
    }
  });
  return { fields, rows };
}
