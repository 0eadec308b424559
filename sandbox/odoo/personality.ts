// Which Odoo the sandbox imitates. Odoo 19.0 is the model (models.ts follows
// its fields_get); the 17.0 personality changes what a client can see of it,
// as a real 17.0 community server shows it (read from the 17.0 source and
// checked by running test/contract against both). Everything older than 19 is
// imitated as 17. The field names here are written out on purpose rather than
// taken from lib/odoo/versions.ts: the contract suite then checks the
// package's version knowledge against an independent description.
import { parseServerVersion } from '../../lib/odoo/versions';
import type { FieldDef, ModelDef, Registry } from './models';

export interface Personality {
  version: string;
  /** GET /web/version and /json/version (18+); 17 answers 404. */
  webVersion: boolean;
  /** POST /json/2/… (19+). */
  json2: boolean;
  /** `has_access(operation)` exists (18+); 17 has only `check_access_rights`. */
  hasAccess: boolean;
  /** `res.users.apikeys.expiration_date` exists (18+). */
  apiKeyExpiry: boolean;
  /** `formatted_read_group` exists (19+). */
  formattedReadGroup: boolean;
  /** name_search's domain keyword: `domain` (19), `args` (17). */
  nameSearchDomain: 'domain' | 'args';
  /** purchase.order.line's unit. */
  poLineUom: string;
  /** product.supplierinfo's unit; on 17 it follows the template's purchase unit (uom_po_id) and is not written. */
  supplierInfoUom: string;
  supplierInfoUomOwn: boolean;
  /** Models whose outermost `write` names its argument `values` on 17 (`vals` on 19), by the Python class: the keyword `vals` is refused there. */
  writeValuesModels: ReadonlyMap<string, string>;
  /** Whether a product template tracks stock, and the values that make it so. */
  isStorable(template: { [k: string]: unknown }): boolean;
  storableVals: Record<string, unknown>;
  /** create()'s ValueError text for a field the model lacks. */
  invalidCreateField(field: string, model: string): string;
  /** The AttributeError text for a method the model lacks. */
  unknownMethod(model: string, method: string): string;
}

const V19: Omit<Personality, 'version'> = {
  webVersion: true,
  json2: true,
  hasAccess: true,
  apiKeyExpiry: true,
  formattedReadGroup: true,
  nameSearchDomain: 'domain',
  poLineUom: 'product_uom_id',
  supplierInfoUom: 'product_uom_id',
  supplierInfoUomOwn: true,
  writeValuesModels: new Map(),
  isStorable: (p) => p.is_storable === true,
  storableVals: { is_storable: true },
  unknownMethod: (model, method) => `The method '${model}.${method}' does not exist`,
  invalidCreateField: (field, model) => `Invalid field '${field}' in '${model}'`,
};

const V17: Omit<Personality, 'version'> = {
  webVersion: false,
  json2: false,
  hasAccess: false,
  apiKeyExpiry: false,
  formattedReadGroup: false,
  nameSearchDomain: 'args',
  poLineUom: 'product_uom',
  supplierInfoUom: 'product_uom',
  supplierInfoUomOwn: false,
  // 17.0 source: purchase_stock/models/purchase_order_line.py, stock/models/product.py (Product, UoM), stock/models/stock_location.py
  writeValuesModels: new Map([
    ['purchase.order.line', 'PurchaseOrderLine'],
    ['product.product', 'Product'],
    ['uom.uom', 'UoM'],
    ['stock.location', 'Location'],
  ]),
  isStorable: (p) => p.detailed_type === 'product',
  storableVals: { detailed_type: 'product' },
  unknownMethod: (model, method) => `The method '${method}' does not exist on the model '${model}'`,
  invalidCreateField: (field, model) => `Invalid field '${field}' on model '${model}'`,
};

export function personalityFor(version: string): Personality {
  const { major } = parseServerVersion(version);
  return { version, ...(major >= 19 ? V19 : V17) };
}

function rename(def: ModelDef, from: string, to: string, patch: Partial<FieldDef> = {}): void {
  const fields = Object.create(null) as Record<string, FieldDef>;
  for (const [name, f] of Object.entries(def.fields)) {
    if (name === from) fields[to] = { ...f, ...patch, name: to };
    else fields[name] = f;
  }
  def.fields = fields;
}

/** Reshapes the 19.0 registry (hooks installed) into what this personality shows. */
export function applyPersonality(reg: Registry, p: Personality): void {
  const keys = reg.get('res.users.apikeys');
  if (!p.apiKeyExpiry && keys) delete keys.fields.expiration_date;
  if (p.supplierInfoUomOwn) return;
  const tmpl = reg.get('product.template')!;
  const product = reg.get('product.product')!;
  const uomOf = (r: { [k: string]: unknown }) => r.uom_po_id || r.uom_id || false;
  // 17: detailed_type says consumable, service or storable; type follows it
  const types: Array<[string, string]> = [
    ['consu', 'Consumable'],
    ['service', 'Service'],
    ['product', 'Storable Product'],
  ];
  for (const def of [tmpl, product]) {
    delete def.fields.is_storable;
    def.fields.type = { ...def.fields.type!, selection: types };
    def.fields.detailed_type = { ...def.fields.type!, name: 'detailed_type', string: 'Product Type' };
    if (def === product) def.fields.detailed_type.inherited = 'product_tmpl_id';
  }
  tmpl.fields.uom_po_id = { name: 'uom_po_id', type: 'many2one', relation: 'uom.uom', string: 'Purchase UoM', required: true, default: (_s: unknown, vals: Record<string, unknown>) => vals.uom_id ?? 1 };
  const prepare = tmpl.prepareCreate;
  tmpl.prepareCreate = (s, vals, ctx) => {
    if ('detailed_type' in vals) vals.type = vals.detailed_type;
    else if ('type' in vals) vals.detailed_type = vals.type;
    prepare?.(s, vals, ctx);
  };
  const afterWrite = tmpl.afterWrite;
  tmpl.afterWrite = (s, rec, vals) => {
    if ('detailed_type' in vals) s.writeRaw('product.template', rec.id, { type: rec.detailed_type });
    afterWrite?.(s, rec, vals);
  };
  product.fields.uom_po_id = { ...tmpl.fields.uom_po_id, store: false, inherited: 'product_tmpl_id' };
  rename(reg.get('purchase.order.line')!, 'product_uom_id', 'product_uom', { string: 'Unit of Measure' });
  // Real 17 has required=True here: a move created without a description is refused
  reg.get('stock.move')!.fields.name = { name: 'name', type: 'char', string: 'Description', required: true };
  // related='product_tmpl_id.uom_po_id': shows the template's purchase unit
  rename(reg.get('product.supplierinfo')!, 'product_uom_id', 'product_uom', {
    string: 'Unit of Measure',
    required: false,
    readonly: true,
    store: false,
    compute: (s, r) => {
      const t = r.product_tmpl_id ? s.raw('product.template', r.product_tmpl_id as number) : undefined;
      return t ? uomOf(t) : false;
    },
  });
}
