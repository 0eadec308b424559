// In-memory tables with an undo journal (so a failing call changes nothing),
// reverse indexes for one2many lookups, and cached sorted searches so paging
// through large tables does not re-filter and re-sort on every page.
import { installHooks } from './business';
import { compileSearch, parseDomain, type DomainNode } from './domain';
import { userError, valueError } from './errors';
import { buildRegistry, type Context, type FieldDef, type ModelDef, type Rec, type Registry, type Vals } from './models';
import * as orm from './orm';
import { personalityFor, applyPersonality, type Personality } from './personality';
import { seedDemo, seedBase } from './seed';

interface Table {
  def: ModelDef;
  rows: Map<number, Rec>;
  nextId: number;
}

interface JournalEntry {
  model: string;
  id: number;
  prev: Rec | undefined;
}

interface SortTerm {
  get: (r: Rec) => unknown;
  desc: boolean;
  nullsFirst: boolean;
  isId?: boolean;
}

export interface SearchOptions {
  offset?: number;
  limit?: number | null | false;
  order?: string | null | false;
  context?: Context;
}

const ORDER_TERM = /^\s*([a-z0-9_]+)(\.[a-z0-9_]+)?(:[a-z_]+)?(\s+(desc|asc))?(\s+(nulls first|nulls last))?\s*$/i;

export class ModelStore {
  readonly registry: Registry;
  /** Which Odoo this store imitates (19.0 unless told). */
  readonly personality: Personality;
  /** The acting user; the sandbox has a single (admin) user. */
  uid = 2;
  /** Bumped on every change; caches compare against it. */
  version = 0;
  sequences: Record<string, number> = {};
  private tables = new Map<string, Table>();
  private journal: JournalEntry[] | null = null;
  private indexes = new Map<string, Map<unknown, Set<number>>>();
  private searchCache = new Map<string, { version: number; ids: number[] }>();
  /** Values of translated fields in other languages, by `model/field/id`; the record holds the en_US value. */
  private readonly translations = new Map<string, Record<string, string>>();
  /** The context language of the call running now: translated fields are read and searched in it. */
  lang: string | undefined;
  private readonly withDemo: boolean;
  private frozenNow?: string;

  constructor(opts: { seed?: boolean; serverVersion?: string } = {}) {
    this.registry = buildRegistry();
    installHooks(this.registry);
    this.personality = personalityFor(opts.serverVersion ?? '19.0');
    applyPersonality(this.registry, this.personality);
    this.withDemo = opts.seed !== false;
    this.reset();
  }

  /** Back to the seeded state (ids restart too). */
  reset(): void {
    this.tables.clear();
    this.indexes.clear();
    this.searchCache.clear();
    this.translations.clear();
    this.journal = null;
    this.sequences = {};
    this.version++;
    for (const [name, def] of this.registry) this.tables.set(name, { def, rows: new Map(), nextId: 1 });
    seedBase(this);
    if (this.withDemo) seedDemo(this);
  }

  // ---- model metadata ---------------------------------------------------------

  hasModel(model: string): boolean {
    return this.tables.has(model);
  }

  def(model: string): ModelDef {
    const t = this.tables.get(model);
    if (!t) throw userError(`Object ${model} doesn't exist`);
    return t.def;
  }

  now(): string {
    return this.frozenNow ?? new Date().toISOString().slice(0, 19).replace('T', ' ');
  }

  /** Runs `fn` with "now" pinned to `stamp` (a transaction that started then), unless `stamp` is undefined. */
  withNow<T>(stamp: string | undefined, fn: () => T): T {
    if (stamp === undefined) return fn();
    const before = this.frozenNow;
    this.frozenNow = stamp;
    try {
      return fn();
    } finally {
      this.frozenNow = before;
    }
  }

  /** Pin "now" for deterministic tests; pass undefined to follow the clock again. */
  freezeNow(value: string | undefined): void {
    this.frozenNow = value;
  }

  // ---- raw access (no checks) ---------------------------------------------------

  raw(model: string, id: number): Rec | undefined {
    return this.tables.get(model)?.rows.get(id);
  }

  rows(model: string): IterableIterator<Rec> {
    return this.tables.get(model)!.rows.values();
  }

  allIds(model: string): number[] {
    return [...this.tables.get(model)!.rows.keys()].sort((a, b) => a - b);
  }

  size(model: string): number {
    return this.tables.get(model)?.rows.size ?? 0;
  }

  /** A value as the ORM holds it: many2one as id or false, x2many as ids. */
  value(model: string, rec: Rec, fname: string): unknown {
    const def = this.tables.get(model)!.def;
    const field = def.fields[fname];
    if (!field) return undefined;
    if (fname === 'id') return rec.id;
    if (fname === 'display_name') return def.displayName(this, rec);
    if (field.inherited) {
      const parentModel = def.inherits!.model;
      const parent = this.raw(parentModel, rec[field.inherited] as number);
      return parent ? this.value(parentModel, parent, fname) : emptyValue(field);
    }
    if (field.compute) {
      if (!field.readonly && !field.inverse && rec[fname] !== undefined) return rec[fname];
      const v = field.compute(this, rec);
      return v === undefined || v === null ? emptyValue(field) : v;
    }
    if (field.type === 'one2many') return this.activeOnly(field.relation!, this.childIds(field.relation!, field.inverseName!, rec.id));
    if (field.translate && this.lang && this.lang !== 'en_US') {
      const t = this.translations.get(`${model}/${fname}/${rec.id}`)?.[this.lang];
      if (t !== undefined) return t;
    }
    const v = rec[fname];
    if (field.type === 'many2many') return Array.isArray(v) ? this.activeOnly(field.relation!, v) : [];
    return v === undefined ? emptyValue(field) : v;
  }

  /** x2many values hide archived records, as Odoo's active_test does for them. */
  private activeOnly(comodel: string, ids: number[]): number[] {
    const t = this.tables.get(comodel)!;
    if (!('active' in t.def.fields)) return ids;
    return ids.filter((id) => t.rows.get(id)?.active !== false);
  }

  /** A translation of a translated field (seed data: Odoo ships them with its language packs). */
  setTranslation(model: string, id: number, fname: string, lang: string, value: string): void {
    const key = `${model}/${fname}/${id}`;
    this.translations.set(key, { ...(this.translations.get(key) ?? {}), [lang]: value });
  }

  displayName(model: string, id: number): string | false {
    const rec = this.raw(model, id);
    return rec ? this.tables.get(model)!.def.displayName(this, rec) : false;
  }

  /** Ids of `comodel` records whose many2one `field` points at `parentId`, ascending. */
  childIds(comodel: string, field: string, parentId: number): number[] {
    return this.idsByValue(comodel, field, parentId);
  }

  /** Ids of `model` records whose stored `field` equals `value` (indexed, for lookups in hot paths). */
  idsByValue(comodel: string, field: string, parentId: unknown): number[] {
    const key = `${comodel}\u0000${field}`;
    let index = this.indexes.get(key);
    if (!index) {
      index = new Map();
      for (const rec of this.rows(comodel)) addToIndex(index, rec[field], rec.id);
      this.indexes.set(key, index);
    }
    const set = index.get(parentId);
    if (!set || set.size === 0) return [];
    const out = [...set];
    if (out.length > 1) out.sort((a, b) => a - b);
    return out;
  }

  nextId(model: string): number {
    return this.tables.get(model)!.nextId;
  }

  /** Seeding: make the next created record of `model` get `id`. */
  forceNextId(model: string, id: number): void {
    this.tables.get(model)!.nextId = id;
  }

  /** Sequences are not rolled back on error, like PostgreSQL sequences. */
  nextSequence(code: string): number {
    this.sequences[code] = (this.sequences[code] ?? 0) + 1;
    return this.sequences[code];
  }

  insertRaw(model: string, vals: Vals, id?: number): Rec {
    const t = this.tables.get(model)!;
    const newId = id ?? t.nextId;
    t.nextId = Math.max(t.nextId, newId + 1);
    const rec: Rec = { ...vals, id: newId };
    this.setRow(model, newId, rec);
    return rec;
  }

  writeRaw(model: string, id: number, vals: Vals): Rec {
    const old = this.raw(model, id);
    if (!old) throw valueError(`writeRaw on missing ${model}(${id})`);
    const rec: Rec = { ...old, ...vals, id };
    this.setRow(model, id, rec);
    return rec;
  }

  deleteRaw(model: string, id: number): void {
    this.setRow(model, id, undefined);
  }

  private setRow(model: string, id: number, rec: Rec | undefined, journal = true): void {
    const t = this.tables.get(model)!;
    const prev = t.rows.get(id);
    if (journal && this.journal) this.journal.push({ model, id, prev });
    if (rec) t.rows.set(id, rec);
    else t.rows.delete(id);
    this.version++;
    if (this.indexes.size) this.reindex(model, id, prev, rec);
  }

  private reindex(model: string, id: number, prev: Rec | undefined, next: Rec | undefined): void {
    for (const [key, index] of this.indexes) {
      const sep = key.indexOf('\u0000');
      if (key.slice(0, sep) !== model) continue;
      const field = key.slice(sep + 1);
      const a = prev?.[field];
      const b = next?.[field];
      if (a === b && prev && next) continue;
      if (prev) removeFromIndex(index, a, id);
      if (next) addToIndex(index, b, id);
    }
  }

  // ---- transactions -----------------------------------------------------------

  /** Run `fn` atomically: any exception undoes every change it made. */
  transaction<T>(fn: () => T): T {
    const outer = this.journal === null;
    if (outer) this.journal = [];
    const mark = this.journal!.length;
    try {
      const result = fn();
      if (outer) this.journal = null;
      return result;
    } catch (err) {
      this.rollbackTo(mark);
      if (outer) this.journal = null;
      throw err;
    }
  }

  /** A savepoint inside a transaction: returns a function that undoes to this point. */
  savepoint(): () => void {
    if (!this.journal) throw new Error('savepoint outside a transaction');
    const mark = this.journal.length;
    return () => this.rollbackTo(mark);
  }

  private rollbackTo(mark: number): void {
    const j = this.journal!;
    while (j.length > mark) {
      const e = j.pop()!;
      this.setRow(e.model, e.id, e.prev, false);
    }
  }

  // ---- searching -----------------------------------------------------------------

  parseOrder(model: string, order: string): SortTerm[] {
    const check = (): never => {
      throw userError(
        `Invalid "order" specified (${order}). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`,
      );
    };
    const parts = order.split(',');
    if (parts.some((p) => !ORDER_TERM.test(p))) check();
    return this.sortTerms(model, order, false, new Set());
  }

  private sortTerms(model: string, order: string, reverse: boolean, seen: Set<string>): SortTerm[] {
    const def = this.def(model);
    const terms: SortTerm[] = [];
    for (const part of order.split(',')) {
      const m = ORDER_TERM.exec(part);
      if (!m) continue;
      const fname = m[1];
      const sub = m[2] ? m[2].slice(1) : undefined;
      const field = def.fields[fname];
      if (!field) throw valueError(`Invalid field '${fname}' on model '${model}'`);
      let desc = (m[5] ?? '').toLowerCase() === 'desc';
      if (reverse) desc = !desc;
      const nullsSpec = (m[7] ?? '').toLowerCase();
      let nullsFirst = nullsSpec ? nullsSpec === 'nulls first' : desc;
      if (reverse && nullsSpec) nullsFirst = !nullsFirst;
      if (field.type === 'many2one') {
        const comodel = field.relation!;
        const coorder = sub === 'id' ? 'id' : this.def(comodel).order;
        const seenKey = `${model}.${fname}`;
        if (seen.has(seenKey)) continue;
        if (coorder === 'id' || seen.size > 2) {
          terms.push({ get: (r) => this.value(model, r, fname) || null, desc, nullsFirst });
          continue;
        }
        // explicit NULLS FIRST/LAST on a many2one sorts on "IS [NOT] NULL" before the comodel order
        if (nullsSpec) {
          const wantFirst = nullsFirst;
          terms.push({ get: (r) => (this.value(model, r, fname) ? 1 : 0) ^ (wantFirst ? 0 : 1), desc: false, nullsFirst: false });
        }
        const inner = this.sortTerms(comodel, coorder, desc, new Set([...seen, seenKey]));
        for (const t of inner) {
          terms.push({
            get: (r) => {
              const id = this.value(model, r, fname) as number | false;
              const co = id ? this.raw(comodel, id) : undefined;
              return co ? t.get(co) : null;
            },
            desc: t.desc,
            nullsFirst: t.nullsFirst,
          });
        }
        continue;
      }
      if (field.type === 'one2many' || field.type === 'many2many') continue;
      const get =
        field.type === 'boolean'
          ? (r: Rec) => {
              const v = this.value(model, r, fname);
              return v === null || v === undefined ? null : v ? 1 : 0;
            }
          : (r: Rec) => {
              const v = this.value(model, r, fname);
              return v === false || v === undefined || v === null ? null : v;
            };
      terms.push({ get, desc, nullsFirst, isId: fname === 'id' });
    }
    return terms;
  }

  /**
   * Ids matching `domain`, ordered and paged like BaseModel.search.
   * Raises the same errors as the real search for malformed input.
   */
  searchIds(model: string, domain: unknown, opts: SearchOptions = {}): number[] {
    const def = this.def(model);
    const ctx = opts.context ?? {};
    const node = parseDomain(domain);
    const order = opts.order || def.order;
    const terms = this.parseOrder(model, order);
    const activeTest = ctx.active_test !== false;
    const key = `${model}\u0000${order}\u0000${activeTest}\u0000${this.lang ?? ''}\u0000${JSON.stringify(domain)}`;
    let ids: number[];
    const cached = this.searchCache.get(key);
    if (cached && cached.version === this.version) {
      ids = cached.ids;
    } else {
      ids = this.filterIds(model, node, ctx);
      this.sortIds(model, ids, terms);
      if (this.searchCache.size >= 64) this.searchCache.delete(this.searchCache.keys().next().value as string);
      this.searchCache.set(key, { version: this.version, ids });
    }
    const offset = Math.max(0, Number(opts.offset) || 0);
    const limit = opts.limit ? Number(opts.limit) : undefined;
    if (offset === 0 && limit === undefined) return ids.slice();
    return ids.slice(offset, limit === undefined ? undefined : offset + limit);
  }

  countIds(model: string, domain: unknown, ctx: Context = {}): number {
    this.def(model);
    return this.filterIds(model, parseDomain(domain), ctx).length;
  }

  filterIds(model: string, node: DomainNode, ctx: Context): number[] {
    const pred = compileSearch(this, model, node, ctx);
    const out: number[] = [];
    for (const rec of this.rows(model)) if (pred(rec)) out.push(rec.id);
    return out;
  }

  sortIds(model: string, ids: number[], terms: SortTerm[]): void {
    if (ids.length < 2) return;
    if (terms.length === 1 && terms[0].isId) {
      ids.sort(terms[0].desc ? (a, b) => b - a : (a, b) => a - b);
      return;
    }
    const keyed = ids.map((id) => {
      const rec = this.raw(model, id)!;
      return { id, keys: terms.map((t) => t.get(rec)) };
    });
    keyed.sort((a, b) => {
      for (let i = 0; i < terms.length; i++) {
        const c = compareKeys(a.keys[i], b.keys[i], terms[i]);
        if (c !== 0) return c;
      }
      return a.id - b.id;
    });
    for (let i = 0; i < ids.length; i++) ids[i] = keyed[i].id;
  }

  /** name_search semantics shared by the RPC method, import and child_of. */
  nameSearch(
    model: string,
    name: string,
    domain: unknown,
    operator = 'ilike',
    limit: number | undefined = 100,
    ctx: Context = {},
  ): Array<[number, string | false]> {
    return orm.nameSearch(this, model, name, domain, operator, limit, ctx);
  }

  // ---- public API for tests ---------------------------------------------------------

  /** Ids matching `domain` in the model's default order (active filter applies). */
  search(model: string, domain: unknown[] = [], opts: SearchOptions = {}): number[] {
    return this.searchIds(model, domain, opts);
  }

  count(model: string, domain: unknown[] = [], context: Context = {}): number {
    return this.countIds(model, domain, context);
  }

  /** Records as an RPC read returns them (many2one as [id, name]). */
  read(model: string, ids: number | number[], fields?: string[]): Array<Record<string, unknown>> {
    return orm.readRecords(this, model, Array.isArray(ids) ? ids : [ids], fields ?? [], {});
  }

  /** Creates one record (or several when given a list, returning the first id). */
  create(model: string, vals: Vals | Vals[], context: Context = {}): number {
    const list = Array.isArray(vals) ? vals : [vals];
    return this.transaction(() => orm.createRecords(this, model, list, context))[0];
  }

  createMany(model: string, valsList: Vals[], context: Context = {}): number[] {
    return this.transaction(() => orm.createRecords(this, model, valsList, context));
  }

  write(model: string, ids: number | number[], vals: Vals, context: Context = {}): true {
    this.transaction(() => orm.writeRecords(this, model, Array.isArray(ids) ? ids : [ids], vals, context));
    return true;
  }

  unlink(model: string, ids: number | number[], context: Context = {}): true {
    this.transaction(() => orm.unlinkRecords(this, model, Array.isArray(ids) ? ids : [ids], context));
    return true;
  }

  /** A flat snapshot of one record: stored and delegated fields, many2one as ids. */
  get(model: string, id: number): Record<string, unknown> | undefined {
    const rec = this.raw(model, id);
    if (!rec) return undefined;
    const def = this.def(model);
    const out: Record<string, unknown> = { id };
    for (const [fname, field] of Object.entries(def.fields)) {
      if (fname === 'id') continue;
      out[fname] = this.value(model, rec, fname);
      if (field.type === 'many2many' && out[fname] === undefined) out[fname] = [];
    }
    return out;
  }

  /** Record id behind an external id such as "__import__.sku_1" or "base.USD". */
  xmlid(complete: string): { model: string; id: number } | undefined {
    return orm.resolveXmlid(this, complete);
  }
}

function removeFromIndex(index: Map<unknown, Set<number>>, key: unknown, id: number): void {
  if (Array.isArray(key)) for (const k of key) index.get(k)?.delete(id);
  else index.get(key)?.delete(id);
}

function addToIndex(index: Map<unknown, Set<number>>, key: unknown, id: number): void {
  if (typeof key !== 'number' && typeof key !== 'string') {
    if (Array.isArray(key)) for (const k of key) addToIndex(index, k, id);
    return;
  }
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(id);
}

function compareKeys(a: unknown, b: unknown, term: SortTerm): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) {
    if (an && bn) return 0;
    return an === term.nullsFirst ? -1 : 1;
  }
  let c: number;
  if (typeof a === 'number' && typeof b === 'number') c = a - b;
  else {
    const sa = String(a);
    const sb = String(b);
    c = sa < sb ? -1 : sa > sb ? 1 : 0;
  }
  return term.desc ? -c : c;
}

export function emptyValue(field: FieldDef): unknown {
  switch (field.type) {
    case 'integer':
    case 'float':
    case 'monetary':
      return 0;
    case 'one2many':
    case 'many2many':
      return [];
    case 'many2one_reference':
      return 0;
    default:
      return false;
  }
}
