/** Editor definition of supplier-sftp; the dialog markup is in ../supplier-sftp.html, strings in ../locales/en-US. */
import { versionDefault } from '../../shared/editor/migrate';
import { red, type EditorNode, type Validator } from '../../shared/editor/red';
import { migrations } from '../migrations';

const num = (min: number, max: number): Validator => (v) => v === '' || v === undefined || (!Number.isNaN(Number(v)) && Number(v) >= min && Number(v) <= max);

red().nodes.registerType<EditorNode>('supplier-sftp', {
  category: 'odoo',
  color: '#C9A9C1',
  defaults: {
    version: versionDefault(migrations),
    name: { value: '' },
    server: { value: '', type: 'sftp-server', required: true },
    mode: { value: 'poll' },
    dir: { value: '', required: true },
    include: { value: '*.csv' },
    exclude: { value: '' },
    depth: { value: 0, validate: num(0, 20) },
    sort: { value: 'mtime' },
    order: { value: 'asc' },
    maxFiles: { value: 100, validate: num(1, 100000) },
    interval: { value: 60, validate: num(1, 86400) },
    schedule: { value: 'interval' },
    cron: { value: '' },
    timezone: { value: '' },
    readiness: { value: 'stable' },
    minAge: { value: 0, validate: num(0, 86400) },
    doneMarker: { value: '.done' },
    workDir: { value: '' },
    afterSuccess: { value: 'archive' },
    archiveDir: { value: '' },
    archiveName: { value: '{base}.{timestamp}{ext}' },
    errorDir: { value: '' },
    errorName: { value: '{base}.{timestamp}{ext}' },
    claimTimeout: { value: 3600, validate: num(10, 604800) },
    settle: { value: 'report' },
    maxSize: { value: 64, validate: num(0.001, 4096) },
    ledger: { value: true },
    exists: { value: 'fail' },
    uploadMarker: { value: '' },
  },
  inputs: 1,
  outputs: 2,
  icon: 'supplier-sftp.svg',
  paletteLabel: 'supplier sftp',
  label() {
    return this.name || `${this.mode === 'upload' ? 'upload' : 'poll'} ${this.dir || 'sftp'}`;
  },
  labelStyle() {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels(i) {
    return this._(i === 0 ? 'supplier-sftp.outputs.ok' : 'supplier-sftp.outputs.error');
  },
  oneditprepare() {
    const toggle = () => {
      const poll = $('#node-input-mode').val() === 'poll';
      $('.sftp-poll').toggle(poll);
      $('.sftp-upload').toggle(!poll);
      const r = $('#node-input-readiness').val();
      $('.sftp-age').toggle(poll && r === 'age');
      $('.sftp-marker').toggle(poll && r === 'marker');
      const cron = $('#node-input-schedule').val() === 'cron';
      $('.sftp-interval').toggle(poll && !cron);
      $('.sftp-cron').toggle(poll && cron);
    };
    $('#node-input-mode, #node-input-readiness, #node-input-schedule').on('change', toggle);
    toggle();
  },
});
