// Seed data. Base records keep the ids a fresh Odoo 19 (stock+purchase) gives
// them (company 1, admin uid 2 / partner 3, USD 1, EUR 126, Units 1, WH/Stock 5,
// Receipts 1), so id-based assumptions hold on both servers. The demo part is a
// small distribution company with suppliers, products, prices, stock and POs.
import { confirmOrders } from './business';
import type { Vals } from './models';
import { createRecords, setXmlid } from './orm';
import type { ModelStore } from './store';

export const COMPANY_NAME = 'Sandbox Distribution Ltd';

function put(s: ModelStore, model: string, id: number, vals: Vals, xmlid?: string): number {
  s.forceNextId(model, id);
  const [newId] = createRecords(s, model, [vals], {});
  if (xmlid) setXmlid(s, xmlid, model, newId, true);
  return newId;
}

function add(s: ModelStore, model: string, vals: Vals, xmlid?: string): number {
  const [id] = createRecords(s, model, [vals], {});
  if (xmlid) setXmlid(s, xmlid, model, id, true);
  return id;
}

export function seedBase(s: ModelStore): void {
  // the catalogue of emulated models, as a model picker reads it
  for (const def of [...s.registry.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    add(s, 'ir.model', {
      name: def.description,
      model: def.name,
      order: def.order,
      state: 'base',
      is_mail_thread: !!def.mailThread,
    });
  }

  for (const [id, code, name] of [
    [20, 'BE', 'Belgium'],
    [57, 'DE', 'Germany'],
    [75, 'FR', 'France'],
    [165, 'NL', 'Netherlands'],
    [196, 'SE', 'Sweden'],
    [231, 'GB', 'United Kingdom'],
    [233, 'US', 'United States'],
  ] as const) {
    put(s, 'res.country', id, { code, name }, `base.${code.toLowerCase()}`);
  }
  put(s, 'res.currency', 1, { name: 'USD', symbol: '$', full_name: 'United States dollar', position: 'before', rounding: 0.01 }, 'base.USD');
  put(s, 'res.currency', 126, { name: 'EUR', symbol: '€', full_name: 'Euro', position: 'after', rounding: 0.01 }, 'base.EUR');
  s.writeRaw('res.currency', 126, { rate_value: 0.92 });

  put(s, 'res.partner', 1, { name: COMPANY_NAME, is_company: true, ref: false }, 'base.main_partner');
  put(s, 'res.company', 1, { name: COMPANY_NAME, partner_id: 1, currency_id: 1 }, 'base.main_company');
  s.writeRaw('res.partner', 1, { company_id: false });
  put(s, 'res.partner', 2, { name: 'OdooBot', active: false }, 'base.partner_root');
  put(s, 'res.partner', 3, { name: 'Administrator', company_id: 1 }, 'base.partner_admin');
  put(s, 'res.users', 1, { login: '__system__', partner_id: 2, active: false }, 'base.user_root');
  put(s, 'res.users', 2, { login: 'admin', partner_id: 3 }, 'base.user_admin');
  // the least-privilege user of real-odoo-up.sh (its rights: sandbox/odoo/access.ts)
  put(s, 'res.partner', 5, { name: 'Integration', company_id: 1 });
  put(s, 'res.users', 6, { login: 'integration', partner_id: 5 });
  s.forceNextId('res.partner', 7);

  put(s, 'mail.message.subtype', 1, { name: 'Discussions', sequence: 0 }, 'mail.mt_comment');
  put(s, 'mail.message.subtype', 2, { name: 'Note', internal: true, sequence: 100 }, 'mail.mt_note');

  put(s, 'uom.uom', 1, { name: 'Units', relative_factor: 1.0, sequence: 5 }, 'uom.product_uom_unit');
  put(s, 'uom.uom', 2, { name: 'Pack of 6', relative_factor: 6.0, relative_uom_id: 1 }, 'uom.product_uom_pack_6');
  put(s, 'uom.uom', 3, { name: 'Dozens', relative_factor: 12.0, relative_uom_id: 1, active: false }, 'uom.product_uom_dozen'); // archived in a fresh Odoo 19
  put(s, 'uom.uom', 15, { name: 'g', relative_factor: 1.0 }, 'uom.product_uom_gram');
  put(s, 'uom.uom', 16, { name: 'kg', relative_factor: 1000.0, relative_uom_id: 15 }, 'uom.product_uom_kgm');
  // Odoo's French language pack: read and searched under context {"lang": "fr_FR"}
  s.setTranslation('uom.uom', 1, 'name', 'fr_FR', 'Unités');
  s.setTranslation('uom.uom', 3, 'name', 'fr_FR', 'Douzaines');

  put(s, 'product.category', 1, { name: 'All' }, 'product.product_category_all');

  put(s, 'stock.location', 1, { name: 'Vendors', usage: 'supplier' }, 'stock.stock_location_suppliers');
  put(s, 'stock.location', 2, { name: 'Customers', usage: 'customer' }, 'stock.stock_location_customers');
  put(s, 'stock.location', 4, { name: 'WH', usage: 'view' }, 'stock.stock_location_locations');
  put(s, 'stock.location', 5, { name: 'Stock', usage: 'internal', location_id: 4, barcode: 'WHSTOCK' }, 'stock.stock_location_stock');
  put(s, 'stock.location', 11, { name: 'Inventory adjustment', usage: 'inventory' }, 'stock.stock_location_inventory');
  put(s, 'stock.location', 20, { name: 'Shelf 1', usage: 'internal', location_id: 5 });
  put(s, 'stock.location', 21, { name: 'Shelf 2', usage: 'internal', location_id: 5 });

  put(
    s,
    'stock.warehouse',
    1,
    { name: COMPANY_NAME, code: 'WH', view_location_id: 4, lot_stock_id: 5, partner_id: 1 },
    'stock.warehouse0',
  );
  put(
    s,
    'stock.picking.type',
    1,
    { name: 'Receipts', code: 'incoming', sequence_code: 'IN', warehouse_id: 1, default_location_src_id: 1, default_location_dest_id: 5 },
    'stock.picking_type_in',
  );
  put(
    s,
    'stock.picking.type',
    2,
    { name: 'Delivery Orders', code: 'outgoing', sequence_code: 'OUT', warehouse_id: 1, default_location_src_id: 5, default_location_dest_id: 2 },
    'stock.picking_type_out',
  );
  // archived until multi-step routes are on, as on a fresh Odoo 19
  put(
    s,
    'stock.picking.type',
    7,
    { name: 'Internal Transfers', code: 'internal', sequence_code: 'INT', warehouse_id: 1, default_location_src_id: 5, default_location_dest_id: 5, active: false },
    'stock.picking_type_internal',
  );
  s.writeRaw('stock.warehouse', 1, { in_type_id: 1, out_type_id: 2 });
}

interface DemoProduct {
  code: string;
  name: string;
  list: number;
  cost: number;
  barcode?: string;
  uom?: number;
  service?: boolean;
  archived?: boolean;
  stock?: Array<[number, number]>;
  sellers: Array<[string, string, number, number, number, number?]>; // supplier ref, vendor code, price, min qty, delay, currency
}

const SUPPLIERS: Array<[string, string, string, string, number]> = [
  ['SUP-ACME', 'Acme Industrial Supplies', 'orders@acme.example', 'Rotterdam', 165],
  ['SUP-BOLT', 'Bolt & Nut Trading', 'sales@boltnut.example', 'Birmingham', 231],
  ['SUP-GLOB', 'Global Packaging Ltd', 'service@globalpack.example', 'Leeds', 231],
  ['SUP-NORD', 'Nordic Timber AB', 'order@nordictimber.example', 'Gothenburg', 196],
  ['SUP-EURO', 'Euro Electronics GmbH', 'b2b@euroelec.example', 'Munich', 57],
];

const EUR = 126;

const PRODUCTS: DemoProduct[] = [
  { code: 'FAS-BOLT-M8', name: 'Hex Bolt M8x40 (box of 100)', list: 14.9, cost: 6.2, barcode: '5012345000017', stock: [[20, 40]], sellers: [['SUP-BOLT', 'BN-HB840', 6.2, 0, 3], ['SUP-ACME', 'AC-M8-40', 6.9, 10, 5]] },
  { code: 'FAS-NUT-M8', name: 'Hex Nut M8 (box of 100)', list: 6.5, cost: 2.1, barcode: '5012345000024', stock: [[20, 55]], sellers: [['SUP-BOLT', 'BN-HN8', 2.1, 0, 3]] },
  { code: 'FAS-WASH-M8', name: 'Washer M8 (box of 200)', list: 5.9, cost: 1.8, stock: [[20, 30]], sellers: [['SUP-BOLT', 'BN-W8', 1.8, 0, 3], ['SUP-BOLT', 'BN-W8', 1.6, 50, 3]] },
  { code: 'FAS-SCREW-4X40', name: 'Wood Screw 4x40 (box of 200)', list: 9.5, cost: 3.4, stock: [[21, 25]], sellers: [['SUP-ACME', 'AC-WS440', 3.4, 0, 5]] },
  { code: 'PKG-BOX-S', name: 'Cardboard Box Small', list: 0.9, cost: 0.32, barcode: '5012345000031', stock: [[5, 800]], sellers: [['SUP-GLOB', 'GP-BOX-S', 0.32, 100, 7]] },
  { code: 'PKG-BOX-M', name: 'Cardboard Box Medium', list: 1.2, cost: 0.45, stock: [[5, 600]], sellers: [['SUP-GLOB', 'GP-BOX-M', 0.45, 100, 7]] },
  { code: 'PKG-BOX-L', name: 'Cardboard Box Large', list: 1.6, cost: 0.61, stock: [[5, 350]], sellers: [['SUP-GLOB', 'GP-BOX-L', 0.61, 100, 7]] },
  { code: 'PKG-TAPE-50', name: 'Packing Tape 50mm', list: 2.4, cost: 0.95, barcode: '5012345000048', stock: [[21, 120]], sellers: [['SUP-GLOB', 'GP-TAPE50', 0.95, 36, 7], ['SUP-ACME', 'AC-PT50', 1.05, 0, 5]] },
  { code: 'PKG-WRAP-500', name: 'Stretch Wrap 500mm', list: 12.0, cost: 5.5, stock: [[5, 40]], sellers: [['SUP-GLOB', 'GP-SW500', 5.5, 0, 7]] },
  { code: 'TMB-OAK-2M', name: 'Oak Plank 2m', list: 38.0, cost: 21.0, stock: [[5, 60]], sellers: [['SUP-NORD', 'NT-OAK-200', 19.5, 0, 14, EUR]] },
  { code: 'TMB-PINE-2M', name: 'Pine Plank 2m', list: 12.5, cost: 6.0, stock: [[5, 150]], sellers: [['SUP-NORD', 'NT-PINE-200', 5.6, 0, 14, EUR]] },
  { code: 'TMB-PLY-18', name: 'Plywood Sheet 18mm', list: 42.0, cost: 24.0, stock: [[5, 35]], sellers: [['SUP-NORD', 'NT-PLY18', 22.4, 0, 14, EUR]] },
  { code: 'ELC-CABLE-USBC', name: 'USB-C Cable 1m', list: 7.9, cost: 2.2, barcode: '5012345000055', stock: [[21, 200]], sellers: [['SUP-EURO', 'EE-USBC-1', 2.05, 0, 10, EUR]] },
  { code: 'ELC-PSU-12V', name: 'Power Supply 12V 2A', list: 16.5, cost: 6.8, stock: [[21, 45]], sellers: [['SUP-EURO', 'EE-PSU12-2', 6.3, 0, 10, EUR]] },
  { code: 'ELC-LED-STRIP', name: 'LED Strip 5m', list: 24.0, cost: 9.9, stock: [[21, 18]], sellers: [['SUP-EURO', 'EE-LED5', 9.2, 0, 10, EUR]] },
  { code: 'ELC-SWITCH-8P', name: 'Network Switch 8-port', list: 39.0, cost: 18.5, stock: [[21, 12]], sellers: [['SUP-EURO', 'EE-SW8', 17.2, 0, 10, EUR], ['SUP-ACME', 'AC-NS8', 18.9, 0, 5]] },
  { code: 'TLS-DRILL-18V', name: 'Cordless Drill 18V', list: 129.0, cost: 71.0, barcode: '5012345000062', stock: [[5, 8]], sellers: [['SUP-ACME', 'AC-CD18', 71.0, 0, 5]] },
  { code: 'TLS-GLOVES-L', name: 'Work Gloves (L)', list: 39.0, cost: 15.0, uom: 3, stock: [[5, 10]], sellers: [['SUP-ACME', 'AC-WG-L-DZ', 15.0, 0, 5]] },
  { code: 'MAT-WIRE-2MM', name: 'Steel Wire 2mm', list: 4.2, cost: 2.3, uom: 16, stock: [[5, 75]], sellers: [['SUP-BOLT', 'BN-SW2', 2.3, 5, 4]] },
  { code: 'SRV-FREIGHT', name: 'Freight Charge', list: 25.0, cost: 18.0, service: true, sellers: [] },
  { code: 'FAS-RIVET-4', name: 'Blind Rivet 4mm (discontinued)', list: 4.0, cost: 1.5, archived: true, sellers: [['SUP-BOLT', 'BN-BR4', 1.5, 0, 3]] },
];

export function seedDemo(s: ModelStore): void {
  const vendorTag = add(s, 'res.partner.category', { name: 'Vendor' });
  add(s, 'res.partner.category', { name: 'Preferred' });
  const partnerByRef = new Map<string, number>();
  for (const [ref, name, email, city, country] of SUPPLIERS) {
    const slug = ref.toLowerCase().replace('sup-', '');
    const id = add(
      s,
      'res.partner',
      { name, ref, email, city, country_id: country, is_company: true, supplier_rank: 1, category_id: [[6, 0, [vendorTag]]] },
      `sandbox_demo.partner_${slug}`,
    );
    partnerByRef.set(ref, id);
  }
  add(s, 'res.partner', { name: 'Jane Doe', parent_id: partnerByRef.get('SUP-ACME'), email: 'jane.doe@acme.example' });
  add(s, 'res.partner', { name: 'Corner Hardware Store', ref: 'CUS-CORNER', is_company: true, customer_rank: 1, city: 'Utrecht' });

  const productByCode = new Map<string, number>();
  for (const p of PRODUCTS) {
    const id = add(
      s,
      'product.product',
      {
        name: p.name,
        default_code: p.code,
        list_price: p.list,
        standard_price: p.cost,
        barcode: p.barcode ?? false,
        type: p.service ? 'service' : 'consu',
        ...(p.service ? {} : s.personality.storableVals),
        uom_id: p.uom ?? 1,
        categ_id: 1,
      },
      `sandbox_demo.product_${p.code.toLowerCase().replace(/-/g, '_')}`,
    );
    productByCode.set(p.code, id);
    const tmpl = s.raw('product.product', id)!.product_tmpl_id as number;
    for (const [ref, vcode, price, minQty, delay, currency] of p.sellers) {
      add(s, 'product.supplierinfo', {
        partner_id: partnerByRef.get(ref),
        product_tmpl_id: tmpl,
        product_code: vcode,
        price,
        min_qty: minQty,
        delay,
        currency_id: currency ?? 1,
      });
    }
    for (const [location, qty] of p.stock ?? []) {
      add(s, 'stock.quant', { product_id: id, location_id: location, quantity: qty, inventory_quantity_set: false });
    }
    if (p.archived) s.writeRaw('product.product', id, { active: false });
  }
  // an expired price list entry, to exercise date filters
  add(s, 'product.supplierinfo', {
    partner_id: partnerByRef.get('SUP-ACME'),
    product_tmpl_id: s.raw('product.product', productByCode.get('FAS-NUT-M8')!)!.product_tmpl_id,
    product_code: 'AC-HN8-OLD',
    price: 1.95,
    date_start: '2024-01-01',
    date_end: '2024-12-31',
    delay: 5,
  });

  const line = (code: string, qty: number) => [0, 0, { product_id: productByCode.get(code), product_qty: qty }];
  add(s, 'purchase.order', {
    partner_id: partnerByRef.get('SUP-BOLT'),
    order_line: [line('FAS-BOLT-M8', 20), line('FAS-NUT-M8', 20), line('FAS-WASH-M8', 60)],
  });
  add(s, 'purchase.order', {
    partner_id: partnerByRef.get('SUP-GLOB'),
    partner_ref: 'GP-2026-118',
    order_line: [line('PKG-BOX-S', 500), line('PKG-TAPE-50', 72)],
  });
  const confirmed = add(s, 'purchase.order', {
    partner_id: partnerByRef.get('SUP-EURO'),
    currency_id: EUR,
    order_line: [line('ELC-CABLE-USBC', 100), line('ELC-PSU-12V', 20)],
  });
  confirmOrders(s, [confirmed]);
}
