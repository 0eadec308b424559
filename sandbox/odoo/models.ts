// Field definitions of the emulated Odoo 19 models. Names, types, labels and
// required/readonly flags follow fields_get of a real Odoo 19 (stock+purchase);
// only the subset an integration touches is modelled.
import { createHash } from 'node:crypto';
import { lookup as mimeLookup } from 'mime-types';
import type { ModelStore } from './store';

export type FieldType =
  | 'char'
  | 'text'
  | 'html'
  | 'integer'
  | 'float'
  | 'monetary'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'selection'
  | 'many2one'
  | 'one2many'
  | 'many2many'
  | 'many2one_reference'
  | 'binary';

export type Rec = { id: number; [field: string]: unknown };
export type Vals = Record<string, unknown>;
export type Context = Record<string, unknown>;

export interface FieldDef {
  name: string;
  type: FieldType;
  string: string;
  required?: boolean;
  readonly?: boolean;
  /** What fields_get reports; values of computed fields are derived on access either way. */
  store?: boolean;
  relation?: string;
  /** one2many: the many2one field on the comodel pointing back. */
  inverseName?: string;
  selection?: Array<[string, string]>;
  ondelete?: 'cascade' | 'set null' | 'restrict';
  default?: unknown | ((s: ModelStore, vals: Vals, ctx: Context) => unknown);
  compute?: (s: ModelStore, rec: Rec) => unknown;
  /** Lets a computed field be written (e.g. template default_code -> its variant). */
  inverse?: (s: ModelStore, rec: Rec, value: unknown) => void;
  help?: string;
  size?: number;
  translate?: boolean;
  aggregator?: 'sum' | 'avg' | 'max' | 'min';
  /** Set on fields delegated to the parent of an _inherits link (product.product -> product.template). */
  inherited?: string;
  /**
   * A dangling id here surfaces as MissingError (computed fields read the target
   * before the INSERT), elsewhere as the foreign-key ValidationError.
   */
  checkMissing?: boolean;
}

export interface ModelDef {
  name: string;
  description: string;
  order: string;
  recName: string;
  /** Fields searched by name_search / display_name conditions. */
  recNamesSearch: string[];
  parentName?: string;
  inherits?: { model: string; field: string };
  mailThread?: boolean;
  fields: Record<string, FieldDef>;
  displayName: (s: ModelStore, rec: Rec) => string | false;
  /** Python constraints and CHECK constraints, run after create/write. */
  check?: (s: ModelStore, rec: Rec) => void;
  /** Defaults that depend on other values, run before conversion. */
  prepareCreate?: (s: ModelStore, vals: Vals, ctx: Context) => void;
  afterCreate?: (s: ModelStore, rec: Rec, vals: Vals, ctx: Context) => void;
  afterWrite?: (s: ModelStore, rec: Rec, vals: Vals) => void;
  beforeUnlink?: (s: ModelStore, ids: number[]) => void;
}

type FieldOpts = Partial<Omit<FieldDef, 'name' | 'type' | 'string'>>;

const f = (type: FieldType) => (string: string, o: FieldOpts = {}): Omit<FieldDef, 'name'> => ({
  type,
  string,
  ...o,
});
const char = f('char');
const text = f('text');
const html = f('html');
const integer = f('integer');
const float = f('float');
const monetary = f('monetary');
const boolean = f('boolean');
const date = f('date');
const datetime = f('datetime');
const m2oRef = f('many2one_reference');
const binary = f('binary');
const selection = (string: string, sel: Array<[string, string]>, o: FieldOpts = {}) =>
  f('selection')(string, { selection: sel, ...o });
const m2o = (relation: string, string: string, o: FieldOpts = {}) => f('many2one')(string, { relation, ...o });
const o2m = (relation: string, inverseName: string, string: string, o: FieldOpts = {}) =>
  f('one2many')(string, { relation, inverseName, ...o });
const m2m = (relation: string, string: string, o: FieldOpts = {}) => f('many2many')(string, { relation, ...o });

interface ModelSpec extends Partial<Omit<ModelDef, 'fields' | 'name' | 'description' | 'order'>> {
  description: string;
  order: string;
  fields: Record<string, Omit<FieldDef, 'name'>>;
}

/** Fields Odoo adds to every model. */
function magicFields(): Record<string, Omit<FieldDef, 'name'>> {
  return {
    create_uid: m2o('res.users', 'Created by', { readonly: true }),
    create_date: datetime('Created on', { readonly: true }),
    write_uid: m2o('res.users', 'Last Updated by', { readonly: true }),
    write_date: datetime('Last Updated on', { readonly: true }),
  };
}

export const NOW_DEFAULT = (s: ModelStore): string => s.now();
const companyDefault = (): number => 1;
const userDefault = (s: ModelStore): number => s.uid;
const companyCurrency = (s: ModelStore): unknown => s.raw('res.company', 1)?.currency_id ?? false;

const SPECS: Record<string, ModelSpec> = {
  'res.company': {
    description: 'Companies',
    order: 'sequence, name',
    fields: {
      name: char('Company Name', { required: true }),
      partner_id: m2o('res.partner', 'Partner', { required: true }),
      currency_id: m2o('res.currency', 'Currency', { required: true }),
      sequence: integer('Sequence', { default: 10 }),
      active: boolean('Active', { default: true }),
    },
  },
  'res.users': {
    description: 'User',
    order: 'name, login',
    fields: {
      name: char('Name', { compute: (s, r) => s.raw('res.partner', r.partner_id as number)?.name ?? false }),
      login: char('Login', { required: true }),
      partner_id: m2o('res.partner', 'Related Partner', { required: true, ondelete: 'restrict' }),
      company_id: m2o('res.company', 'Company', { required: true, default: companyDefault }),
      active: boolean('Active', { default: true }),
    },
  },
  'res.partner.category': {
    description: 'Partner Tags',
    order: 'name, id',
    fields: {
      name: char('Name', { required: true }),
      color: integer('Color'),
      parent_id: m2o('res.partner.category', 'Parent Category', { ondelete: 'cascade' }),
      active: boolean('Active', { default: true }),
    },
  },
  'res.partner': {
    description: 'Contact',
    order: 'complete_name ASC, id DESC',
    recName: 'complete_name',
    recNamesSearch: ['complete_name', 'email', 'ref', 'vat'],
    mailThread: true,
    fields: {
      name: char('Name'),
      complete_name: char('Complete Name', { readonly: true, compute: (s, r) => partnerName(s, r) }),
      ref: char('Reference'),
      email: char('Email'),
      phone: char('Phone'),
      is_company: boolean('Is a Company', { default: false }),
      type: selection(
        'Address Type',
        [
          ['contact', 'Contact'],
          ['invoice', 'Invoice'],
          ['delivery', 'Delivery'],
          ['other', 'Other'],
        ],
        { default: 'contact' },
      ),
      parent_id: m2o('res.partner', 'Related Company', { checkMissing: true }),
      child_ids: o2m('res.partner', 'parent_id', 'Contact'),
      category_id: m2m('res.partner.category', 'Tags'),
      street: char('Street'),
      street2: char('Street2'),
      city: char('City'),
      zip: char('Zip'),
      country_id: m2o('res.country', 'Country', { ondelete: 'restrict' }),
      website: char('Website Link'),
      lang: selection('Language', [['en_US', 'English (US)']], { default: 'en_US' }),
      vat: char('Tax ID'),
      company_id: m2o('res.company', 'Company'),
      supplier_rank: integer('Supplier Rank'),
      customer_rank: integer('Customer Rank'),
      comment: html('Notes'),
      active: boolean('Active', { default: true }),
    },
  },
  'res.country': {
    description: 'Country',
    order: 'name, id',
    recNamesSearch: ['name', 'code'],
    fields: {
      name: char('Country Name', { required: true, translate: true }),
      code: char('Country Code', { required: true, size: 2 }),
    },
  },
  'res.currency': {
    description: 'Currency',
    order: 'active desc, name',
    fields: {
      name: char('Currency', { required: true, size: 3, help: 'Currency Code (ISO 4217)' }),
      symbol: char('Symbol', { required: true }),
      full_name: char('Name'),
      rounding: float('Rounding Factor', { default: 0.01 }),
      decimal_places: integer('Decimal Places', { readonly: true, compute: (_s, r) => decimals(r.rounding as number) }),
      position: selection(
        'Symbol Position',
        [
          ['after', 'After Amount'],
          ['before', 'Before Amount'],
        ],
        { default: 'after' },
      ),
      rate: float('Current Rate', { readonly: true, store: false, compute: (_s, r) => (r.rate_value as number) ?? 1 }),
      active: boolean('Active', { default: true }),
    },
  },
  'uom.uom': {
    description: 'Product Unit of Measure',
    order: 'sequence, relative_uom_id, id',
    fields: {
      name: char('Unit Name', { required: true, translate: true }),
      sequence: integer('Sequence', { default: 100 }),
      relative_factor: float('Contains', { required: true, default: 1.0 }),
      relative_uom_id: m2o('uom.uom', 'Reference Unit', { ondelete: 'cascade' }),
      factor: float('Absolute Quantity', { readonly: true, compute: (s, r) => uomFactor(s, r) }),
      rounding: float('Rounding Precision', { readonly: true, store: false, compute: () => 0.01 }),
      active: boolean('Active', { default: true }),
    },
  },
  'product.category': {
    description: 'Product Category',
    order: 'complete_name',
    recName: 'complete_name',
    fields: {
      name: char('Name', { required: true }),
      complete_name: char('Complete Name', {
        compute: (s, r) => {
          const parent = r.parent_id ? s.raw('product.category', r.parent_id as number) : undefined;
          return parent ? `${s.value('product.category', parent, 'complete_name') as string} / ${r.name}` : r.name;
        },
      }),
      parent_id: m2o('product.category', 'Parent Category', { ondelete: 'cascade' }),
    },
  },
  'product.template': {
    description: 'Product',
    order: 'is_favorite desc, name',
    recNamesSearch: ['name', 'default_code'],
    mailThread: true,
    fields: {
      name: char('Name', { required: true, translate: true }),
      default_code: char('Internal Reference', {
        compute: (s, r) => variantValue(s, r, 'default_code'),
        inverse: (s, r, v) => setVariantValue(s, r, 'default_code', v),
      }),
      barcode: char('Barcode', {
        store: false,
        compute: (s, r) => variantValue(s, r, 'barcode'),
        inverse: (s, r, v) => setVariantValue(s, r, 'barcode', v),
      }),
      standard_price: float('Cost', {
        store: false,
        compute: (s, r) => variantValue(s, r, 'standard_price') || 0,
        inverse: (s, r, v) => setVariantValue(s, r, 'standard_price', v),
      }),
      list_price: float('Sales Price', { default: 1.0 }),
      type: selection(
        'Product Type',
        [
          ['consu', 'Goods'],
          ['service', 'Service'],
          ['combo', 'Combo'],
        ],
        { required: true, default: 'consu' },
      ),
      is_storable: boolean('Track Inventory', { default: false }),
      tracking: selection(
        'Tracking',
        [
          ['serial', 'By Unique Serial Number'],
          ['lot', 'By Lots'],
          ['none', 'By Quantity'],
        ],
        { required: true, default: 'none' },
      ),
      property_stock_inventory: m2o('stock.location', 'Inventory Location', { default: () => 11 }),
      uom_id: m2o('uom.uom', 'Unit', { required: true, default: 1 }),
      categ_id: m2o('product.category', 'Product Category'),
      description_purchase: text('Purchase Description', { translate: true }),
      purchase_ok: boolean('Purchase', { default: true }),
      sale_ok: boolean('Sales', { default: true }),
      is_favorite: boolean('Favorite', { default: false }),
      company_id: m2o('res.company', 'Company'),
      seller_ids: o2m('product.supplierinfo', 'product_tmpl_id', 'Vendors'),
      product_variant_ids: o2m('product.product', 'product_tmpl_id', 'Products', { required: true }),
      product_variant_id: m2o('product.product', 'Product', {
        readonly: true,
        store: false,
        compute: (s, r) => s.childIds('product.product', 'product_tmpl_id', r.id)[0] ?? false,
      }),
      qty_available: float('Quantity On Hand', {
        store: false,
        compute: (s, r) =>
          s
            .childIds('product.product', 'product_tmpl_id', r.id)
            .reduce((sum, pid) => sum + qtyAvailable(s, pid), 0),
      }),
      active: boolean('Active', { default: true }),
    },
  },
  'product.product': {
    description: 'Product Variant',
    order: 'default_code, name, id',
    recNamesSearch: ['name', 'default_code'],
    inherits: { model: 'product.template', field: 'product_tmpl_id' },
    mailThread: true,
    fields: {
      product_tmpl_id: m2o('product.template', 'Product Template', { required: true, ondelete: 'cascade', checkMissing: true }),
      default_code: char('Internal Reference'),
      barcode: char('Barcode', { help: 'International Article Number used for product identification.' }),
      standard_price: float('Cost'),
      lst_price: float('Sales\u00a0Price', {
        store: false,
        compute: (s, r) => s.value('product.product', r, 'list_price'),
      }),
      qty_available: float('Quantity On Hand', { store: false, compute: (s, r) => qtyAvailable(s, r.id) }),
      active: boolean('Active', { default: true }),
    },
  },
  'product.supplierinfo': {
    description: 'Supplier Pricelist',
    order: 'sequence, min_qty DESC, price, id',
    recName: 'partner_id',
    fields: {
      partner_id: m2o('res.partner', 'Vendor', { required: true, ondelete: 'cascade' }),
      product_name: char('Vendor Product Name'),
      product_code: char('Vendor Product Code'),
      sequence: integer('Sequence', { default: 1 }),
      product_uom_id: m2o('uom.uom', 'Unit', { required: true }),
      min_qty: float('Quantity', { required: true, default: 0.0 }),
      price: float('Unit Price', { default: 0.0 }),
      discount: float('Discount (%)'),
      company_id: m2o('res.company', 'Company', { default: companyDefault }),
      currency_id: m2o('res.currency', 'Currency', { required: true, default: companyCurrency }),
      date_start: date('Start Date'),
      date_end: date('End Date'),
      product_id: m2o('product.product', 'Product Variant'),
      product_tmpl_id: m2o('product.template', 'Product Template', { required: true, ondelete: 'cascade', checkMissing: true }),
      delay: integer('Lead Time', { required: true, default: 1 }),
    },
  },
  'stock.location': {
    description: 'Inventory Locations',
    order: 'complete_name, id',
    recName: 'complete_name',
    parentName: 'location_id',
    fields: {
      name: char('Location Name', { required: true }),
      complete_name: char('Full Location Name', { readonly: true, compute: (s, r) => locationName(s, r) }),
      active: boolean('Active', { default: true }),
      usage: selection(
        'Location Type',
        [
          ['supplier', 'Vendor'],
          ['view', 'Virtual'],
          ['internal', 'Internal'],
          ['customer', 'Customer'],
          ['inventory', 'Inventory Loss'],
          ['production', 'Production'],
          ['transit', 'Transit'],
        ],
        { required: true, default: 'internal' },
      ),
      location_id: m2o('stock.location', 'Parent Location', { ondelete: 'cascade' }),
      child_ids: o2m('stock.location', 'location_id', 'Contains'),
      company_id: m2o('res.company', 'Company', { default: companyDefault }),
      barcode: char('Barcode'),
      warehouse_id: m2o('stock.warehouse', 'Warehouse', { readonly: true, compute: (s, r) => locationWarehouse(s, r) }),
    },
  },
  'stock.warehouse': {
    description: 'Warehouse',
    order: 'sequence,id',
    fields: {
      name: char('Warehouse', { required: true }),
      code: char('Short Name', { required: true, size: 5 }),
      active: boolean('Active', { default: true }),
      company_id: m2o('res.company', 'Company', { required: true, readonly: true, default: companyDefault }),
      partner_id: m2o('res.partner', 'Address'),
      view_location_id: m2o('stock.location', 'View Location', { required: true }),
      lot_stock_id: m2o('stock.location', 'Location Stock', { required: true }),
      in_type_id: m2o('stock.picking.type', 'In Type'),
      out_type_id: m2o('stock.picking.type', 'Out Type'),
      sequence: integer('Sequence', { default: 10 }),
    },
  },
  'stock.picking.type': {
    description: 'Picking Type',
    order: 'is_favorite desc, sequence, id',
    fields: {
      name: char('Operation Type', { required: true }),
      code: selection(
        'Type of Operation',
        [
          ['incoming', 'Receipt'],
          ['outgoing', 'Delivery'],
          ['internal', 'Internal Transfer'],
        ],
        { required: true },
      ),
      sequence_code: char('Sequence Prefix', { required: true }),
      sequence: integer('Sequence', { default: 1 }),
      is_favorite: boolean('Show Operation in Overview', { default: true }),
      warehouse_id: m2o('stock.warehouse', 'Warehouse', { ondelete: 'cascade' }),
      default_location_src_id: m2o('stock.location', 'Source Location', { required: true }),
      default_location_dest_id: m2o('stock.location', 'Destination Location', { required: true }),
      company_id: m2o('res.company', 'Company', { required: true, default: companyDefault }),
      active: boolean('Active', { default: true }),
    },
  },
  'stock.quant': {
    description: 'Quants',
    order: 'id',
    fields: {
      product_id: m2o('product.product', 'Product', { required: true, ondelete: 'restrict', checkMissing: true }),
      company_id: m2o('res.company', 'Company', { readonly: true, compute: (s, r) => quantCompany(s, r) }),
      location_id: m2o('stock.location', 'Location', { required: true, ondelete: 'restrict' }),
      quantity: float('Quantity', { readonly: true, default: 0.0 }),
      reserved_quantity: float('Reserved Quantity', { required: true, readonly: true, default: 0.0 }),
      inventory_quantity: float('Counted', { default: 0.0 }),
      // stored when the count is set, as Odoo does: a quantity moved since then makes the count outdated
      inventory_diff_quantity: float('Difference', { readonly: true, default: 0.0 }),
      inventory_date: date('Scheduled'),
      inventory_quantity_set: boolean('Inventory Quantity Set', { default: false }),
      user_id: m2o('res.users', 'Assigned To'),
    },
  },
  'stock.inventory.conflict': {
    description: 'Conflict in Inventory',
    order: 'id',
    fields: {
      quant_ids: m2m('stock.quant', 'Quants'),
      quant_to_fix_ids: m2m('stock.quant', 'Conflicts'),
    },
  },
  'purchase.order': {
    description: 'Purchase Order',
    order: 'priority desc, id desc',
    mailThread: true,
    fields: {
      name: char('Order Reference', { required: true, default: 'New' }),
      priority: selection(
        'Priority',
        [
          ['0', 'Normal'],
          ['1', 'Urgent'],
        ],
        { default: '0' },
      ),
      origin: char('Source'),
      partner_ref: char('Vendor Reference'),
      date_order: datetime('Order Deadline', { required: true, default: NOW_DEFAULT }),
      date_approve: datetime('Confirmation Date', { readonly: true }),
      partner_id: m2o('res.partner', 'Vendor', { required: true, checkMissing: true }),
      currency_id: m2o('res.currency', 'Currency', { required: true, default: companyCurrency }),
      state: selection(
        'Status',
        [
          ['draft', 'RFQ'],
          ['sent', 'RFQ Sent'],
          ['to approve', 'To Approve'],
          ['purchase', 'Purchase Order'],
          ['cancel', 'Cancelled'],
        ],
        { readonly: true, default: 'draft' },
      ),
      order_line: o2m('purchase.order.line', 'order_id', 'Order Lines'),
      note: html('Terms and Conditions'),
      date_planned: datetime('Expected Arrival', { compute: (s, r) => poDatePlanned(s, r) }),
      amount_untaxed: monetary('Untaxed Amount', { readonly: true, compute: (s, r) => poAmount(s, r) }),
      amount_total: monetary('Total', { readonly: true, compute: (s, r) => poAmount(s, r) }),
      user_id: m2o('res.users', 'Buyer', { default: userDefault }),
      company_id: m2o('res.company', 'Company', { required: true, default: companyDefault }),
      picking_type_id: m2o('stock.picking.type', 'Deliver To', { required: true, default: 1 }),
      picking_ids: m2m('stock.picking', 'Receptions', { readonly: true, compute: (s, r) => poPickings(s, r) }),
    },
  },
  'purchase.order.line': {
    description: 'Purchase Order Line',
    order: 'order_id, sequence, id',
    fields: {
      name: text('Description', { required: true }),
      sequence: integer('Sequence', { default: 10 }),
      product_qty: float('Quantity', { required: true }),
      product_uom_qty: float('Total Quantity', { readonly: true, compute: (_s, r) => r.product_qty }),
      date_planned: datetime('Expected Arrival'),
      product_uom_id: m2o('uom.uom', 'Unit'),
      product_id: m2o('product.product', 'Product', { checkMissing: true }),
      price_unit: float('Unit Price', { required: true }),
      discount: float('Discount (%)'),
      price_subtotal: monetary('Subtotal', { readonly: true, compute: (_s, r) => lineSubtotal(r) }),
      order_id: m2o('purchase.order', 'Order Reference', { required: true, ondelete: 'cascade', checkMissing: true }),
      company_id: m2o('res.company', 'Company', {
        readonly: true,
        compute: (s, r) => s.raw('purchase.order', r.order_id as number)?.company_id ?? false,
      }),
      currency_id: m2o('res.currency', 'Currency', {
        readonly: true,
        store: false,
        compute: (s, r) => s.raw('purchase.order', r.order_id as number)?.currency_id ?? false,
      }),
      partner_id: m2o('res.partner', 'Partner', {
        readonly: true,
        compute: (s, r) => s.raw('purchase.order', r.order_id as number)?.partner_id ?? false,
      }),
      state: selection('Status', [], {
        readonly: true,
        store: false,
        compute: (s, r) => s.raw('purchase.order', r.order_id as number)?.state ?? false,
      }),
      qty_received: float('Received Qty'),
      display_type: selection('Display Type', [
        ['line_section', 'Section'],
        ['line_subsection', 'Subsection'],
        ['line_note', 'Note'],
      ]),
      move_ids: o2m('stock.move', 'purchase_line_id', 'Reservation', { readonly: true }),
    },
  },
  'stock.picking': {
    description: 'Transfer',
    order: 'priority desc, scheduled_date asc, id desc',
    mailThread: true,
    fields: {
      name: char('Reference', { readonly: true, default: '/' }),
      origin: char('Source Document'),
      priority: selection(
        'Priority',
        [
          ['0', 'Normal'],
          ['1', 'Urgent'],
        ],
        { default: '0' },
      ),
      state: selection(
        'Status',
        [
          ['draft', 'Draft'],
          ['waiting', 'Waiting Another Operation'],
          ['confirmed', 'Waiting'],
          ['assigned', 'Ready'],
          ['done', 'Done'],
          ['cancel', 'Cancelled'],
        ],
        { readonly: true, default: 'draft' },
      ),
      scheduled_date: datetime('Scheduled Date', { default: NOW_DEFAULT }),
      date_done: datetime('Date of Transfer'),
      location_id: m2o('stock.location', 'Source Location', { required: true }),
      location_dest_id: m2o('stock.location', 'Destination Location', { required: true }),
      move_ids: o2m('stock.move', 'picking_id', 'Stock Moves'),
      picking_type_id: m2o('stock.picking.type', 'Operation Type', { required: true }),
      picking_type_code: selection(
        'Type of Operation',
        [
          ['incoming', 'Receipt'],
          ['outgoing', 'Delivery'],
          ['internal', 'Internal Transfer'],
        ],
        { readonly: true, store: false, compute: (s, r) => s.raw('stock.picking.type', r.picking_type_id as number)?.code ?? false },
      ),
      partner_id: m2o('res.partner', 'Contact'),
      company_id: m2o('res.company', 'Company', { readonly: true, default: companyDefault }),
      purchase_id: m2o('purchase.order', 'Purchase Orders', {
        readonly: true,
        store: false,
        compute: (s, r) => pickingPurchase(s, r),
      }),
    },
  },
  'stock.move': {
    description: 'Stock Move',
    order: 'sequence, id',
    fields: {
      sequence: integer('Sequence', { default: 10 }),
      date: datetime('Date Scheduled', { required: true, default: NOW_DEFAULT }),
      company_id: m2o('res.company', 'Company', { required: true, default: companyDefault }),
      product_id: m2o('product.product', 'Product', { required: true, ondelete: 'restrict' }),
      product_uom_qty: float('Demand', { required: true, default: 0.0 }),
      product_uom: m2o('uom.uom', 'Unit', { required: true }),
      quantity: float('Quantity'),
      picked: boolean('Picked', { default: false }),
      location_id: m2o('stock.location', 'Source Location', { required: true }),
      location_dest_id: m2o('stock.location', 'Intermediate Location', { required: true }),
      partner_id: m2o('res.partner', 'Destination Address'),
      picking_id: m2o('stock.picking', 'Transfer'),
      picking_type_id: m2o('stock.picking.type', 'Operation Type'),
      state: selection(
        'Status',
        [
          ['draft', 'New'],
          ['waiting', 'Waiting Another Move'],
          ['confirmed', 'Waiting'],
          ['partially_available', 'Partially Available'],
          ['assigned', 'Available'],
          ['done', 'Done'],
          ['cancel', 'Cancelled'],
        ],
        { readonly: true, default: 'draft' },
      ),
      origin: char('Source Document'),
      reference: char('Reference', {
        readonly: true,
        compute: (s, r) =>
          (r.picking_id ? s.raw('stock.picking', r.picking_id as number)?.name : undefined) ??
          r.reference_text ??
          false,
      }),
      is_inventory: boolean('Inventory', { default: false }),
      purchase_line_id: m2o('purchase.order.line', 'Purchase Order Line', { readonly: true, ondelete: 'set null' }),
    },
  },
  'mail.message.subtype': {
    description: 'Message subtypes',
    order: 'sequence, id',
    fields: {
      name: char('Message Type', { required: true }),
      internal: boolean('Internal Only'),
      sequence: integer('Sequence', { default: 1 }),
    },
  },
  // vendor bills only (move_type in_invoice): what a supplier invoice becomes; no journal entries, taxes or posting
  'account.move': {
    description: 'Journal Entry',
    order: 'date desc, name desc, invoice_date desc, id desc',
    mailThread: true,
    fields: {
      name: char('Number', { readonly: true, default: '/' }),
      move_type: selection(
        'Type',
        [
          ['entry', 'Journal Entry'],
          ['out_invoice', 'Customer Invoice'],
          ['out_refund', 'Customer Credit Note'],
          ['in_invoice', 'Vendor Bill'],
          ['in_refund', 'Vendor Credit Note'],
        ],
        { required: true, default: 'entry' },
      ),
      state: selection(
        'Status',
        [
          ['draft', 'Draft'],
          ['posted', 'Posted'],
          ['cancel', 'Cancelled'],
        ],
        { required: true, readonly: true, default: 'draft' },
      ),
      ref: char('Reference'),
      date: date('Date', { required: true, default: (s: ModelStore) => s.now().slice(0, 10) }),
      partner_id: m2o('res.partner', 'Partner', { checkMissing: true }),
      invoice_date: date('Invoice/Bill Date'),
      invoice_date_due: date('Due Date'),
      invoice_origin: char('Origin'),
      currency_id: m2o('res.currency', 'Currency', { required: true, default: companyCurrency }),
      company_id: m2o('res.company', 'Company', { required: true, default: companyDefault }),
      invoice_line_ids: o2m('account.move.line', 'move_id', 'Invoice lines'),
      line_ids: o2m('account.move.line', 'move_id', 'Journal Items'),
    },
  },
  'account.move.line': {
    description: 'Journal Item',
    order: 'date desc, move_name desc, id',
    fields: {
      move_id: m2o('account.move', 'Journal Entry', { required: true, ondelete: 'cascade', checkMissing: true }),
      move_name: char('Number', { readonly: true, store: false, compute: (s, r) => s.raw('account.move', r.move_id as number)?.name ?? false }),
      date: date('Date', { readonly: true, store: false, compute: (s, r) => s.raw('account.move', r.move_id as number)?.date ?? false }),
      name: char('Label'),
      product_id: m2o('product.product', 'Product', { checkMissing: true }),
      quantity: float('Quantity', { default: 1.0 }),
      price_unit: float('Unit Price'),
      price_subtotal: monetary('Subtotal', { readonly: true, compute: (_s, r) => Number(r.quantity ?? 0) * Number(r.price_unit ?? 0) }),
      purchase_line_id: m2o('purchase.order.line', 'Purchase Order Line', { checkMissing: true }),
    },
  },
  // files attached to a record (res_model/res_id): `datas` is base64; Odoo keeps the SHA-1 of the bytes as
  // `checksum` and their size as `file_size`, and guesses `mimetype` from the name when none is given
  'ir.attachment': {
    description: 'Attachment',
    order: 'id desc',
    fields: {
      name: char('Name', { required: true }),
      description: text('Description'),
      res_model: char('Resource Model'),
      res_field: char('Resource Field'),
      res_id: m2oRef('Resource ID'),
      company_id: m2o('res.company', 'Company', { default: companyDefault }),
      type: selection(
        'Type',
        [
          ['url', 'URL'],
          ['binary', 'File'],
        ],
        { required: true, default: 'binary' },
      ),
      url: char('Url'),
      public: boolean('Is public document'),
      datas: binary('File Content (base64)'),
      mimetype: char('Mime Type', { readonly: true }),
      checksum: char('Checksum/SHA1', { readonly: true, store: true, compute: (_s, r) => attachmentChecksum(r.datas) }),
      file_size: integer('File Size', { readonly: true, store: true, compute: (_s, r) => (typeof r.datas === 'string' ? Buffer.from(r.datas, 'base64').length : 0) }),
    },
    prepareCreate: (_s, vals) => {
      if (!vals.mimetype) vals.mimetype = guessMimetype(typeof vals.name === 'string' ? vals.name : '');
    },
  },
  'mail.message': {
    description: 'Message',
    order: 'id desc',
    recName: 'record_name',
    fields: {
      subject: char('Subject'),
      date: datetime('Date', { default: NOW_DEFAULT }),
      body: html('Contents', { default: '' }),
      model: char('Related Document Model'),
      res_id: m2oRef('Related Document ID'),
      record_name: char('Message Record Name', { readonly: true, store: false, compute: (s, r) => messageRecordName(s, r) }),
      message_type: selection(
        'Type',
        [
          ['email', 'Incoming Email'],
          ['comment', 'Comment'],
          ['email_outgoing', 'Outgoing Email'],
          ['notification', 'System notification'],
          ['auto_comment', 'Automated Targeted Notification'],
          ['out_of_office', 'Out-of-office Message'],
          ['user_notification', 'User Specific Notification'],
          ['sms', 'SMS'],
          ['snailmail', 'Snailmail'],
        ],
        { required: true, default: 'comment' },
      ),
      subtype_id: m2o('mail.message.subtype', 'Subtype', { ondelete: 'set null' }),
      attachment_ids: m2m('ir.attachment', 'Attachments'),
      author_id: m2o('res.partner', 'Author', {
        ondelete: 'set null',
        default: (s: ModelStore) => s.raw('res.users', s.uid)?.partner_id ?? false,
      }),
    },
  },
  'ir.model': {
    description: 'Models',
    order: 'model',
    fields: {
      name: char('Model Description', { required: true, translate: true }),
      model: char('Model', { required: true }),
      order: char('Order', { required: true, default: 'id' }),
      info: text('Information'),
      state: selection(
        'Type',
        [
          ['manual', 'Custom Object'],
          ['base', 'Base Object'],
        ],
        { readonly: true, default: 'manual' },
      ),
      transient: boolean('Transient Model', { default: false }),
      abstract: boolean('Abstract Model', { default: false }),
      is_mail_thread: boolean('Has Mail Thread', { default: false }),
    },
  },
  'ir.model.access': {
    description: 'Model Access',
    order: 'model_id,group_id,name,id',
    fields: {
      name: char('Name', { required: true }),
      model_id: m2o('ir.model', 'Model', { required: true }),
      perm_read: boolean('Read Access'),
      perm_write: boolean('Write Access'),
      perm_create: boolean('Create Access'),
      perm_unlink: boolean('Delete Access'),
      active: boolean('Active', { default: true }),
    },
  },
  // the key itself is not a field (Odoo keeps it in a column of its own); 17 has no expiration_date
  'res.users.apikeys': {
    description: 'Users API Keys',
    order: 'id',
    fields: {
      name: char('Description', { required: true, readonly: true }),
      user_id: m2o('res.users', 'User', { required: true, readonly: true }),
      scope: char('Scope', { readonly: true }),
      expiration_date: datetime('Expiration Date', { readonly: true }),
    },
  },
  'ir.model.data': {
    description: 'Model Data',
    order: 'module, model, name',
    recName: 'complete_name',
    fields: {
      name: char('External Identifier', { required: true }),
      complete_name: char('Complete ID', { store: false, compute: (_s, r) => `${r.module}.${r.name}` }),
      model: char('Model Name', { required: true }),
      module: char('Module', { required: true, default: '' }),
      res_id: m2oRef('Record ID'),
      noupdate: boolean('Non Updatable', { default: false }),
    },
  },
};

// ---- computed values shared by several fields ---------------------------------

function partnerName(s: ModelStore, r: Rec): string | false {
  const name = (r.name as string | false) || '';
  if (r.parent_id && !r.is_company) {
    const parent = s.raw('res.partner', r.parent_id as number);
    if (parent) return `${(parent.name as string) || ''}, ${name}`;
  }
  return name || false;
}

function decimals(rounding: number): number {
  if (!rounding || rounding >= 1) return 0;
  return Math.max(0, Math.ceil(Math.log10(1 / rounding) - 1e-9));
}

function uomFactor(s: ModelStore, r: Rec): number {
  let factor = (r.relative_factor as number) || 1;
  let parentId = r.relative_uom_id as number | false;
  for (let depth = 0; parentId && depth < 10; depth++) {
    const parent = s.raw('uom.uom', parentId);
    if (!parent) break;
    factor *= (parent.relative_factor as number) || 1;
    parentId = parent.relative_uom_id as number | false;
  }
  return factor;
}

function variantValue(s: ModelStore, r: Rec, fname: string): unknown {
  const variants = s.childIds('product.product', 'product_tmpl_id', r.id);
  if (variants.length !== 1) return fname === 'standard_price' ? 0 : false;
  return s.raw('product.product', variants[0])?.[fname] ?? false;
}

function setVariantValue(s: ModelStore, r: Rec, fname: string, value: unknown): void {
  const variants = s.childIds('product.product', 'product_tmpl_id', r.id);
  if (variants.length === 1) s.writeRaw('product.product', variants[0], { [fname]: value });
  else r[`pending_${fname}`] = value;
}

export function qtyAvailable(s: ModelStore, productId: number): number {
  let total = 0;
  for (const qid of s.childIds('stock.quant', 'product_id', productId)) {
    const q = s.raw('stock.quant', qid);
    if (!q) continue;
    const loc = s.raw('stock.location', q.location_id as number);
    if (loc && loc.usage === 'internal') total += q.quantity as number;
  }
  return round(total, 4);
}

function locationName(s: ModelStore, r: Rec): string {
  if (r.location_id && r.usage !== 'view') {
    const parent = s.raw('stock.location', r.location_id as number);
    if (parent) return `${s.value('stock.location', parent, 'complete_name') as string}/${r.name as string}`;
  }
  return r.name as string;
}

function locationWarehouse(s: ModelStore, r: Rec): number | false {
  for (const wid of s.allIds('stock.warehouse')) {
    const view = s.raw('stock.warehouse', wid)?.view_location_id as number | undefined;
    let cur: Rec | undefined = r;
    for (let depth = 0; cur && depth < 20; depth++) {
      if (cur.id === view) return wid;
      cur = cur.location_id ? s.raw('stock.location', cur.location_id as number) : undefined;
    }
  }
  return false;
}

function quantCompany(s: ModelStore, r: Rec): unknown {
  return s.raw('stock.location', r.location_id as number)?.company_id ?? false;
}

function poLines(s: ModelStore, r: Rec): Rec[] {
  return s
    .childIds('purchase.order.line', 'order_id', r.id)
    .map((id) => s.raw('purchase.order.line', id))
    .filter((l): l is Rec => !!l);
}

function lineSubtotal(r: Rec): number {
  if (r.display_type) return 0;
  const qty = (r.product_qty as number) || 0;
  const price = (r.price_unit as number) || 0;
  const discount = (r.discount as number) || 0;
  return round(qty * price * (1 - discount / 100), 2);
}

function poAmount(s: ModelStore, r: Rec): number {
  return round(
    poLines(s, r).reduce((sum, l) => sum + lineSubtotal(l), 0),
    2,
  );
}

function poDatePlanned(s: ModelStore, r: Rec): string | false {
  const dates = poLines(s, r)
    .map((l) => l.date_planned as string | false)
    .filter((d): d is string => !!d)
    .sort();
  return dates[0] ?? false;
}

function poPickings(s: ModelStore, r: Rec): number[] {
  const out = new Set<number>();
  for (const line of poLines(s, r)) {
    for (const mid of s.childIds('stock.move', 'purchase_line_id', line.id)) {
      const pid = s.raw('stock.move', mid)?.picking_id;
      if (pid) out.add(pid as number);
    }
  }
  return [...out].sort((a, b) => a - b);
}

function pickingPurchase(s: ModelStore, r: Rec): number | false {
  for (const mid of s.childIds('stock.move', 'picking_id', r.id)) {
    const lineId = s.raw('stock.move', mid)?.purchase_line_id;
    if (lineId) {
      const orderId = s.raw('purchase.order.line', lineId as number)?.order_id;
      if (orderId) return orderId as number;
    }
  }
  return false;
}

function messageRecordName(s: ModelStore, r: Rec): string | false {
  if (!r.model || !r.res_id || !s.hasModel(r.model as string)) return false;
  return s.displayName(r.model as string, r.res_id as number);
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round((n + Number.EPSILON) * f) / f;
}

// ---- display names -------------------------------------------------------------

/** Odoo's formatLang for a currency amount (en_US). */
export function formatAmount(s: ModelStore, amount: number, currencyId: number | false): string {
  const cur = currencyId ? s.raw('res.currency', currencyId) : undefined;
  const digits = cur ? decimals(cur.rounding as number) : 2;
  const text = amount.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (!cur) return text;
  return cur.position === 'before' ? `${cur.symbol as string}\u00a0${text}` : `${text}\u00a0${cur.symbol as string}`;
}

const DISPLAY: Record<string, (s: ModelStore, r: Rec) => string | false> = {
  'res.partner': (s, r) => partnerName(s, r),
  'product.template': (s, r) => {
    const code = s.value('product.template', r, 'default_code');
    return code ? `[${code as string}] ${r.name as string}` : (r.name as string) || false;
  },
  'product.product': (s, r) => {
    const name = s.value('product.product', r, 'name') as string;
    return r.default_code ? `[${r.default_code as string}] ${name}` : name || false;
  },
  'product.supplierinfo': (s, r) => {
    const partner = r.partner_id ? s.displayName('res.partner', r.partner_id as number) : '';
    const uomId = s.value('product.supplierinfo', r, s.personality.supplierInfoUom);
    const uom = uomId ? (s.raw('uom.uom', uomId as number)?.name as string) : '';
    const price = formatAmount(s, (r.price as number) || 0, r.currency_id as number | false);
    return `${partner || ''} (${pyFloatText(r.min_qty as number)} ${uom || ''} - ${price})`;
  },
  'stock.quant': (s, r) => (r.location_id ? s.displayName('stock.location', r.location_id as number) : ''),
  'stock.picking.type': (s, r) => {
    const wh = r.warehouse_id ? (s.raw('stock.warehouse', r.warehouse_id as number)?.name as string) : '';
    return wh ? `${wh}: ${r.name as string}` : (r.name as string);
  },
  'purchase.order': (_s, r) => (r.partner_ref ? `${r.name as string} (${r.partner_ref as string})` : (r.name as string)),
  'stock.move': (s, r) => {
    const picking = r.picking_id ? s.raw('stock.picking', r.picking_id as number) : undefined;
    const origin = picking?.origin ? `${picking.origin as string}/` : '';
    const code = r.product_id ? s.raw('product.product', r.product_id as number)?.default_code : false;
    const src = s.raw('stock.location', r.location_id as number)?.name ?? '';
    const dest = s.raw('stock.location', r.location_dest_id as number)?.name ?? '';
    return `${origin}${code ? `${code as string}: ` : ''}${src as string}>${dest as string}`;
  },
  'mail.message': () => false,
};

/** ir.attachment._compute_checksum: SHA-1 of the decoded bytes. */
function attachmentChecksum(datas: unknown): string | false {
  if (typeof datas !== 'string' || !datas) return false;
  return createHash('sha1').update(Buffer.from(datas, 'base64')).digest('hex');
}

/** ir.attachment._compute_mimetype from the name (Python's mimetypes), else application/octet-stream. */
function guessMimetype(name: string): string {
  return mimeLookup(name) || 'application/octet-stream';
}

function pyFloatText(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

// ---- registry -------------------------------------------------------------------

export type Registry = Map<string, ModelDef>;

export function buildRegistry(): Registry {
  const reg: Registry = new Map();
  for (const [name, spec] of Object.entries(SPECS)) {
    // null-prototype maps: field names come from clients ('constructor' is not a field)
    const fields: Record<string, FieldDef> = Object.create(null) as Record<string, FieldDef>;
    Object.assign(fields, {
      id: { name: 'id', type: 'integer', string: 'ID', readonly: true },
      display_name: { name: 'display_name', type: 'char', string: 'Display Name', readonly: true, store: false },
    });
    for (const [fname, def] of Object.entries(spec.fields)) fields[fname] = { name: fname, ...def };
    for (const [fname, def] of Object.entries(magicFields())) fields[fname] = { name: fname, ...def };
    // mail.thread's messages: One2many('mail.message', 'res_id', domain=[('model', '=', _name)])
    if (spec.mailThread) {
      fields.message_ids = { name: 'message_ids', type: 'one2many', string: 'Messages', relation: 'mail.message', inverseName: 'res_id', readonly: true, store: false, compute: (s: ModelStore, r: Rec) => s.search('mail.message', [['model', '=', name], ['res_id', '=', r.id]]) };
    }
    const recName = spec.recName ?? 'name';
    const display = DISPLAY[name];
    reg.set(name, {
      ...spec,
      name,
      fields,
      recName,
      recNamesSearch: spec.recNamesSearch ?? [recName],
      parentName: spec.parentName ?? ('parent_id' in fields ? 'parent_id' : undefined),
      displayName:
        display ??
        ((s: ModelStore, r: Rec) => {
          const v = s.value(name, r, recName);
          if (Array.isArray(v)) return (v[1] as string) ?? false;
          if (typeof v === 'number') return fields[recName].type === 'many2one' ? s.displayName(fields[recName].relation!, v) : String(v);
          return (v as string | false) || false;
        }),
    });
  }
  // _inherits: the child model exposes the parent's fields, stored on the parent record.
  for (const def of reg.values()) {
    if (!def.inherits) continue;
    const parent = reg.get(def.inherits.model)!;
    const own = def.fields;
    const merged: Record<string, FieldDef> = {};
    for (const [fname, pf] of Object.entries(parent.fields)) {
      if (fname in own || fname === 'id' || fname === 'display_name' || pf.name.startsWith('create_') || pf.name.startsWith('write_')) {
        continue;
      }
      merged[fname] = { ...pf, store: false, inherited: def.inherits.field, compute: undefined, inverse: undefined };
    }
    def.fields = Object.assign(Object.create(null) as Record<string, FieldDef>, own, merged);
  }
  return reg;
}

export function modelDisplay(def: ModelDef): string {
  return `'${def.description}' (${def.name})`;
}
