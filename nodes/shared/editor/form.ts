/**
 * Dialog state shared by the Odoo nodes' editors. While a dialog is open,
 * other properties are read from its form, not from the node: Node-RED
 * validates a property with the node's saved values as `this`.
 */
import type { EditorNode } from './red';

const editing: Record<string, string> = {};

/** Marks `node`'s dialog open, its inputs named `<prefix>-<prop>`. */
export function beginEdit(node: EditorNode, prefix: string): void {
  editing[node.id] = prefix;
}
export function endEdit(node: EditorNode): void {
  delete editing[node.id];
}

/** A property's current value: from the open dialog when there is one, else from the node. */
export function current(node: EditorNode | undefined, prop: string): unknown {
  const prefix = node && editing[node.id];
  if (prefix) {
    const $el = $(`#${prefix}-${prop}`);
    if ($el.length) return $el.val();
  }
  return node ? node[prop] : undefined;
}

/** A select left empty because the node lacks the property shows the default instead. */
export function selectDefault(select: string, value: string): void {
  if (!$(select).val()) $(select).val(value);
}

/** Rows tagged `data-odoo-ops="a b"` are shown only for those operations. */
export function showRowsFor(container: JQuery | string, operation: string): void {
  const $c = typeof container === 'string' ? $(container) : container;
  $c.find('[data-odoo-ops]').each(function (this: HTMLElement) {
    const ops = String($(this).attr('data-odoo-ops')).split(/\s+/);
    $(this).toggle(ops.indexOf(operation) >= 0);
  });
  $c.find('.odoo-supply-note').hide();
}

/** Shows the rows of the selected operation now and whenever it changes. */
export function followOperation(select: string): void {
  const $form = $(select).closest('form');
  $(select).on('change', function (this: HTMLElement) {
    showRowsFor($form, String($(this).val()));
  });
  showRowsFor($form, String($(select).val()));
}

/** oneditsave / oneditcancel / oneditdelete of a node that called beginEdit. */
export const editHooks = {
  oneditsave(this: EditorNode) {
    endEdit(this);
  },
  oneditcancel(this: EditorNode) {
    endEdit(this);
  },
  oneditdelete(this: EditorNode) {
    endEdit(this);
  },
};
