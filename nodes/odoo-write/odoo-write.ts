import { classifyError, configError, IntegrationError } from '../../lib/errors';
import { effectiveWriteOptions, parseNodeOptions, writeNodeSchema, WriteNodeOptions } from '../../lib/odoo/options';
import { failureSummary, modelOf, OdooWriter, recordsOf, WriteResult } from '../../lib/odoo/writer';
import { idsFrom } from '../../lib/odoo/read';
import type { OdooConfigNode } from '../shared/odoo-server';
import { sendError } from '../shared/outputs';
import type { Done, Node, NodeDef, NodeMessage, RED, Send } from '../shared/red';

export = function (RED: RED) {
  function OdooWrite(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const server = RED.nodes.getNode(String(def.server ?? '')) as OdooConfigNode | null;
    let options: WriteNodeOptions | undefined;
    let writer: OdooWriter | undefined;
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
    const writerFor = (o: Pick<WriteNodeOptions, 'batchSize' | 'batchWindow'>) => {
      writer ??= new OdooWriter(clientOf(), { maxSize: o.batchSize, windowMs: o.batchWindow });
      return writer;
    };

    node.on('input', async (msg: NodeMessage, send: Send, done: Done) => {
      try {
        if (!options) throw configError('odoo-write is not configured correctly; see the error logged at deploy');
        const o = effectiveWriteOptions(options, msg.odoo);
        const model = modelOf(o.model, msg.odoo);
        const payload = msg.payload;
        const records = recordsOf(payload);
        const meta = { model, operation: o.operation };

        if (o.operation === 'call') {
          const p = payload as { ids?: unknown; id?: unknown; kwargs?: unknown };
          const ids = p.ids ?? p.id ?? (Array.isArray(payload) ? payload : undefined);
          const kwargs = typeof p.kwargs === 'object' && p.kwargs !== null ? (p.kwargs as Record<string, unknown>) : {};
          const result = await clientOf().call(model, o.method as string, { ...(ids !== undefined ? { ids: idsFrom(ids) } : {}), kwargs, ...(o.context ? { context: o.context } : {}) });
          send([{ ...msg, odoo: { ...meta, method: o.method, result } }, null]);
          node.status({ fill: 'green', shape: 'dot', text: `${o.method}` });
          done();
          return;
        }

        const w = writerFor(o);
        node.status({ fill: 'blue', shape: 'dot', text: RED._('odoo-write.status.writing', { count: records.length }) });
        const operation = o.operation;
        const settled = await Promise.allSettled(
          records.map((record) => w.submit({ operation, model, record, ...(o.keyFields.length ? { keyFields: o.keyFields } : {}), ...(o.context ? { context: o.context } : {}) })),
        );
        const okIdx: number[] = [];
        const failed: Array<{ index: number; error: IntegrationError }> = [];
        settled.forEach((s, index) => (s.status === 'fulfilled' ? okIdx.push(index) : failed.push({ index, error: classifyError(s.reason) })));
        const results = okIdx.map((i) => (settled[i] as PromiseFulfilledResult<WriteResult>).value);
        // a follow-up method on everything just written (e.g. action_apply_inventory), one call
        if (o.then && results.length) await clientOf().call(model, o.then.method, { ids: [...new Set(results.flatMap((r) => r.id))], ...(o.context ? { context: o.context } : {}) });

        if (failed.length === 0) {
          const ids = results.map((r) => r.id);
          send([{ ...msg, odoo: { ...meta, ids: Array.isArray(payload) ? ids : ids[0], actions: results.map((r) => r.action) } }, null]);
          node.status({ fill: 'green', shape: 'dot', text: RED._('odoo-write.status.written', { count: results.length }) });
          done();
          return;
        }
        if (!Array.isArray(payload)) {
          sendError(node, def, msg, (failed[0] as { error: IntegrationError }).error, send, done);
          return;
        }
        // Part of an array failed: the good rows go on, the bad rows leave untouched on the error output.
        if (okIdx.length) {
          send([{ ...msg, payload: okIdx.map((i) => records[i]), odoo: { ...meta, ids: results.map((r) => r.id), actions: results.map((r) => r.action), rows: okIdx } }, null]);
        }
        const summary = failureSummary(failed, records.length);
        sendError(node, def, msg, summary, send, done, { payload: failed.map((f) => records[f.index]) });
      } catch (err) {
        sendError(node, def, msg, err, send, done);
      }
    });

    node.on('close', (done: () => void) => {
      // queued writes still go out before the node stops: nothing accepted is dropped on redeploy
      const finish = () => (server ? server.deregister(node, done) : done());
      if (writer) writer.flush().then(finish, finish);
      else finish();
    });
  }
  RED.nodes.registerType('odoo-write', OdooWrite);
};
