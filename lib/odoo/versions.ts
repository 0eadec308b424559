/**
 * What differs between Odoo versions, in one place: which routes a server
 * offers, method signatures, and the field names the planners and tests use.
 * Nothing else in lib/ (or the tests, or the sandbox's personalities) compares
 * a version number; they ask this module.
 *
 * Verified against real servers: 17.0 (17.0-20240709 community) and 19.0
 * (community, 152eaaae), from their sources and the contract suite. Facts for
 * 14, 15, 16 and 18 are read from Odoo's release history, not run: each says
 * so in `verified`.
 */
import type { Domain, OdooRecord } from './client';

export interface OdooVersion {
  /** As the server reported it, e.g. `17.0`, `saas~18.2`, `19.0+e`. */
  raw: string;
  major: number;
  minor: number;
  /** A version the contract suite ran against a real server. */
  verified: boolean;
  /** `POST /json/2/<model>/<method>` with an API key (Odoo 19). */
  json2: boolean;
  /** `GET /web/version` answers (Odoo ≥ 18); older servers answer 404 and only have XML-RPC `common.version`. */
  webVersionRoute: boolean;
  /** The public grouping method: `formatted_read_group` (19), `read_group` before. */
  groupMethod: 'formatted_read_group' | 'read_group';
  /** The keyword `name_search` takes its domain by: `domain` (19), `args` (≤ 18). */
  nameSearchDomainArg: 'domain' | 'args';
  fields: FieldNames;
  apiKeys: ApiKeyRules;
  integrationUser: IntegrationUserNeeds;
  /**
   * How a user asks whether it may do an operation on a model at all (its ACLs):
   * `has_access(operation)` on an empty recordset (≥ 18, where `check_access_rights`
   * is deprecated), `check_access_rights(operation, raise_exception=False)` (≤ 17).
   */
  accessQuery: 'has_access' | 'check_access_rights';
}

/** Field names that moved between versions, by what they mean. */
export interface FieldNames {
  /** Vals that make a product track stock: `{is_storable: true}` (≥ 18), `{detailed_type: 'product'}` (15–17), `{type: 'product'}` (14). */
  storableProduct: OdooRecord;
  /** The unit of a purchase order line: `product_uom_id` (19), `product_uom` (≤ 18). */
  purchaseLineUom: string;
  /** The vendor (res.partner) of a product.supplierinfo: `partner_id` (≥ 16), `name` (≤ 15). */
  supplierInfoPartner: string;
  /** The unit of a vendor price: `product_uom_id` (19, writable), `product_uom` (≤ 18). */
  supplierInfoUom: string;
  /**
   * Whether the vendor price's unit is its own. Up to 18 it is related to the
   * template's purchase unit: writing it would change the product, so the
   * planner checks the unit against `productPurchaseUom` instead.
   */
  supplierInfoUomWritable: boolean;
  /** The product's purchase unit: `uom_po_id` (≤ 18); 19 has none (the vendor price carries its unit). */
  productPurchaseUom: string | undefined;
  /** The unit of a stock move: `product_uom` on every version. */
  stockMoveUom: string;
  /** The quantity received/done on a stock move: `quantity` (≥ 17), `quantity_done` (≤ 16). */
  stockMoveQuantity: string;
  /**
   * A stock move's required description: `name` up to 18 (17: `required=True`,
   * a move created without it is refused); 19 has no such field.
   */
  stockMoveName: string | undefined;
  /** A picking's moves: `move_ids` (≥ 16), `move_lines` (≤ 15). */
  pickingMoves: string;
  /** The unit of an account.move.line: `product_uom_id` on every version. */
  invoiceLineUom: string;
  /** A user's groups: `group_ids` (19), `groups_id` (≤ 18). */
  userGroups: string;
}

/**
 * What the least-privilege integration user needs beyond Purchase / User and
 * Inventory / User (group xml ids), by what the flows do. Seen on real 17 and 19.
 */
export interface IntegrationUserNeeds {
  /** To create vendor prices (supplier-price@1): 19 `product.group_product_manager` (Products / Create); 17 has no such group, only Purchase / Administrator (or Inventory / Administrator). */
  vendorPrices: string;
  /** To apply inventory counts (inventory-event@1): 17 checks Inventory / Administrator in `_apply_inventory`; 19 lets Inventory / User apply them. */
  inventoryCounts: string;
  /** 17 refuses to post a chatter note (PO acknowledgements, shipment notices, vendor bills) for an author without an email address. */
  emailForChatter: boolean;
}

export interface ApiKeyRules {
  /**
   * Odoo ≥ 18 stores an expiration date per key (`res.users.apikeys.expiration_date`,
   * readable by the key's own user: record rule "Users can read and delete their own
   * keys"); 17's model has no such field and keys live until revoked.
   */
  expiry: boolean;
  /** Non-administrators must give an expiry, at most this many days (19: 90 on a default database). */
  nonAdminMaxDays: number | undefined;
}

const VERIFIED = new Set([17, 19]);

/** `17.0`, `saas~17.4`, `18.0+e`, `19.0-20250101`, `17.0.1.3`: major and minor. */
export function parseServerVersion(raw: string): { major: number; minor: number } {
  const m = /(\d+)(?:\.(\d+))?/.exec(raw.replace(/^saas~/, ''));
  return { major: m ? Number(m[1]) : 0, minor: m && m[2] ? Number(m[2]) : 0 };
}

/** Everything this package knows about an Odoo server of that version. */
export function odooVersion(raw: string): OdooVersion {
  const { major, minor } = parseServerVersion(raw);
  return {
    raw,
    major,
    minor,
    verified: VERIFIED.has(major),
    json2: major >= 19,
    webVersionRoute: major >= 18,
    groupMethod: major >= 19 ? 'formatted_read_group' : 'read_group',
    nameSearchDomainArg: major >= 19 ? 'domain' : 'args',
    fields: {
      storableProduct: major >= 18 ? { is_storable: true } : major >= 15 ? { detailed_type: 'product' } : { type: 'product' },
      purchaseLineUom: major >= 19 ? 'product_uom_id' : 'product_uom',
      supplierInfoPartner: major >= 16 ? 'partner_id' : 'name',
      supplierInfoUom: major >= 19 ? 'product_uom_id' : 'product_uom',
      supplierInfoUomWritable: major >= 19,
      productPurchaseUom: major >= 19 ? undefined : 'uom_po_id',
      stockMoveUom: 'product_uom',
      stockMoveQuantity: major >= 17 ? 'quantity' : 'quantity_done',
      stockMoveName: major >= 19 ? undefined : 'name',
      pickingMoves: major >= 16 ? 'move_ids' : 'move_lines',
      invoiceLineUom: 'product_uom_id',
      userGroups: major >= 19 ? 'group_ids' : 'groups_id',
    },
    apiKeys: { expiry: major >= 18, nonAdminMaxDays: major >= 18 ? 90 : undefined },
    // 18 is assumed to be like 17 here (the older, stricter rule) until it is run
    integrationUser: {
      vendorPrices: major >= 19 ? 'product.group_product_manager' : 'purchase.group_purchase_manager',
      inventoryCounts: major >= 19 ? 'stock.group_stock_user' : 'stock.group_stock_manager',
      emailForChatter: major < 19,
    },
    accessQuery: major >= 18 ? 'has_access' : 'check_access_rights',
  };
}

/** The protocol `auto` picks: JSON-2 where the server has it and the secret is an API key, else XML-RPC. */
export function autoProtocol(v: OdooVersion, secretKind: 'apikey' | 'password'): { protocol: 'json2' | 'xmlrpc'; reason: string } {
  if (v.json2 && secretKind === 'apikey') return { protocol: 'json2', reason: `auto: Odoo ${v.raw} with an API key → JSON-2` };
  return { protocol: 'xmlrpc', reason: v.json2 ? `auto: Odoo ${v.raw} with a password → XML-RPC (JSON-2 needs an API key)` : `auto: Odoo ${v.raw} has no JSON-2 → XML-RPC` };
}

export interface GroupQuery {
  domain?: Domain;
  groupby: string[];
  /** `field:agg` or `__count`. */
  aggregates?: string[];
  limit?: number;
  offset?: number;
  order?: string;
}

/**
 * The grouping call for this server. 19's `formatted_read_group` takes
 * `aggregates` and `order`; `read_group` takes the same `field:agg` specs as
 * `fields`, `orderby`, and `lazy=false` so every groupby is applied at once
 * (its rows then carry `__count` like the new method's).
 */
export function groupCall(v: OdooVersion, q: GroupQuery): { method: string; kwargs: Record<string, unknown> } {
  const aggregates = q.aggregates ?? ['__count'];
  const modern = v.groupMethod === 'formatted_read_group';
  const kwargs: Record<string, unknown> = modern
    ? { domain: q.domain ?? [], groupby: q.groupby, aggregates }
    : { domain: q.domain ?? [], fields: aggregates.filter((a) => a !== '__count'), groupby: q.groupby, lazy: false };
  if (q.limit !== undefined) kwargs.limit = q.limit;
  if (q.offset !== undefined) kwargs.offset = q.offset;
  if (q.order !== undefined) kwargs[modern ? 'order' : 'orderby'] = q.order;
  return { method: v.groupMethod, kwargs };
}

export type AccessOperation = 'read' | 'create' | 'write' | 'unlink';

/** The call that answers true/false: may the connected user do `operation` on the model (ACLs only)? */
export function accessQueryCall(v: OdooVersion, operation: AccessOperation): { method: string; ids?: number[]; kwargs: Record<string, unknown> } {
  return v.accessQuery === 'has_access' ? { method: 'has_access', ids: [], kwargs: { operation } } : { method: 'check_access_rights', kwargs: { operation, raise_exception: false } };
}

/**
 * The call whose AccessError names the groups that grant an operation:
 * `ir.model.access.check(model, mode)` raises "This operation is allowed for the
 * following groups: - Products/Create …" to any user, on 17 and 19 alike (same
 * signature and text in both sources); reading `ir.model.access` itself needs
 * Administration / Access Rights, which an integration user has not.
 */
export function accessGroupsCall(model: string, operation: AccessOperation): { model: string; method: string; kwargs: Record<string, unknown> } {
  return { model: 'ir.model.access', method: 'check', kwargs: { model, mode: operation, raise_exception: true } };
}

/** `name_search` keyword arguments for this server (the domain's keyword was renamed in 19). */
export function nameSearchKwargs(v: OdooVersion, q: { name?: string; domain?: Domain; operator?: string; limit?: number }): Record<string, unknown> {
  const kwargs: Record<string, unknown> = { name: q.name ?? '', [v.nameSearchDomainArg]: q.domain ?? [], operator: q.operator ?? 'ilike' };
  if (q.limit !== undefined) kwargs.limit = q.limit;
  return kwargs;
}

/**
 * Arguments sent positionally over XML-RPC, by method: keywords that are not
 * the same on every version or in every model's override. Odoo 17's
 * `purchase.order.line`, `product.product`, `mail.thread`… define
 * `write(self, values)` where 19 says `vals`; `execute_kw` also reads create's
 * first positional argument (dict or list) to shape its answer. JSON-2 (19
 * only) takes every argument by name.
 */
const POSITIONAL: Record<string, { keyword: string; onRecords: boolean }> = {
  create: { keyword: 'vals_list', onRecords: false },
  write: { keyword: 'vals', onRecords: true },
};

/** `execute_kw`'s `args` and `kwargs` for a call: record ids first, then the arguments POSITIONAL names. */
export function xmlrpcArguments(method: string, params: { ids?: number[]; kwargs?: Record<string, unknown> }): { args: unknown[]; kwargs: Record<string, unknown> } {
  const args: unknown[] = params.ids ? [params.ids] : [];
  const kwargs: Record<string, unknown> = { ...(params.kwargs ?? {}) };
  const p = Object.prototype.hasOwnProperty.call(POSITIONAL, method) ? POSITIONAL[method] : undefined;
  if (p && p.keyword in kwargs && Boolean(params.ids) === p.onRecords) {
    args.push(kwargs[p.keyword]);
    delete kwargs[p.keyword];
  }
  return { args, kwargs };
}
