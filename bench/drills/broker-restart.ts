/**
 * Drill `broker-restart`: the embedded MQTT broker stops mid-stream (every connection cut)
 * and starts again on the same port after --down-seconds (default 5), with its persistent
 * sessions (the flow's session and its queued QoS 1 messages) kept, as a Mosquitto with
 * `persistence true` would. The plant keeps publishing (its client queues while the broker
 * is away); every event must be applied once.
 *
 *   npm run drill -- broker-restart --json [--down-seconds 5] [--events 2000] [--rate 100]
 */
import { startEmbeddedBroker } from '../../sandbox/plant/broker';
import { startPlantStandIn } from '../../sandbox/plant/simulator';
import { drillRuntime, drillSandbox, endSession, option, plantFlows, settle, sleep, waitConnected, type DrillResult } from './harness';

export async function run(): Promise<DrillResult> {
  const downS = option('down-seconds', 5);
  const rate = option('rate', 100);
  const events = option('events', Math.round(rate * (downS + 15)));
  const sites = 3;
  const products = 200;
  const prefix = 'DRILL';
  const sandbox = await drillSandbox(sites, products, prefix);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const persistence = require('aedes-persistence')();
  let broker = await startEmbeddedBroker({ persistence });
  const { port, url } = broker;
  const clientId = `drill-broker-${process.pid}`;
  const rt = await drillRuntime(plantFlows(`drill-${process.pid}`), { MQTT_URL: url, MQTT_CLIENT_ID: clientId, ODOO_URL: sandbox.url, ODOO_DB: sandbox.database, ODOO_LOGIN: sandbox.login, ODOO_API_KEY: sandbox.apiKey });
  try {
    await waitConnected(rt);
    const t0 = Date.now();
    const sentIds = new Set<string>();
    const plant = startPlantStandIn({ mqttUrl: url, sites, products, prefix, rate, events, duplicates: 0.05, outOfOrder: 0.05, seed: 21, onPublish: (id) => sentIds.add(id) });
    // a third of the stream, then the broker goes away
    await sleep(((events / rate) * 1000) / 3);
    const before = sentIds.size;
    await broker.close();
    const downAt = Date.now();
    await sleep(downS * 1000);
    broker = await startEmbeddedBroker({ port, persistence });
    const downMs = Date.now() - downAt;
    const report = await plant.done;
    const s = await settle(rt, sandbox, report, sentIds, 60_000);
    return {
      sent: sentIds.size,
      applied: s.applied,
      dead_lettered: s.dead.length,
      lost: Math.max(s.lostEvents, s.quantsBelow),
      duplicates: Math.max(s.doubleEvents, s.quantsAbove),
      seconds: Math.round((Date.now() - t0) / 100) / 10,
      broker_down_seconds: Math.round(downMs / 100) / 10,
      sent_before_restart: before,
      published: report.published,
      flow_reconnected: Boolean(rt.RED.nodes.getNode('pi-mqtt')?.connected),
    };
  } finally {
    await rt.close();
    await endSession(url, clientId).catch(() => undefined);
    await broker.close();
    await sandbox.close();
  }
}
