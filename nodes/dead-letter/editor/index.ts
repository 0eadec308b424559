/** Editor definition of dead-letter; the dialog markup is in ../dead-letter.html, strings in ../locales/en-US. */
import { versionDefault } from '../../shared/editor/migrate';
import { red, type EditorNode, type Validator } from '../../shared/editor/red';
import { migrations } from '../migrations';
import { deadLetterTab } from './sidebar';

const atLeast =
  (min: number): Validator =>
  (v) =>
    v === '' || v === undefined || (!isNaN(Number(v)) && Number(v) >= min);

red().nodes.registerType<EditorNode>('dead-letter', {
  category: 'odoo',
  color: '#E6B89C',
  defaults: {
    version: versionDefault(migrations),
    name: { value: '' },
    store: { value: 'local' },
    queue: { value: '', validate: (v) => !v || /^[\w.-]+$/.test(String(v)) },
    maxReplays: { value: 5, validate: atLeast(0) },
    maxEntries: { value: 10000, validate: atLeast(0) },
    maxAge: { value: 30, validate: atLeast(0) },
    replayRate: { value: 10, validate: atLeast(0.001) },
  },
  credentials: { databaseUrl: { type: 'password' } },
  inputs: 1,
  outputs: 1,
  icon: 'dead-letter.svg',
  paletteLabel: 'dead letter',
  label() {
    return this.name || 'dead letter';
  },
  labelStyle() {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels() {
    return this._('dead-letter.outputs.replay');
  },
  oneditprepare() {
    const follow = () => $('.dead-letter-pg').toggle($('#node-input-store').val() === 'postgres');
    $('#node-input-store').on('change', follow);
    follow();
  },
});

$(() => deadLetterTab());
