import {
  FIELD_ORDER,
  INLINE,
  SHOWN_MAX,
  SHOWN_VALID,
  SPEC_ORDER,
  TABLE_KEYS,
  checkSpec,
  fieldSpecAt,
  formatJson,
  has,
  isBlank,
  isObject,
  loadSchemas,
  mapped,
  optionsSummary,
  parseJson,
  parseSample,
  prefixOf,
  prune,
  setKey,
  t,
  textToValue,
  tryMapping,
  valueToText,
  state,
  type Json,
} from './spec';
import { red, type EditorNode } from '../../shared/editor/red';

const RED = red();


/** The canonical-map dialog: Fields table synced with the JSON spec, live compile check, Try it panel. */
// ------------------------------------------------------------------ the dialog

export interface DialogApi {
  resize(size: { width: number; height: number }): void;
  save(): void;
  dispose(): void;
}

export function createDialog(node: EditorNode): DialogApi {
    var self = {} as DialogApi;
    var editor: Json;
    var schemas: Json = null;
    var schemaById: Record<string, Json> = {};
    var lastWritten: Json = null;
    var tableStale = true;
    var openOptions: Record<string, boolean> = {};
    var issuesByField: Record<string, Json[]> = {};
    var checkTimer: Json = null;
    var checkSeq = 0;
    var statusTimer: Json = null;
    var $hidden = $('#node-input-mapping');
    var $specSchema = $('#canonical-map-spec-schema');
    var $table = $('#canonical-map-fields');
    var $notice = $('#canonical-map-fields-notice');

    // ---- form basics
    if (!$('#node-input-direction').val()) $('#node-input-direction').val('to-canonical');
    if (!$('#node-input-output').val()) $('#node-input-output').val('grouped');
    fillToOdooSelect(node.schema || '');
    $('#node-input-cacheTtl').attr('placeholder', '300');

    // ---- JSON editor
    $hidden.val(node.mapping || '');
    // specs are laid out by hand (see mappings/): a paste stays as written; the pane is narrow, so no minimap
    editor = RED.editor.createEditor({
        id: 'canonical-map-json',
        mode: 'ace/mode/json',
        value: node.mapping || '',
        formatOnPaste: false,
        minimap: { enabled: false }
    });
    $('#canonical-map-json').data('canonical-map-editor', editor);
    editor.getSession().on('change', function () {
        var text = editor.getValue();
        if ($hidden.val() !== text) $hidden.val(text).trigger('change');
        if (text !== lastWritten) {
            lastWritten = null;
            tableStale = true;
        }
        clearTimeout(statusTimer);
        statusTimer = setTimeout(afterJsonChange, 250);
    });
    $('#canonical-map-json-expand').on('click', function (evt) {
        evt.preventDefault();
        RED.editor.editJSON({
            value: editor.getValue(),
            complete: function (v: Json) {
                editor.setValue(v, -1);
                setTimeout(function () { editor.focus(); }, 250);
            }
        });
    });

    // ---- tabs
    var active = 'fields';
    var tabs = RED.tabs.create({
        id: 'canonical-map-tabs',
        onchange: function (tab: Json) {
            $('#canonical-map-tabs-content').children().hide();
            $('#' + tab.id).show();
            active = tab.id.replace('canonical-map-tab-', '');
            if (active === 'fields' && tableStale) renderTable();
            if (active === 'json') editor.resize();
            if (active === 'try') $('#canonical-map-sample').trigger('focus');
        }
    });
    tabs.addTab({ id: 'canonical-map-tab-fields', label: t('tabs.fields') });
    tabs.addTab({ id: 'canonical-map-tab-json', label: t('tabs.json') });
    tabs.addTab({ id: 'canonical-map-tab-try', label: t('tabs.try') });

    // ---- direction
    var showDirection = function () {
        var dir = $('#node-input-direction').val() || 'to-canonical';
        $('[data-cm-direction]').each(function () { $(this).toggle(String($(this).attr('data-cm-direction')).split(' ').indexOf(String(dir)) >= 0); });
        return dir;
    };
    showDirection();
    $('#node-input-direction').on('change', function () {
        if (showDirection() === 'to-canonical') {
            editor.resize();
            scheduleCheck();
        }
        RED.tray.resize();
    });

    // ---- canonical object of the spec
    $specSchema.on('change', function () {
        var id = $specSchema.val() as Json;
        if (!id) return;
        var text = editor.getValue();
        var spec;
        if (isBlank(text)) {
            spec = { schema: id, specVersion: 1, fields: {} };
        } else {
            var parsed = parseJson(text);
            if (parsed.error || !isObject(parsed.value)) {
                syncSchemaSelect();
                renderTable();
                return;
            }
            spec = parsed.value;
            if (spec.schema === id) return;
            setKey(spec, 'schema', id, SPEC_ORDER);
            if (spec.specVersion === undefined) setKey(spec, 'specVersion', 1, SPEC_ORDER);
            if (!isObject(spec.fields)) setKey(spec, 'fields', {}, SPEC_ORDER);
        }
        writeSpec(spec);
        renderTable();
    });

    // ---- Try it
    $('#canonical-map-sample').val(state.samples[node.id] || '');
    $('#canonical-map-try-run').on('click', function (evt) {
        evt.preventDefault();
        runTry();
    });

    loadSchemas().done(function (list) {
        if (!editor) return; // the dialog closed before the answer came
        schemas = Array.isArray(list) ? list : [];
        schemas.forEach(function (s: Json) { schemaById[s.id] = s; });
        fillToOdooSelect($('#node-input-schema').val());
        syncSchemaSelect();
        renderTable();
        scheduleCheck();
    }).fail(function (xhr, status) {
        if (!editor) return;
        schemas = null;
        showNotice(t('notice.noSchemas', { problem: xhr.status ? 'HTTP ' + xhr.status : status }), 'warning');
    });
    syncSchemaSelect();
    afterJsonChange();

    // ------------------------------------------------------------ helpers of this dialog

    function fillToOdooSelect(value: Json) {
        var $sel = $('#node-input-schema').empty();
        $('<option value=""></option>').text(t('schema.fromMsg')).appendTo($sel);
        state.toOdooIds.forEach(function (id) { $('<option></option>').val(id).text(id).appendTo($sel); });
        if (value && state.toOdooIds.indexOf(value) < 0) $('<option></option>').val(value).text(t('schema.notToOdoo', { id: value })).appendTo($sel);
        $sel.val(value || '');
    }

    function currentSpec() {
        var parsed = parseJson(editor.getValue());
        return !parsed.error && isObject(parsed.value) ? parsed.value : null;
    }

    function writeSpec(spec: Json) {
        var text = formatJson(spec);
        lastWritten = text;
        editor.setValue(text, -1);
        if ($hidden.val() !== text) $hidden.val(text).trigger('change');
        scheduleCheck();
    }

    /** One table edit: read the spec, change it, write it back, refresh what depends on it. */
    function mutate(path: Json, change: Json) {
        var spec = currentSpec();
        if (!spec) return;
        var entry = schemaById[spec.schema];
        change(spec, entry ? entry.targetFields : []);
        if (path) prune(spec, path);
        writeSpec(spec);
        refreshRows(spec);
    }

    function afterJsonChange() {
        var text = editor.getValue();
        var $status = $('#canonical-map-json-status').removeClass('cm-bad');
        if (isBlank(text)) {
            $status.text(t('json.empty'));
        } else {
            var parsed = parseJson(text);
            if (parsed.error) $status.addClass('cm-bad').text(t('json.bad', { problem: parsed.error }));
            else {
                var ok = checkSpec(text);
                if (ok === true) $status.text(t('json.ok', { count: Object.keys(parsed.value.fields).length }));
                else $status.addClass('cm-bad').text(ok);
            }
        }
        syncSchemaSelect();
        if (tableStale && active === 'fields') renderTable();
        scheduleCheck();
    }

    function syncSchemaSelect() {
        var spec = currentSpec();
        var id = spec && typeof spec.schema === 'string' ? spec.schema : '';
        $specSchema.empty();
        $('<option value=""></option>').text(t('schema.choose')).appendTo($specSchema);
        (schemas || []).forEach(function (s: Json) {
            $('<option></option>').val(s.id).text(s.id).attr('title', s.description || '').appendTo($specSchema);
        });
        if (id && !schemaById[id]) $('<option></option>').val(id).text(t('schema.unknown', { id: id })).appendTo($specSchema);
        $specSchema.val(id);
        var entry = schemaById[id];
        $('#canonical-map-spec-schema-info').text(entry ? entry.description || '' : '').toggle(!!entry && !!entry.description);
    }

    function showNotice(text: Json, kind?: Json) {
        $notice.empty().removeClass('cm-warning cm-info').addClass(kind === 'warning' ? 'cm-warning' : 'cm-info');
        if (text) {
            $('<i></i>').addClass(kind === 'warning' ? 'fa fa-exclamation-triangle' : 'fa fa-info-circle').appendTo($notice);
            $('<span></span>').text(' ' + text).appendTo($notice);
            $notice.show();
        } else {
            $notice.hide();
        }
    }

    // ------------------------------------------------------------ the Fields table

    function metaOf(entry: Json) {
        var meta: Record<string, Json> = {};
        if (Array.isArray(entry.fields)) entry.fields.forEach(function (f: Json) { if (f && f.path) meta[f.path] = f; });
        return meta;
    }

    function renderTable() {
        tableStale = false;
        $table.empty().hide();
        var text = editor.getValue();
        if (isBlank(text)) return showNotice(schemas ? t('notice.chooseSchema') : t('notice.loading'), 'info');
        var parsed = parseJson(text);
        if (parsed.error) return showNotice(t('notice.badJson', { problem: parsed.error }), 'warning');
        var spec = parsed.value;
        if (!isObject(spec)) return showNotice(t('validation.specObject'), 'warning');
        if (!schemas) return showNotice(t('notice.loading'), 'info');
        var entry = schemaById[spec.schema];
        if (!entry) return showNotice(t('notice.unknownSchema', { schema: String(spec.schema) }), 'warning');
        showNotice('');

        var meta = metaOf(entry);
        var targets = entry.targetFields || [];
        var $head = $('<tr></tr>').appendTo($('<thead></thead>').appendTo($table));
        ['field', 'source', 'default', 'options'].forEach(function (k) {
            $('<th></th>').addClass('cm-col-' + k).text(t('table.' + k)).appendTo($head);
        });
        var $body = $('<tbody></tbody>').appendTo($table);
        targets.forEach(function (path: Json) {
            var isArrayGroup = targets.some(function (p: Json) { return p.indexOf(path + '[].') === 0; });
            var isObjectGroup = targets.some(function (p: Json) { return p.indexOf(path + '.') === 0; });
            if (isArrayGroup || isObjectGroup) groupRow($body, path, isArrayGroup, meta[path], targets);
            else leafRow($body, path, meta[path], targets);
        });
        unknownRows($body, spec, spec, '', targets, entry);
        $table.show();
        refreshRows(spec);
        applyIssues();
    }

    function fieldCell(path: Json, meta: Json) {
        var $td = $('<td class="cm-field"></td>');
        var prefix = prefixOf(path);
        if (prefix) {
            $td.addClass('cm-child');
            $('<span class="cm-prefix"></span>').text(prefix).appendTo($td);
        }
        $('<span class="cm-name"></span>').text(path.slice(prefix.length)).appendTo($td);
        if (meta && meta.required) $('<span class="cm-required"></span>').text('*').attr('title', t('table.required')).appendTo($td);
        $('<i class="fa fa-exclamation-circle cm-issue-icon"></i>').appendTo($td);
        $td.attr('title', [path].concat(meta ? [meta.expected, meta.description] : []).filter(Boolean).join(' - '));
        return $td;
    }

    function leafRow($body: Json, path: Json, meta: Json, targets: Json) {
        var kind = meta && meta.kind;
        var $tr = $('<tr class="cm-row"></tr>').attr('data-path', path).appendTo($body);
        fieldCell(path, meta).appendTo($tr);

        var $source = $('<div class="cm-source"></div>').appendTo($('<td></td>').appendTo($tr));
        var $mode = $('<select class="cm-mode"></select>').appendTo($source);
        ['path', 'expr', 'const'].forEach(function (m) { $('<option></option>').val(m).text(t('mode.' + m)).appendTo($mode); });
        var $value = $('<input type="text" class="cm-value" autocomplete="off" spellcheck="false">').appendTo($source);
        var $expand = $('<button type="button" class="red-ui-button red-ui-button-small cm-expand"><i class="fa fa-ellipsis-h"></i></button>')
            .attr('title', t('table.expand')).appendTo($source);
        var $default = $('<input type="text" class="cm-default" autocomplete="off" spellcheck="false">').attr('placeholder', t('placeholder.default'))
            .appendTo($('<td></td>').appendTo($tr));
        var $button = $('<button type="button" class="red-ui-button red-ui-button-small cm-options-button"><i class="fa fa-caret-right"></i> <span class="cm-summary"></span></button>')
            .attr('title', t('table.editOptions'))
            .appendTo($('<td></td>').appendTo($tr));

        var $optRow = $('<tr class="cm-options-row"></tr>').attr('data-options-for', path).hide().appendTo($body);
        var $opts = $('<div class="cm-options"></div>').appendTo($('<td colspan="4"></td>').appendTo($optRow));

        var spec = currentSpec();
        var fs = spec ? fieldSpecAt(spec, path, false, targets) : null;
        var mode = fs && has(fs, 'expr') ? 'expr' : fs && has(fs, 'const') ? 'const' : 'path';
        $mode.val(mode);
        $value.val(!fs ? '' : mode === 'const' ? valueToText(fs['const'], kind) : fs[mode] || '');
        $default.val(fs ? valueToText(fs['default'], kind) : '');
        var placeholders = function () {
            var m = $mode.val() as Json;
            $value.attr('placeholder', t('placeholder.' + m));
            $expand.toggle(m === 'expr');
        };
        placeholders();

        var writeSource = function () {
            var m = $mode.val() as Json;
            var text = $value.val() as Json;
            mutate(path, function (s: Json, tg: Json) {
                var f = fieldSpecAt(s, path, text !== '', tg);
                if (!f) return;
                delete f.path;
                delete f.expr;
                delete f['const'];
                if (text !== '') setKey(f, m, m === 'const' ? textToValue(text, kind) : text, FIELD_ORDER);
            });
        };
        $mode.on('change', function () { placeholders(); writeSource(); });
        $value.on('input', writeSource);
        $expand.on('click', function (evt) {
            evt.preventDefault();
            RED.editor.editExpression({
                value: $value.val() as Json,
                complete: function (v: Json) { $value.val(v); writeSource(); }
            });
        });
        $default.on('input', function () {
            var text = $default.val() as Json;
            mutate(path, function (s: Json, tg: Json) {
                var f = fieldSpecAt(s, path, text !== '', tg);
                if (!f) return;
                if (text === '') delete f['default'];
                else setKey(f, 'default', textToValue(text, kind), FIELD_ORDER);
            });
        });
        $button.on('click', function (evt) {
            evt.preventDefault();
            openOptions[path] = !openOptions[path];
            if (openOptions[path]) buildOptions($opts, path, kind, targets);
            $optRow.toggle(!!openOptions[path]);
            $button.find('i').toggleClass('fa-caret-right', !openOptions[path]).toggleClass('fa-caret-down', !!openOptions[path]);
        });
        if (openOptions[path]) {
            buildOptions($opts, path, kind, targets);
            $optRow.show();
            $button.find('i').removeClass('fa-caret-right').addClass('fa-caret-down');
        }
    }

    /** The per-field options most mappings need; the rest stays in JSON. */
    function buildOptions($opts: Json, path: Json, kind: Json, targets: Json) {
        $opts.empty();
        var spec = currentSpec() || {};
        var fs = fieldSpecAt(spec, path, false, targets) || {};
        var globalTrim = !(isObject(spec.options) && spec.options.trim === false);
        var all = !kind;
        var edit = function (change: Json) {
            mutate(path, function (s: Json, tg: Json) { change(fieldSpecAt(s, path, true, tg), s); });
        };
        var group = function (label: Json) {
            var $g = $('<span class="cm-opt"></span>').appendTo($opts);
            $('<span class="cm-opt-label"></span>').text(label).appendTo($g);
            return $g;
        };
        var select = function ($g: Json, cls: Json, values: Json, current: Json) {
            var $s = $('<select></select>').addClass(cls).appendTo($g);
            values.forEach(function (v: Json) { $('<option></option>').val(v[0]).text(v[1]).appendTo($s); });
            $s.val(current);
            return $s;
        };

        if (all || kind === 'string' || kind === 'enum') {
            var $text = group(t('opt.text'));
            var $trim = $('<input type="checkbox" class="cm-opt-trim">').prop('checked', fs.trim !== undefined ? fs.trim !== false : globalTrim);
            $('<label class="cm-check"></label>').append($trim).append($('<span></span>').text(' ' + t('opt.trim'))).appendTo($text);
            var $case = select($text, 'cm-opt-case', [['', t('opt.caseAsIs')], ['upper', t('opt.upper')], ['lower', t('opt.lower')]], fs.upper ? 'upper' : fs.lower ? 'lower' : '');
            $trim.on('change', function () {
                var on = $trim.prop('checked');
                edit(function (f: Json) { if (on === globalTrim) delete f.trim; else setKey(f, 'trim', on, FIELD_ORDER); });
            });
            $case.on('change', function () {
                var c = $case.val() as Json;
                edit(function (f: Json) {
                    delete f.upper;
                    delete f.lower;
                    if (c) setKey(f, c, true, FIELD_ORDER);
                });
            });
        }
        if (all || kind === 'number' || kind === 'integer') {
            var $num = group(t('opt.number'));
            var n = fs.number === true ? { decimal: '.' } : isObject(fs.number) ? fs.number : {};
            var $dec = select($num, 'cm-opt-decimal', [['', t('opt.notText')], ['.', t('opt.decimalPoint')], [',', t('opt.decimalComma')]], n.decimal || '');
            var $thou = select($num, 'cm-opt-thousands', [['', t('opt.noThousands')], ['.', t('opt.thousands', { sep: '.' })], [',', t('opt.thousands', { sep: ',' })], [' ', t('opt.thousandsSpace')], ["'", t('opt.thousands', { sep: "'" })]], n.thousands || '');
            $thou.prop('disabled', !n.decimal);
            var writeNumber = function () {
                var d = $dec.val() as Json;
                var th = $thou.val() as Json;
                $thou.prop('disabled', !d);
                edit(function (f: Json) {
                    if (!d) { delete f.number; return; }
                    var value: Json = { decimal: d };
                    if (th && th !== d) value.thousands = th;
                    setKey(f, 'number', value, FIELD_ORDER);
                });
            };
            $dec.on('change', writeNumber);
            $thou.on('change', writeNumber);
        }
        if (all || kind === 'date' || kind === 'datetime') {
            var $date = group(t('opt.date'));
            var d0 = isObject(fs.date) ? fs.date : {};
            var $format = $('<input type="text" class="cm-opt-format" spellcheck="false">').attr('placeholder', t('placeholder.dateFormat')).val(d0.format || '').appendTo($date);
            var $tz = $('<input type="text" class="cm-opt-tz" spellcheck="false">').attr('placeholder', t('placeholder.tz')).val(d0.tz || '').appendTo($date);
            var writeDate = function () {
                var format = ($format.val() as Json).trim();
                var tz = ($tz.val() as Json).trim();
                edit(function (f: Json) {
                    var date = isObject(f.date) ? f.date : {};
                    if (format) setKey(date, 'format', format, ['format', 'tz', 'dateTz', 'disambiguation']); else delete date.format;
                    if (tz) setKey(date, 'tz', tz, ['format', 'tz', 'dateTz', 'disambiguation']); else delete date.tz;
                    if (Object.keys(date).length) setKey(f, 'date', date, FIELD_ORDER);
                    else delete f.date;
                });
            };
            $format.on('input', writeDate);
            $tz.on('input', writeDate);
        }
        var $map = group(t('opt.map'));
        var names = isObject(spec.maps) ? Object.keys(spec.maps) : [];
        var mapValues = [['', t('opt.noMap')]].concat(names.map(function (m) { return [m, m]; }));
        var currentMap = typeof fs.map === 'string' ? fs.map : isObject(fs.map) ? INLINE : '';
        if (currentMap === INLINE) mapValues.push([currentMap, t('summary.inlineMap')]);
        else if (currentMap && names.indexOf(currentMap) < 0) mapValues.push([currentMap, t('opt.missingMap', { name: currentMap })]);
        var $mapSel = select($map, 'cm-opt-map', mapValues, currentMap);
        if (!names.length && !currentMap) $mapSel.prop('disabled', true).attr('title', t('opt.noMaps'));
        $mapSel.on('change', function () {
            var m = $mapSel.val() as Json;
            if (m === INLINE) return;
            edit(function (f: Json) { if (m) setKey(f, 'map', m, FIELD_ORDER); else delete f.map; });
        });
        var extra = Object.keys(fs).filter(function (k) { return TABLE_KEYS.indexOf(k) < 0; });
        if (isObject(fs.date)) Object.keys(fs.date).forEach(function (k) { if (k !== 'format' && k !== 'tz') extra.push('date.' + k); });
        if (extra.length) $('<div class="cm-opt-json"></div>').text(t('table.jsonOnly', { keys: extra.join(', ') })).appendTo($opts);
    }

    function groupRow($body: Json, path: Json, isArray: Json, meta: Json, targets: Json) {
        var $tr = $('<tr class="cm-row cm-group"></tr>').attr('data-path', path).appendTo($body);
        fieldCell(path, meta).appendTo($tr);
        var key = isArray ? 'each' : 'path';
        var $source = $('<div class="cm-source"></div>').appendTo($('<td></td>').appendTo($tr));
        $('<span class="cm-mode-label"></span>').text(t(isArray ? 'table.each' : 'table.from')).appendTo($source);
        var $value = $('<input type="text" class="cm-value" autocomplete="off" spellcheck="false">')
            .attr('placeholder', t(isArray ? 'placeholder.each' : 'placeholder.sameObject')).appendTo($source);
        $('<td colspan="2" class="cm-group-hint"></td>').text(t(isArray ? 'table.linesHint' : 'table.groupHint')).appendTo($tr);
        var spec = currentSpec();
        var fs = spec ? fieldSpecAt(spec, path, false, targets) : null;
        $value.val(fs && typeof fs[key] === 'string' ? fs[key] : '');
        $value.on('input', function () {
            var text = $value.val() as Json;
            mutate(path, function (s: Json, tg: Json) {
                var f = fieldSpecAt(s, path, text !== '', tg);
                if (!f) return;
                if (text === '') delete f[key];
                else setKey(f, key, text, FIELD_ORDER);
                if (text !== '' && !isObject(f.fields)) setKey(f, 'fields', {}, FIELD_ORDER);
            });
        });
    }

    /** Keys of the spec that are no field of the schema: shown so a misspelt one is seen, removable. */
    function unknownRows($body: Json, spec: Json, container: Json, prefix: Json, targets: Json, entry: Json) {
        if (!isObject(container.fields)) return;
        Object.keys(container.fields).forEach(function (key) {
            var fs = container.fields[key];
            var isArray = targets.indexOf(prefix + key) >= 0 && targets.some(function (p: Json) { return p.indexOf(prefix + key + '[].') === 0; });
            var path = prefix + key;
            if (targets.indexOf(path) >= 0) {
                if (isObject(fs) && isObject(fs.fields)) unknownRows($body, spec, fs, path + (isArray ? '[].' : '.'), targets, entry);
                return;
            }
            var $tr = $('<tr class="cm-row cm-unknown"></tr>').attr('data-path', path).appendTo($body);
            fieldCell(path, null).appendTo($tr);
            $('<td colspan="2" class="cm-unknown-text"></td>').text(t('table.unknownField', { schema: entry.id })).appendTo($tr);
            var $rm = $('<button type="button" class="red-ui-button red-ui-button-small cm-remove"><i class="fa fa-trash"></i></button>')
                .attr('title', t('table.remove')).appendTo($('<td></td>').appendTo($tr));
            $rm.on('click', function (evt) {
                evt.preventDefault();
                mutate(null, function (s: Json) {
                    var parent = prefix ? fieldSpecAt(s, prefix.replace(/(\[\])?\.$/, '').replace(/\[\]$/, ''), false, targets) : s;
                    if (parent && isObject(parent.fields)) delete parent.fields[key];
                });
                renderTable();
            });
        });
    }

    /** Summaries and "required but not mapped" marks follow every edit without rebuilding the table. */
    function refreshRows(spec: Json) {
        var entry = schemaById[spec.schema];
        if (!entry) return;
        var meta = metaOf(entry);
        $table.find('tr.cm-row').each(function () {
            var $tr = $(this);
            var path = $tr.attr('data-path') as Json;
            var fs = fieldSpecAt(spec, path, false, entry.targetFields || []);
            $tr.find('.cm-summary').text(optionsSummary(fs) || t('table.noOptions'));
            var m = meta[path];
            $tr.toggleClass('cm-missing', !!(m && m.required && !mapped(fs)));
        });
    }

    // ------------------------------------------------------------ the runtime's verdict on the spec

    function scheduleCheck() {
        clearTimeout(checkTimer);
        checkTimer = setTimeout(checkNow, 400);
    }

    function checkNow() {
        if (($('#node-input-direction').val() || 'to-canonical') !== 'to-canonical') return;
        var text = editor.getValue();
        var $state = $('#canonical-map-check');
        if (checkSpec(text) !== true) {
            issuesByField = {};
            applyIssues();
            $state.hide();
            return;
        }
        var seq = ++checkSeq;
        tryMapping(text, []).done(function () {
            if (seq !== checkSeq || !state.dialog) return;
            issuesByField = {};
            applyIssues();
            $state.removeClass('cm-bad').empty().append('<i class="fa fa-check"></i> ').append($('<span></span>').text(t('check.ok'))).show();
        }).fail(function (xhr) {
            if (seq !== checkSeq || !state.dialog) return;
            var error = xhr.responseJSON && xhr.responseJSON.error;
            issuesByField = {};
            var issues = error && Array.isArray(error.issues) ? error.issues : [];
            issues.forEach(function (i: Json) { (issuesByField[i.field] = issuesByField[i.field] || []).push(i.message); });
            applyIssues();
            var text = error ? (issues.length ? t('check.issues', { count: issues.length }) : error.message) : t('try.noAnswer', { status: xhr.status ? 'HTTP ' + xhr.status : 'no answer' });
            $state.addClass('cm-bad').empty().append('<i class="fa fa-exclamation-triangle"></i> ').append($('<span></span>').text(text))
                .attr('title', issues.map(function (i: Json) { return i.field + ': ' + i.message; }).join('\n')).show();
        });
    }

    function applyIssues() {
        var shown: Record<string, boolean> = {};
        $table.find('tr.cm-row').each(function () {
            var path = $(this).attr('data-path') as Json;
            var list = issuesByField[path];
            $(this).toggleClass('cm-has-issue', !!list);
            $(this).find('.cm-issue-icon').attr('title', list ? list.join('\n') : '');
            if (list) shown[path] = true;
        });
        var $other = $('#canonical-map-spec-issues').empty();
        var rest = Object.keys(issuesByField).filter(function (f) { return !shown[f]; });
        rest.forEach(function (f) {
            issuesByField[f].forEach(function (message: Json) {
                var $li = $('<li></li>').appendTo($other);
                $('<code></code>').text(f).appendTo($li);
                $('<span></span>').text(' ' + message).appendTo($li);
            });
        });
        $other.toggle(rest.length > 0 && $table.is(':visible'));
    }

    // ------------------------------------------------------------ Try it

    function runTry() {
        var $out = $('#canonical-map-try-result');
        var $info = $('#canonical-map-try-info');
        var text = editor.getValue();
        state.samples[node.id] = $('#canonical-map-sample').val() as Json;
        var frame = checkSpec(text);
        if (frame !== true) return tryMessage($out, frame);
        var sample = parseSample($('#canonical-map-sample').val());
        if (sample.error) return tryMessage($out, sample.error);
        $info.text(sample.info as Json);
        var $button = $('#canonical-map-try-run').addClass('disabled').prop('disabled', true);
        $out.empty().append('<i class="fa fa-spinner fa-spin"></i> ').append($('<span></span>').text(t('try.running'))).show();
        tryMapping(text, sample.text !== undefined ? { text: sample.text } : sample.value).done(function (answer) {
            if (answer && answer.fileError) return tryMessage($out, t('try.fileError', { message: answer.fileError.message }));
            renderTryResult($out, answer || {});
        }).fail(function (xhr, status) {
            var error = xhr.responseJSON && xhr.responseJSON.error;
            if (error) renderSpecIssues($out, error);
            else tryMessage($out, t('try.noAnswer', { status: xhr.status ? 'HTTP ' + xhr.status : status }));
        }).always(function () {
            $button.removeClass('disabled').prop('disabled', false);
            // the answer, not the sample, is what to read now
            var $pane = $('#canonical-map-tab-try');
            $pane.scrollTop(($pane.scrollTop() as number) + ($('#canonical-map-try-bar').offset() as Json).top - ($pane.offset() as Json).top);
        });
    }

    function tryMessage($out: Json, text: Json) {
        $out.empty().append($('<div class="cm-try-head cm-bad"></div>').append('<i class="fa fa-exclamation-triangle"></i> ').append($('<span></span>').text(text))).show();
    }

    function renderSpecIssues($out: Json, error: Json) {
        $out.empty();
        var issues = Array.isArray(error.issues) ? error.issues : [];
        $('<div class="cm-try-head cm-bad"></div>').append('<i class="fa fa-exclamation-triangle"></i> ')
            .append($('<span></span>').text(issues.length ? t('try.specInvalid') : error.message)).appendTo($out);
        if (!issues.length) return;
        var $tbl = $('<table class="cm-result-table cm-spec-issues"></table>').appendTo($out);
        $('<tr></tr>').append($('<th></th>').text(t('try.field'))).append($('<th></th>').text(t('try.problem'))).appendTo($('<thead></thead>').appendTo($tbl));
        var $body = $('<tbody></tbody>').appendTo($tbl);
        issues.forEach(function (i: Json) {
            $('<tr></tr>').append($('<td></td>').append($('<code></code>').text(i.field))).append($('<td></td>').text(i.message)).appendTo($body);
        });
    }

    function renderTryResult($out: Json, answer: Json) {
        $out.empty();
        var valid = Array.isArray(answer.valid) ? answer.valid : [];
        var invalid = Array.isArray(answer.invalid) ? answer.invalid : [];
        var blank = Array.isArray(answer.skippedBlank) ? answer.skippedBlank : [];
        var dups = Array.isArray(answer.skippedDuplicate) ? answer.skippedDuplicate : [];
        var $head = $('<div class="cm-try-head"></div>').addClass(invalid.length ? 'cm-warn' : 'cm-good').appendTo($out);
        $('<i></i>').addClass(invalid.length ? 'fa fa-exclamation-circle' : 'fa fa-check-circle').appendTo($head);
        var summary = [t('try.summary', { valid: valid.length, invalid: invalid.length, schema: answer.schema || '' })];
        if (blank.length) summary.push(t('try.skippedBlank', { rows: blank.join(', ') }));
        if (dups.length) summary.push(t('try.skippedDuplicate', { rows: dups.map(function (d: Json) { return d.row + ' (= ' + d.duplicateOf + ')'; }).join(', ') }));
        $('<span></span>').text(' ' + summary.join(' · ')).appendTo($head);

        // problems: one line per field of a row, in the analyst's terms
        var problems: Json = [];
        invalid.forEach(function (r: Json) { (r.problems || []).forEach(function (p: Json) { problems.push(p); }); });
        if (problems.length) {
            var $sec = $('<div class="cm-problems"></div>').appendTo($out);
            $('<div class="cm-try-section"></div>').text(t('try.problems', { count: problems.length })).appendTo($sec);
            var $tbl = $('<table class="cm-result-table cm-problem-table"></table>').appendTo($sec);
            var $tr = $('<tr></tr>').appendTo($('<thead></thead>').appendTo($tbl));
            ['row', 'field', 'expected', 'received'].forEach(function (k) { $('<th></th>').addClass('cm-p-' + k).text(t('try.' + k + 'Column')).appendTo($tr); });
            var $body = $('<tbody></tbody>').appendTo($tbl);
            problems.slice(0, SHOWN_MAX).forEach(function (p: Json) {
                var $r = $('<tr></tr>').attr('title', p.message || '').appendTo($body);
                $('<td class="cm-p-row"></td>').text(p.row === undefined ? '' : p.row).appendTo($r);
                var $f = $('<td class="cm-p-field"></td>').appendTo($r);
                $('<code></code>').text(p.path || t('try.wholeRow')).appendTo($f);
                if (p.source) $('<div class="cm-p-source"></div>').text(t('try.from', { source: p.source })).appendTo($f);
                if (p.duplicateOf !== undefined) $('<div class="cm-p-source"></div>').text(t('try.duplicateOf', { row: p.duplicateOf })).appendTo($f);
                $('<td class="cm-p-expected"></td>').text(p.expected || '').appendTo($r);
                $('<td class="cm-p-received"></td>').text(p.received || '').appendTo($r);
            });
            if (problems.length > SHOWN_MAX) $('<div class="cm-note"></div>').text(t('try.notShown', { count: problems.length - SHOWN_MAX })).appendTo($sec);
        }
        // valid objects: the first few open, the rest behind a link
        var $valid = $('<div class="cm-valid"></div>').appendTo($out);
        $('<div class="cm-try-section"></div>').text(t('try.valid', { count: valid.length })).appendTo($valid);
        var $list = $('<div class="cm-valid-list"></div>').appendTo($valid);
        valid.slice(0, SHOWN_MAX).forEach(function (v: Json, i: Json) {
            var $item = $('<div class="cm-valid-item"></div>').toggle(i < SHOWN_VALID).appendTo($list);
            $('<div class="cm-valid-row"></div>').text(t('try.row', { row: v.row })).appendTo($item);
            $('<pre></pre>').text(JSON.stringify(v.value, null, 2)).appendTo($item);
        });
        if (valid.length > SHOWN_VALID) {
            var hidden = Math.min(valid.length, SHOWN_MAX) - SHOWN_VALID;
            var $more = $('<a href="#" class="cm-more"></a>').text(t('try.showMore', { count: hidden })).appendTo($valid);
            $more.on('click', function (evt) {
                evt.preventDefault();
                var open = $more.data('open');
                $list.children().each(function (i) { $(this).toggle(!open ? true : i < SHOWN_VALID); });
                $more.data('open', !open).text(!open ? t('try.showLess') : t('try.showMore', { count: hidden }));
            });
            if (valid.length > SHOWN_MAX) $('<div class="cm-note"></div>').text(t('try.notShown', { count: valid.length - SHOWN_MAX })).appendTo($valid);
        }

        $out.show();
    }

    // ------------------------------------------------------------ lifecycle

    self.resize = function (size) {
        var $form = $('#node-input-direction').closest('form');
        var height = $form.height() as number;
        // the form also holds Node-RED's off-screen autofill traps: count only our rows
        $form.children('div:visible').not('#canonical-map-tabs-content').each(function () { height -= $(this).outerHeight(true) as number; });
        var $content = $('#canonical-map-tabs-content');
        if (!$content.is(':visible')) return;
        height = Math.max(height - 8, 220);
        $content.css('height', height + 'px');
        $('#canonical-map-tab-fields, #canonical-map-tab-try').css('height', height + 'px');
        var status = $('#canonical-map-json-status').outerHeight(true) || 0;
        $('#canonical-map-json').css('height', (height - status - 6) + 'px');
        editor.resize();
    };
    self.save = function () {
        state.samples[node.id] = $('#canonical-map-sample').val() as Json;
        $hidden.val(editor.getValue());
        self.dispose();
    };
    self.dispose = function () {
        clearTimeout(checkTimer);
        clearTimeout(statusTimer);
        checkSeq++;
        if (editor) {
            editor.destroy();
            editor = null;
        }
    };
    return self;
}
