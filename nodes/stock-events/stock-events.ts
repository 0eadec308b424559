import { classifyError, configError } from '../../lib/errors';
import { SharedStockEvents, StockEventsCore, parseStockEventsOptions, type BatchSummary, type StockEventsHooks } from '../../lib/inventory';
import { sharedDatabaseUrl } from '../../lib/util/pg';
import { acknowledge } from '../../lib/util/acks';
import { LookupCache } from '../../lib/odoo/lookup';
import { writerOf } from '../../lib/odoo/writer';
import { dataFile } from '../../lib/resilience/options';
import { stockBatches, stockEvents } from '../../lib/metrics';
import { meterOf } from '../shared/metrics';
import type { OdooConfigNode } from '../shared/odoo-server';
import { migratedOptions } from '../shared/migrate';
import { errorOutputWired, sendError } from '../shared/outputs';
import type { Done, Node, NodeDef, NodeMessage, RED, Send } from '../shared/red';
import { migrations } from './migrations';

/** Node-RED gives a closing node 15 s; a batch in flight gets most of it. */
const CLOSE_WAIT_MS = 10_000;

export = function (RED: RED) {
  function StockEvents(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migratedOptions(this, def, migrations);
    const node = this;
    const server = RED.nodes.getNode(String(def.server ?? '')) as OdooConfigNode | null;
    const source = { id: node.id, type: node.type, ...(node.name ? { name: node.name } : {}) };
    let core: StockEventsCore | SharedStockEvents | undefined;
    let problem: Error | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let closing = false;
    let lookups: LookupCache | undefined;
    const meter = meterOf(node);
    const labels = { id: node.id, name: node.name ?? '' };
    const unmeter = stockEvents.add(() => (core ? (['received', 'duplicate', 'applied', 'failed'] as const).map((outcome) => [{ ...labels, outcome }, outcome === 'received' ? core!.stats.accepted + core!.stats.duplicates : core!.stats[outcome === 'duplicate' ? 'duplicates' : outcome]]) : []));

    const showStatus = () => {
      if (!core || closing) return;
      const s = core.stats;
      const waiting = core.lastError ? RED._('stock-events.status.waiting', { code: core.lastError.code }) : '';
      // several instances: which one applies the batches
      const role = core instanceof SharedStockEvents ? RED._(core.leading ? 'stock-events.status.leader' : 'stock-events.status.standby') : '';
      node.status({ fill: core.lastError ? 'yellow' : 'green', shape: 'dot', text: RED._('stock-events.status.counts', { applied: s.applied, duplicates: s.duplicates, backlog: core.backlog, failed: s.failed }) + role + waiting });
    };
    const target = () => {
      if (!server) throw configError('stock-events needs an Odoo server');
      const client = server.client();
      lookups ??= new LookupCache(client);
      return { writer: writerOf(client), lookups };
    };

    let ready: Promise<void> = Promise.resolve();
    try {
      if (!server) throw configError('no Odoo server configured');
      const options = parseStockEventsOptions(def);
      server.register(node);
      // several instances in one $share group: one event ledger and one history per quant in PostgreSQL, kept apart per node id
      const databaseUrl = sharedDatabaseUrl();
      const hooks: StockEventsHooks = {
        applied: (summary: BatchSummary) => {
          meter.ok++;
          stockBatches.observe(labels, summary.events);
          node.send([{ payload: summary, odoo: { model: 'stock.quant', operations: summary.writes.length } }, null]);
          // for benchmarks and tests in the same process: when which events reached Odoo
          node.emit('stock-applied', summary);
        },
        failed: (event, error) => {
          meter.failed++;
          const msg: NodeMessage = { payload: event, correlationId: event.eventId, canonical: { schema: 'inventory-event', version: 1, id: 'inventory-event@1' } };
          if (errorOutputWired(def)) node.send([null, { ...msg, error: error.toMsgError(source) }]);
          else node.error(error, { ...msg, error: error.toMsgError(source) });
        },
        log: (level, text) => (level === 'warn' ? node.warn(text) : node.log(text)),
        changed: () => {
          // status at most every 250 ms: thousands of events must not mean thousands of status events
          statusTimer ??= setTimeout(() => {
            statusTimer = undefined;
            showStatus();
          }, 250);
        },
      };
      ready = (
        databaseUrl
          ? SharedStockEvents.open({ connection: databaseUrl, scope: node.id }, target, options, hooks)
          : StockEventsCore.open(dataFile(RED.settings ?? {}, 'stock-events', node.id), target, { ...options, journal: { compactRatio: 3 } }, hooks)
      ).then(
        (c: StockEventsCore | SharedStockEvents) => {
          if (closing) return c.close();
          core = c;
          if (c.recovery.tornBytes) node.warn(`journal: cut off a torn last record of ${c.recovery.tornBytes} bytes (written as the process died; it was never accepted)`);
          showStatus();
          return undefined;
        },
        (err: Error) => {
          problem = err;
          node.error(`stock-events cannot open its journal: ${err.message}`);
          node.status({ fill: 'red', shape: 'ring', text: RED._('stock-events.status.noJournal') });
        },
      );
    } catch (err) {
      problem = classifyError(err);
      node.error(`stock-events configuration is invalid: ${problem.message}`);
      node.status({ fill: 'red', shape: 'ring', text: RED._('stock-events.status.invalid') });
    }

    node.on('input', async (msg: NodeMessage, send: Send, done: Done) => {
      await ready;
      meter.received++;
      try {
        if (!core) throw configError(`stock-events is not working: ${problem?.message ?? 'see the deploy log'}`);
        // done() once the event is on disk (or known): what Odoo makes of it comes out per batch
        await core.accept(msg.payload);
        // stored (or known): an MQTT message it came from may be acknowledged now
        acknowledge(msg);
        done();
      } catch (err) {
        sendError(node, def, msg, err, send, done);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      unmeter();
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = undefined;
      // a batch in flight may finish; what is not applied stays in the journal for the next start
      const finish = () => (server ? server.deregister(node, done) : done());
      ready
        .then(() => core?.close(CLOSE_WAIT_MS))
        .then(finish, finish);
    });
  }
  RED.nodes.registerType('stock-events', StockEvents);
};
