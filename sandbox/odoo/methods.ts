import { accessError as aclError, checkAccess, mayDo, type Operation, type SandboxUser } from './access';
// Public model methods, their Python signatures (for argument binding errors
// worded like inspect / CPython), and a dispatcher shared by JSON-2 and XML-RPC.
import {
  applyInventory,
  keepCountedQuantity,
  assignPickings,
  cancelOrders,
  cancelPickings,
  confirmOrders,
  createQuants,
  messagePost,
  validatePickings,
} from './business';
import { accessError, attributeError, httpError, OdooError, pyStr, typeError, userError, valueError } from './errors';
import { formattedReadGroup, readGroup, webReadGroup } from './group';
import { load } from './load';
import type { Context, FieldDef, ModelDef } from './models';
import {
  checkFieldNames,
  convertValue,
  createRecords,
  formatRecord,
  formatValue,
  readRecords,
  unlinkRecords,
  writeRecords,
  type ReadOptions,
} from './orm';
import type { ModelStore } from './store';

export type Transport = 'json2' | 'xmlrpc';

export interface CallEnv {
  s: ModelStore;
  model: string;
  ctx: Context;
  transport: Transport;
  readOpts: ReadOptions;
  /** Who calls; absent: the admin. */
  user?: SandboxUser;
}

export interface Param {
  name: string;
  required?: boolean;
  kwOnly?: boolean;
}

export interface MethodSpec {
  qualname: string;
  api: 'model' | 'records';
  params: Param[];
  varKw?: boolean;
  impl: (env: CallEnv, ids: number[], a: Record<string, unknown>) => unknown;
}

const req = (name: string): Param => ({ name, required: true });
const opt = (name: string): Param => ({ name });
const kw = (name: string): Param => ({ name, kwOnly: true });

function toIds(v: unknown): number[] {
  if (v === undefined || v === null || v === false) return [];
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) {
    return v.map((x) => {
      if (typeof x !== 'number' || !Number.isInteger(x)) throw valueError(`Invalid id ${pyStr(String(x))}`);
      return x;
    });
  }
  throw valueError(`Invalid ids ${pyStr(String(v))}`);
}

function limitOf(v: unknown): number | undefined {
  if (v === undefined || v === null || v === false || v === 0) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw typeError(`'<' not supported between instances of 'str' and 'int'`);
  return n;
}

function readFields(env: CallEnv, ids: number[], fields: unknown, load: unknown): Array<Record<string, unknown>> {
  const names = fields === undefined || fields === null || fields === false ? [] : (fields as string[]);
  if (!Array.isArray(names)) throw typeError(`'${typeof fields}' object is not iterable`);
  const rows = readRecords(env.s, env.model, ids, names, env.readOpts);
  if (load === undefined || load === '_classic_read') return rows;
  // load=None: many2one values as bare ids
  const def = env.s.def(env.model);
  for (const row of rows) {
    for (const [k, v] of Object.entries(row)) if (def.fields[k]?.type === 'many2one' && Array.isArray(v)) row[k] = v[0];
  }
  return rows;
}

export function fieldsGet(s: ModelStore, def: ModelDef, allfields: unknown, attributes: unknown): Record<string, Record<string, unknown>> {
  const wanted = Array.isArray(allfields) && allfields.length ? new Set(allfields as string[]) : undefined;
  const attrs = Array.isArray(attributes) ? new Set(attributes as string[]) : undefined;
  const out: Record<string, Record<string, unknown>> = {};
  for (const [fname, field] of Object.entries(def.fields)) {
    if (wanted && !wanted.has(fname)) continue;
    const full = describeField(s, field);
    if (!attrs) out[fname] = full;
    else {
      const picked: Record<string, unknown> = {};
      for (const key of Object.keys(full).sort()) if (attrs.has(key)) picked[key] = full[key];
      out[fname] = picked;
    }
  }
  return out;
}

function describeField(s: ModelStore, f: FieldDef): Record<string, unknown> {
  const x2m = f.type === 'one2many' || f.type === 'many2many';
  const stored = f.inherited ? false : f.store ?? true;
  // delegated fields are stored on the parent table, so they group and sort like columns
  const columnar = (stored || !!f.inherited) && f.type !== 'one2many';
  const d: Record<string, unknown> = {
    change_default: false,
    company_dependent: false,
    default_export_compatible: false,
    depends: [],
    exportable: true,
    groupable: columnar,
    manual: false,
    name: f.name,
    readonly: !!f.readonly,
    required: !!f.required,
    searchable: true,
    sortable: columnar && !x2m,
    store: stored,
    string: f.string,
    type: f.type,
  };
  if (f.help) d.help = f.help;
  if (f.size) d.size = f.size;
  if (f.inherited) d.related = `${f.inherited}.${f.name}`;
  if ((f.type === 'integer' || f.type === 'float' || f.type === 'monetary') && f.name !== 'id' && stored) d.aggregator = f.aggregator ?? 'sum';
  if (f.type === 'monetary') d.currency_field = 'currency_id';
  if (f.type === 'char' || f.type === 'text' || f.type === 'html') {
    d.translate = !!f.translate;
    if (f.type === 'char') d.trim = true;
  }
  if (f.type === 'selection') d.selection = (f.selection ?? []).map(([k, v]) => [k, v]);
  if (f.relation) {
    d.relation = f.relation;
    d.context = {};
    d.domain = [];
    const comodel = s.def(f.relation);
    d.allow_hierachy_operators = !!comodel.parentName || HIERARCHICAL.has(f.relation);
  }
  if (f.type === 'one2many') d.relation_field = f.inverseName;
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(d).sort()) sorted[k] = d[k];
  return sorted;
}

/** Models whose real counterpart has a parent_id the sandbox does not model. */
const HIERARCHICAL = new Set(['res.users', 'res.company']);

function defaultGet(env: CallEnv, fieldsList: unknown): Record<string, unknown> {
  const def = env.s.def(env.model);
  const out: Record<string, unknown> = {};
  for (const fname of (fieldsList as string[]) ?? []) {
    const field = def.fields[fname];
    if (!field) continue;
    const ctxKey = `default_${fname}`;
    let v: unknown;
    if (ctxKey in env.ctx) v = env.ctx[ctxKey];
    else if (field.default !== undefined) v = typeof field.default === 'function' ? field.default(env.s, {}, env.ctx) : field.default;
    else continue;
    if (field.type === 'many2one' || field.type === 'one2many' || field.type === 'many2many') out[fname] = v;
    else out[fname] = formatValue(env.s, field, convertValue(env.s, env.model, field, v), env.readOpts);
  }
  return out;
}

function copyRecords(env: CallEnv, ids: number[], defaults: unknown): number[] {
  const { s, model } = env;
  const def = s.def(model);
  const out: number[] = [];
  for (const id of ids) {
    const rec = s.raw(model, id);
    if (!rec) throw new OdooError('odoo.exceptions.MissingError', 'missing', `Record does not exist or has been deleted.\n(Record: ${model}(${id},), User: ${s.uid})`);
    const vals: Record<string, unknown> = {};
    for (const [fname, field] of Object.entries(def.fields)) {
      if (['id', 'display_name', 'create_uid', 'create_date', 'write_uid', 'write_date'].includes(fname)) continue;
      if (field.type === 'one2many' || (field.compute && field.readonly) || (field.compute && !field.inverse && field.store === false)) continue;
      if (def.inherits && fname === def.inherits.field) continue;
      const v = s.value(model, rec, fname);
      vals[fname] = field.type === 'many2many' ? [[6, 0, v]] : v;
    }
    if (typeof vals.name === 'string' && ['res.partner', 'product.template', 'product.product'].includes(model)) vals.name = `${vals.name} (copy)`;
    if (model === 'purchase.order') delete vals.name;
    if (model === 'product.product' || model === 'product.template') delete vals.default_code;
    if (model === 'product.product') delete vals.barcode;
    Object.assign(vals, (defaults as Record<string, unknown>) ?? {});
    out.push(...createRecords(s, model, [vals], env.ctx));
  }
  return out;
}

function webSearchRead(env: CallEnv, a: Record<string, unknown>): unknown {
  const { s, model } = env;
  const def = s.def(model);
  const spec = (a.specification as Record<string, { fields?: Record<string, unknown> }>) ?? {};
  checkFieldNames(model, def, Object.keys(spec));
  const ids = s.searchIds(model, a.domain, { offset: Number(a.offset) || 0, limit: limitOf(a.limit), order: a.order as string, context: env.ctx });
  const records = ids.map((id) => {
    const rec = s.raw(model, id)!;
    const row = formatRecord(s, def, rec, Object.keys(spec), env.readOpts);
    for (const [fname, sub] of Object.entries(spec)) {
      const field = def.fields[fname];
      if (field.type === 'many2one') {
        const v = s.value(model, rec, fname) as number | false;
        if (!v) row[fname] = false;
        else if (sub?.fields) {
          const inner = formatRecord(s, s.def(field.relation!), s.raw(field.relation!, v)!, Object.keys(sub.fields), env.readOpts);
          row[fname] = inner;
        } else row[fname] = v;
      }
    }
    return row;
  });
  const length = a.limit ? s.countIds(model, a.domain, env.ctx) : ids.length + (Number(a.offset) || 0);
  return { length, records };
}

const BASE: Record<string, MethodSpec> = {
  search: {
    qualname: 'BaseModel.search',
    api: 'model',
    params: [req('domain'), opt('offset'), opt('limit'), opt('order')],
    impl: ({ s, model, ctx }, _ids, a) =>
      s.searchIds(model, a.domain, { offset: Number(a.offset) || 0, limit: limitOf(a.limit), order: a.order as string, context: ctx }),
  },
  search_count: {
    qualname: 'BaseModel.search_count',
    api: 'model',
    params: [req('domain'), opt('limit')],
    impl: ({ s, model, ctx }, _ids, a) => {
      const n = s.countIds(model, a.domain, ctx);
      const limit = limitOf(a.limit);
      return limit !== undefined ? Math.min(n, limit) : n;
    },
  },
  search_read: {
    qualname: 'BaseModel.search_read',
    api: 'model',
    params: [opt('domain'), opt('fields'), opt('offset'), opt('limit'), opt('order')],
    varKw: true,
    impl: (env, _ids, a) => {
      const { s, model, ctx } = env;
      const domain = a.domain || [];
      const ids = s.searchIds(model, domain, { offset: Number(a.offset) || 0, limit: limitOf(a.limit), order: a.order as string, context: ctx });
      const extra = Object.keys(a.__kwargs as Record<string, unknown>).filter((k) => k !== 'load');
      const names = (a.fields as string[]) || [];
      checkFieldNames(model, s.def(model), names);
      if (extra.length) throw typeError(`BaseModel._read_format() got an unexpected keyword argument ${pyStr(extra[0])}`);
      return readFields(env, ids, names, (a.__kwargs as Record<string, unknown>).load);
    },
  },
  read: {
    qualname: 'BaseModel.read',
    api: 'records',
    params: [opt('fields'), opt('load')],
    impl: (env, ids, a) => readFields(env, ids, a.fields, a.load),
  },
  create: {
    qualname: 'BaseModel.create',
    api: 'model',
    params: [req('vals_list')],
    impl: ({ s, model, ctx }, _ids, a) => {
      const list = Array.isArray(a.vals_list) ? (a.vals_list as Record<string, unknown>[]) : [a.vals_list as Record<string, unknown>];
      if (model === 'stock.quant') return createQuants(s, list, ctx);
      return createRecords(s, model, list, ctx);
    },
  },
  write: {
    qualname: 'BaseModel.write',
    api: 'records',
    params: [req('vals')],
    impl: ({ s, model, ctx }, ids, a) => writeRecords(s, model, ids, a.vals as Record<string, unknown>, ctx),
  },
  unlink: {
    qualname: 'BaseModel.unlink',
    api: 'records',
    params: [],
    impl: ({ s, model, ctx }, ids) => unlinkRecords(s, model, ids, ctx),
  },
  load: {
    qualname: 'BaseModel.load',
    api: 'model',
    params: [req('fields'), req('data')],
    impl: ({ s, model, ctx }, _ids, a) => load(s, model, a.fields, a.data, ctx),
  },
  name_search: {
    qualname: 'BaseModel.name_search',
    api: 'model',
    params: [opt('name'), opt('domain'), opt('operator'), opt('limit')],
    impl: ({ s, model, ctx }, _ids, a) =>
      s.nameSearch(model, (a.name as string) ?? '', a.domain, (a.operator as string) ?? 'ilike', a.limit === undefined ? 100 : limitOf(a.limit), ctx),
  },
  name_create: {
    qualname: 'BaseModel.name_create',
    api: 'model',
    params: [req('name')],
    impl: ({ s, model, ctx }, _ids, a) => {
      const def = s.def(model);
      const recName = def.recName === 'complete_name' ? 'name' : def.recName;
      const [id] = createRecords(s, model, [{ [recName]: a.name }], ctx);
      return [id, s.displayName(model, id)];
    },
  },
  fields_get: {
    qualname: 'BaseModel.fields_get',
    api: 'model',
    params: [opt('allfields'), opt('attributes')],
    impl: ({ s, model }, _ids, a) => fieldsGet(s, s.def(model), a.allfields, a.attributes),
  },
  default_get: {
    qualname: 'BaseModel.default_get',
    api: 'model',
    params: [req('fields')],
    impl: (env, _ids, a) => defaultGet(env, a.fields),
  },
  read_group: {
    qualname: 'BaseModel.read_group',
    api: 'model',
    params: [req('domain'), req('fields'), req('groupby'), opt('offset'), opt('limit'), opt('orderby'), opt('lazy')],
    impl: (env, _ids, a) => readGroup(env, a),
  },
  formatted_read_group: {
    qualname: 'Base.formatted_read_group',
    api: 'model',
    params: [req('domain'), opt('groupby'), opt('aggregates'), opt('having'), opt('offset'), opt('limit'), opt('order')],
    impl: (env, _ids, a) => formattedReadGroup(env, a),
  },
  web_read_group: {
    qualname: 'Base.web_read_group',
    api: 'model',
    params: [req('domain'), req('groupby'), opt('aggregates'), opt('limit'), opt('offset'), opt('order')],
    varKw: true,
    impl: (env, _ids, a) => webReadGroup(env, a),
  },
  web_search_read: {
    qualname: 'Base.web_search_read',
    api: 'model',
    params: [req('domain'), req('specification'), opt('offset'), opt('limit'), opt('order'), opt('count_limit')],
    impl: (env, _ids, a) => webSearchRead(env, a),
  },
  copy: {
    qualname: 'BaseModel.copy',
    api: 'records',
    params: [opt('default')],
    impl: (env, ids, a) => copyRecords(env, ids, a.default),
  },
  action_archive: {
    qualname: 'BaseModel.action_archive',
    api: 'records',
    params: [],
    impl: ({ s, model, ctx }, ids) => {
      if (!('active' in s.def(model).fields)) throw userError(`No 'active' field on model ${model}`);
      writeRecords(s, model, ids, { active: false }, ctx);
      return null;
    },
  },
  action_unarchive: {
    qualname: 'BaseModel.action_unarchive',
    api: 'records',
    params: [],
    impl: ({ s, model, ctx }, ids) => {
      if (!('active' in s.def(model).fields)) throw userError(`No 'active' field on model ${model}`);
      writeRecords(s, model, ids, { active: true }, ctx);
      return null;
    },
  },
};

const recordMethod = (qualname: string, impl: MethodSpec['impl'], params: Param[] = []): MethodSpec => ({
  qualname,
  api: 'records',
  params,
  impl,
});

const MESSAGE_POST: MethodSpec = {
  qualname: 'MailThread.message_post',
  api: 'records',
  params: [
    kw('body'),
    kw('subject'),
    kw('message_type'),
    kw('email_from'),
    kw('author_id'),
    kw('parent_id'),
    kw('subtype_xmlid'),
    kw('subtype_id'),
    kw('partner_ids'),
    kw('outgoing_email_to'),
    kw('incoming_email_to'),
    kw('incoming_email_cc'),
    kw('attachments'),
    kw('attachment_ids'),
    kw('body_is_html'),
  ],
  varKw: true,
  impl: ({ s, model }, ids, a) => messagePost(s, model, ids, a),
};

const OPERATIONS = new Set(['read', 'write', 'create', 'unlink']);
function operationArg(v: unknown): Operation {
  if (typeof v !== 'string' || !OPERATIONS.has(v)) throw new OdooError('builtins.AssertionError', 'builtin', 'Invalid access mode');
  return v as Operation;
}

/** ACL questions: 18+'s has_access on an empty recordset, ≤ 17's check_access_rights (deprecated in 18, still there in 19). */
const HAS_ACCESS: MethodSpec = recordMethod('BaseModel.has_access', ({ model, user }, _ids, a) => mayDo(user, model, operationArg(a.operation)), [req('operation')]);
const CHECK_ACCESS_RIGHTS: MethodSpec = {
  qualname: 'BaseModel.check_access_rights',
  api: 'model',
  params: [req('operation'), opt('raise_exception')],
  impl: ({ s, model, user }, _ids, a) => {
    const op = operationArg(a.operation);
    const ok = mayDo(user, model, op);
    if (!ok && a.raise_exception !== false) throw aclError(s, model, op);
    return ok;
  },
};

const CUSTOM: Record<string, Record<string, MethodSpec>> = {
  'ir.model.access': {
    check: {
      qualname: 'IrModelAccess.check',
      api: 'model',
      params: [req('model'), opt('mode'), opt('raise_exception')],
      impl: ({ s, user }, _ids, a) => {
        const model = String(a.model);
        const op = operationArg(a.mode ?? 'read');
        const ok = mayDo(user, model, op);
        if (!ok && a.raise_exception !== false) throw aclError(s, model, op);
        return ok;
      },
    },
  },
  'res.users': {
    context_get: { qualname: 'ResUsers.context_get', api: 'model', params: [], impl: ({ s }) => ({ lang: 'en_US', tz: false, uid: s.uid }) },
  },
  'purchase.order': {
    button_confirm: recordMethod('PurchaseOrder.button_confirm', ({ s }, ids) => confirmOrders(s, ids)),
    button_cancel: recordMethod('PurchaseOrder.button_cancel', ({ s }, ids) => cancelOrders(s, ids)),
    button_draft: recordMethod('PurchaseOrder.button_draft', ({ s, ctx }, ids) => {
      writeRecords(s, 'purchase.order', ids, { state: 'draft' }, ctx);
      return {};
    }),
  },
  'stock.picking': {
    action_confirm: recordMethod('StockPicking.action_confirm', ({ s }, ids) => assignPickings(s, ids)),
    action_assign: recordMethod('StockPicking.action_assign', ({ s }, ids) => assignPickings(s, ids)),
    button_validate: recordMethod('StockPicking.button_validate', ({ s }, ids) => validatePickings(s, ids)),
    action_cancel: recordMethod('StockPicking.action_cancel', ({ s }, ids) => cancelPickings(s, ids)),
  },
  'stock.quant': {
    action_apply_inventory: recordMethod('StockQuant.action_apply_inventory', ({ s }, ids) => applyInventory(s, ids), [opt('date')]),
  },
  'stock.inventory.conflict': {
    action_keep_counted_quantity: recordMethod('StockInventoryConflict.action_keep_counted_quantity', ({ s }, ids) => keepCountedQuantity(s, ids)),
  },
};

export function lookupMethod(s: ModelStore, model: string, name: string): MethodSpec | undefined {
  const own = (o: object | undefined, k: string) => !!o && Object.prototype.hasOwnProperty.call(o, k);
  if (own(CUSTOM, model) && own(CUSTOM[model], name)) return CUSTOM[model][name];
  if (name === 'message_post' && s.def(model).mailThread) return MESSAGE_POST;
  const p = s.personality;
  if (name === 'has_access' && p.hasAccess) return HAS_ACCESS;
  if (name === 'check_access_rights') return CHECK_ACCESS_RIGHTS;
  if (name === 'formatted_read_group' && !p.formattedReadGroup) return undefined;
  if (name === 'name_search' && p.nameSearchDomain === 'args') return NAME_SEARCH_ARGS;
  const writeClass = name === 'write' ? p.writeValuesModels.get(model) : undefined;
  if (writeClass) return { ...BASE.write, qualname: `${writeClass}.write`, params: [req('values')], impl: (env, ids, a) => BASE.write.impl(env, ids, { ...a, vals: a.values }) };
  return Object.prototype.hasOwnProperty.call(BASE, name) ? BASE[name] : undefined;
}

/** Odoo ≤ 18: name_search(name, args, operator, limit); 19 renamed `args` to `domain`. */
const NAME_SEARCH_ARGS: MethodSpec = {
  ...BASE.name_search,
  params: [opt('name'), opt('args'), opt('operator'), opt('limit')],
  impl: (env, ids, a) => BASE.name_search.impl(env, ids, { ...a, domain: a.args }),
};

// ---- argument binding ----------------------------------------------------------------

/** inspect.Signature.bind(records, **kwargs), as the JSON-2 controller does it. */
export function bindNamed(spec: MethodSpec, kwargs: Record<string, unknown>): Record<string, unknown> {
  const bound: Record<string, unknown> = {};
  const rest = { ...kwargs };
  for (const p of spec.params) {
    if (p.name in rest) {
      bound[p.name] = rest[p.name];
      delete rest[p.name];
    } else if (p.required) {
      throw httpError(422, `missing a required argument: ${pyStr(p.name)}`);
    }
  }
  const extra = Object.keys(rest);
  if (extra.length && !spec.varKw) throw httpError(422, `got an unexpected keyword argument ${pyStr(extra[0])}`);
  bound.__kwargs = rest;
  return bound;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function quoteList(names: string[]): string {
  const q = names.map((n) => pyStr(n));
  if (q.length === 1) return q[0];
  if (q.length === 2) return `${q[0]} and ${q[1]}`;
  return `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

/** method(records, *args, **kwargs) with CPython's TypeError texts, as call_kw does it. */
export function bindCall(spec: MethodSpec, positional: unknown[], kwargs: Record<string, unknown>): Record<string, unknown> {
  const fn = `${spec.qualname}()`;
  const posParams = spec.params.filter((p) => !p.kwOnly);
  const names = new Set(spec.params.map((p) => p.name));
  const rest: Record<string, unknown> = {};
  for (const k of Object.keys(kwargs)) {
    if (!names.has(k)) {
      if (!spec.varKw) throw typeError(`${fn} got an unexpected keyword argument ${pyStr(k)}`);
      rest[k] = kwargs[k];
    }
  }
  if (positional.length > posParams.length) {
    const max = posParams.length + 1;
    const min = posParams.filter((p) => p.required).length + 1;
    const given = positional.length + 1;
    const takes = min === max ? plural(max, 'positional argument') : `from ${min} to ${max} positional arguments`;
    throw typeError(`${fn} takes ${takes} but ${given} ${given === 1 ? 'was' : 'were'} given`);
  }
  const bound: Record<string, unknown> = {};
  positional.forEach((v, i) => {
    bound[posParams[i].name] = v;
  });
  for (const [k, v] of Object.entries(kwargs)) {
    if (!names.has(k)) continue;
    if (k in bound) throw typeError(`${fn} got multiple values for argument ${pyStr(k)}`);
    bound[k] = v;
  }
  const missing = posParams.filter((p) => p.required && !(p.name in bound)).map((p) => p.name);
  if (missing.length) {
    throw typeError(`${fn} missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${quoteList(missing)}`);
  }
  bound.__kwargs = rest;
  return bound;
}

// ---- dispatch -------------------------------------------------------------------------

export interface ModelCall {
  model: string;
  method: string;
  transport: Transport;
  /** JSON-2: the body's `ids`; XML-RPC: taken from args[0] for record methods. */
  ids?: unknown;
  args: unknown[];
  kwargs: Record<string, unknown>;
  context: Context;
  readOpts?: ReadOptions;
  /** Who calls; absent: the admin. */
  user?: SandboxUser;
}

/** Public-looking names Odoo refuses over RPC (@api.private or framework helpers). */
const PRIVATE = new Set(['exists', 'browse', 'sudo', 'with_context', 'with_user', 'with_env', 'with_company', 'ensure_one', 'mapped', 'filtered', 'filtered_domain', 'sorted', 'grouped']);

/** Resolve model and method with the errors each transport gives for unknown ones. */
export function resolve(s: ModelStore, call: ModelCall): MethodSpec {
  if (!s.hasModel(call.model)) {
    if (call.transport === 'json2') throw httpError(404, `the model ${pyStr(call.model)} does not exist`);
    throw userError(`Object ${call.model} doesn't exist`);
  }
  if (call.method.startsWith('_') || PRIVATE.has(call.method)) {
    throw accessError(`Private methods (such as '${call.model}.${call.method}') cannot be called remotely.`);
  }
  const spec = lookupMethod(s, call.model, call.method);
  if (!spec) {
    const msg = s.personality.unknownMethod(call.model, call.method);
    if (call.transport === 'json2') throw httpError(404, msg);
    throw attributeError(msg);
  }
  return spec;
}

/** Bind, run in a transaction, and return the Python-level result. */
export function execute(s: ModelStore, call: ModelCall): unknown {
  const user = call.user;
  if (!user || user.admin) return executeAs(s, call);
  // an unknown model or method is reported before rights are checked, as Odoo does
  resolve(s, call);
  try {
    checkAccess(s, user, call.model, call.method);
  } catch (err) {
    // load reports a refused record among its messages, as Odoo does
    if (call.method === 'load' && err instanceof OdooError) return { ids: false, messages: [{ type: 'error', rows: { from: 0, to: 0 }, record: 0, message: err.message }], nextrow: 0 };
    throw err;
  }
  const admin = s.uid;
  s.uid = user.uid;
  try {
    return executeAs(s, ownKeysOnly(call, user.uid));
  } finally {
    s.uid = admin;
  }
}

/** Odoo's record rule "Users can read and delete their own keys": a user's searches of API keys see its own only. */
function ownKeysOnly(call: ModelCall, uid: number): ModelCall {
  if (call.model !== 'res.users.apikeys' || !['search', 'search_read', 'search_count'].includes(call.method)) return call;
  const own = (d: unknown) => ['&', ['user_id', '=', uid], ...(Array.isArray(d) && d.length ? d : [[1, '=', 1]])];
  if (call.transport === 'json2' || 'domain' in call.kwargs || !call.args.length) return { ...call, kwargs: { ...call.kwargs, domain: own(call.kwargs.domain) } };
  return { ...call, args: [own(call.args[0]), ...call.args.slice(1)] };
}

function executeAs(s: ModelStore, call: ModelCall): unknown {
  const spec = resolve(s, call);
  let ids: number[] = [];
  let bound: Record<string, unknown>;
  if (call.transport === 'json2') {
    ids = toIds(call.ids);
    if (spec.api === 'model' && ids.length) throw httpError(422, `cannot call ${call.model}.${call.method} with ids`);
    bound = bindNamed(spec, call.kwargs);
  } else {
    let args = call.args;
    if (spec.api === 'records') {
      if (!args.length) throw new OdooError('builtins.IndexError', 'builtin', 'list index out of range');
      ids = toIds(args[0]);
      args = args.slice(1);
    }
    bound = bindCall(spec, args, call.kwargs);
  }
  const env: CallEnv = { s, model: call.model, ctx: call.context, transport: call.transport, readOpts: call.readOpts ?? {}, ...(call.user ? { user: call.user } : {}) };
  // like Odoo, translated fields are read and searched in the context's language
  const lang = s.lang;
  s.lang = typeof call.context?.lang === 'string' ? call.context.lang : undefined;
  try {
    return s.transaction(() => {
      const result = spec.impl(env, ids, bound);
      if (call.transport === 'xmlrpc' && call.method === 'create') {
        if (!call.args.length) throw new OdooError('builtins.IndexError', 'builtin', 'list index out of range');
        const first = call.args[0];
        if (first && typeof first === 'object' && !Array.isArray(first)) return (result as number[])[0];
      }
      return result;
    });
  } finally {
    s.lang = lang;
  }
}
