import { classifyError, badInput } from '../../lib/errors';
import { DurableSubscriber, correlationOf, decodePayload, parseMqttDurableInOptions, ACK_PROPERTY } from '../../lib/mqtt-durable-in';
import { expandEnv } from '../../lib/util/env';
import { randomUUID } from 'node:crypto';
import { migratedOptions } from '../shared/migrate';
import { meterOf } from '../shared/metrics';
import type { Node, NodeDef, NodeMessage, RED } from '../shared/red';
import { migrations } from './migrations';

export = function (RED: RED) {
  function MqttDurableIn(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migratedOptions(this, def, migrations);
    const node = this;
    const meter = meterOf(node);
    const source = { id: node.id, type: node.type, ...(node.name ? { name: node.name } : {}) };
    let subscriber: DurableSubscriber | undefined;
    try {
      const creds = (node.credentials ?? {}) as { username?: string; password?: string };
      const options = parseMqttDurableInOptions({
        ...def,
        url: expandEnv(String(def.url ?? '')),
        topic: expandEnv(String(def.topic ?? '')),
        clientId: expandEnv(String(def.clientId ?? '')),
        ...(creds.username ? { username: expandEnv(creds.username) } : {}),
        ...(creds.password ? { password: creds.password } : {}),
      });
      subscriber = new DurableSubscriber(options, {
        message: (m) => {
          meter.received++;
          const base: NodeMessage = { topic: m.topic, qos: m.qos, retain: m.retain, [ACK_PROPERTY]: m.token, ...(m.dup ? { redelivered: true } : {}) };
          const decoded = decodePayload(m.payload, options.format, options.maxBytes);
          if (decoded.ok) {
            const correlationId = options.correlationFrom ? (correlationOf(decoded.value, options.correlationFrom) ?? randomUUID()) : undefined;
            node.send([correlationId ? { ...base, payload: decoded.value, correlationId } : { ...base, payload: decoded.value }, null]);
            return;
          }
          // not readable (or too large to read): the error output, with the text, so a dead-letter node keeps it (and acknowledges it)
          meter.failed++;
          const error = badInput(decoded.message, { topic: m.topic, bytes: m.payload.length });
          node.send([null, { ...base, payload: decoded.text, correlationId: randomUUID(), error: error.toMsgError(source) }]);
        },
        connection: (connected, of) => {
          // for tests and drills in the same process: every session is connected
          const all = connected === of;
          if (all && !(node as unknown as { connected?: boolean }).connected) node.log(`Connected to broker ${options.url}: ${of} session(s) subscribed to ${options.topic}`);
          (node as unknown as { connected: boolean }).connected = all;
          node.status(connected === of ? { fill: 'green', shape: 'dot', text: RED._('mqtt-durable-in.status.connected', { n: of }) } : { fill: connected ? 'yellow' : 'red', shape: 'ring', text: RED._('mqtt-durable-in.status.partly', { connected, of }) });
        },
        warn: (text) => node.warn(text),
      });
      subscriber.start();
      node.status({ fill: 'grey', shape: 'ring', text: RED._('mqtt-durable-in.status.connecting') });
    } catch (err) {
      node.error(RED._('mqtt-durable-in.errors.invalid', { problem: classifyError(err).message }));
      node.status({ fill: 'red', shape: 'ring', text: RED._('mqtt-durable-in.status.invalid') });
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      // messages in flight get a moment to be taken; the rest stay with the broker
      (subscriber?.close(2000) ?? Promise.resolve()).then(() => done(), () => done());
    });
  }
  RED.nodes.registerType('mqtt-durable-in', MqttDurableIn, { credentials: { username: { type: 'text' }, password: { type: 'password' } } });
};
