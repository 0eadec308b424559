/** Editor definition of stock-events; the dialog markup is in ../stock-events.html, strings in ../locales/en-US. */
import { versionDefault } from '../../shared/editor/migrate';
import { red, type EditorNode } from '../../shared/editor/red';
import { migrations } from '../migrations';
import { intRule } from './validate';

interface StockEventsNode extends EditorNode {
  server: string;
  window: number | string;
  maxBatch: number | string;
  ledgerSize: number | string;
}

const RED = red();
const t = (key: string) => RED.nodes.getType('stock-events')?._?.(key) ?? key;

RED.nodes.registerType<StockEventsNode>('stock-events', {
  category: 'odoo',
  color: '#C9A9C1',
  defaults: {
    version: versionDefault(migrations),
    name: { value: '' },
    server: { value: '', type: 'odoo-config', required: true },
    window: { value: 500, validate: intRule(t, 0, 60_000) },
    maxBatch: { value: 5000, validate: intRule(t, 1, 50_000) },
    ledgerSize: { value: 500_000, validate: intRule(t, 1000, 10_000_000) },
  },
  inputs: 1,
  outputs: 2,
  icon: 'stock-events.svg',
  paletteLabel: 'stock events',
  label() {
    return this.name || 'stock events';
  },
  labelStyle() {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels(index) {
    return this._(index === 0 ? 'stock-events.outputs.ok' : 'stock-events.outputs.error');
  },
});
