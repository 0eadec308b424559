/** Editor definition of odoo-config; the dialog markup is in ../odoo-config.html, strings in ../locales/en-US. */
import { beginEdit, editHooks, selectDefault } from '../../shared/editor/form';
import { versionDefault } from '../../shared/editor/migrate';
import { red, type EditorNode } from '../../shared/editor/red';
import { oneOf, rule } from '../../shared/editor/rules';
import { migrations } from '../migrations';
import { testConnection } from './test-connection';
import { checkAccess } from './check-access';
import { operationsTab } from '../../shared/editor/operations';

interface OdooConfigEditorNode extends EditorNode {
  url: string;
  database: string;
}

red().nodes.registerType<OdooConfigEditorNode>('odoo-config', {
  category: 'config',
  defaults: {
    version: versionDefault(migrations),
    name: { value: '' },
    url: { value: '', validate: rule('url') },
    database: { value: '' },
    login: { value: '' },
    protocol: { value: 'auto', validate: oneOf(['auto', 'json2', 'xmlrpc']) },
    secretKind: { value: 'apikey', validate: oneOf(['apikey', 'password']) },
    timeout: { value: 30, validate: rule('timeout') },
    concurrency: { value: 4, validate: rule('concurrency') },
    maxResponseMb: { value: 256, validate: rule('maxResponseMb') },
    context: { value: '', validate: rule('configContext', 'context') },
    secretEnv: { value: '', validate: rule('secretEnv') },
    keyWarnDays: { value: 14, validate: rule('keyWarnDays') },
  },
  credentials: {
    secret: { type: 'password' },
  },
  label() {
    if (this.name) return this.name;
    const url = String(this.url || '').replace(/^https?:\/\//, '').replace(/\/+$/, '');
    return url ? url + (this.database ? ` / ${this.database}` : '') : 'odoo';
  },
  oneditprepare() {
    const node = this;
    beginEdit(node, 'node-config-input');
    selectDefault('#node-config-input-protocol', 'auto');
    selectDefault('#node-config-input-secretKind', 'apikey');
    $('#node-config-input-context').typedInput({ types: ['json'] });
    // JSON-2 accepts API keys only: say so when the form asks for it with a password
    const kindHint = () => {
      const clash = $('#node-config-input-protocol').val() === 'json2' && $('#node-config-input-secretKind').val() === 'password';
      $('#odoo-config-hint-json2').toggle(clash);
    };
    $('#node-config-input-protocol, #node-config-input-secretKind').on('change', kindHint);
    kindHint();
    $('#odoo-config-test').on('click', (evt) => {
      evt.preventDefault();
      testConnection(node);
    });
    $('#odoo-config-access').on('click', (evt) => {
      evt.preventDefault();
      checkAccess(node);
    });
  },
  ...editHooks,
});

// the operations tab of the sidebar (nodes/shared/editor/operations.ts): once per editor, with the package's config node
$(() => operationsTab());
