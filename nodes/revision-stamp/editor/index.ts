/** Editor definition of revision-stamp; the dialog markup is in ../revision-stamp.html, strings in ../locales/en-US. */
import { versionDefault } from '../../shared/editor/migrate';
import { red, type EditorNode } from '../../shared/editor/red';
import { migrations } from '../migrations';

const PROP = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

red().nodes.registerType<EditorNode>('revision-stamp', {
  category: 'odoo',
  color: '#E2D96E',
  defaults: {
    version: versionDefault(migrations),
    name: { value: '' },
    key: { value: 'odoo.id', validate: (v) => PROP.test(String(v || 'odoo.id')) },
    content: { value: 'payload', validate: (v) => PROP.test(String(v || 'payload')) },
  },
  inputs: 1,
  outputs: 2,
  icon: 'revision-stamp.svg',
  paletteLabel: 'revision stamp',
  label() {
    return this.name || 'revision stamp';
  },
  labelStyle() {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels(index) {
    return this._(index === 0 ? 'revision-stamp.outputs.new' : 'revision-stamp.outputs.unchanged');
  },
});
