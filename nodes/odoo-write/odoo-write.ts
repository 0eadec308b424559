import { classifyError, configError, IntegrationError } from '../../lib/errors';
import { effectiveWriteOptions, parseNodeOptions, writeNodeSchema, WriteNodeOptions } from '../../lib/odoo/options';
import { failureSummary, modelOf, recordsOf, writerOf } from '../../lib/odoo/writer';
import { executeWrite, writtenIds } from '../../lib/odoo/execute';
import { executeWithOriginal, originalFile } from '../../lib/odoo/attach';
import type { OdooConfigNode } from '../shared/odoo-server';
import { errorOutputWired, sendError } from '../shared/outputs';
import type { Done, Node, NodeDef, NodeMessage, RED, Send } from '../shared/red';
import { migrations } from './migrations';
import { migratedOptions } from '../shared/migrate';
import { meterOf } from '../shared/metrics';

/** Node-RED gives a closing node 15 s. */
const CLOSE_WAIT_MS = 12_000;

/** What makes every delivery of this message write the same keys. */
function idempotencyBase(msg: NodeMessage): string | undefined {
  const own = (msg.odoo as { idempotencyKey?: unknown } | undefined)?.idempotencyKey;
  // a split node's parts share one _msgid: the part's place tells them apart
  const parts = msg.parts as { id?: unknown; index?: unknown } | undefined;
  const part = parts && typeof parts === 'object' ? `:part:${String(parts.id)}:${String(parts.index)}` : '';
  for (const v of [own, msg.correlationId, msg._msgid]) if (typeof v === 'string' && v) return `${v}${part}`;
  return undefined;
}

export = function (RED: RED) {
  function OdooWrite(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migratedOptions(this, def, migrations);
    const node = this;
    const server = RED.nodes.getNode(String(def.server ?? '')) as OdooConfigNode | null;
    let options: WriteNodeOptions | undefined;
    try {
      options = parseNodeOptions(writeNodeSchema, def);
    } catch (err) {
      node.error(`odoo-write configuration is invalid: ${classifyError(err).message}`);
      node.status({ fill: 'red', shape: 'ring', text: RED._('odoo-write.status.invalid') });
    }
    if (!server) node.status({ fill: 'red', shape: 'ring', text: RED._('odoo-write.status.noServer') });
    else if (options) server.register(node);

    const clientOf = () => {
      if (!server) throw configError('no Odoo server configured');
      return server.client();
    };
    // one writer per Odoo server, shared with every other node using it: keys stay ordered across nodes
    const writer = () => writerOf(clientOf());
    let pending = 0;
    const meter = meterOf(node);

    node.on('input', async (msg: NodeMessage, send: Send, done: Done) => {
      meter.received++;
      try {
        if (!options) throw configError('odoo-write is not configured correctly; see the error logged at deploy');
        const o = effectiveWriteOptions(options, msg.odoo);
        const model = modelOf(o.model, msg.odoo);
        const payload = msg.payload;
        const meta = { model, operation: o.operation };
        if (o.operation !== 'call') node.status({ fill: 'blue', shape: 'dot', text: RED._('odoo-write.status.writing', { count: Array.isArray(payload) ? payload.length : 1 }) });
        const identity = { keys: (msg.odoo as { keys?: unknown } | undefined)?.keys, base: idempotencyBase(msg) };
        pending++;
        // the supplier's file, attached to the documents written (the node's option, where msg.odoo marks them)
        const original = o.attachHere ? originalFile(msg.original) : undefined;
        const correlationId = typeof msg.correlationId === 'string' ? msg.correlationId : undefined;
        const run = original ? executeWithOriginal(clientOf(), writer(), o, model, payload, identity, original, correlationId) : executeWrite(clientOf(), writer(), o, model, payload, identity);
        const { okRows, results, failed, callResult, thenError, ...more } = await run.finally(() => pending--);
        const attachments = 'attachments' in more ? { attachments: more.attachments } : {};
        if (o.operation === 'call') {
          send([{ ...msg, odoo: { ...meta, method: o.method, result: callResult } }, null]);
          meter.ok++;
          node.status({ fill: 'green', shape: 'dot', text: `${o.method}` });
          done();
          return;
        }
        const records = recordsOf(payload);
        const partial = failed.length > 0;
        if (okRows.length) {
          const ids = results.map((r) => r.id);
          // rows are 1-based, as canonical-map counts them
          const odoo = { ...meta, ids: Array.isArray(payload) ? ids : ids[0], actions: results.map((r) => r.action), ...(partial ? { rows: okRows.map((i) => i + 1) } : {}), ...attachments };
          send([{ ...msg, ...(partial ? { payload: okRows.map((i) => records[i]) } : {}), odoo }, null]);
          meter.ok++;
        }
        if (thenError && o.then) {
          // the records are written; only the follow-up failed: this message, retried, repeats just that call
          const retry = { payload: { ids: writtenIds(results) }, odoo: { model, operation: 'call', method: o.then.method, ...(o.context ? { context: o.context } : {}) } };
          if (!partial) {
            sendError(node, def, msg, thenError, send, done, retry);
            return;
          }
          if (errorOutputWired(def)) send([null, { ...msg, ...retry, error: thenError.toMsgError({ id: node.id, type: node.type }) }]);
          else node.error(thenError, { ...msg, ...retry });
        }
        if (!partial) {
          node.status({ fill: 'green', shape: 'dot', text: RED._('odoo-write.status.written', { count: results.length }) });
          done();
          return;
        }
        if (!Array.isArray(payload)) {
          sendError(node, def, msg, (failed[0] as { error: IntegrationError }).error, send, done);
          return;
        }
        // part of an array failed: the good rows went on above, the bad rows leave untouched on the error output
        sendError(node, def, msg, failureSummary(failed, records.length), send, done, { payload: failed.map((f) => records[f.index]) });
      } catch (err) {
        sendError(node, def, msg, err, send, done);
      }
    });

    node.on('close', (done: () => void) => {
      // queued writes still go out before the node stops: nothing accepted is dropped on redeploy.
      // The shared writer sends them at once; Node-RED waits 15 s for close, so no batch window delays it.
      const finish = () => (server ? server.deregister(node, done) : done());
      if (!(pending > 0 && server)) return finish();
      // inside Node-RED's 15 s close timeout: say what is still in flight rather than being cut off silently
      const timer = setTimeout(() => {
        node.warn(RED._('odoo-write.status.closeTimeout', { count: pending }));
        finish();
      }, CLOSE_WAIT_MS);
      writer()
        .flush()
        .then(
          () => {
            clearTimeout(timer);
            finish();
          },
          () => {
            clearTimeout(timer);
            finish();
          },
        );
    });
  }
  RED.nodes.registerType('odoo-write', OdooWrite);
};
