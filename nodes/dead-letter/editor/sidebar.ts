/**
 * The operator's "dead letters" tab in the editor sidebar: pick a deployed
 * dead-letter node, see counts by source and reason, filter, open an entry's
 * payload and error, replay or discard it. Talks to the node's admin API.
 */
import { red } from '../../shared/editor/red';

interface Entry {
  id: string;
  msg: { payload?: unknown };
  error: { message: string; code: string };
  source?: { id: string; type: string; name?: string };
  attempts: number;
  replays: number;
  lastFailedAt: number;
  correlationId?: string;
}
interface ListAnswer {
  total: number;
  entries: Entry[];
  counts: { total: number; bySource: Record<string, number>; byCode: Record<string, number> };
}

const t = (key: string, subs?: Record<string, unknown>) => red()._(`node-red-contrib-odoo-supply/dead-letter:dead-letter.sidebar.${key}`, subs);

export function deadLetterTab(): void {
  const state: { node: string; open: Record<string, boolean> } = { node: '', open: {} };
  const content = $('<div class="dead-letter-tab" style="padding: 8px; height: 100%; overflow-y: auto;"></div>');
  const head = $('<div style="display: flex; gap: 6px; margin-bottom: 6px;"></div>').appendTo(content);
  const select = $('<select class="dead-letter-node" style="flex: 1;"></select>').appendTo(head);
  const refreshButton = $('<button type="button" class="red-ui-button dead-letter-refresh"><i class="fa fa-refresh"></i></button>').attr('title', t('refresh')).appendTo(head);
  const filter = $('<input type="text" class="dead-letter-filter" style="width: 100%; margin-bottom: 6px;">').attr('placeholder', t('filter')).appendTo(content);
  const summary = $('<div class="dead-letter-summary" style="margin-bottom: 6px; font-size: 0.9em;"></div>').appendTo(content);
  const replayShown = $('<button type="button" class="red-ui-button red-ui-button-small dead-letter-replay-shown" style="margin-bottom: 6px;"></button>').text(t('replayAll')).appendTo(content).hide();
  const list = $('<div class="dead-letter-list"></div>').appendTo(content);
  const message = $('<div class="dead-letter-message" style="margin-top: 6px; font-style: italic;"></div>').appendTo(content);

  const fail = (xhr: JQuery.jqXHR) => message.text(t('failed', { error: (xhr.responseJSON as { error?: string } | undefined)?.error ?? (xhr.statusText || String(xhr.status)) }));
  const pre = (value: unknown) => $('<pre style="white-space: pre-wrap; max-height: 200px; overflow: auto; font-size: 0.85em;"></pre>').text(JSON.stringify(value, null, 2));
  const counts = (o: Record<string, number>) => Object.keys(o).map((k) => `${k}: ${o[k]}`).join(', ');
  const filterText = () => String(filter.val() ?? '');

  const act = (kind: 'replay' | 'discard', ids?: string[]) => {
    const body = ids ? { ids } : filterText() ? { filter: { text: filterText() } } : { all: true };
    $.ajax({ url: `dead-letter/${encodeURIComponent(state.node)}/${kind}`, method: 'POST', contentType: 'application/json', data: JSON.stringify(body) })
      .done((r: { queued?: number; discarded?: number }) => {
        message.text(kind === 'replay' ? t('replayed', { count: r.queued }) : t('discarded', { count: r.discarded }));
        setTimeout(refresh, 300);
      })
      .fail(fail);
  };

  const row = (e: Entry) => {
    const el = $('<div class="dead-letter-entry" style="border-bottom: 1px solid var(--red-ui-secondary-border-color, #ddd); padding: 4px 0;"></div>').attr('data-id', e.id);
    const line = $('<div style="display: flex; gap: 6px; align-items: center; cursor: pointer;"></div>').appendTo(el);
    $('<span class="dead-letter-code" style="font-weight: bold;"></span>').text(e.error.code).appendTo(line);
    $('<span style="flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;"></span>').text(e.error.message).attr('title', e.error.message).appendTo(line);
    $('<button type="button" class="red-ui-button red-ui-button-small dead-letter-replay"></button>').text(t('replay')).appendTo(line).on('click', (ev) => {
      ev.stopPropagation();
      act('replay', [e.id]);
    });
    $('<button type="button" class="red-ui-button red-ui-button-small dead-letter-discard"></button>').text(t('discard')).appendTo(line).on('click', (ev) => {
      ev.stopPropagation();
      act('discard', [e.id]);
    });
    const source = e.source ? e.source.name || `${e.source.type}:${e.source.id}` : '?';
    $('<div style="font-size: 0.85em; opacity: 0.8;"></div>')
      .text(`${t('source')}: ${source} · ${t('when')}: ${new Date(e.lastFailedAt).toLocaleString()} · ${t('attempts')}: ${e.attempts} · ${t('replays')}: ${e.replays}${e.correlationId ? ` · ${e.correlationId}` : ''}`)
      .appendTo(el);
    const details = $('<div class="dead-letter-details"></div>').appendTo(el).toggle(!!state.open[e.id]);
    details.append($('<div></div>').text(t('payload')), pre(e.msg.payload), $('<div></div>').text(t('error')), pre(e.error));
    line.on('click', () => {
      state.open[e.id] = !state.open[e.id];
      details.toggle(!!state.open[e.id]);
    });
    return el;
  };

  const render = (body: ListAnswer) => {
    list.empty();
    summary.empty();
    summary.append($('<div class="dead-letter-total"></div>').text(t('total', { count: body.counts.total })));
    if (body.counts.total) {
      summary.append($('<div></div>').text(`${t('bySource')}: ${counts(body.counts.bySource)}`));
      summary.append($('<div></div>').text(`${t('byCode')}: ${counts(body.counts.byCode)}`));
    }
    replayShown.toggle(body.entries.length > 0);
    if (!body.entries.length) list.append($('<div class="dead-letter-empty"></div>').text(t('empty')));
    for (const e of body.entries) list.append(row(e));
  };

  const refreshEntries = () => {
    if (!state.node) {
      list.empty();
      summary.empty();
      return;
    }
    const q = filterText() ? `?text=${encodeURIComponent(filterText())}` : '';
    $.getJSON(`dead-letter/${encodeURIComponent(state.node)}/entries${q}`).done(render).fail(fail);
  };

  function refresh() {
    $.getJSON('dead-letter/nodes')
      .done((nodes: Array<{ id: string; name?: string; store?: string }>) => {
        select.empty();
        if (!nodes.length) {
          state.node = '';
          list.empty();
          summary.text(t('none'));
          return;
        }
        for (const n of nodes) select.append($('<option></option>').val(n.id).text(`${n.name || n.id}${n.store ? ` (${n.store})` : ''}`));
        if (!nodes.some((n) => n.id === state.node)) state.node = (nodes[0] as { id: string }).id;
        select.val(state.node);
        refreshEntries();
      })
      .fail(fail);
  }

  select.on('change', () => {
    state.node = String(select.val() ?? '');
    refreshEntries();
  });
  refreshButton.on('click', refresh);
  replayShown.on('click', () => act('replay'));
  filter.on('change', refreshEntries);
  red().events.on('deploy', () => setTimeout(refresh, 500));
  red().sidebar.addTab({ id: 'dead-letter', label: t('label'), name: t('name'), iconClass: 'fa fa-inbox', content, enableOnEdit: true, onchange: refresh });
}
