import { createHash, randomUUID } from 'node:crypto';
import { badInput, classifyLoadMessage, IntegrationError, withEffect } from '../errors';
import type { ItemOutcome } from './batcher';
import type { Context, OdooClient, OdooRecord } from './client';
import { XID_MODULE } from './idempotency';

export interface StockChange {
  product_id: number;
  location_id: number;
  /** adjust: the delta; count: the counted quantity. */
  quantity: number;
  /** Stable across replays (the plant's event ids): makes an adjustment idempotent. */
  key?: string;
}

export interface StockResult {
  id: number;
  action: 'adjusted' | 'counted' | 'unchanged';
}

/** The picking that carries one adjustment is found again by its source document. */
export function adjustmentOrigin(key: string): string {
  return `odoo-supply:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/**
 * Stock changes the way Odoo itself applies them. Reads are cached per
 * location (picking type, warehouse) and per product (tracking, loss location).
 */
export class StockWriter {
  private readonly pickingTypes = new Map<number, Promise<number>>();

  constructor(private readonly client: OdooClient) {}

  /**
   * Adds each delta to whatever Odoo holds when it validates: one internal
   * transfer per change, from the product's inventory-loss location (or to
   * it, for a negative delta), validated by Odoo under its own locking. The
   * transfer carries an external id made from the change's key, which
   * PostgreSQL keeps unique, and its key as source document: a replayed
   * change finds its transfer and validates it at most once.
   */
  async adjust(changes: StockChange[], context?: Context): Promise<Array<ItemOutcome<StockResult>>> {
    const outcomes: Array<ItemOutcome<StockResult> | undefined> = new Array(changes.length);
    const idempotentAt = (i: number) => changes[i]?.key !== undefined;
    const origins = changes.map((c) => adjustmentOrigin(c.key ?? `unkeyed:${randomUUID()}`));
    const products = await this.products(changes.map((c) => c.product_id));
    changes.forEach((c, i) => {
      const p = products.get(c.product_id);
      if (!p) outcomes[i] = fail(badInput(`product ${c.product_id} does not exist in Odoo`), idempotentAt(i));
      else if (p.tracking !== 'none') outcomes[i] = fail(badInput(`product ${p.display} is tracked by ${p.tracking === 'serial' ? 'serial number' : 'lot'}: a stock change needs the lot, which this operation does not take`), idempotentAt(i));
      else if (!p.lossLocation) outcomes[i] = fail(badInput(`product ${p.display} has no inventory-loss location in Odoo`), idempotentAt(i));
      else if (c.quantity === 0) outcomes[i] = { ok: true, value: { id: 0, action: 'unchanged' } };
    });
    const open = changes.map((_c, i) => i).filter((i) => outcomes[i] === undefined);
    if (open.length === 0) return outcomes as Array<ItemOutcome<StockResult>>;

    let pickings = await this.pickingsByOrigin(open.map((i) => origins[i] as string));
    const toLoad = open.filter((i) => !pickings.has(origins[i] as string));
    if (toLoad.length) {
      // field names of this server's version: 17 names a move's done quantity and requires its description
      const { fields: names } = await this.client.version();
      const moves = names.pickingMoves;
      const fields = ['id', 'picking_type_id/.id', 'location_id/.id', 'location_dest_id/.id', 'origin', `${moves}/product_id/.id`, `${moves}/product_uom_qty`, `${moves}/${names.stockMoveQuantity}`, `${moves}/location_id/.id`, `${moves}/location_dest_id/.id`, `${moves}/picked`, ...(names.stockMoveName ? [`${moves}/${names.stockMoveName}`] : [])];
      const rows: string[][] = [];
      for (const i of toLoad) {
        const c = changes[i] as StockChange;
        const p = products.get(c.product_id) as ProductFacts;
        const loss = p.lossLocation as number;
        const [from, to] = c.quantity > 0 ? [loss, c.location_id] : [c.location_id, loss];
        const qty = String(Math.abs(c.quantity));
        const xid = c.key !== undefined ? `${XID_MODULE}.adj_${(origins[i] as string).slice('odoo-supply:'.length)}` : '';
        rows.push([xid, String(await this.internalType(c.location_id)), String(from), String(to), origins[i] as string, String(c.product_id), qty, qty, String(from), String(to), '1', ...(names.stockMoveName ? [`Stock adjustment: ${p.display}`] : [])]);
      }
      const loaded = await this.client.load('stock.picking', fields, rows, context);
      if (!loaded.ids) {
        // a row Odoo refused: found again if a concurrent replay created it meanwhile, failed otherwise
        pickings = await this.pickingsByOrigin(open.map((i) => origins[i] as string));
        const why = loaded.messages.filter((m) => m.type === 'error').map((m) => m.message).join('; ') || 'Odoo refused the stock transfer';
        for (const i of toLoad) if (!pickings.has(origins[i] as string)) outcomes[i] = fail(classifyLoadMessage(why), idempotentAt(i));
      } else {
        pickings = await this.pickingsByOrigin(open.map((i) => origins[i] as string));
      }
    }

    const byState = (states: string[]) => [...new Set(open.map((i) => pickings.get(origins[i] as string)).filter((p): p is PickingFacts => !!p && states.includes(p.state)).map((p) => p.id))];
    try {
      const drafts = byState(['draft']);
      if (drafts.length) await this.client.call('stock.picking', 'action_confirm', { ids: drafts, ...(context ? { context } : {}) });
      const toValidate = byState(['draft', 'waiting', 'confirmed', 'assigned']);
      if (toValidate.length) {
        const answer = await this.client.call('stock.picking', 'button_validate', { ids: toValidate, context: { ...(context ?? {}), skip_backorder: true, picking_ids_not_to_backorder: toValidate } });
        if (answer !== true && answer !== null && answer !== false) {
          const wizard = (answer as { res_model?: unknown }).res_model;
          throw new IntegrationError({ message: `Odoo asked for a confirmation (${String(wizard ?? 'a wizard')}) instead of validating the stock transfer`, code: 'VALIDATION', transient: false, applied: 'no' });
        }
      }
    } catch (err) {
      const e = err instanceof IntegrationError ? err : new IntegrationError({ message: String(err), code: 'INTERNAL', transient: false, applied: 'unknown' });
      for (const i of open) if (!outcomes[i]) outcomes[i] = fail(e, idempotentAt(i));
      return outcomes as Array<ItemOutcome<StockResult>>;
    }
    for (const i of open) {
      if (outcomes[i]) continue;
      const p = pickings.get(origins[i] as string) as PickingFacts;
      if (p.state === 'cancel') outcomes[i] = fail(new IntegrationError({ message: `the stock transfer ${p.name} of this adjustment was cancelled in Odoo`, code: 'VALIDATION', transient: false, applied: 'no' }), idempotentAt(i));
      else outcomes[i] = { ok: true, value: { id: p.id, action: p.state === 'done' ? 'unchanged' : 'adjusted' } };
    }
    return outcomes as Array<ItemOutcome<StockResult>>;
  }

  /**
   * Sets counted quantities (absolute) and applies them. When the quantity
   * moved between the count and its application, Odoo answers with its
   * conflict wizard instead of applying; the count is then applied as
   * counted, as an operator would choose for a fresh count.
   */
  async count(changes: StockChange[], context?: Context): Promise<Array<ItemOutcome<StockResult>>> {
    const outcomes: Array<ItemOutcome<StockResult> | undefined> = new Array(changes.length);
    const products = await this.products(changes.map((c) => c.product_id));
    changes.forEach((c, i) => {
      const p = products.get(c.product_id);
      if (!p) outcomes[i] = fail(badInput(`product ${c.product_id} does not exist in Odoo`), true);
      else if (p.tracking !== 'none') outcomes[i] = fail(badInput(`product ${p.display} is tracked by ${p.tracking === 'serial' ? 'serial number' : 'lot'}: a count needs the lot, which this operation does not take`), true);
    });
    const open = changes.map((_c, i) => i).filter((i) => outcomes[i] === undefined);
    if (!open.length) return outcomes as Array<ItemOutcome<StockResult>>;
    const ctx = { ...(context ?? {}), inventory_mode: true };
    const ids = await this.client.create('stock.quant', open.map((i) => ({ product_id: changes[i]?.product_id, location_id: changes[i]?.location_id, inventory_quantity: changes[i]?.quantity }) as OdooRecord), ctx);
    const answer = await this.client.call('stock.quant', 'action_apply_inventory', { ids, context: ctx });
    if (answer && typeof answer === 'object' && (answer as { res_model?: unknown }).res_model === 'stock.inventory.conflict') {
      const [wizard] = await this.client.create('stock.inventory.conflict', [{ quant_ids: [[6, 0, ids]], quant_to_fix_ids: [[6, 0, ids]] }], ctx);
      await this.client.call('stock.inventory.conflict', 'action_keep_counted_quantity', { ids: [wizard as number], context: ctx });
    }
    open.forEach((i, n) => {
      outcomes[i] = { ok: true, value: { id: ids[n] as number, action: 'counted' } };
    });
    return outcomes as Array<ItemOutcome<StockResult>>;
  }

  private async products(ids: number[]): Promise<Map<number, ProductFacts>> {
    const unique = [...new Set(ids)];
    const rows = await this.client.read('product.product', unique, ['display_name', 'tracking', 'property_stock_inventory']);
    return new Map(
      rows.map((r) => [
        r.id as number,
        { display: String(r.display_name ?? r.id), tracking: String(r.tracking ?? 'none'), lossLocation: Array.isArray(r.property_stock_inventory) ? (r.property_stock_inventory[0] as number) : typeof r.property_stock_inventory === 'number' ? r.property_stock_inventory : undefined },
      ]),
    );
  }

  private async pickingsByOrigin(origins: string[]): Promise<Map<string, PickingFacts>> {
    const rows = await this.client.searchRead('stock.picking', { domain: [['origin', 'in', [...new Set(origins)]]], fields: ['origin', 'state', 'name'] });
    return new Map(rows.map((r) => [String(r.origin), { id: r.id as number, state: String(r.state), name: String(r.name) }]));
  }

  /** The internal transfer type of the location's warehouse (Odoo keeps it even when archived). */
  private internalType(locationId: number): Promise<number> {
    let type = this.pickingTypes.get(locationId);
    if (!type) {
      type = (async () => {
        const [loc] = await this.client.read('stock.location', [locationId], ['warehouse_id']);
        const wh = Array.isArray(loc?.warehouse_id) ? loc?.warehouse_id[0] : undefined;
        const domain: unknown[] = [['code', '=', 'internal'], ['active', 'in', [true, false]], ...(wh ? [['warehouse_id', '=', wh]] : [])];
        const ids = await this.client.search('stock.picking.type', { domain, limit: 1, order: 'active desc, sequence, id' });
        if (!ids.length) throw badInput(`no internal transfer type in Odoo for stock location ${locationId}`);
        return ids[0] as number;
      })();
      type.catch(() => this.pickingTypes.delete(locationId));
      this.pickingTypes.set(locationId, type);
    }
    return type;
  }
}

interface ProductFacts {
  display: string;
  tracking: string;
  lossLocation: number | undefined;
}

interface PickingFacts {
  id: number;
  state: string;
  name: string;
}

function fail(error: IntegrationError, idempotent: boolean): ItemOutcome<StockResult> {
  return { ok: false, error: withEffect(error, { applied: error.applied === 'unknown' ? 'unknown' : 'no', idempotent }) };
}
