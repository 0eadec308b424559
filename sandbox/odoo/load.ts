// BaseModel.load(fields, data): Odoo's CSV-style bulk import. Creates or
// updates by external id, converts string cells like ir.fields.converter, and
// reports row errors as messages; any error means nothing is kept.
import { notNullMessage, OdooError, pyStr, valueError } from './errors';
import { modelDisplay, type Context, type FieldDef, type ModelDef, type Vals } from './models';
import { createRecords, setXmlid, writeRecords } from './orm';
import type { ModelStore } from './store';

export interface ImportMessage {
  rows?: { from: number; to: number };
  type: 'error' | 'warning';
  record?: number;
  field?: string;
  message: string;
  moreinfo?: unknown;
  field_name?: string;
}

interface Column {
  index: number;
  path: string[];
}

class CellError extends Error {
  constructor(
    message: string,
    readonly moreinfo?: unknown,
    readonly warning = false,
  ) {
    super(message);
  }
}

function possibleValues(comodel: string, byId: boolean): Record<string, unknown> {
  const action: Record<string, unknown> = {
    name: 'Possible Values',
    type: 'ir.actions.act_window',
    target: 'new',
    view_mode: 'list,form',
    views: [
      [false, 'list'],
      [false, 'form'],
    ],
    context: { create: false },
    help: 'See all possible values',
  };
  if (byId) {
    action.res_model = 'ir.model.data';
    action.domain = [['model', '=', comodel]];
  } else action.res_model = comodel;
  return action;
}

const TRUES = new Set(['1', 'true', 'yes']);
const FALSES = new Set(['', '0', 'false', 'no']);

function fmt(message: string, field: FieldDef): string {
  return message.replace('%(field)s', field.string);
}

function toBool(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (TRUES.has(v)) return true;
  if (FALSES.has(v)) return false;
  return undefined;
}

function xmlidOf(value: string, currentModule: string): string {
  return value.includes('.') ? value : `${currentModule}.${value}`;
}

/** ir.fields.converter: one cell (or sub-field cell) to an ORM value. */
function convertCell(
  s: ModelStore,
  field: FieldDef,
  sub: string | undefined,
  value: string,
  ctx: Context,
  warnings: CellError[],
): unknown {
  const module = (ctx.module as string) ?? '__import__';
  switch (field.type) {
    case 'boolean': {
      const b = toBool(value);
      if (b === undefined) {
        throw new CellError(fmt(`Unknown value '${value}' for boolean field '%(field)s'`, field), "Use '1' for yes and '0' for no");
      }
      return b;
    }
    case 'integer':
      if (!/^\s*[+-]?\d+\s*$/.test(value)) throw new CellError(fmt(`'${value}' does not seem to be an integer for field '%(field)s'`, field));
      return Number.parseInt(value, 10);
    case 'float':
    case 'monetary':
      if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) {
        throw new CellError(fmt(`'${value}' does not seem to be a number for field '%(field)s'`, field));
      }
      return Number(value);
    case 'date': {
      const m = /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(value);
      if (!m) throw new CellError(fmt(`'${value}' does not seem to be a valid date for field '%(field)s'`, field), "Use the format '2012-12-31'");
      return `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
    }
    case 'datetime': {
      const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?: (\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?$/.exec(value);
      if (!m) {
        throw new CellError(fmt(`'${value}' does not seem to be a valid datetime for field '%(field)s'`, field), "Use the format '2012-12-31 23:59:59'");
      }
      const p = (x: string | undefined) => (x ?? '0').padStart(2, '0');
      return `${m[1]}-${p(m[2])}-${p(m[3])} ${p(m[4])}:${p(m[5])}:${p(m[6])}`;
    }
    case 'selection': {
      const v = value.toLowerCase();
      const hit = (field.selection ?? []).find(([k, label]) => k.toLowerCase() === v || label.toLowerCase() === v);
      if (!hit) {
        throw new CellError(
          fmt(`Value '${value}' not found in selection field '%(field)s'`, field),
          (field.selection ?? []).map(([k, label]) => label || k),
        );
      }
      return hit[0];
    }
    case 'many2one':
      return refFor(s, field, sub, value, module, warnings);
    case 'many2many': {
      const ids: number[] = [];
      for (const part of value.split(',').map((x) => x.trim()).filter(Boolean)) {
        const id = refFor(s, field, sub, part, module, warnings);
        if (id) ids.push(id);
      }
      return [[6, 0, ids]];
    }
    default:
      return value;
  }
}

function refFor(s: ModelStore, field: FieldDef, sub: string | undefined, value: string, module: string, warnings: CellError[]): number | false {
  const comodel = field.relation!;
  let id: number | undefined;
  let kind: string;
  if (sub === '.id') {
    kind = 'database id';
    if (toBool(value) === false) return false;
    if (!/^\s*[+-]?\d+\s*$/.test(value)) {
      throw new CellError(fmt(`Invalid database id '${value}' for the field '%(field)s'`, field), possibleValues(comodel, true));
    }
    const n = Number.parseInt(value, 10);
    if (s.raw(comodel, n)) id = n;
  } else if (sub === 'id') {
    kind = 'external id';
    if (toBool(value) === false) return false;
    const ref = s.xmlid(xmlidOf(value, module));
    if (ref && ref.model === comodel) id = ref.id;
  } else if (sub === undefined) {
    kind = 'name';
    if (value === '') return false;
    const found = s.nameSearch(comodel, value, [], '=', undefined);
    if (found.length > 1) {
      warnings.push(
        new CellError(`Found multiple matches for value "${value}" in field "${field.string}" (${found.length} matches)`, undefined, true),
      );
    }
    if (found.length) id = found[0][0];
  } else {
    throw new CellError(`Unknown sub-field “${sub}”`);
  }
  if (id === undefined) {
    throw new CellError(
      fmt(`No matching record found for ${kind} '${value}' in field '%(field)s'`, field),
      possibleValues(comodel, sub !== undefined),
    );
  }
  return id;
}

function parseColumns(def: ModelDef, fields: unknown): Column[] {
  if (!Array.isArray(fields)) throw new OdooError('builtins.TypeError', 'builtin', `'${typeof fields}' object is not iterable`);
  return fields.map((f, index) => {
    const path = String(f).replace(/:id$/, '/id').replace(/:id\//g, '/id/').split('/');
    const head = path[0];
    if (head !== 'id' && head !== '.id' && head && !(head in def.fields)) throw valueError(`Invalid field name ${pyStr(head)}`);
    return { index, path };
  });
}

interface Extracted {
  row: number;
  lastRow: number;
  cells: string[];
  children: Map<string, string[][]>;
}

/** Rows whose non-one2many cells are all empty continue the previous record's one2many lines. */
function extract(def: ModelDef, columns: Column[], data: unknown[][]): Extracted[] {
  const isO2m = (c: Column) => def.fields[c.path[0]]?.type === 'one2many' && c.path.length > 1;
  const out: Extracted[] = [];
  data.forEach((raw, i) => {
    const cells = raw.map((x) => (x === null || x === undefined || x === false ? '' : String(x)));
    const main = columns.filter((c) => !isO2m(c));
    const hasMain = main.some((c) => (cells[c.index] ?? '') !== '');
    if (!hasMain && out.length) {
      const prev = out[out.length - 1];
      prev.lastRow = i;
      addChildRow(prev, columns.filter(isO2m), cells);
      return;
    }
    const rec: Extracted = { row: i, lastRow: i, cells, children: new Map() };
    addChildRow(rec, columns.filter(isO2m), cells);
    out.push(rec);
  });
  return out;
}

function addChildRow(rec: Extracted, cols: Column[], cells: string[]): void {
  const byField = new Map<string, string[]>();
  for (const c of cols) {
    const v = cells[c.index] ?? '';
    const list = byField.get(c.path[0]) ?? [];
    list[c.index] = v;
    byField.set(c.path[0], list);
  }
  for (const [fname, vals] of byField) {
    if (!vals.some((v) => v)) continue;
    const rows = rec.children.get(fname) ?? [];
    rows.push(vals);
    rec.children.set(fname, rows);
  }
}

export function load(s: ModelStore, model: string, fields: unknown, data: unknown, ctx: Context): Record<string, unknown> {
  const def = s.def(model);
  const columns = parseColumns(def, fields);
  const rows = Array.isArray(data) ? (data as unknown[][]) : [];
  const module = (ctx.module as string) ?? '__import__';
  const messages: ImportMessage[] = [];
  const ids: number[] = [];
  const rollbackAll = s.savepoint();

  for (const rec of extract(def, columns, rows)) {
    const info = { rows: { from: rec.row, to: rec.lastRow }, record: rec.row };
    const vals: Vals = {};
    let xid: string | undefined;
    let dbId: number | undefined;
    const warnings: CellError[] = [];
    // like _extract_records: plain columns first, relational ones after
    const isRel = (c: Column) => ['many2one', 'many2many', 'one2many'].includes(def.fields[c.path[0]]?.type ?? '');
    const ordered = [...columns.filter((c) => !isRel(c)), ...columns.filter(isRel)];
    for (const col of ordered) {
      const [head, sub, ...more] = col.path;
      const value = rec.cells[col.index] ?? '';
      if (head === 'id') {
        if (value) xid = xmlidOf(value, module);
        continue;
      }
      if (head === '.id') {
        if (!value) continue;
        const n = Number.parseInt(value, 10);
        // an unknown database id is reported, then the row is still tried as a new record
        if (!s.raw(model, n)) messages.push({ ...reorder(info, 'error'), field: '.id', message: `Unknown database identifier '${value}'` });
        else dbId = n;
        continue;
      }
      const field = def.fields[head];
      if (field.type === 'one2many' && col.path.length > 1) continue;
      if (more.length) continue;
      if (value === '' && field.type !== 'boolean') {
        if (!(head in vals)) vals[head] = false;
        continue;
      }
      try {
        vals[head] = convertCell(s, field, sub, value, ctx, warnings);
      } catch (err) {
        if (!(err instanceof CellError)) throw err;
        delete vals[head];
        messages.push({
          ...reorder(info, 'error'),
          field: head,
          message: err.message,
          ...(err.moreinfo !== undefined ? { moreinfo: err.moreinfo } : {}),
          field_name: field.string,
        });
      }
    }
    for (const w of warnings) messages.push({ ...reorder(info, 'warning'), message: w.message });
    const pendingLineXids: Array<{ field: string; index: number; xid: string; model: string }> = [];
    for (const [fname, childRows] of rec.children) {
      const field = def.fields[fname];
      const comodelDef = s.def(field.relation!);
      const subCols = columns
        .filter((c) => c.path[0] === fname && c.path.length > 1)
        .map((c) => ({ index: c.index, path: c.path.slice(1) }));
      const commands: unknown[] = [];
      for (const cells of childRows) {
        const childVals: Vals = {};
        let childXid: string | undefined;
        for (const c of subCols) {
          const v = cells[c.index] ?? '';
          // `lines/id`: the line's external id; an existing one is updated, a new one created with it
          if (c.path[0] === 'id' && c.path.length === 1) {
            if (v) childXid = xmlidOf(v, module);
            continue;
          }
          const f = comodelDef.fields[c.path[0]];
          if (!f) throw valueError(`Invalid field name ${pyStr(c.path[0])}`);
          if (v === '' && f.type !== 'boolean') continue;
          try {
            childVals[c.path[0]] = convertCell(s, f, c.path[1], v, ctx, warnings);
          } catch (err) {
            if (!(err instanceof CellError)) throw err;
            messages.push({ ...reorder(info, 'error'), field: fname, message: err.message, field_name: field.string });
          }
        }
        const existingLine = childXid ? s.xmlid(childXid) : undefined;
        if (existingLine && s.raw(field.relation!, existingLine.id)) commands.push([1, existingLine.id, childVals]);
        else {
          commands.push([0, 0, childVals]);
          if (childXid) pendingLineXids.push({ field: fname, index: commands.length - 1, xid: childXid, model: field.relation! });
        }
      }
      vals[fname] = commands;
    }
    const undo = s.savepoint();
    try {
      let id: number;
      const existing = dbId ?? (xid ? s.xmlid(xid) : undefined)?.id;
      const linesBefore = new Map<string, Set<number>>();
      for (const p of pendingLineXids) {
        const { inverseName, relation } = def.fields[p.field] ?? {};
        if (inverseName && relation && existing !== undefined) linesBefore.set(p.field, new Set(s.childIds(relation, inverseName, existing)));
      }
      if (existing !== undefined && s.raw(model, existing)) {
        writeRecords(s, model, [existing], vals, ctx);
        id = existing;
      } else {
        id = createRecords(s, model, [vals], ctx)[0];
        if (xid) setXmlid(s, xid, model, id);
      }
      // new lines take their external ids in creation order, as Odoo's _load_records does
      for (const field of new Set(pendingLineXids.map((p) => p.field))) {
        const { inverseName, relation } = def.fields[field] ?? {};
        if (!inverseName || !relation) continue;
        const fresh = s.childIds(relation, inverseName, id).filter((lid) => !linesBefore.get(field)?.has(lid)).sort((a, b) => a - b);
        pendingLineXids.filter((p) => p.field === field).forEach((p, n) => {
          if (fresh[n] !== undefined) setXmlid(s, p.xid, relation, fresh[n] as number);
        });
      }
      ids.push(id);
    } catch (err) {
      undo();
      messages.push(recordError(s, def, info, err));
    }
  }

  if (messages.some((m) => m.type === 'error')) {
    rollbackAll();
    return { ids: false, messages, nextrow: 0 };
  }
  return { ids, messages, nextrow: 0 };
}

function reorder(info: { rows: { from: number; to: number }; record: number }, type: 'error' | 'warning') {
  return { rows: info.rows, type, record: info.record };
}

function recordError(
  s: ModelStore,
  def: ModelDef,
  info: { rows: { from: number; to: number }; record: number },
  err: unknown,
): ImportMessage {
  if (err instanceof OdooError && err.sqlText !== undefined) {
    let text = err.sqlText;
    // the database reports the table it failed on; a delegated parent is "Unknown" to the child model
    if (err.sqlModel && err.sqlModel !== def.name && err.sqlField) {
      const f = s.def(err.sqlModel).fields[err.sqlField];
      if (f && text.startsWith('Missing required value')) text = notNullMessage(f, 'Unknown');
    } else if (err.sqlModel === def.name && err.sqlField && text.startsWith('Missing required value')) {
      text = notNullMessage(def.fields[err.sqlField], modelDisplay(def));
    }
    return {
      rows: info.rows,
      record: info.record,
      type: 'error',
      message: text,
      ...(err.sqlField && err.sqlModel === def.name ? { field: err.sqlField } : {}),
    };
  }
  if (err instanceof OdooError && (err.family === 'user' || err.family === 'missing' || err.family === 'access')) {
    return { rows: info.rows, type: 'error', record: info.record, message: err.message };
  }
  const cls = err instanceof OdooError ? err.pyShortName : 'Exception';
  const msg = err instanceof Error ? err.message : String(err);
  return {
    rows: info.rows,
    type: 'error',
    record: info.record,
    message: `Unknown error during import: <class '${cls}'>: ${msg}`,
    moreinfo: 'Resolve other errors first',
  };
}

