/** Editor definition of mqtt-durable-in; the dialog markup is in ../mqtt-durable-in.html, strings in ../locales/en-US. */
import { versionDefault } from '../../shared/editor/migrate';
import { red, type EditorNode } from '../../shared/editor/red';
import { migrations } from '../migrations';
import { maxBytesRule, propertyRule, requiredRule, sessionsRule, urlRule } from './validate';

interface MqttDurableInNode extends EditorNode {
  url: string;
  topic: string;
  clientId: string;
  sessions: string;
  format: string;
  ackTimeout: string;
  maxInFlight: string;
  maxBytes: string;
  correlationFrom: string;
}

const RED = red();
const t = (key: string) => RED.nodes.getType('mqtt-durable-in')?._?.(key) ?? key;

RED.nodes.registerType<MqttDurableInNode>('mqtt-durable-in', {
  category: 'odoo',
  color: '#d8bfd8',
  defaults: {
    version: versionDefault(migrations),
    name: { value: '' },
    url: { value: '${MQTT_URL}', validate: urlRule(t) },
    topic: { value: '', validate: requiredRule(t) },
    clientId: { value: '${MQTT_CLIENT_ID}', validate: requiredRule(t) },
    sessions: { value: '1', validate: sessionsRule(t) },
    format: { value: 'json' },
    ackTimeout: { value: '60' },
    maxInFlight: { value: '100' },
    maxBytes: { value: '262144', validate: maxBytesRule(t) },
    correlationFrom: { value: '', validate: propertyRule(t) },
  },
  credentials: {
    username: { type: 'text' },
    password: { type: 'password' },
  },
  inputs: 0,
  outputs: 2,
  icon: 'mqtt-durable-in.svg',
  paletteLabel: 'mqtt durable in',
  label() {
    return this.name || this.topic || 'mqtt durable in';
  },
  labelStyle() {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels(index) {
    return this._(index === 0 ? 'mqtt-durable-in.outputs.ok' : 'mqtt-durable-in.outputs.error');
  },
});
