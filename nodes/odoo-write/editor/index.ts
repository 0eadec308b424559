/** Editor definition of odoo-write; the dialog markup is in ../odoo-write.html, strings in ../locales/en-US. */
import { beginEdit, editHooks, followOperation, selectDefault } from '../../shared/editor/form';
import { versionDefault } from '../../shared/editor/migrate';
import { fieldPicker, modelPicker } from '../../shared/editor/pickers';
import { red, type EditorNode } from '../../shared/editor/red';
import { oneOf, rule } from '../../shared/editor/rules';
import { migrations } from '../migrations';

const OPERATIONS = ['create', 'write', 'unlink', 'upsert', 'upsert_xid', 'call', 'msg'] as const;

interface OdooWriteNode extends EditorNode {
  server: string;
  operation: (typeof OPERATIONS)[number];
  model: string;
  method: string;
}

red().nodes.registerType<OdooWriteNode>('odoo-write', {
  category: 'odoo',
  color: '#C9A9C1',
  defaults: {
    version: versionDefault(migrations),
    name: { value: '' },
    server: { value: '', type: 'odoo-config', required: true },
    operation: { value: 'create', validate: oneOf(OPERATIONS) },
    model: { value: '', validate: rule('model') },
    keyFields: { value: '', validate: rule('keyFields') },
    method: { value: '', validate: rule('method') },
    batchSize: { value: 200, validate: rule('batchSize') },
    batchWindow: { value: 50, validate: rule('batchWindow') },
    context: { value: '', validate: rule('context') },
    attach: { value: false },
  },
  inputs: 1,
  outputs: 2,
  icon: 'odoo-write.svg',
  paletteLabel: 'odoo write',
  label() {
    if (this.name) return this.name;
    const what = this.operation === 'call' && this.method ? this.method : this.operation;
    return this.model ? `${this.model} · ${what}` : 'odoo write';
  },
  labelStyle() {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels(index) {
    return this._(index === 0 ? 'odoo-write.outputs.ok' : 'odoo-write.outputs.error');
  },
  oneditprepare() {
    const server = () => $('#node-input-server').val();
    const model = () => $('#node-input-model').val();
    beginEdit(this, 'node-input');
    selectDefault('#node-input-operation', 'create');
    $('#node-input-context').typedInput({ types: ['json'] });
    modelPicker('#node-input-model', server);
    fieldPicker('#node-input-keyFields', server, model);
    followOperation('#node-input-operation');
  },
  ...editHooks,
});
