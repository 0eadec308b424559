// Users and model access rights, worded like Odoo 19's AccessError. The admin
// may do everything; other users get what their groups allow, so a flow run
// as a least-privilege integration user meets the same refusals as on Odoo.
import { OdooError } from './errors';
import type { ModelStore } from './store';

export interface SandboxUser {
  uid: number;
  login: string;
  password: string;
  apiKey: string;
  /** Group xml ids; `admin` has every right. */
  groups: string[];
  admin?: boolean;
  /** When the user's API key expires (UTC `YYYY-MM-DD HH:MM:SS`); absent: 90 days after the sandbox starts, as Odoo 19's longest for a non-admin. `false`: never. */
  apiKeyExpires?: string | false;
}

/** The least-privilege user `real-odoo-up.sh` makes: Purchase / User, Inventory / User, Products / Create. */
export const INTEGRATION_USER: Omit<SandboxUser, 'uid'> = {
  login: 'integration',
  password: 'integration-pw-1',
  apiKey: 'sandbox-integration-key-not-secret',
  groups: ['base.group_user', 'purchase.group_purchase_user', 'stock.group_stock_user', 'product.group_product_manager'],
};

const LABELS: Record<string, string> = {
  'base.group_user': 'Role / User',
  'base.group_partner_manager': 'Contact/Creation',
  'base.group_erp_manager': 'Access Rights',
  'product.group_product_manager': 'Products/Create',
  'purchase.group_purchase_user': 'Purchase/User',
  'purchase.group_purchase_manager': 'Purchase/Administrator',
  'stock.group_stock_user': 'Inventory/User',
  'stock.group_stock_manager': 'Inventory/Administrator',
  'account.group_account_invoice': 'Invoicing/Billing',
};

export type Operation = 'read' | 'write' | 'create' | 'unlink';
type Rule = Partial<Record<Operation, string[]>>;

const EMPLOYEE = ['base.group_user'];
const PARTNER_EDIT = ['base.group_partner_manager', 'stock.group_stock_manager', 'purchase.group_purchase_manager'];
const PRODUCT_EDIT = ['product.group_product_manager', 'stock.group_stock_manager', 'purchase.group_purchase_manager'];
const PURCHASE = ['purchase.group_purchase_user'];
const STOCK = ['stock.group_stock_user'];
const MASTER = { read: EMPLOYEE, write: ['stock.group_stock_manager', 'purchase.group_purchase_manager'], create: ['stock.group_stock_manager', 'purchase.group_purchase_manager'], unlink: ['stock.group_stock_manager'] };

/** Who may do what, per model (the parts of Odoo 19's ir.model.access the suite touches). */
const RULES: Record<string, Rule> = {
  'res.partner': { read: EMPLOYEE, write: PARTNER_EDIT, create: PARTNER_EDIT, unlink: PARTNER_EDIT },
  'product.product': { read: EMPLOYEE, write: PRODUCT_EDIT, create: PRODUCT_EDIT, unlink: PRODUCT_EDIT },
  'product.template': { read: EMPLOYEE, write: PRODUCT_EDIT, create: PRODUCT_EDIT, unlink: PRODUCT_EDIT },
  'product.supplierinfo': { read: EMPLOYEE, write: ['product.group_product_manager', 'purchase.group_purchase_manager'], create: ['product.group_product_manager', 'purchase.group_purchase_manager'], unlink: ['product.group_product_manager', 'purchase.group_purchase_manager'] },
  'purchase.order': { read: PURCHASE, write: PURCHASE, create: PURCHASE, unlink: ['purchase.group_purchase_manager'] },
  'purchase.order.line': { read: PURCHASE, write: PURCHASE, create: PURCHASE, unlink: PURCHASE },
  'stock.picking': { read: STOCK, write: STOCK, create: STOCK, unlink: STOCK },
  'stock.move': { read: STOCK, write: STOCK, create: STOCK, unlink: STOCK },
  'stock.quant': { read: STOCK, write: STOCK, create: STOCK, unlink: ['stock.group_stock_manager'] },
  'stock.inventory.conflict': { read: STOCK, write: STOCK, create: STOCK, unlink: STOCK },
  'stock.location': MASTER,
  'stock.picking.type': MASTER,
  'stock.warehouse': MASTER,
  'uom.uom': MASTER,
  'product.category': MASTER,
  'res.currency': MASTER,
  // purchase/security/ir.model.access.csv gives Purchase / User full access to vendor bills (seen on real 17 and 19)
  'account.move': { read: [...PURCHASE, 'account.group_account_invoice'], write: [...PURCHASE, 'account.group_account_invoice'], create: [...PURCHASE, 'account.group_account_invoice'], unlink: [...PURCHASE, 'account.group_account_invoice'] },
  // ir.model: "Access Rights" only (base/security/ir.model.access.csv; a real 19 refuses the integration user)
  'ir.model': { read: ['base.group_erp_manager'], write: ['base.group_erp_manager'], create: ['base.group_erp_manager'], unlink: ['base.group_erp_manager'] },
  'ir.model.data': { read: ['base.group_erp_manager'], write: ['base.group_erp_manager'], create: ['base.group_erp_manager'], unlink: ['base.group_erp_manager'] },
  'ir.model.access': { read: ['base.group_erp_manager'], write: ['base.group_erp_manager'], create: ['base.group_erp_manager'], unlink: ['base.group_erp_manager'] },
  // employees read their own keys (record rule "Users can read and delete their own keys")
  'res.users.apikeys': { read: EMPLOYEE },
};

/** Methods that ask about rights rather than use them: Odoo checks no ACL to answer them. */
const RIGHTS_QUESTIONS = new Set(['has_access', 'check_access_rights', 'context_get']);

const READS = new Set(['search', 'search_read', 'search_count', 'read', 'name_search', 'read_group', 'formatted_read_group', 'web_read_group', 'web_search_read', 'fields_get', 'default_get']);

function operationOf(method: string): Operation {
  if (READS.has(method)) return 'read';
  if (method === 'create' || method === 'name_create' || method === 'copy') return 'create';
  if (method === 'unlink') return 'unlink';
  // business methods (button_validate, action_apply_inventory, message_post …) change records
  return method === 'load' ? 'create' : 'write';
}

const WORDS: Record<Operation, string> = { read: 'access', write: 'modify', create: 'create', unlink: 'delete' };

export function accessError(s: ModelStore, model: string, operation: Operation): OdooError {
  const allowed = RULES[model]?.[operation] ?? [];
  const groups = allowed.map((g) => `\t- ${LABELS[g] ?? g}`).join('\n');
  const description = s.hasModel(model) ? (s.def(model).description ?? model) : model;
  const text =
    `You are not allowed to ${WORDS[operation]} '${description}' (${model}) records.\n\n` +
    (groups ? `This operation is allowed for the following groups:\n${groups}\n\n` : 'No group currently allows this operation.\n\n') +
    'Contact your administrator to request access if necessary.';
  return new OdooError('odoo.exceptions.AccessError', 'access', text);
}

/** Whether `user` (absent: the admin) may do `operation` on `model` by its groups. Models without a rule are open to employees. */
export function mayDo(user: SandboxUser | undefined, model: string, operation: Operation): boolean {
  if (!user || user.admin) return true;
  const rule = RULES[model];
  const allowed = rule ? (rule[operation] ?? []) : EMPLOYEE;
  return allowed.some((g) => user.groups.includes(g));
}

/** Throws Odoo's AccessError when `user` may not run `method` on `model`. */
export function checkAccess(s: ModelStore, user: SandboxUser, model: string, method: string): void {
  if (user.admin) return;
  if (RIGHTS_QUESTIONS.has(method) || (model === 'ir.model.access' && method === 'check')) return;
  const operation = operationOf(method);
  const rule = RULES[model];
  if (!mayDo(user, model, operation)) throw accessError(s, model, operation);
  // load both creates and updates
  if (method === 'load' && rule && !(rule.write ?? []).some((g) => user.groups.includes(g))) throw accessError(s, model, 'write');
}
