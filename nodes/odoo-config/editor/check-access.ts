/** The dialog's "Check access" button: GET odoo-config/:id/access, one line per right the deployed flows need. */
import { t } from '../../shared/editor/i18n';
import type { EditorNode } from '../../shared/editor/red';

interface NodeRef { id: string; type: string; name?: string }
interface AccessCheck { model: string; operation: string; allowed: boolean; groups?: string[]; message?: string; by: NodeRef[] }
interface KeyExpiry { state: 'expires' | 'never' | 'unknown'; expiresAt?: string; daysLeft?: number; keys?: number; reason?: string }
interface AccessAnswer { key?: KeyExpiry; ok: boolean; serverVersion?: string; checks?: AccessCheck[]; unchecked?: Array<NodeRef & { reason: string }>; error?: { message: string; code: string } }

const label = (n: NodeRef) => n.name || n.type;

function line($out: JQuery, ok: boolean, text: string, detail?: string): void {
  const $row = $('<div class="odoo-supply-access-row"></div>').toggleClass('odoo-supply-refused', !ok).appendTo($out);
  $('<i></i>').addClass(ok ? 'fa fa-check' : 'fa fa-times').appendTo($row);
  $('<span></span>').text(` ${text}`).appendTo($row);
  if (detail) $('<div class="odoo-supply-detail"></div>').text(detail).appendTo($row);
}

function show($out: JQuery, a: AccessAnswer): void {
  const checks = a.checks ?? [];
  const refused = checks.filter((c) => !c.allowed);
  $out.empty().removeClass('odoo-supply-ok odoo-supply-failed').addClass(refused.length ? 'odoo-supply-failed' : 'odoo-supply-ok');
  const head = !checks.length ? t('access.nothing') : refused.length ? t('access.refused', { count: refused.length, total: checks.length }) : t('access.allowed', { total: checks.length });
  $('<div class="odoo-supply-access-head"></div>').text(head).appendTo($out);
  for (const c of refused) {
    const what = `${c.model} ${c.operation}`;
    const groups = c.groups && c.groups.length ? t('access.missingGroups', { groups: c.groups.join(', ') }) : c.message || '';
    line($out, false, `${what} (${c.by.map(label).join(', ')})`, groups);
  }
  for (const c of checks.filter((x) => x.allowed)) line($out, true, `${c.model} ${c.operation}`);
  const k = a.key;
  if (k) {
    const text =
      k.state === 'expires'
        ? t('access.keyExpires', { days: k.daysLeft, date: String(k.expiresAt).slice(0, 10), several: (k.keys ?? 1) > 1 ? t('access.keySeveral', { count: k.keys }) : '' })
        : k.state === 'never'
          ? t('access.keyNever')
          : t('access.keyUnknown', { reason: k.reason ?? '?' });
    $('<div class="odoo-supply-detail odoo-supply-key"></div>').text(text).appendTo($out);
  }
  for (const u of a.unchecked ?? []) $('<div class="odoo-supply-detail"></div>').text(t('access.unchecked', { node: label(u), reason: u.reason })).appendTo($out);
  $out.show();
}

export function checkAccess(node: EditorNode): void {
  const $out = $('#odoo-config-access-result');
  const $button = $('#odoo-config-access');
  $button.addClass('disabled').prop('disabled', true);
  $out.removeClass('odoo-supply-ok odoo-supply-failed').empty().append($('<i class="fa fa-spinner fa-spin"></i>')).append($('<span></span>').text(` ${t('access.running')}`)).show();
  $.ajax({ url: `odoo-config/${encodeURIComponent(node.id)}/access`, type: 'GET', dataType: 'json', timeout: 120000 })
    .done((a: AccessAnswer) => show($out, a))
    .fail((xhr, textStatus) => {
      const error = (xhr.responseJSON as AccessAnswer | undefined)?.error;
      $out.empty().removeClass('odoo-supply-ok').addClass('odoo-supply-failed');
      $('<div></div>').text(error ? `${error.message} (${error.code})` : t('test.noAnswer', { status: xhr.status ? `HTTP ${xhr.status}` : textStatus })).appendTo($out);
      $out.show();
    })
    .always(() => $button.removeClass('disabled').prop('disabled', false));
}
