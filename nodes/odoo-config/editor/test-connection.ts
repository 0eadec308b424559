/** The dialog's "Test connection" button: POST odoo-config/test with the form's values, result shown under it. */
import { t } from '../../shared/editor/i18n';
import type { EditorNode } from '../../shared/editor/red';

interface TestError { message: string; code: string }
interface TestAnswer { ok: boolean; serverVersion?: string; protocol?: string; reason?: string; error?: TestError }

const FORM_FIELDS = ['url', 'database', 'login', 'protocol', 'secretKind', 'timeout', 'concurrency', 'maxResponseMb', 'context', 'secretEnv'];

function showResult($out: JQuery, ok: boolean, lines: Array<string | undefined>): void {
  $out.empty().removeClass('odoo-supply-ok odoo-supply-failed').addClass(ok ? 'odoo-supply-ok' : 'odoo-supply-failed');
  const $first = $('<div></div>').appendTo($out);
  $('<i></i>').addClass(ok ? 'fa fa-check-circle' : 'fa fa-exclamation-triangle').appendTo($first);
  $('<span></span>').text(` ${lines[0]}`).appendTo($first);
  lines
    .slice(1)
    .filter(Boolean)
    .forEach((line) => {
      $('<div class="odoo-supply-detail"></div>').text(String(line)).appendTo($out);
    });
  $out.show();
}

/** A failed test names the error code and, where there is one, what to check. */
function showFailure($out: JQuery, error: TestError): void {
  const hint = t(`test.hint.${error.code}`);
  showResult($out, false, [`${t('test.failed', { message: error.message })} (${error.code})`, hint.indexOf('odoo-config.test.hint.') === 0 ? '' : hint]);
}

export function testConnection(node: EditorNode): void {
  const $out = $('#odoo-config-test-result');
  const $button = $('#odoo-config-test');
  const body: Record<string, unknown> = { id: node.id, secret: $('#node-config-input-secret').val() };
  FORM_FIELDS.forEach((p) => {
    body[p] = $(`#node-config-input-${p}`).val();
  });
  $button.addClass('disabled').prop('disabled', true);
  $out
    .removeClass('odoo-supply-ok odoo-supply-failed')
    .empty()
    .append($('<i class="fa fa-spinner fa-spin"></i>'))
    .append($('<span></span>').text(` ${t('test.running')}`))
    .show();
  $.ajax({ url: 'odoo-config/test', type: 'POST', contentType: 'application/json; charset=utf-8', dataType: 'json', data: JSON.stringify(body), timeout: 120000 })
    .done((answer: TestAnswer) => {
      if (answer && answer.ok) {
        showResult($out, true, [t('test.connected', { version: answer.serverVersion || '?', protocol: answer.protocol }), answer.reason]);
      } else {
        showFailure($out, (answer && answer.error) || { message: '?', code: 'INTERNAL' });
      }
    })
    .fail((xhr, textStatus) => {
      const error = (xhr.responseJSON as { error?: TestError } | undefined)?.error;
      if (error) showFailure($out, error);
      else showResult($out, false, [t('test.noAnswer', { status: xhr.status ? `HTTP ${xhr.status}` : textStatus })]);
    })
    .always(() => {
      $button.removeClass('disabled').prop('disabled', false);
    });
}
