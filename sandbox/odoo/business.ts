// Behaviour of the purchase/stock/product models that an integration can
// observe: sequences, computed defaults, confirm/receive flows, inventory
// counts, chatter. Mirrors what Odoo 19 does, in miniature.
import { OdooError, sqlValidation, userError, validationError, valueError } from './errors';
import type { Context, ModelDef, Rec, Registry, Vals } from './models';
import { round } from './models';
import { createRecords, writeRecords } from './orm';
import type { ModelStore } from './store';

/** Babel's English list format, which Odoo uses for lists in messages. */
export function formatList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  if (items.length === 2) return `${items[0]} and ${items[1]}`;
  return `${items.slice(0, -1).join(', ')}, and ${items[items.length - 1]}`;
}

function addDays(datetime: string, days: number): string {
  const d = new Date(`${datetime.replace(' ', 'T')}Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

// ---- suppliers -------------------------------------------------------------------

export function selectSeller(
  s: ModelStore,
  productId: number,
  partnerId: number | false,
  qty: number,
  date: string,
): Rec | undefined {
  const product = s.raw('product.product', productId);
  if (!product) return undefined;
  const partner = partnerId ? s.raw('res.partner', partnerId) : undefined;
  const partnerIds = new Set([partnerId, partner?.parent_id].filter((x): x is number => typeof x === 'number'));
  const day = date.slice(0, 10);
  const candidates = s
    .childIds('product.supplierinfo', 'product_tmpl_id', product.product_tmpl_id as number)
    .map((id) => s.raw('product.supplierinfo', id)!)
    .filter(
      (si) =>
        (!partnerId || partnerIds.has(si.partner_id as number)) &&
        (!si.product_id || si.product_id === productId) &&
        ((si.min_qty as number) || 0) <= qty &&
        (!si.date_start || (si.date_start as string) <= day) &&
        (!si.date_end || (si.date_end as string) >= day),
    );
  candidates.sort(
    (a, b) =>
      (a.sequence as number) - (b.sequence as number) ||
      (b.min_qty as number) - (a.min_qty as number) ||
      (a.price as number) - (b.price as number) ||
      a.id - b.id,
  );
  return candidates[0];
}

function prepareOrderLine(s: ModelStore, vals: Vals): void {
  if (vals.display_type) {
    if (!('price_unit' in vals)) vals.price_unit = 0;
    return;
  }
  const productId = Number(vals.product_id) || 0;
  const order = vals.order_id ? s.raw('purchase.order', Number(vals.order_id)) : undefined;
  const product = productId ? s.raw('product.product', productId) : undefined;
  if (!product) return;
  const tmpl = s.raw('product.template', product.product_tmpl_id as number);
  if (!('product_qty' in vals)) vals.product_qty = 1.0;
  const qty = Number(vals.product_qty) || 0;
  const dateOrder = (order?.date_order as string) || s.now();
  const seller = selectSeller(s, productId, (order?.partner_id as number) || false, qty, dateOrder);
  if (!('name' in vals)) {
    const pname = s.value('product.product', product, 'name') as string;
    let name: string;
    if (seller && (seller.product_code || seller.product_name)) {
      const code = (seller.product_code as string) || (product.default_code as string);
      const label = (seller.product_name as string) || pname;
      name = code ? `[${code}] ${label}` : label;
    } else {
      name = s.displayName('product.product', productId) as string;
    }
    if (tmpl?.description_purchase) name += `\n${tmpl.description_purchase as string}`;
    vals.name = name;
  }
  if (!('price_unit' in vals)) vals.price_unit = seller ? seller.price : product.standard_price ?? 0;
  if (!('discount' in vals) && seller?.discount) vals.discount = seller.discount;
  const uom = s.personality.poLineUom;
  if (!(uom in vals)) vals[uom] = (seller ? (s.value('product.supplierinfo', seller, s.personality.supplierInfoUom) as number) : 0) || tmpl?.uom_id || false;
  if (!('date_planned' in vals)) vals.date_planned = addDays(dateOrder, seller ? (seller.delay as number) || 0 : 0);
}

// ---- chatter ------------------------------------------------------------------------

const SUBTYPES: Record<string, number> = { 'mail.mt_comment': 1, 'mail.mt_note': 2 };

export function postMessage(
  s: ModelStore,
  model: string,
  resId: number,
  body: string,
  opts: { messageType?: string; subtypeId?: number; subject?: string | false; authorId?: number | false; attachmentIds?: number[] } = {},
): number {
  return createRecords(
    s,
    'mail.message',
    [
      {
        model,
        res_id: resId,
        body,
        message_type: opts.messageType ?? 'notification',
        subtype_id: opts.subtypeId ?? 2,
        subject: opts.subject ?? false,
        ...(opts.authorId !== undefined ? { author_id: opts.authorId } : {}),
        ...(opts.attachmentIds?.length ? { attachment_ids: [[6, 0, opts.attachmentIds]] } : {}),
      },
    ],
    {},
  )[0];
}

/**
 * message_post(attachment_ids=…): pending attachments (res_model mail.compose.message) move to the
 * record; every one given is linked to the message (an internal user may link any it can read).
 */
function postedAttachments(s: ModelStore, model: string, resId: number, given: unknown): number[] {
  if (!Array.isArray(given)) return [];
  const ids = given.filter((x): x is number => Number.isInteger(x));
  for (const aid of ids) {
    const att = s.raw('ir.attachment', aid);
    if (!att) throw new OdooError('odoo.exceptions.MissingError', 'missing', `Record does not exist or has been deleted.\n(Record: ir.attachment(${aid},), User: ${s.uid})`);
    if (att.res_model === 'mail.compose.message') s.writeRaw('ir.attachment', aid, { res_model: model, res_id: resId });
  }
  return ids;
}

/** mail.thread.message_post: str bodies are escaped, Markup (body_is_html) is kept. */
export function messagePost(s: ModelStore, model: string, ids: number[], kw: Record<string, unknown>): number[] {
  if (ids.length !== 1) throw valueError(`Expected singleton: ${model}(${ids.join(', ')}${ids.length === 1 ? ',' : ''})`);
  const [id] = ids;
  if (!s.raw(model, id)) throw new OdooError('odoo.exceptions.MissingError', 'missing', `Record does not exist or has been deleted.\n(Record: ${model}(${id},), User: ${s.uid})`);
  const raw = kw.body === undefined || kw.body === null || kw.body === false ? '' : String(kw.body);
  const body = kw.body_is_html || !raw ? raw : `<p>${escapeHtml(raw)}</p>`;
  const messageType = (kw.message_type as string) ?? 'notification';
  const xmlid = kw.subtype_xmlid as string | undefined;
  const subtypeId = (kw.subtype_id as number) || (xmlid && Object.prototype.hasOwnProperty.call(SUBTYPES, xmlid) ? SUBTYPES[xmlid] : undefined) || 2;
  const msgId = postMessage(s, model, id, body, {
    messageType,
    subtypeId,
    subject: (kw.subject as string) ?? false,
    authorId: (kw.author_id as number | undefined) ?? undefined,
    attachmentIds: postedAttachments(s, model, id, kw.attachment_ids),
  });
  return [msgId];
}

// ---- purchase ----------------------------------------------------------------------------

export function confirmOrders(s: ModelStore, ids: number[]): true {
  for (const id of ids) {
    const po = s.raw('purchase.order', id);
    if (!po || (po.state !== 'draft' && po.state !== 'sent')) continue;
    const lines = s.childIds('purchase.order.line', 'order_id', id).map((l) => s.raw('purchase.order.line', l)!);
    if (lines.some((l) => !l.display_type && !l.product_id)) {
      throw userError('Some order lines are missing a product, you need to correct them before going further.');
    }
    addSupplierToProducts(s, po, lines);
    s.writeRaw('purchase.order', id, { state: 'purchase', date_approve: s.now(), write_date: s.now() });
    createReceipt(s, s.raw('purchase.order', id)!, lines);
  }
  return true;
}

function addSupplierToProducts(s: ModelStore, po: Rec, lines: Rec[]): void {
  for (const line of lines) {
    if (!line.product_id) continue;
    const product = s.raw('product.product', line.product_id as number)!;
    const sellers = s
      .childIds('product.supplierinfo', 'product_tmpl_id', product.product_tmpl_id as number)
      .map((x) => s.raw('product.supplierinfo', x)!);
    if (sellers.length > 10 || sellers.some((si) => si.partner_id === po.partner_id)) continue;
    createRecords(
      s,
      'product.supplierinfo',
      [
        {
          partner_id: po.partner_id,
          product_tmpl_id: product.product_tmpl_id,
          sequence: sellers.length ? Math.max(...sellers.map((x) => x.sequence as number)) + 1 : 1,
          min_qty: 1.0,
          price: line.price_unit,
          currency_id: po.currency_id,
          discount: line.discount ?? 0,
          delay: 0,
        },
      ],
      {},
    );
  }
}

function createReceipt(s: ModelStore, po: Rec, lines: Rec[]): void {
  const goods = lines.filter((l) => {
    if (l.display_type || !l.product_id) return false;
    const type = s.value('product.product', s.raw('product.product', l.product_id as number)!, 'type') as string;
    // goods: consumables (and 17's storable products); services and combos make no moves
    return type === 'consu' || type === 'product';
  });
  if (!goods.length) return;
  const type = s.raw('stock.picking.type', po.picking_type_id as number)!;
  const [pickingId] = createRecords(
    s,
    'stock.picking',
    [
      {
        picking_type_id: type.id,
        partner_id: po.partner_id,
        origin: po.name,
        location_id: type.default_location_src_id,
        location_dest_id: type.default_location_dest_id,
        scheduled_date: s.value('purchase.order', po, 'date_planned') || s.now(),
        state: 'assigned',
      },
    ],
    {},
  );
  createRecords(
    s,
    'stock.move',
    goods.map((l) => ({
      product_id: l.product_id,
      product_uom_qty: l.product_qty,
      quantity: l.product_qty,
      product_uom: l[s.personality.poLineUom] || s.value('product.product', s.raw('product.product', l.product_id as number)!, 'uom_id'),
      location_id: type.default_location_src_id,
      location_dest_id: type.default_location_dest_id,
      picking_id: pickingId,
      picking_type_id: type.id,
      purchase_line_id: l.id,
      partner_id: po.partner_id,
      origin: po.name,
      date: l.date_planned || s.now(),
      state: 'assigned',
      ...moveDescription(s, l.name || s.displayName('product.product', l.product_id as number)),
    })),
    {},
  );
}

export function cancelOrders(s: ModelStore, ids: number[]): null {
  for (const id of ids) {
    for (const pickingId of s.value('purchase.order', s.raw('purchase.order', id)!, 'picking_ids') as number[]) {
      const picking = s.raw('stock.picking', pickingId);
      if (picking && picking.state !== 'done') cancelPickings(s, [pickingId]);
    }
  }
  writeRecords(s, 'purchase.order', ids, { state: 'cancel' }, {});
  return null;
}

// ---- stock -----------------------------------------------------------------------------------

function quantFor(s: ModelStore, productId: number, locationId: number): Rec | undefined {
  for (const qid of s.childIds('stock.quant', 'product_id', productId)) {
    const q = s.raw('stock.quant', qid);
    if (q && q.location_id === locationId) return q;
  }
  return undefined;
}

function moveQuantity(s: ModelStore, productId: number, from: number, to: number, qty: number): void {
  if (!isStorable(s, productId)) return;
  for (const [loc, delta] of [
    [from, -qty],
    [to, qty],
  ] as const) {
    const q = quantFor(s, productId, loc);
    if (q) s.writeRaw('stock.quant', q.id, { quantity: round((q.quantity as number) + delta, 6), write_date: s.now() });
    else s.insertRaw('stock.quant', quantVals(s, productId, loc, delta));
  }
}

function quantVals(s: ModelStore, productId: number, locationId: number, quantity: number): Vals {
  const now = s.now();
  return {
    product_id: productId,
    location_id: locationId,
    quantity,
    reserved_quantity: 0,
    inventory_quantity: 0,
    inventory_quantity_set: false,
    inventory_date: false,
    user_id: false,
    create_uid: s.uid,
    create_date: now,
    write_uid: s.uid,
    write_date: now,
  };
}

/** Odoo 17's moves require a description, which its own code always gives; 19 has no such field. */
function moveDescription(s: ModelStore, text: unknown): Vals {
  return s.def('stock.move').fields.name ? { name: String(text || 'Move') } : {};
}

function isStorable(s: ModelStore, productId: number): boolean {
  const p = s.raw('product.product', productId);
  return !!p && s.personality.isStorable(s.raw('product.template', p.product_tmpl_id as number) ?? {});
}

export function validatePickings(s: ModelStore, ids: number[]): true {
  for (const id of ids) {
    const picking = s.raw('stock.picking', id);
    if (!picking || picking.state === 'done' || picking.state === 'cancel') continue;
    const moves = s.childIds('stock.move', 'picking_id', id).map((m) => s.raw('stock.move', m)!);
    if (moves.length && moves.every((m) => !(m.quantity as number))) {
      throw userError(
        'You cannot validate a transfer if no quantities are reserved nor done. You can use the info button on the top right corner of your operations to find out why.',
      );
    }
    for (const m of moves) {
      if (m.state === 'done' || m.state === 'cancel') continue;
      const qty = (m.quantity as number) || 0;
      moveQuantity(s, m.product_id as number, m.location_id as number, m.location_dest_id as number, qty);
      s.writeRaw('stock.move', m.id, { state: 'done', picked: true, date: s.now(), write_date: s.now() });
      if (m.purchase_line_id) {
        const line = s.raw('purchase.order.line', m.purchase_line_id as number);
        if (line) s.writeRaw('purchase.order.line', line.id, { qty_received: round(((line.qty_received as number) || 0) + qty, 6) });
      }
    }
    s.writeRaw('stock.picking', id, { state: 'done', date_done: s.now(), write_date: s.now() });
  }
  return true;
}

export function assignPickings(s: ModelStore, ids: number[]): true {
  for (const id of ids) {
    const picking = s.raw('stock.picking', id);
    if (!picking || !['draft', 'confirmed', 'waiting'].includes(picking.state as string)) continue;
    for (const mid of s.childIds('stock.move', 'picking_id', id)) {
      const m = s.raw('stock.move', mid)!;
      if (m.state === 'done' || m.state === 'cancel') continue;
      s.writeRaw('stock.move', mid, { state: 'assigned', quantity: m.quantity || m.product_uom_qty });
    }
    s.writeRaw('stock.picking', id, { state: 'assigned', write_date: s.now() });
  }
  return true;
}

export function cancelPickings(s: ModelStore, ids: number[]): true {
  for (const id of ids) {
    const picking = s.raw('stock.picking', id);
    if (!picking || picking.state === 'done') continue;
    for (const mid of s.childIds('stock.move', 'picking_id', id)) {
      const m = s.raw('stock.move', mid)!;
      if (m.state !== 'done') s.writeRaw('stock.move', mid, { state: 'cancel', quantity: 0 });
    }
    s.writeRaw('stock.picking', id, { state: 'cancel', write_date: s.now() });
  }
  return true;
}

/** stock.quant.action_apply_inventory: counted quantity becomes the quantity. Returns None. */
export function applyInventory(s: ModelStore, ids: number[], force = false): null | Record<string, unknown> {
  // Odoo's is_outdated: the quantity moved since the count was set; it answers with its conflict wizard
  const outdated = ids.filter((id) => {
    const q = s.raw('stock.quant', id);
    return q && q.inventory_quantity_set && round((q.inventory_quantity as number) - ((q.inventory_diff_quantity as number) ?? 0), 6) !== round(q.quantity as number, 6);
  });
  if (outdated.length && !force) {
    return {
      name: 'Conflict in Inventory Adjustment',
      type: 'ir.actions.act_window',
      view_mode: 'form',
      views: [[false, 'form']],
      res_model: 'stock.inventory.conflict',
      target: 'new',
      context: { default_quant_ids: ids, default_quant_to_fix_ids: outdated },
    };
  }
  const lossLocation = [...s.rows('stock.location')].find((l) => l.usage === 'inventory');
  const admin = s.raw('res.users', s.uid);
  const userName = admin ? (s.value('res.users', admin, 'name') as string) : 'Administrator';
  for (const id of ids) {
    const q = s.raw('stock.quant', id);
    if (!q || !q.inventory_quantity_set) continue;
    const diff = round((q.inventory_quantity as number) - (q.quantity as number), 6);
    if (diff !== 0 && lossLocation) {
      const [from, to] = diff > 0 ? [lossLocation.id, q.location_id] : [q.location_id, lossLocation.id];
      const product = s.raw('product.product', q.product_id as number)!;
      createRecords(
        s,
        'stock.move',
        [
          {
            product_id: q.product_id,
            product_uom_qty: Math.abs(diff),
            quantity: Math.abs(diff),
            product_uom: s.value('product.product', product, 'uom_id'),
            location_id: from,
            location_dest_id: to,
            is_inventory: true,
            picked: true,
            state: 'done',
            ...moveDescription(s, `Product Quantity Updated`),
          },
        ],
        { _sandbox_reference: `Product Quantity Updated (${userName})` },
      );
      const counterpart = quantFor(s, q.product_id as number, lossLocation.id);
      if (counterpart) s.writeRaw('stock.quant', counterpart.id, { quantity: round((counterpart.quantity as number) - diff, 6) });
      else s.insertRaw('stock.quant', quantVals(s, q.product_id as number, lossLocation.id, -diff));
    }
    s.writeRaw('stock.quant', id, {
      quantity: q.inventory_quantity,
      inventory_quantity: 0,
      inventory_diff_quantity: 0,
      inventory_quantity_set: false,
      inventory_date: false,
      write_date: s.now(),
    });
  }
  return null;
}

const INVENTORY_MODE_FIELDS = new Set([
  'product_id',
  'owner_id',
  'inventory_quantity',
  'inventory_quantity_auto_apply',
  'inventory_diff_quantity',
  'inventory_date',
  'user_id',
  'inventory_quantity_set',
  'is_outdated',
  'lot_id',
  'location_id',
  'package_id',
]);

/** stock.quant.create in inventory mode updates the existing quant of (product, location). */
export function createQuants(s: ModelStore, valsList: Vals[], ctx: Context): number[] {
  if (!ctx.inventory_mode) return createRecords(s, 'stock.quant', valsList, ctx);
  return valsList.map((vals) => {
    if (Object.keys(vals).some((k) => !INVENTORY_MODE_FIELDS.has(k))) {
      throw userError("Quant's creation is restricted, you can't do this operation.");
    }
    const autoApply = vals.inventory_quantity_auto_apply;
    const clean: Vals = { ...vals };
    delete clean.inventory_quantity_auto_apply;
    if (autoApply !== undefined) clean.inventory_quantity = autoApply;
    const existing = quantFor(s, Number(clean.product_id), Number(clean.location_id));
    let id: number;
    if (existing) {
      const update: Vals = { ...clean };
      delete update.product_id;
      delete update.location_id;
      writeRecords(s, 'stock.quant', [existing.id], { ...update, user_id: s.uid, inventory_date: s.now().slice(0, 10) }, ctx);
      id = existing.id;
    } else {
      id = createRecords(s, 'stock.quant', [{ ...clean, user_id: s.uid, inventory_date: s.now().slice(0, 10) }], ctx)[0];
    }
    if (autoApply !== undefined) applyInventory(s, [id], true);
    return id;
  });
}

// ---- model hooks ------------------------------------------------------------------------------

function withHooks(reg: Registry, model: string, hooks: Partial<ModelDef>): void {
  const def = reg.get(model)!;
  Object.assign(def, hooks);
}

export function installHooks(reg: Registry): void {
  withHooks(reg, 'res.partner', {
    check: (_s, r) => {
      if (r.type === 'contact' && !r.name) throw sqlValidation('Contacts require a name', 'res.partner');
    },
  });

  withHooks(reg, 'product.template', {
    afterCreate: (s, rec, vals, ctx) => {
      if (ctx._sandbox_inherits_child) return;
      createRecords(
        s,
        'product.product',
        [
          {
            product_tmpl_id: rec.id,
            ...(vals.default_code !== undefined ? { default_code: vals.default_code } : {}),
            ...(vals.barcode !== undefined ? { barcode: vals.barcode } : {}),
            ...(vals.standard_price !== undefined ? { standard_price: vals.standard_price } : {}),
          },
        ],
        { ...ctx, _sandbox_inherits_child: false },
      );
    },
  });

  withHooks(reg, 'product.product', {
    check: (s, r) => {
      if (!r.barcode) return;
      const same = s
        .idsByValue('product.product', 'barcode', r.barcode)
        .map((id) => s.raw('product.product', id)!)
        .filter((p) => p.active !== false);
      if (same.length > 1) {
        const names = same.sort((a, b) => a.id - b.id).map((p) => s.displayName('product.product', p.id) as string);
        throw validationError(
          `Barcode(s) already assigned:\n\n- Barcode "${r.barcode as string}" already assigned to product(s): ${formatList(names)}\n\nNote: products that you don't have access to will not be shown above.`,
        );
      }
    },
  });

  withHooks(reg, 'product.supplierinfo', {
    prepareCreate: (s, vals) => {
      if (vals.product_id && !vals.product_tmpl_id) {
        vals.product_tmpl_id = s.raw('product.product', Number(vals.product_id))?.product_tmpl_id ?? vals.product_tmpl_id;
      }
      if (s.personality.supplierInfoUomOwn && !('product_uom_id' in vals) && vals.product_tmpl_id) {
        vals.product_uom_id = s.raw('product.template', Number(vals.product_tmpl_id))?.uom_id ?? false;
      }
    },
  });

  withHooks(reg, 'stock.quant', {
    prepareCreate: (_s, vals) => {
      if ('inventory_quantity' in vals && !('inventory_quantity_set' in vals)) vals.inventory_quantity_set = true;
      if ('inventory_quantity' in vals) vals.inventory_diff_quantity = Number(vals.inventory_quantity) - Number(vals.quantity ?? 0);
    },
    afterWrite: (s, rec, vals) => {
      if ('inventory_quantity' in vals) {
        const q = s.raw('stock.quant', rec.id)!;
        // the difference is fixed when the count is set (Odoo stores it), not when it is applied
        s.writeRaw('stock.quant', rec.id, { inventory_quantity_set: true, inventory_diff_quantity: round((q.inventory_quantity as number) - (q.quantity as number), 6) });
      }
    },
    check: (s, r) => {
      if (!isStorable(s, r.product_id as number)) throw validationError('Quants cannot be created for consumables or services.');
      const loc = s.raw('stock.location', r.location_id as number);
      if (loc?.usage === 'view') {
        throw validationError(
          `You cannot take products from or deliver products to a location of type "view" (${s.displayName('stock.location', loc.id) as string}).`,
        );
      }
    },
  });

  withHooks(reg, 'purchase.order', {
    prepareCreate: (s, vals) => {
      if (!vals.name || vals.name === 'New') vals.name = `P${String(s.nextSequence('purchase.order')).padStart(5, '0')}`;
    },
    afterCreate: (s, rec) => {
      postMessage(s, 'purchase.order', rec.id, '<p>Purchase Order created</p>');
    },
    beforeUnlink: (s, ids) => {
      for (const id of ids) {
        const state = s.raw('purchase.order', id)?.state;
        if (state !== 'draft' && state !== 'cancel') {
          throw userError('In order to delete a purchase order, you must cancel it first.');
        }
      }
      for (const id of ids) {
        for (const mid of s.idsByValue('mail.message', 'res_id', id)) {
          if (s.raw('mail.message', mid)?.model === 'purchase.order') s.deleteRaw('mail.message', mid);
        }
      }
    },
  });

  withHooks(reg, 'purchase.order.line', {
    prepareCreate: (s, vals) => prepareOrderLine(s, vals),
  });

  withHooks(reg, 'stock.picking', {
    beforeUnlink: (s, ids) => {
      const moves = ids.flatMap((id) => s.childIds('stock.move', 'picking_id', id));
      if (moves.some((m) => s.raw('stock.move', m)?.state === 'done')) {
        throw userError("You cannot cancel a stock move that has been set to 'Done'. Create a return in order to reverse the moves which took place.");
      }
      for (const m of moves) s.deleteRaw('stock.move', m);
    },
    prepareCreate: (s, vals) => {
      const type = vals.picking_type_id ? s.raw('stock.picking.type', Number(vals.picking_type_id)) : undefined;
      if (type) {
        if (!('location_id' in vals)) vals.location_id = type.default_location_src_id;
        if (!('location_dest_id' in vals)) vals.location_dest_id = type.default_location_dest_id;
        if (!vals.name || vals.name === '/') {
          const wh = type.warehouse_id ? s.raw('stock.warehouse', type.warehouse_id as number) : undefined;
          const prefix = `${wh ? `${wh.code as string}/` : ''}${type.sequence_code as string}/`;
          vals.name = `${prefix}${String(s.nextSequence(`stock.picking.${type.id}`)).padStart(5, '0')}`;
        }
      }
    },
  });

  withHooks(reg, 'stock.move', {
    prepareCreate: (s, vals, ctx) => {
      const picking = vals.picking_id ? s.raw('stock.picking', Number(vals.picking_id)) : undefined;
      if (picking) {
        if (!('location_id' in vals)) vals.location_id = picking.location_id;
        if (!('location_dest_id' in vals)) vals.location_dest_id = picking.location_dest_id;
        if (!('picking_type_id' in vals)) vals.picking_type_id = picking.picking_type_id;
      }
      if (!('product_uom' in vals) && vals.product_id) {
        const product = s.raw('product.product', Number(vals.product_id));
        if (product) vals.product_uom = s.value('product.product', product, 'uom_id');
      }
      if (ctx._sandbox_reference) vals.reference_text = ctx._sandbox_reference;
    },
    afterCreate: (s, rec, vals) => {
      if (vals.reference_text) s.writeRaw('stock.move', rec.id, { reference_text: vals.reference_text });
    },
  });
}


/** stock.inventory.conflict.action_keep_counted_quantity: the counts win over what moved meanwhile. */
export function keepCountedQuantity(s: ModelStore, ids: number[]): null | Record<string, unknown> {
  const quants = new Set<number>();
  for (const id of ids) for (const q of (s.raw('stock.inventory.conflict', id)?.quant_ids as number[] | undefined) ?? []) quants.add(q);
  for (const q of quants) {
    const rec = s.raw('stock.quant', q);
    if (rec) s.writeRaw('stock.quant', q, { inventory_diff_quantity: round((rec.inventory_quantity as number) - (rec.quantity as number), 6) });
  }
  return applyInventory(s, [...quants], true);
}
