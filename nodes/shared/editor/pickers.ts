/**
 * Model and field autocompletes for the Odoo nodes' dialogs, from the admin
 * endpoints of a deployed odoo-config (`odoo-config/<id>/models`, `/fields/<model>`).
 */
import { t } from './i18n';
import { csv, MODEL_RE } from './rules';

interface OdooField { string?: string; type?: string; required?: boolean }
type Completion = { value: string; label: JQuery };

const fieldCache: Record<string, { at: number; promise: JQuery.jqXHR<Record<string, OdooField>> }> = {};
const FIELD_CACHE_MS = 60000;

function configId(value: unknown): string | null {
  return value && value !== '_ADD_' ? String(value) : null;
}
function ajaxProblem(xhr: JQuery.jqXHR | undefined): string {
  const body = xhr && (xhr.responseJSON as { error?: { message?: string } } | undefined);
  if (body && body.error && body.error.message) return body.error.message;
  return t('picker.failed', { status: (xhr && xhr.status) || '?' });
}

function fieldsOf(server: string, model: string) {
  const key = `${server}|${model}`;
  const hit = fieldCache[key];
  if (hit && Date.now() - hit.at < FIELD_CACHE_MS) return hit.promise;
  const promise = $.ajax({ url: `odoo-config/${encodeURIComponent(server)}/fields/${encodeURIComponent(model)}`, dataType: 'json' }).fail(() => {
    delete fieldCache[key];
  }) as JQuery.jqXHR<Record<string, OdooField>>;
  fieldCache[key] = { at: Date.now(), promise };
  return promise;
}

function completion(value: string, main: string, detail?: string): Completion {
  const label = $('<div class="odoo-supply-completion"></div>');
  $('<span></span>').text(main).appendTo(label);
  if (detail) $('<span class="odoo-supply-completion-detail"></span>').text(detail).appendTo(label);
  return { value, label };
}

/** A note under a picked input: why no suggestions came (not deployed, server error). */
function noteFor($input: JQuery): (text: string) => void {
  const $row = $input.closest('.form-row');
  let $note = $row.next('.odoo-supply-note');
  if (!$note.length) $note = $('<div class="form-row odoo-supply-note"></div>').insertAfter($row).hide();
  return (text) => {
    if (text) $note.text(text).show();
    else $note.hide();
  };
}

/** Model autocomplete. When the config node is not deployed (404) the analyst just types. */
export function modelPicker(input: string, server: () => unknown): void {
  const $input = $(input);
  const note = noteFor($input);
  let timer: ReturnType<typeof setTimeout> | undefined;
  $input.autoComplete({
    search(value, done) {
      const id = configId(server());
      clearTimeout(timer);
      if (!id) return done([]);
      timer = setTimeout(() => {
        $.ajax({ url: `odoo-config/${encodeURIComponent(id)}/models`, data: { q: value.trim() }, dataType: 'json' })
          .done((rows: Array<{ model: string; name: string }>) => {
            note('');
            done((Array.isArray(rows) ? rows : []).map((r) => completion(r.model, r.model, r.name)));
          })
          .fail((xhr) => {
            note(xhr.status === 404 ? t('picker.deployFirst') : ajaxProblem(xhr));
            done([]);
          });
      }, 150);
    },
  });
}

/**
 * Field autocomplete for a comma list. `suggest(name, field)` turns one field
 * into offered entries (default: its name).
 */
export function fieldPicker(input: string, server: () => unknown, model: () => unknown, suggest: (name: string, field: OdooField) => string[] = (name) => [name]): void {
  const $input = $(input);
  const note = noteFor($input);
  $input.autoComplete({
    minLength: 0,
    search(value, done) {
      const id = configId(server());
      const m = String(model() || '').trim();
      if (!id || !MODEL_RE.test(m)) return done([]);
      const cut = value.lastIndexOf(',');
      const prefix = cut >= 0 ? value.slice(0, cut + 1).replace(/\s*$/, ' ') : '';
      const term = value.slice(cut + 1).trim().toLowerCase();
      const chosen = csv(value.slice(0, cut + 1));
      fieldsOf(id, m)
        .done((fields) => {
          note('');
          const out: Completion[] = [];
          Object.keys(fields || {})
            .sort()
            .forEach((name) => {
              const f = fields[name] || {};
              suggest(name, f).forEach((entry) => {
                if (chosen.indexOf(entry) >= 0) return;
                const text = `${entry} ${f.string || ''}`.toLowerCase();
                if (term && text.indexOf(term) < 0) return;
                out.push(completion(prefix + entry, entry, (f.string || '') + (f.type ? ` · ${f.type}` : '') + (f.required ? ` · ${t('picker.required')}` : '')));
              });
            });
          out.sort((a, b) => {
            const as = a.value.slice(prefix.length).toLowerCase().indexOf(term) === 0 ? 0 : 1;
            const bs = b.value.slice(prefix.length).toLowerCase().indexOf(term) === 0 ? 0 : 1;
            return as - bs;
          });
          done(out.slice(0, 60));
        })
        .fail((xhr) => {
          note(xhr.status === 404 ? t('picker.deployFirst') : ajaxProblem(xhr));
          done([]);
        });
    },
  });
}
