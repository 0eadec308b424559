import { classifyError, configError } from '../../lib/errors';
import { RetryGateCore, type GateEvents } from '../../lib/resilience/gate';
import { dataFile, parseGateOptions } from '../../lib/resilience/options';
import { migratedOptions } from '../shared/migrate';
import { meterOf } from '../shared/metrics';
import { nodeLog } from '../shared/log';
import { CIRCUIT_VALUE, circuitState, retriesPending } from '../../lib/metrics';
import { migrations } from './migrations';
import type { Done, Node, NodeDef, NodeMessage, RED, Send } from '../shared/red';

export = function (RED: RED) {
  function RetryGate(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migratedOptions(this, def, migrations);
    const node = this;
    let core: RetryGateCore | undefined;
    let problem: Error | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let closing = false;

    const showStatus = () => {
      if (!core || closing) return;
      const state = core.state;
      node.status({
        fill: state === 'closed' ? (core.pending ? 'yellow' : 'green') : 'red',
        shape: state === 'closed' ? 'dot' : 'ring',
        text: RED._('retry-gate.status.pending', { count: core.pending, state: RED._(`retry-gate.state.${state}`) }),
      });
    };
    const meter = meterOf(node);
    const labels = { id: node.id, name: node.name ?? '' };
    const unregister = [
      retriesPending.add(() => (core ? [[labels, core.pending]] : [])),
      circuitState.add(() => (core ? [[labels, CIRCUIT_VALUE[core.state]]] : [])),
    ];
    const events: GateEvents = {
      pass: (msg) => {
        meter.ok++;
        node.send([msg, null]);
      },
      giveUp: (msg) => {
        meter.failed++;
        node.send([null, msg]);
      },
      // every log line names the message's correlation id when it has one
      log: nodeLog(RED, node),
      changed: () => {
        // status at most every 200 ms: 50,000 messages must not mean 50,000 status events
        statusTimer ??= setTimeout(() => {
          statusTimer = undefined;
          showStatus();
        }, 200);
      },
    };

    // for benchmarks and operators: how hard the journal works
    (node as Node & { journalStats?: () => Record<string, unknown> }).journalStats = () => ({ fsyncs: core?.fsyncs ?? 0, pending: core?.pending ?? 0, circuit: core?.state, opens: core?.breaker.opens ?? 0, closes: core?.breaker.closes ?? 0 });

    let ready: Promise<void> = Promise.resolve();
    try {
      const options = parseGateOptions(def);
      ready = RetryGateCore.open(dataFile(RED.settings ?? {}, 'retry-gate', node.id), options, events).then(
        (c) => {
          if (closing) return c.close();
          core = c;
          if (c.recovery.tornBytes) node.warn(`journal: cut off a torn last record of ${c.recovery.tornBytes} bytes (written as the process died; it was never accepted)`);
          if (c.pending) node.log(`${c.pending} pending retries restored from the journal`);
          showStatus();
          return undefined;
        },
        (err: Error) => {
          problem = err;
          node.error(`retry-gate cannot open its journal: ${err.message}`);
          node.status({ fill: 'red', shape: 'ring', text: RED._('retry-gate.status.noJournal') });
        },
      );
    } catch (err) {
      problem = classifyError(err);
      node.error(`retry-gate configuration is invalid: ${problem.message}`);
      node.status({ fill: 'red', shape: 'ring', text: RED._('retry-gate.status.invalid') });
    }

    node.on('input', async (msg: NodeMessage, _send: Send, done: Done) => {
      meter.received++;
      await ready;
      if (!core) {
        done(configError(`retry-gate is not working: ${problem?.message ?? 'unknown problem'}`));
        return;
      }
      try {
        await core.accept(msg);
        done();
      } catch (err) {
        // not accepted (the journal could not keep it): Catch nodes get it, nothing is dropped silently
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      unregister.forEach((u) => u());
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = undefined;
      // every timer stops here; pending retries stay in the journal for the next start
      ready.then(() => core?.close()).then(() => done(), () => done());
    });
  }
  RED.nodes.registerType('retry-gate', RetryGate);
};
