/** Editor definition of odoo-read; the dialog markup is in ../odoo-read.html, strings in ../locales/en-US. */
import { beginEdit, editHooks, followOperation, selectDefault } from '../../shared/editor/form';
import { versionDefault } from '../../shared/editor/migrate';
import { fieldPicker, modelPicker } from '../../shared/editor/pickers';
import { red, type EditorNode } from '../../shared/editor/red';
import { oneOf, rule } from '../../shared/editor/rules';
import { migrations } from '../migrations';

const OPERATIONS = ['search_read', 'read', 'search', 'search_count', 'read_group', 'name_search', 'fields_get'] as const;
const OUTPUTS = ['all', 'page', 'record'] as const;

interface OdooReadNode extends EditorNode {
  server: string;
  operation: (typeof OPERATIONS)[number];
  model: string;
  domain?: string;
}

/** search_read and friends aggregate numbers; other fields only count distinct values. */
function aggregatesOf(name: string, f: { type?: string }): string[] {
  const numeric = f.type === 'integer' || f.type === 'float' || f.type === 'monetary';
  return numeric ? [`${name}:sum`, `${name}:avg`, `${name}:max`, `${name}:min`] : [`${name}:count_distinct`];
}

red().nodes.registerType<OdooReadNode>('odoo-read', {
  category: 'odoo',
  color: '#C9A9C1',
  defaults: {
    version: versionDefault(migrations),
    name: { value: '' },
    server: { value: '', type: 'odoo-config', required: true },
    operation: { value: 'search_read', validate: oneOf(OPERATIONS) },
    model: { value: '', validate: rule('model') },
    domain: { value: '[]', validate: rule('domain') },
    domainType: { value: 'json' },
    fields: { value: '' },
    groupby: { value: '' },
    aggregates: { value: '' },
    limit: { value: '', validate: rule('limit') },
    offset: { value: '', validate: rule('offset') },
    order: { value: '', validate: rule('order') },
    pageSize: { value: 500, validate: rule('pageSize') },
    output: { value: 'all', validate: oneOf(OUTPUTS) },
    context: { value: '', validate: rule('context') },
  },
  inputs: 1,
  outputs: 2,
  icon: 'odoo-read.svg',
  paletteLabel: 'odoo read',
  label() {
    return this.name || (this.model ? `${this.model} · ${this.operation}` : 'odoo read');
  },
  labelStyle() {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels(index) {
    return this._(index === 0 ? 'odoo-read.outputs.ok' : 'odoo-read.outputs.error');
  },
  oneditprepare() {
    const server = () => $('#node-input-server').val();
    const model = () => $('#node-input-model').val();
    beginEdit(this, 'node-input');
    selectDefault('#node-input-operation', 'search_read');
    selectDefault('#node-input-output', 'all');
    // a node saved without a domain reads everything: show that as the [] it means
    if (this.domain === undefined) $('#node-input-domain').val('[]');
    $('#node-input-domain').typedInput({ default: 'json', types: ['json', 'msg', 'flow', 'global', 'env'], typeField: '#node-input-domainType' });
    $('#node-input-context').typedInput({ types: ['json'] });
    modelPicker('#node-input-model', server);
    fieldPicker('#node-input-fields', server, model);
    fieldPicker('#node-input-groupby', server, model);
    fieldPicker('#node-input-aggregates', server, model, aggregatesOf);
    followOperation('#node-input-operation');
  },
  ...editHooks,
});
