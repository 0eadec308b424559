import { badInput, classifyError, configError } from '../../lib/errors';
import { parseDomain } from '../../lib/odoo/domain';
import { parseNodeOptions, readNodeSchema } from '../../lib/odoo/options';
import { readAll, readPages, ReadRequest } from '../../lib/odoo/read';
import { resumePointFrom } from '../../lib/odoo/paging';
import { modelOf } from '../../lib/odoo/writer';
import type { OdooConfigNode } from '../shared/odoo-server';
import { evaluate, sendError } from '../shared/outputs';
import type { Done, Node, NodeDef, NodeMessage, RED, Send } from '../shared/red';
import { migrations } from './migrations';
import { migratedOptions } from '../shared/migrate';
import { meterOf } from '../shared/metrics';

export = function (RED: RED) {
  function OdooRead(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migratedOptions(this, def, migrations);
    const node = this;
    const server = RED.nodes.getNode(String(def.server ?? '')) as OdooConfigNode | null;
    let options: ReturnType<typeof parseNodeOptions<typeof readNodeSchema>> | undefined;
    try {
      options = parseNodeOptions(readNodeSchema, def);
    } catch (err) {
      node.error(`odoo-read configuration is invalid: ${classifyError(err).message}`);
      node.status({ fill: 'red', shape: 'ring', text: RED._('odoo-read.status.invalid') });
    }
    if (!server) node.status({ fill: 'red', shape: 'ring', text: RED._('odoo-read.status.noServer') });
    else if (options) server.register(node);

    const meter = meterOf(node);
    node.on('input', async (msg: NodeMessage, send: Send, done: Done) => {
      meter.received++;
      try {
        if (!options) throw configError('odoo-read is not configured correctly; see the error logged at deploy');
        if (!server) throw configError('no Odoo server configured');
        const client = server.client();
        const model = modelOf(options.model, msg.odoo);
        let domainValue: unknown;
        try {
          domainValue = await evaluate(RED, def.domain || '[]', String(def.domainType || 'json'), node, msg);
        } catch (err) {
          throw badInput(`domain: ${(err as Error).message}`);
        }
        const request: ReadRequest = { ...options, model, domain: parseDomain(domainValue), input: msg.payload };
        if (options.context) request.context = options.context;
        const resume = resumePointFrom((msg.odoo as { resume?: unknown } | undefined)?.resume);
        if (resume) request.resume = resume;
        const meta = { model, operation: options.operation };
        node.status({ fill: 'blue', shape: 'dot', text: RED._('odoo-read.status.reading') });

        if (options.output === 'all' || (options.operation !== 'search_read' && options.operation !== 'read')) {
          const payload = await readAll(client, request);
          send([{ ...msg, payload, odoo: { ...meta, count: Array.isArray(payload) ? payload.length : undefined } }, null]);
          meter.ok++;
          node.status({ fill: 'green', shape: 'dot', text: Array.isArray(payload) ? RED._('odoo-read.status.records', { count: payload.length }) : RED._('odoo-read.status.done') });
          done();
          return;
        }
        // page / record mode: each page leaves as soon as it arrives, before the next is fetched; nothing accumulates here
        let count = 0;
        for await (const p of readPages(client, request)) {
          if (options.output === 'page') {
            send([{ ...msg, payload: p.records, odoo: { ...meta, page: p.page, count: p.records.length, last: p.last } }, null]);
          } else {
            p.records.forEach((record, i) => send([{ ...msg, payload: record, odoo: { ...meta, index: p.first + i, last: p.last && i === p.records.length - 1 } }, null]));
          }
          count += p.records.length;
        }
        node.status({ fill: 'green', shape: 'dot', text: RED._('odoo-read.status.records', { count }) });
        meter.ok++;
        done();
      } catch (err) {
        sendError(node, def, msg, err, send, done);
      }
    });

    node.on('close', (done: () => void) => {
      if (server) server.deregister(node, done);
      else done();
    });
  }
  RED.nodes.registerType('odoo-read', OdooRead);
};
