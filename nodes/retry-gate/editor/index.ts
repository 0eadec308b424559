/** Editor definition of retry-gate; the dialog markup is in ../retry-gate.html, strings in ../locales/en-US. */
import { versionDefault } from '../../shared/editor/migrate';
import { red, type EditorNode, type Validator } from '../../shared/editor/red';
import { migrations } from '../migrations';

const atLeast =
  (min: number): Validator =>
  (v) =>
    v === '' || v === undefined || (!isNaN(Number(v)) && Number(v) >= min);

red().nodes.registerType<EditorNode>('retry-gate', {
  category: 'odoo',
  color: '#E2D96E',
  defaults: {
    version: versionDefault(migrations),
    name: { value: '' },
    maxAttempts: { value: 5, validate: atLeast(0) },
    maxTotal: { value: 0, validate: atLeast(0) },
    strategy: { value: 'exponential' },
    initialDelay: { value: 1000, validate: atLeast(0) },
    multiplier: { value: 2, validate: atLeast(1) },
    maxDelay: { value: 60000, validate: atLeast(0) },
    jitter: { value: 'full' },
    schedule: { value: '', validate: (v) => !v || /^\s*\d+(\s*,\s*\d+)*\s*$/.test(String(v)) },
    honourRetryAfter: { value: true },
    breakerThreshold: { value: 5, validate: atLeast(0) },
    breakerWindow: { value: 10000, validate: atLeast(1) },
    breakerCooldown: { value: 5000, validate: atLeast(0) },
    probeTimeout: { value: 5000, validate: atLeast(1) },
    maxHeld: { value: 100000, validate: atLeast(0) },
    releaseRate: { value: 100, validate: atLeast(0) },
  },
  inputs: 1,
  outputs: 2,
  icon: 'retry-gate.svg',
  paletteLabel: 'retry gate',
  label() {
    return this.name || 'retry gate';
  },
  labelStyle() {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels(index) {
    return this._(index === 0 ? 'retry-gate.outputs.try' : 'retry-gate.outputs.giveUp');
  },
  oneditprepare() {
    const follow = () => {
      const schedule = $('#node-input-strategy').val() === 'schedule';
      $('.retry-gate-exponential').toggle(!schedule);
      $('.retry-gate-schedule').toggle(schedule);
    };
    $('#node-input-strategy').on('change', follow);
    follow();
  },
});
