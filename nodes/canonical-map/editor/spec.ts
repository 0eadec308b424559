/**
 * canonical-map editor: the spec as JSON text, target paths, Try it requests, shared state.
 * The mapping spec (JSON text in the `mapping` property)
 * is the source of truth: the Fields table reads it and writes back only the
 * keys it shows, so everything else (maps, units, options, convert…) survives
 * a table edit untouched. The runtime compiles the spec on every change
 * (POST canonical-map/try with no rows) and the table shows what it says.
 */
import type { DialogApi } from './dialog';
import { red, type EditorNode, type Validator } from '../../shared/editor/red';

/** A JSON value of a mapping spec: its shape is checked by the runtime (lib/canonical/spec.ts), not here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

const RED = red();

// Mirrors TO_ODOO_SCHEMAS in lib/canonical/to-odoo.ts until GET canonical-map/schemas says it (a `toOdoo` flag per schema).
export const TO_ODOO = ['supplier-price@1', 'purchase-order@1', 'po-ack@1', 'shipment-notice@1', 'supplier-invoice@1', 'inventory-event@1'];
export const DIRECTIONS = ['to-canonical', 'to-odoo', 'from-odoo', 'to-supplier'];
export const OUTPUTS = ['grouped', 'row'];
export const SCHEMA_ID = /^[a-z][a-z0-9-]*@[1-9][0-9]*$/;
export const TEXT_KINDS = ['string', 'date', 'datetime', 'enum'];
// where a key the editor adds goes, among the keys a spec already has (the order of lib/canonical/README.md)
export const SPEC_ORDER = ['schema', 'specVersion', 'id', 'version', 'description', 'fields', 'maps', 'units', 'options'];
export const FIELD_ORDER = ['description', 'path', 'expr', 'const', 'each', 'trim', 'upper', 'lower', 'map', 'mapDefault', 'number', 'date', 'convert', 'default', 'fields'];
// keys the Fields table edits; any other key of a field spec is only shown as "also in JSON"
export const TABLE_KEYS = ['path', 'expr', 'const', 'each', 'default', 'trim', 'upper', 'lower', 'map', 'number', 'date', 'fields'];
export const SHOWN_VALID = 3;
export const SHOWN_MAX = 200;
export const INLINE = ' (inline)'; // the map select's value for an inline map; no one names a map this way

/** Editor state shared by the dialog and the node definition. */
export const state = {
  toOdooIds: TO_ODOO.slice(),
  schemasRequest: null as JQuery.jqXHR | null,
  /** id of the node whose dialog is open */
  editingId: null as string | null,
  dialog: null as DialogApi | null,
  /** the Try it sample of each node, for this browser session */
  samples: {} as Record<string, string>,
};

export function t(key: string, substitutions?: Record<string, unknown>): string {
    var def = RED.nodes.getType('canonical-map');
    return def && def._ ? def._('canonical-map.' + key, substitutions) : key;
}
export function isBlank(v: unknown): boolean { return v === undefined || v === null || String(v).trim() === ''; }
export function isObject(v: unknown): v is Record<string, Json> { return v !== null && typeof v === 'object' && !Array.isArray(v); }
export function has(o: object, k: string): boolean { return Object.prototype.hasOwnProperty.call(o, k); }

/** While the dialog is open, a property is validated against the form, not the saved node. */
export function formValue(node: EditorNode | undefined, prop: string): Json {
    if (node && state.editingId === node.id) {
        var $el = $('#node-input-' + prop);
        if ($el.length) return $el.val();
    }
    return node ? node[prop] : undefined;
}
export function directionOf(node: EditorNode | undefined): string { return formValue(node, 'direction') || 'to-canonical'; }

export function loadSchemas(): JQuery.jqXHR {
    if (!state.schemasRequest) {
        state.schemasRequest = $.ajax({ url: 'canonical-map/schemas', dataType: 'json', timeout: 15000 });
        state.schemasRequest.done(function (list: Json) {
            if (Array.isArray(list) && list.some(function (s: Json) { return typeof s.toOdoo === 'boolean'; })) {
                state.toOdooIds = list.filter(function (s: Json) { return s.toOdoo; }).map(function (s: Json) { return s.id; });
            }
        }).fail(function () { state.schemasRequest = null; });
    }
    return state.schemasRequest;
}

export function parseJson(text: string): { value?: Json; error?: string } {
    try {
        return { value: JSON.parse(text) };
    } catch (err) {
        return { error: (err as Error).message };
    }
}

/** What the editor can check without the runtime: the spec's frame (options.ts checks the same first). */
export function checkSpec(text: unknown): true | string {
    if (isBlank(text)) return t('validation.mappingRequired');
    var parsed = parseJson(String(text));
    if (parsed.error) return t('validation.json', { problem: parsed.error });
    var spec = parsed.value;
    if (!isObject(spec)) return t('validation.specObject');
    if (typeof spec.schema !== 'string' || !SCHEMA_ID.test(spec.schema)) return t('validation.schema');
    if (spec.specVersion !== 1) return t('validation.specVersion');
    if (!isObject(spec.fields)) return t('validation.fields');
    return true;
}

export function oneOf(values: string[]): Validator {
    // two parameters: Node-RED then shows the returned message
    return function (v: unknown, _opt?: unknown) { return v === undefined || values.indexOf(v as string) >= 0 ? true : t('validation.oneOf', { value: v, values: values.join(', ') }); };
}

// ------------------------------------------------------------------ JSON text

/** JSON laid out like the specs in mappings/: short objects on one line, long ones spread out. */
export function formatJson(value: Json): string {
    var WIDTH = 76;
    function inline(v: Json): string {
        if (Array.isArray(v)) return '[' + v.map(inline).join(', ') + ']';
        if (isObject(v)) {
            var keys = Object.keys(v).filter(function (k) { return v[k] !== undefined; });
            if (!keys.length) return '{}';
            return '{ ' + keys.map(function (k) { return JSON.stringify(k) + ': ' + inline(v[k]); }).join(', ') + ' }';
        }
        return JSON.stringify(v);
    }
    function block(v: Json, indent: string, column: number, depth: number): string {
        var flat = inline(v);
        if (!(isObject(v) || Array.isArray(v)) || (depth > 1 && column + flat.length <= WIDTH)) return flat;
        var inner = indent + '  ';
        if (Array.isArray(v)) {
            if (!v.length) return '[]';
            return '[\n' + v.map(function (x) { return inner + block(x, inner, inner.length, depth + 1); }).join(',\n') + '\n' + indent + ']';
        }
        var keys = Object.keys(v).filter(function (k) { return v[k] !== undefined; });
        if (!keys.length) return '{}';
        return '{\n' + keys.map(function (k) {
            var head = inner + JSON.stringify(k) + ': ';
            return head + block(v[k], inner, head.length, depth + 1);
        }).join(',\n') + '\n' + indent + '}';
    }
    return block(value, '', 0, 0) + '\n';
}

/** Adds `key` where `order` puts it among the keys `obj` already has; the others keep their place. */
export function setKey(obj: Record<string, Json>, key: string, value: Json, order: string[]): void {
    if (has(obj, key)) {
        obj[key] = value;
        return;
    }
    var rank = order.indexOf(key);
    var keys = Object.keys(obj);
    var at = keys.length;
    if (rank >= 0) {
        for (var i = 0; i < keys.length; i++) {
            var r = order.indexOf(keys[i]);
            if (r > rank) { at = i; break; }
        }
    }
    var tail = keys.slice(at).map(function (k) { var v = obj[k]; delete obj[k]; return [k, v]; });
    obj[key] = value;
    tail.forEach(function (kv) { obj[kv[0]] = kv[1]; });
}

/** Text in a Default or fixed-value cell ↔ the JSON value; text fields keep text, others read JSON literals. */
export function textToValue(text: string, kind: string): Json {
    if (text === '') return undefined;
    if (kind && TEXT_KINDS.indexOf(kind) >= 0) return text;
    var parsed = parseJson(text.trim());
    if (!parsed.error && (parsed.value === null || typeof parsed.value !== 'object')) return parsed.value;
    return text;
}
export function valueToText(value: Json, kind: string): string {
    if (value === undefined) return '';
    if (typeof value === 'string') {
        if (kind && TEXT_KINDS.indexOf(kind) >= 0) return value;
        return textToValue(value, '') === value ? value : JSON.stringify(value);
    }
    return JSON.stringify(value);
}

// ------------------------------------------------------------------ target paths

/** `lines[].quantity` → [{key: 'lines', array: true}, {key: 'quantity'}] */
export function segments(path: string): Array<{ key: string; array: boolean }> {
    return path.split('.').map(function (s) {
        var array = /\[\]$/.test(s);
        return { key: array ? s.slice(0, -2) : s, array: array };
    });
}
export function childOrder(targets: string[], prefix: string): string[] {
    return targets.filter(function (p) { return p.indexOf(prefix) === 0 && p.slice(prefix.length).indexOf('.') < 0; })
        .map(function (p) { return p.slice(prefix.length).replace(/\[\]$/, ''); });
}
export function prefixOf(path: string): string {
    var cut = path.lastIndexOf('.');
    return cut < 0 ? '' : path.slice(0, cut + 1);
}

/** The field spec at a target path, made on the way when `create` (a group is `{each?, fields}`). */
export function fieldSpecAt(spec: Json, path: string, create: boolean, targets: string[] = []): Json {
    var container = spec;
    var prefix = '';
    var segs = segments(path);
    for (var i = 0; i < segs.length; i++) {
        if (!isObject(container.fields)) {
            if (!create) return null;
            setKey(container, 'fields', {}, container === spec ? SPEC_ORDER : FIELD_ORDER);
        }
        var key = segs[i].key;
        var next = container.fields[key];
        if (!isObject(next)) {
            if (!create) return null;
            next = {};
            setKey(container.fields, key, next, childOrder(targets, prefix));
        }
        prefix += key + (segs[i].array ? '[].' : '.');
        container = next;
    }
    return container;
}

/** Drops what a table edit left empty: a field spec with no keys, a group with no fields and nothing else. */
export function prune(spec: Json, path: string): void {
    var segs = segments(path);
    var chain = [spec];
    var node = spec;
    for (var i = 0; i < segs.length; i++) {
        node = isObject(node.fields) ? node.fields[segs[i].key] : undefined;
        if (!isObject(node)) return;
        chain.push(node);
    }
    for (var j = segs.length; j >= 1; j--) {
        var fs = chain[j];
        var parent = chain[j - 1];
        var keys = Object.keys(fs);
        var emptyGroup = keys.length === 1 && keys[0] === 'fields' && isObject(fs.fields) && !Object.keys(fs.fields).length;
        if (keys.length === 0 || emptyGroup) delete parent.fields[segs[j - 1].key];
        else break;
    }
}

export function mapped(fs: Json): boolean {
    return isObject(fs) && (has(fs, 'path') || has(fs, 'expr') || has(fs, 'const') || has(fs, 'default') || has(fs, 'each') || has(fs, 'fields'));
}

/** A short reading of a field's options, for the Options cell. */
export function optionsSummary(fs: Json): string {
    if (!isObject(fs)) return '';
    var parts = [];
    if (fs.trim === false) parts.push(t('summary.noTrim'));
    if (fs.upper) parts.push(t('summary.upper'));
    if (fs.lower) parts.push(t('summary.lower'));
    if (fs.number !== undefined) {
        var n = fs.number === true ? { decimal: '.' } : fs.number || {};
        parts.push((n.thousands ? '1' + n.thousands + '234' : '1234') + (n.decimal || '.') + '5');
    }
    if (isObject(fs.date)) parts.push((fs.date.format || '?') + (fs.date.tz ? ' ' + fs.date.tz : ''));
    if (fs.map !== undefined) parts.push('→ ' + (typeof fs.map === 'string' ? fs.map : t('summary.inlineMap')));
    Object.keys(fs).forEach(function (k) {
        if (TABLE_KEYS.indexOf(k) < 0 && k !== 'description') parts.push(k);
    });
    return parts.join(' · ');
}

// ------------------------------------------------------------------ Try it

/** A pasted sample: JSON rows, or a file as the supplier sends it (read on the server by the mapping's input section). */
export function parseSample(text: unknown): { value?: Json; text?: string; info?: string; error?: string } {
    var s = String(text || '').replace(/^\uFEFF/, '');
    if (!s.trim()) return { error: t('try.emptySample') };
    var first = s.trim().charAt(0);
    if (first === '{' || first === '[') {
        var parsed = parseJson(s);
        if (parsed.error) return { error: t('try.badSample', { problem: parsed.error }) };
        return { value: parsed.value, info: t('try.jsonInfo', { rows: Array.isArray(parsed.value) ? parsed.value.length : 1 }) };
    }
    // a file (CSV) is read on the server exactly as at runtime: same dialect, same file lines
    return { text: String(text), info: t('try.fileInfo') };
}

/** `sample`: rows (JSON), or `{text}` for a pasted file. */
export function tryMapping(mappingText: string, sample: Json): JQuery.jqXHR {
    return $.ajax({
        url: 'canonical-map/try',
        type: 'POST',
        contentType: 'application/json; charset=utf-8',
        dataType: 'json',
        data: JSON.stringify(sample && typeof sample.text === 'string' ? { mapping: mappingText, sampleText: sample.text } : { mapping: mappingText, sample: sample }),
        timeout: 60000
    });
}
