/** Editor definition of supplier-intake; the dialog markup is in ../supplier-intake.html, strings in ../locales/en-US. */
import { versionDefault } from '../../shared/editor/migrate';
import { red, type EditorNode, type Validator } from '../../shared/editor/red';
import { migrations } from '../migrations';

const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;
const slugWhenReceiving: Validator = function (this: EditorNode, v) {
  return (this as EditorNode & { mode?: string }).mode === 'outcome' || SLUG.test(String(v ?? ''));
};
const positive: Validator = (v) => v === '' || v === undefined || (!isNaN(Number(v)) && Number(v) > 0);

red().nodes.registerType<EditorNode>('supplier-intake', {
  category: 'odoo',
  color: '#C0DEED',
  defaults: {
    version: versionDefault(migrations),
    name: { value: '' },
    mode: { value: 'receive' },
    supplier: { value: '', validate: slugWhenReceiving },
    document: { value: '', validate: slugWhenReceiving },
    http: { value: true },
    tokenEnv: { value: '', validate: (v) => !v || /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(v)) },
    maxSize: { value: 10, validate: positive },
    publicUrl: { value: '' },
    maxDispatches: { value: 3, validate: positive },
    retention: { value: 30, validate: positive },
  },
  credentials: { token: { type: 'password' } },
  inputs: 1,
  outputs: 2,
  icon: 'supplier-intake.svg',
  paletteLabel: 'supplier intake',
  label() {
    const n = this as EditorNode & { mode?: string; supplier?: string; document?: string };
    return this.name || (n.mode === 'outcome' ? 'upload outcome' : `${n.supplier || 'supplier'} / ${n.document || 'document'}`);
  },
  labelStyle() {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels(index) {
    const outcome = (this as EditorNode & { mode?: string }).mode === 'outcome';
    return this._(index === 0 ? (outcome ? 'supplier-intake.outputs.recorded' : 'supplier-intake.outputs.accepted') : 'supplier-intake.outputs.error');
  },
  oneditprepare() {
    const follow = () => {
      const receive = $('#node-input-mode').val() !== 'outcome';
      $('.supplier-intake-receive').toggle(receive);
      const supplier = String($('#node-input-supplier').val() || '<supplier>');
      const document = String($('#node-input-document').val() || '<document>');
      $('#supplier-intake-route').text(`POST /suppliers/${supplier}/${document}`);
      $('#node-input-tokenEnv').attr('placeholder', `SUPPLIER_TOKEN_${supplier.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`);
    };
    $('#node-input-mode, #node-input-supplier, #node-input-document').on('change keyup', follow);
    follow();
  },
});
