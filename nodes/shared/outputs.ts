import { classifyError, IntegrationError } from '../../lib/errors';
import type { Done, Node, NodeDef, NodeMessage, Send } from './red';
import { meterOf } from './metrics';

/** True when the node's second output (errors) goes somewhere. */
export function errorOutputWired(def: NodeDef): boolean {
  return (def.wires?.[1]?.length ?? 0) > 0;
}

/**
 * Routes a failure the way DESIGN.md says: a copy of the message with the
 * original payload and a structured msg.error leaves on output 2; done(err)
 * is called only when output 2 is not wired, so Catch nodes still see it
 * (Node-RED moves our msg.error to msg._error and puts its own in msg.error).
 */
export function sendError(node: Node, def: NodeDef, msg: NodeMessage, err: unknown, send: Send, done: Done, extra: Partial<NodeMessage> = {}): IntegrationError {
  const error = classifyError(err);
  const out: NodeMessage = { ...msg, ...extra, error: error.toMsgError({ id: node.id, type: node.type, ...(node.name ? { name: node.name } : {}) }) };
  node.status({ fill: 'red', shape: 'ring', text: `${error.code.toLowerCase()}${error.transient ? ' (transient)' : ''}` });
  meterOf(node).failed++;
  if (errorOutputWired(def)) {
    send([null, out]);
    done();
  } else {
    // Catch nodes get this msg: the failed rows as payload, the structured error kept as msg._error
    Object.assign(msg, extra, { error: out.error });
    done(error);
  }
  return error;
}

/** Shorthand for a node property that may be JSON/msg/flow/global/env. */
export function evaluate(RED: { util: { evaluateNodeProperty: (v: unknown, t: string, n: Node, m: NodeMessage | undefined, cb: (e: Error | null, r: unknown) => void) => void } }, value: unknown, type: string, node: Node, msg: NodeMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    RED.util.evaluateNodeProperty(value, type || 'json', node, msg, (err, result) => (err ? reject(err) : resolve(result)));
  });
}
