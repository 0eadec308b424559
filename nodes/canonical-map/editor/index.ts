import {
  DIRECTIONS,
  OUTPUTS,
  checkSpec,
  directionOf,
  isBlank,
  isObject,
  oneOf,
  parseJson,
  t,
  state,
} from './spec';
import { createDialog } from './dialog';
import { versionDefault } from '../../shared/editor/migrate';
import { red } from '../../shared/editor/red';
import { migrations } from '../migrations';

const RED = red();

/** Editor definition of canonical-map; the dialog markup is in ../canonical-map.html, strings in ../locales/en-US. */
RED.nodes.registerType('canonical-map', {
    category: 'odoo',
    color: '#B7A7D3',
    defaults: {
        version: versionDefault(migrations),
        name: { value: '' },
        direction: { value: 'to-canonical', validate: oneOf(DIRECTIONS) },
        mapping: {
            value: '',
            validate: function (v, opt) { return directionOf(this) !== 'to-canonical' ? true : checkSpec(v); }
        },
        schema: {
            value: '',
            validate: function (v, opt) {
                var id = String(v || '').trim();
                if (directionOf(this) !== 'to-odoo' || !id) return true;
                return state.toOdooIds.indexOf(id) >= 0 ? true : t('validation.toOdooSchema', { schema: id, list: state.toOdooIds.join(', ') });
            }
        },
        server: {
            value: '',
            type: 'odoo-config',
            validate: function (v, opt) {
                if (directionOf(this) !== 'to-odoo' && directionOf(this) !== 'from-odoo') return true;
                if (!v || v === '_ADD_') return t('validation.server');
                var config = RED.nodes.node(v);
                if (!config) return t('validation.serverMissing');
                return config.valid === false ? t('validation.serverInvalid') : true;
            }
        },
        outbound: {
            value: '',
            validate: function (v, opt) {
                if (directionOf(this) !== 'to-supplier') return true;
                var parsed = parseJson(String(v || ''));
                return isObject(parsed.value) && parsed.value.direction === 'from-canonical' ? true : t('validation.outbound');
            }
        },
        output: { value: 'grouped', validate: oneOf(OUTPUTS) },
        cacheTtl: {
            value: 300,
            validate: function (v, opt) {
                if (isBlank(v)) return true;
                var n = Number(v);
                return !isNaN(n) && n >= 0 && n <= 86400 ? true : t('validation.cacheTtl');
            }
        }
    },
    inputs: 1,
    outputs: 2,
    icon: 'canonical-map.svg',
    paletteLabel: 'canonical map',
    label: function () {
        if (this.name) return this.name;
        if (this.direction === 'to-odoo') return (this.schema || 'canonical') + ' → Odoo';
        if (this.direction === 'from-odoo') return 'Odoo → purchase-order@1';
        if (this.direction === 'to-supplier') { var o = parseJson(String(this.outbound || '')); return (isObject(o.value) && o.value.id) || 'canonical → supplier file'; }
        var parsed = this.mapping ? parseJson(this.mapping) : {};
        var spec = isObject(parsed.value) ? parsed.value : {};
        return spec.id || spec.schema || 'canonical map';
    },
    labelStyle: function () {
        return this.name ? 'node_label_italic' : '';
    },
    outputLabels: function (index) {
        return this._(index === 0 ? 'canonical-map.outputs.ok' : 'canonical-map.outputs.error');
    },
    oneditprepare: function () {
        state.editingId = this.id;
        state.dialog = createDialog(this);
    },
    oneditresize: function (size) {
        if (state.dialog) state.dialog.resize(size);
    },
    oneditsave: function () {
        if (state.dialog) state.dialog.save();
        state.dialog = null;
        state.editingId = null;
    },
    oneditcancel: function () {
        if (state.dialog) state.dialog.dispose();
        state.dialog = null;
        state.editingId = null;
    },
    oneditdelete: function () {
        if (state.dialog) state.dialog.dispose();
        state.dialog = null;
        state.editingId = null;
    }
});
