// create / write / unlink / read with Odoo 19's value conversion, x2many
// commands, _inherits delegation and error texts. Callers wrap these in
// store.transaction() so a failure leaves no trace.
import {
  foreignKeyMessage,
  invalidTextRepresentation,
  missingError,
  notNullViolation,
  OdooError,
  sqlValidation,
  pyRepr,
  pyStr,
  pyStrOf,
  typeError,
  valueError,
} from './errors';
import { modelDisplay, type Context, type FieldDef, type ModelDef, type Rec, type Vals } from './models';
import { emptyValue, type ModelStore } from './store';

const MAGIC = new Set(['id', 'create_uid', 'create_date', 'write_uid', 'write_date', 'display_name']);

export interface ReadOptions {
  /** XML-RPC marks float fields so they serialize as <double>. */
  floatBox?: (n: number) => unknown;
}

// ---- conversion ---------------------------------------------------------------

function isX2many(f: FieldDef): boolean {
  return f.type === 'one2many' || f.type === 'many2many';
}

function pyTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'NoneType';
  if (typeof v === 'object') return 'dict';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  return Number.isInteger(v) ? 'int' : 'float';
}

const PY_FLOAT = /^\s*[+-]?((\d[\d_]*)?\.?\d[\d_]*([eE][+-]?\d+)?|inf(inity)?|nan)\s*$/i;
const PY_INT = /^\s*[+-]?\d+\s*$/;
const DATETIME_FORMAT = '%Y-%m-%d %H:%M:%S';

function parseDate(value: string): string | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return undefined;
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Datetime.to_datetime: strptime with the format cut to the value's length. */
function parseDatetime(value: string): string {
  const fmt = DATETIME_FORMAT.slice(0, Math.max(0, value.length - 2));
  const fail = (): never => {
    throw valueError(`time data ${pyStr(value)} does not match format ${pyStr(fmt)}`);
  };
  const m = /^(\d{4}-\d{1,2}-\d{1,2})(?: (\d{1,2})(?::(\d{1,2})(?::(\d{1,2}))?)?)?$/.exec(value);
  if (!m) fail();
  const expectedParts = fmt.split(/[- :]/).length;
  const givenParts = 3 + [m![2], m![3], m![4]].filter((x) => x !== undefined).length;
  if (expectedParts !== givenParts) fail();
  const day = parseDate(m![1]);
  const [h, mi, se] = [Number(m![2] ?? 0), Number(m![3] ?? 0), Number(m![4] ?? 0)];
  if (!day || h > 23 || mi > 59 || se > 59) fail();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${day} ${p(h)}:${p(mi)}:${p(se)}`;
}

/** Field.convert_to_cache + the column cast PostgreSQL would do. */
export function convertValue(_s: ModelStore, owner: string, field: FieldDef, v: unknown): unknown {
  switch (field.type) {
    case 'char':
    case 'text':
    case 'html':
      if (v === false || v === null || v === undefined) return false;
      return typeof v === 'string' ? v : pyStrOf(v);
    case 'binary': {
      // fields.Binary: base64 text; bytes that are not base64 fail as binascii does when Odoo decodes them
      if (v === false || v === null || v === undefined || v === '') return false;
      if (typeof v !== 'string') throw typeError(`argument should be a bytes-like object or ASCII string, not '${pyTypeName(v)}'`);
      const compact = v.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) throw new OdooError('binascii.Error', 'builtin', 'Incorrect padding');
      return compact;
    }
    case 'integer':
    case 'many2one_reference': {
      if (v === false || v === null || v === undefined) return 0;
      if (v === true) return 1;
      if (typeof v === 'number') return Math.trunc(v);
      if (typeof v === 'string') {
        if (!PY_INT.test(v)) throw valueError(`invalid literal for int() with base 10: ${pyStr(v)}`);
        return Number.parseInt(v, 10);
      }
      throw typeError(`int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`);
    }
    case 'float':
    case 'monetary': {
      if (v === false || v === null || v === undefined) return 0;
      if (v === true) return 1;
      if (typeof v === 'number') return v;
      if (typeof v === 'string') {
        if (!PY_FLOAT.test(v)) throw valueError(`could not convert string to float: ${pyStr(v)}`);
        return Number(v.trim().replace(/_/g, ''));
      }
      throw typeError(`float() argument must be a string or a real number, not '${pyTypeName(v)}'`);
    }
    case 'boolean':
      if (Array.isArray(v)) return v.length > 0;
      if (v && typeof v === 'object') return Object.keys(v).length > 0;
      return !!v;
    case 'date': {
      if (!v) return false;
      if (typeof v !== 'string') throw typeError(`strptime() argument 1 must be str, not ${pyTypeName(v)}`);
      const cut = v.slice(0, 10);
      const d = parseDate(cut);
      if (!d) throw valueError(`time data ${pyStr(cut)} does not match format '%Y-%m-%d'`);
      return d;
    }
    case 'datetime':
      if (!v) return false;
      if (typeof v !== 'string') throw typeError(`strptime() argument 1 must be str, not ${pyTypeName(v)}`);
      return parseDatetime(v);
    case 'selection': {
      if (v === false || v === null || v === undefined) return false;
      const sel = field.selection ?? [];
      if (!sel.some(([k]) => k === v)) throw valueError(`Wrong value for ${owner}.${field.name}: ${pyRepr(v)}`);
      return v;
    }
    case 'many2one': {
      if (v === false || v === null || v === undefined || v === 0) return false;
      if (v === true) return 1;
      if (typeof v === 'number') {
        if (!Number.isInteger(v)) return Math.trunc(v);
        return v;
      }
      if (typeof v === 'string') {
        if (PY_INT.test(v)) return Number.parseInt(v, 10);
        throw invalidTextRepresentation('integer', v);
      }
      if (Array.isArray(v)) {
        const text = v.find((x) => typeof x === 'string');
        throw invalidTextRepresentation('integer', typeof text === 'string' ? text : pyRepr(v));
      }
      throw typeError(`int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`);
    }
    default:
      return v;
  }
}

type Command = [number, number, unknown];

function normalizeCommands(owner: string, field: FieldDef, value: unknown): Command[] {
  if (value === false || value === null || value === undefined) return field.type === 'many2many' ? [[5, 0, 0]] : [];
  if (!Array.isArray(value)) throw valueError(`Wrong value for ${owner}.${field.name}: ${pyStrOf(value)}`);
  if (value.length && value.every((x) => typeof x === 'number')) return [[6, 0, value]];
  // unknown command codes are ignored, as the ORM's command loop does
  return value
    .map((cmd): Command => {
      if (typeof cmd === 'number') return [4, cmd, 0];
      if (!Array.isArray(cmd) || typeof cmd[0] !== 'number') {
        throw valueError(`Wrong value for ${owner}.${field.name}: ${pyStrOf(value)}`);
      }
      return [cmd[0], Number(cmd[1] ?? 0), cmd[2]];
    })
    .filter(([code]) => code >= 0 && code <= 6);
}

function applyX2many(s: ModelStore, model: string, rec: Rec, field: FieldDef, value: unknown, ctx: Context): void {
  const comodel = field.relation!;
  const commands = normalizeCommands(model, field, value);
  if (field.type === 'one2many') {
    const inverse = field.inverseName!;
    const coField = s.def(comodel).fields[inverse];
    const detach = (ids: number[]) => {
      if (!ids.length) return;
      if (coField.ondelete === 'cascade') unlinkRecords(s, comodel, ids, ctx);
      else writeRecords(s, comodel, ids, { [inverse]: false }, ctx);
    };
    for (const [code, id, vals] of commands) {
      switch (code) {
        case 0:
          createRecords(s, comodel, [{ ...(vals as Vals), [inverse]: rec.id }], ctx);
          break;
        case 1:
          writeRecords(s, comodel, [id], (vals as Vals) ?? {}, ctx);
          break;
        case 2:
          unlinkRecords(s, comodel, [id], ctx);
          break;
        case 3:
          detach([id]);
          break;
        case 4:
          writeRecords(s, comodel, [id], { [inverse]: rec.id }, ctx);
          break;
        case 5:
          detach(s.childIds(comodel, inverse, rec.id));
          break;
        case 6: {
          const keep = new Set(((vals as number[]) ?? []).map(Number));
          detach(s.childIds(comodel, inverse, rec.id).filter((c) => !keep.has(c)));
          const link = [...keep].filter((c) => s.raw(comodel, c)?.[inverse] !== rec.id);
          if (link.length) writeRecords(s, comodel, link, { [inverse]: rec.id }, ctx);
          break;
        }
      }
    }
    return;
  }
  let ids = [...((s.raw(model, rec.id)?.[field.name] as number[] | undefined) ?? [])];
  for (const [code, id, vals] of commands) {
    switch (code) {
      case 0:
        ids.push(...createRecords(s, comodel, [(vals as Vals) ?? {}], ctx));
        break;
      case 1:
        writeRecords(s, comodel, [id], (vals as Vals) ?? {}, ctx);
        break;
      case 2:
        unlinkRecords(s, comodel, [id], ctx);
        ids = ids.filter((x) => x !== id);
        break;
      case 3:
        ids = ids.filter((x) => x !== id);
        break;
      case 4:
        if (!ids.includes(id)) ids.push(id);
        break;
      case 5:
        ids = [];
        break;
      case 6:
        ids = [...new Set(((vals as number[]) ?? []).map(Number))];
        break;
    }
  }
  for (const id of ids) checkForeignKey(s, model, field, id);
  s.writeRaw(model, rec.id, { [field.name]: [...new Set(ids)].sort((a, b) => a - b) });
}

function checkForeignKey(s: ModelStore, model: string, field: FieldDef, id: unknown): void {
  if (typeof id !== 'number' || s.raw(field.relation!, id)) return;
  if (field.checkMissing) throw missingError(field.relation!, [id], s.uid);
  throw sqlValidation(foreignKeyMessage(modelDisplay(s.def(model)), `'${field.string}' (${field.name})`), model, field.name);
}

function checkRequired(s: ModelStore, def: ModelDef, rec: Rec, only?: Set<string>): void {
  for (const field of Object.values(def.fields)) {
    if (!field.required || field.inherited || isX2many(field) || (field.compute && field.readonly)) continue;
    if (only && !only.has(field.name)) continue;
    const v = s.value(def.name, rec, field.name);
    if (v === false || v === null || v === undefined) throw notNullViolation(field, modelDisplay(def), def.name);
  }
}

// ---- create ---------------------------------------------------------------------

export function createRecords(s: ModelStore, model: string, valsList: Vals[], ctx: Context): number[] {
  const def = s.def(model);
  for (const vals of valsList) {
    if (!vals || typeof vals !== 'object' || Array.isArray(vals)) {
      throw typeError(`'${pyTypeName(vals)}' object is not a mapping`);
    }
    for (const fname of Object.keys(vals)) {
      if (!(fname in def.fields)) throw valueError(s.personality.invalidCreateField(fname, model));
    }
  }
  return valsList.map((vals) => createOne(s, def, { ...vals }, ctx).id);
}

function createOne(s: ModelStore, def: ModelDef, vals: Vals, ctx: Context): Rec {
  const model = def.name;
  for (const [k, v] of Object.entries(ctx)) {
    if (k.startsWith('default_') && def.fields[k.slice(8)] && !(k.slice(8) in vals)) vals[k.slice(8)] = v;
  }
  def.prepareCreate?.(s, vals, ctx);

  // _inherits: the parent record carries the delegated fields
  if (def.inherits) {
    const link = def.inherits.field;
    const parentVals: Vals = {};
    for (const [k, v] of Object.entries(vals)) {
      if (def.fields[k]?.inherited) {
        parentVals[k] = v;
        delete vals[k];
      }
    }
    if (!vals[link]) {
      const parentDef = s.def(def.inherits.model);
      vals[link] = createOne(s, parentDef, parentVals, { ...ctx, _sandbox_inherits_child: true }).id;
    } else if (Object.keys(parentVals).length) {
      writeRecords(s, def.inherits.model, [Number(vals[link])], parentVals, ctx);
    }
  }

  const row: Vals = {};
  const later: Array<[FieldDef, unknown]> = [];
  for (const field of Object.values(def.fields)) {
    if (MAGIC.has(field.name) || field.inherited) continue;
    let v: unknown;
    if (field.name in vals) v = vals[field.name];
    else if (field.default !== undefined) v = typeof field.default === 'function' ? field.default(s, vals, ctx) : field.default;
    else {
      // complete rows keep searches on raw values simple (NULL numbers read as 0)
      if (!field.compute && !isX2many(field) && !field.inverse) row[field.name] = emptyValue(field);
      continue;
    }
    if (isX2many(field) || field.inverse) {
      if (field.name in vals) later.push([field, v]);
      continue;
    }
    if (field.compute && (field.readonly || !(field.name in vals))) continue;
    row[field.name] = convertValue(s, model, field, v);
  }
  for (const field of Object.values(def.fields)) {
    if (field.type === 'many2one' && row[field.name]) checkForeignKey(s, model, field, row[field.name]);
  }
  const now = s.now();
  const rec = s.insertRaw(model, { ...row, create_uid: s.uid, create_date: now, write_uid: s.uid, write_date: now });
  checkRequired(s, def, rec);
  def.afterCreate?.(s, rec, vals, ctx);
  for (const [field, v] of later) {
    const current = s.raw(model, rec.id)!;
    if (isX2many(field)) applyX2many(s, model, current, field, v, ctx);
    else field.inverse!(s, current, convertValue(s, model, field, v));
  }
  const final = s.raw(model, rec.id)!;
  def.check?.(s, final);
  return final;
}

// ---- write ------------------------------------------------------------------------

export function writeRecords(s: ModelStore, model: string, ids: number[], vals: Vals, ctx: Context): true {
  const def = s.def(model);
  if (!vals || typeof vals !== 'object' || Array.isArray(vals)) {
    throw new OdooError('builtins.AttributeError', 'builtin', `'${pyTypeName(vals)}' object has no attribute 'items'`);
  }
  if (!ids.length) return true;
  const missing = ids.filter((id) => !s.raw(model, id));
  if (missing.length) throw missingError(model, missing, s.uid);
  for (const fname of Object.keys(vals)) {
    if (!(fname in def.fields)) {
      // res.partner.write reads vals through its fields first and fails with a bare KeyError
      if (model === 'res.partner') throw new OdooError('builtins.KeyError', 'builtin', fname, { args: [fname] });
      throw valueError(`Invalid field ${pyStr(fname)} in ${pyStr(model)}`);
    }
  }
  const own: Vals = {};
  const parentVals: Vals = {};
  const later: Array<[FieldDef, unknown]> = [];
  for (const [fname, v] of Object.entries(vals)) {
    const field = def.fields[fname];
    if (MAGIC.has(fname)) continue;
    if (field.inherited) parentVals[fname] = v;
    else if (isX2many(field) || field.inverse) later.push([field, v]);
    else if (field.compute && field.readonly) continue;
    else own[fname] = convertValue(s, model, field, v);
  }
  for (const [fname, v] of Object.entries(own)) {
    const field = def.fields[fname];
    if (field.type === 'many2one' && v) checkForeignKey(s, model, field, v);
  }
  const touched = new Set(Object.keys(own));
  for (const id of ids) {
    if (def.inherits && Object.keys(parentVals).length) {
      const parentId = s.raw(model, id)![def.inherits.field] as number;
      writeRecords(s, def.inherits.model, [parentId], parentVals, ctx);
    }
    const rec = s.writeRaw(model, id, { ...own, write_uid: s.uid, write_date: s.now() });
    checkRequired(s, def, rec, touched);
    for (const [field, v] of later) {
      const current = s.raw(model, id)!;
      if (isX2many(field)) applyX2many(s, model, current, field, v, ctx);
      else field.inverse!(s, current, convertValue(s, model, field, v));
    }
    const final = s.raw(model, id)!;
    def.afterWrite?.(s, final, vals);
    def.check?.(s, s.raw(model, id)!);
  }
  return true;
}

// ---- unlink -----------------------------------------------------------------------

export function unlinkRecords(s: ModelStore, model: string, ids: number[], ctx: Context): true {
  const def = s.def(model);
  const unique = [...new Set(ids)];
  const missing = unique.filter((id) => !s.raw(model, id));
  if (missing.length) throw missingError(model, missing, s.uid);
  if (!unique.length) return true;
  def.beforeUnlink?.(s, unique);
  const doomed = new Set(unique);
  const parentIds = def.inherits ? unique.map((id) => s.raw(model, id)![def.inherits!.field] as number) : [];
  for (const id of unique) s.deleteRaw(model, id);
  // foreign keys pointing at the deleted rows
  for (const other of s.registry.values()) {
    for (const field of Object.values(other.fields)) {
      if (field.relation !== model || field.inherited || field.compute) continue;
      if (field.type === 'many2one') {
        const refs: number[] = [];
        for (const id of doomed) refs.push(...s.childIds(other.name, field.name, id));
        if (!refs.length) continue;
        const ondelete = field.ondelete ?? (field.required ? 'restrict' : 'set null');
        if (ondelete === 'cascade') unlinkRecords(s, other.name, refs.filter((r) => s.raw(other.name, r)), ctx);
        else if (ondelete === 'set null') for (const r of refs) s.writeRaw(other.name, r, { [field.name]: false });
        else {
          throw sqlValidation(foreignKeyMessage(modelDisplay(other), `'${field.string}' (${field.name})`), other.name, field.name);
        }
      } else if (field.type === 'many2many') {
        for (const rec of [...s.rows(other.name)]) {
          const list = rec[field.name] as number[] | undefined;
          if (list?.some((x) => doomed.has(x))) s.writeRaw(other.name, rec.id, { [field.name]: list.filter((x) => !doomed.has(x)) });
        }
      }
    }
  }
  // external ids of deleted records go with them
  if (model !== 'ir.model.data') {
    for (const id of doomed) {
      for (const imdId of s.idsByValue('ir.model.data', 'res_id', id)) {
        if (s.raw('ir.model.data', imdId)?.model === model) s.deleteRaw('ir.model.data', imdId);
      }
    }
  }
  // a template goes with its last variant
  if (def.inherits) {
    const parentModel = def.inherits.model;
    const orphans = [...new Set(parentIds)].filter(
      (pid) => s.raw(parentModel, pid) && !s.childIds(model, def.inherits!.field, pid).length,
    );
    if (orphans.length) unlinkRecords(s, parentModel, orphans, ctx);
  }
  return true;
}

// ---- read ---------------------------------------------------------------------------

export function checkFieldNames(model: string, def: ModelDef, fields: string[]): void {
  for (const f of fields) {
    if (typeof f !== 'string' || !(f in def.fields)) throw valueError(`Invalid field ${pyRepr(f)} on ${pyStr(model)}`);
  }
}

export function readRecords(
  s: ModelStore,
  model: string,
  ids: number[],
  fields: string[],
  opts: ReadOptions,
): Array<Record<string, unknown>> {
  const def = s.def(model);
  const names = fields && fields.length ? fields : Object.keys(def.fields);
  checkFieldNames(model, def, names);
  const out: Array<Record<string, unknown>> = [];
  for (const id of ids) {
    const rec = s.raw(model, id);
    if (rec) out.push(formatRecord(s, def, rec, names, opts));
  }
  return out;
}

export function formatRecord(
  s: ModelStore,
  def: ModelDef,
  rec: Rec,
  names: string[],
  opts: ReadOptions,
): Record<string, unknown> {
  const row: Record<string, unknown> = { id: rec.id };
  for (const fname of names) {
    if (fname === 'id') continue;
    const field = def.fields[fname];
    row[fname] = formatValue(s, field, s.value(def.name, rec, fname), opts);
  }
  return row;
}

export function formatValue(s: ModelStore, field: FieldDef, v: unknown, opts: ReadOptions): unknown {
  switch (field.type) {
    case 'many2one':
      if (!v) return false;
      return [v, s.displayName(field.relation!, v as number)];
    case 'one2many':
    case 'many2many':
      return Array.isArray(v) ? v : [];
    case 'float':
    case 'monetary': {
      const n = typeof v === 'number' ? v : 0;
      return opts.floatBox ? opts.floatBox(n) : n;
    }
    case 'integer':
    case 'many2one_reference':
      return typeof v === 'number' ? v : 0;
    case 'boolean':
      return !!v;
    default:
      return v === undefined || v === null || v === '' ? (v === '' ? '' : false) : v;
  }
}

// ---- name_search ---------------------------------------------------------------------

export function nameSearch(
  s: ModelStore,
  model: string,
  name: string,
  domain: unknown,
  operator: string,
  limit: number | undefined,
  ctx: Context,
): Array<[number, string | false]> {
  const base = domain === null || domain === undefined || domain === false ? [] : domain;
  const baseList = Array.isArray(base) ? base : [base];
  // prefix domains concatenate into an implicit AND
  const run = (extra: unknown[], lim = limit): number[] =>
    s.searchIds(model, [...baseList, ...extra], { limit: lim, context: ctx });
  let ids: number[];
  if (!name && (operator === 'ilike' || operator === 'like')) {
    ids = run([]);
  } else if (model === 'product.product') {
    ids = productNameSearch(s, name, operator, limit, run);
  } else {
    ids = run([['display_name', operator, name]]);
  }
  return ids.map((id) => [id, s.displayName(model, id)]);
}

function productNameSearch(
  s: ModelStore,
  name: string,
  operator: string,
  limit: number | undefined,
  run: (extra: unknown[], lim?: number) => number[],
): number[] {
  const positive = ['=', 'ilike', '=ilike', 'like', '=like'];
  let ids: number[] = [];
  if (positive.includes(operator)) {
    ids = run([['default_code', '=', name]]);
    if (!ids.length) ids = run([['barcode', '=', name]]);
  }
  if (!ids.length) {
    if (!operator.startsWith('not') && operator !== '!=') {
      ids = run([['default_code', operator, name]]);
      const rest = limit ? limit - ids.length : undefined;
      if (rest === undefined || rest > 0) {
        const seen = new Set(ids);
        ids = ids.concat(run([['name', operator, name]], undefined).filter((id) => !seen.has(id)).slice(0, rest));
      }
    } else {
      ids = run(['&', ['name', operator, name], '|', ['default_code', operator, name], ['default_code', '=', false]]);
    }
  }
  const m = /\[(.*?)\]/.exec(name);
  if (!ids.length && positive.includes(operator) && m) ids = run([['default_code', '=', m[1]]]);
  void s;
  return ids;
}

// ---- external ids ---------------------------------------------------------------------

export function resolveXmlid(s: ModelStore, complete: string): { model: string; id: number } | undefined {
  const dot = complete.indexOf('.');
  if (dot < 0) return undefined;
  const module = complete.slice(0, dot);
  const name = complete.slice(dot + 1);
  for (const imdId of s.idsByValue('ir.model.data', 'name', name)) {
    const r = s.raw('ir.model.data', imdId)!;
    if (r.module === module) {
      if (!s.raw(r.model as string, r.res_id as number)) return undefined;
      return { model: r.model as string, id: r.res_id as number };
    }
  }
  return undefined;
}

export function setXmlid(s: ModelStore, complete: string, model: string, id: number, noupdate = false): void {
  const dot = complete.indexOf('.');
  const module = complete.slice(0, dot);
  const name = complete.slice(dot + 1);
  for (const imdId of s.idsByValue('ir.model.data', 'name', name)) {
    const r = s.raw('ir.model.data', imdId)!;
    if (r.module === module) {
      s.writeRaw('ir.model.data', r.id, { model, res_id: id });
      return;
    }
  }
  const now = s.now();
  s.insertRaw('ir.model.data', {
    module,
    name,
    model,
    res_id: id,
    noupdate,
    create_uid: s.uid,
    create_date: now,
    write_uid: s.uid,
    write_date: now,
  });
}

