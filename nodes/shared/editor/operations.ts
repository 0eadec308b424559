/**
 * The "operations" tab in the editor sidebar: messages per flow tab with their
 * rates and error rate, retries pending and circuit state, dead-letter depth,
 * the last successful run per supplier and API key days left. It reads
 * GET <admin root>/odoo-supply/operations (lib/operations.ts) every few
 * seconds while it is shown. Registered once by odoo-config's editor bundle.
 */
import { t as tr } from './i18n';
import { red } from './red';

interface Snapshot {
  at: number;
  windowSeconds: number;
  flows: Array<{ flow: string; nodes: number; in: number; ok: number; error: number; inPerSecond: number; okPerSecond: number; errorPerSecond: number; errorRate: number | null }>;
  retries: Array<{ id: string; name: string; flow?: string; pending: number; circuit: string }>;
  deadLetters: Array<{ id: string; name: string; flow?: string; depth: number; bySource: Record<string, number> }>;
  suppliers: Array<{ supplier: string; channel: string; lastSuccess: number }>;
  apiKeys: Array<{ server: string; name: string; daysLeft: number }>;
}

const REFRESH_MS = 3000;
const t = (key: string, subs?: Record<string, unknown>) => tr(`operations.${key}`, subs);

/** The label of a flow tab (or subflow), else its id. */
function flowLabel(id: string): string {
  const nodes = red().nodes as unknown as { workspace?(id: string): { label?: string } | undefined; subflow?(id: string): { name?: string } | undefined };
  return nodes.workspace?.(id)?.label || nodes.subflow?.(id)?.name || id;
}
/** A deployed node's label in the editor (its name, else its type and id). */
function nodeLabel(id: string, name: string): string {
  if (name) return name;
  const n = red().nodes.node(id) as { type?: string } | undefined;
  return n?.type ? `${n.type} ${id}` : id;
}
const rate = (v: number) => (v >= 10 ? v.toFixed(0) : v.toFixed(1));
const percent = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)} %`);
function since(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return t('ago', { time: s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h` });
}

function table(cls: string, head: string[], rows: Array<Array<string | JQuery>>, empty: string, attrs: Array<Record<string, string>> = []): JQuery {
  if (!rows.length) return $('<div class="ops-empty" style="font-style: italic; opacity: 0.8;"></div>').addClass(`${cls}-empty`).text(empty);
  const el = $('<table style="width: 100%; border-collapse: collapse; font-size: 0.9em;"></table>').addClass(cls);
  const tr = $('<tr></tr>').appendTo($('<thead></thead>').appendTo(el));
  head.forEach((h, i) => $('<th style="text-align: left; padding: 2px 4px; border-bottom: 1px solid var(--red-ui-secondary-border-color, #ddd);"></th>').css('text-align', i ? 'right' : 'left').text(h).appendTo(tr));
  const body = $('<tbody></tbody>').appendTo(el);
  rows.forEach((cells, r) => {
    const row = $('<tr></tr>').attr(attrs[r] ?? {}).appendTo(body);
    cells.forEach((c, i) => $('<td style="padding: 2px 4px;"></td>').css('text-align', i ? 'right' : 'left').append(c).appendTo(row));
  });
  return el;
}
const cell = (cls: string, text: string) => $('<span></span>').addClass(cls).text(text);

export function operationsTab(): void {
  const content = $('<div class="odoo-supply-operations" style="padding: 8px; height: 100%; overflow-y: auto;"></div>');
  const head = $('<div style="display: flex; gap: 6px; align-items: center; margin-bottom: 6px;"></div>').appendTo(content);
  const updated = $('<span class="ops-updated" style="flex: 1; font-size: 0.85em; opacity: 0.8;"></span>').appendTo(head);
  const refreshButton = $('<button type="button" class="red-ui-button ops-refresh"><i class="fa fa-refresh"></i></button>').attr('title', t('refresh')).appendTo(head);
  const message = $('<div class="ops-message" style="font-style: italic;"></div>').appendTo(content);
  const sections = $('<div class="ops-sections"></div>').appendTo(content);
  const section = (title: string, body: JQuery) => $('<div style="margin-bottom: 10px;"></div>').append($('<div style="font-weight: bold; margin-bottom: 2px;"></div>').text(title), body);

  const render = (s: Snapshot) => {
    message.text('');
    updated.text(t('updated', { time: new Date(s.at).toLocaleTimeString(), seconds: s.windowSeconds }));
    sections.empty();
    sections.append(
      section(t('flows'), table('ops-flows', [t('flow'), t('in'), t('ok'), t('errors'), t('errorRate'), t('totals')],
        s.flows.map((f) => [cell('ops-flow-label', flowLabel(f.flow)), cell('ops-in-rate', rate(f.inPerSecond)), cell('ops-ok-rate', rate(f.okPerSecond)), cell('ops-error-rate', rate(f.errorPerSecond)), cell('ops-error-ratio', percent(f.errorRate)), cell('ops-totals', `${f.in} / ${f.ok} / ${f.error}`)]),
        t('noFlows'), s.flows.map((f) => ({ 'data-flow': f.flow })))),
      section(t('retries'), table('ops-retries', [t('gate'), t('pending'), t('circuit')],
        s.retries.map((g) => [nodeLabel(g.id, g.name), cell('ops-pending', String(g.pending)), cell(`ops-circuit ops-circuit-${g.circuit}`, t(`circuitState.${g.circuit}`)).css('color', g.circuit === 'open' ? '#c00' : g.circuit === 'half-open' ? '#b60' : '')]),
        t('noRetries'), s.retries.map((g) => ({ 'data-id': g.id })))),
      section(t('deadLetters'), table('ops-dead-letters', [t('store'), t('depth')],
        s.deadLetters.map((d) => [nodeLabel(d.id, d.name), cell('ops-depth', String(d.depth)).attr('title', Object.keys(d.bySource).map((k) => `${k}: ${d.bySource[k]}`).join(', '))]),
        t('noDeadLetters'), s.deadLetters.map((d) => ({ 'data-id': d.id })))),
      section(t('suppliers'), table('ops-suppliers', [t('supplier'), t('channel'), t('lastSuccess')],
        s.suppliers.map((p) => [p.supplier, p.channel, cell('ops-last-success', since(s.at - p.lastSuccess)).attr('title', new Date(p.lastSuccess).toLocaleString())]),
        t('noSuppliers'), s.suppliers.map((p) => ({ 'data-supplier': p.supplier, 'data-channel': p.channel })))),
      section(t('apiKeys'), table('ops-keys', [t('server'), t('daysLeft')],
        s.apiKeys.map((k) => [k.name || k.server, cell('ops-days-left', k.daysLeft.toFixed(k.daysLeft < 10 ? 1 : 0)).css('color', k.daysLeft < 14 ? '#b60' : '')]),
        t('noKeys'), s.apiKeys.map((k) => ({ 'data-server': k.server })))),
    );
  };

  let inFlight = false;
  const refresh = () => {
    if (inFlight) return;
    inFlight = true;
    $.getJSON('odoo-supply/operations')
      .done(render)
      .fail((xhr: JQuery.jqXHR) => message.text(t('failed', { error: (xhr.responseJSON as { error?: string } | undefined)?.error ?? (xhr.statusText || String(xhr.status)) })))
      .always(() => {
        inFlight = false;
      });
  };
  // read only while the tab is on screen: a closed sidebar costs the runtime nothing
  setInterval(() => {
    if (content.is(':visible')) refresh();
  }, REFRESH_MS);
  refreshButton.on('click', refresh);
  red().sidebar.addTab({ id: 'odoo-supply-operations', label: t('label'), name: t('name'), iconClass: 'fa fa-tachometer', content, enableOnEdit: true, onchange: refresh });
}
