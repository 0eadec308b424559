/** Editor definition of odoo-changes; the dialog markup is in ../odoo-changes.html, strings in ../locales/en-US. */
import { beginEdit, editHooks, selectDefault } from '../../shared/editor/form';
import { versionDefault } from '../../shared/editor/migrate';
import { fieldPicker, modelPicker } from '../../shared/editor/pickers';
import { red, type EditorNode, type Validator } from '../../shared/editor/red';
import { oneOf, rule } from '../../shared/editor/rules';
import { migrations } from '../migrations';

interface OdooChangesNode extends EditorNode {
  server: string;
  model: string;
  start: string;
  push: boolean;
}

const atLeast =
  (min: number): Validator =>
  (v) =>
    v === '' || v === undefined || (!isNaN(Number(v)) && Number(v) >= min);

red().nodes.registerType<OdooChangesNode>('odoo-changes', {
  category: 'odoo',
  color: '#C9A9C1',
  defaults: {
    version: versionDefault(migrations),
    name: { value: '' },
    server: { value: '', type: 'odoo-config', required: true },
    model: { value: 'purchase.order', validate: rule('model') },
    domain: { value: '[]', validate: rule('domain') },
    fields: { value: 'name, state, partner_id' },
    interval: { value: 10, validate: atLeast(0.05) },
    overlap: { value: 120, validate: atLeast(0) },
    pageSize: { value: 500, validate: atLeast(1) },
    start: { value: 'now', validate: oneOf(['now', 'beginning', 'date']) },
    startDate: { value: '' },
    related: { value: '', validate: (v) => String(v || '').split(',').map((s) => s.trim()).filter(Boolean).every((r) => /^[a-z0-9_]+(\.[a-z0-9_]+)+:[a-z_][a-z0-9_]*$/.test(r)) },
    includeArchived: { value: false },
    push: { value: false },
    pushPath: { value: '', validate: (v) => !v || /^[A-Za-z0-9_-]+$/.test(String(v)) },
  },
  credentials: { token: { type: 'password' } },
  inputs: 1,
  outputs: 2,
  icon: 'odoo-changes.svg',
  paletteLabel: 'odoo changes',
  label() {
    return this.name || (this.model ? `${this.model} changes` : 'odoo changes');
  },
  labelStyle() {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels(index) {
    return this._(index === 0 ? 'odoo-changes.outputs.ok' : 'odoo-changes.outputs.error');
  },
  oneditprepare() {
    const server = () => $('#node-input-server').val();
    const model = () => $('#node-input-model').val();
    beginEdit(this, 'node-input');
    selectDefault('#node-input-start', 'now');
    $('#node-input-domain').typedInput({ types: ['json'] });
    modelPicker('#node-input-model', server);
    fieldPicker('#node-input-fields', server, model);
    const follow = () => {
      $('.odoo-changes-date').toggle($('#node-input-start').val() === 'date');
      $('.odoo-changes-push').toggle($('#node-input-push').is(':checked'));
    };
    $('#node-input-start').on('change', follow);
    $('#node-input-push').on('change', follow);
    follow();
  },
  ...editHooks,
});
