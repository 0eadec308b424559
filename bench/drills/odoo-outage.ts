/**
 * Drill `odoo-outage`: the sandbox Odoo answers every model call with 503 (an nginx page,
 * Retry-After: 1) for --outage-seconds (default 60) while the plant publishes a stream of
 * events (with duplicates and late events), then comes back. Events the retry gate gave up
 * on during the outage are in the dead-letter store; the operator's replay (admin API) after
 * the outage brings them to Odoo. Every event must end applied once.
 *
 *   npm run drill -- odoo-outage --json [--outage-seconds 60] [--events 3000] [--rate 40]
 */
import { startEmbeddedBroker } from '../../sandbox/plant/broker';
import { startPlantStandIn } from '../../sandbox/plant/simulator';
import { deadLetters, drillRuntime, drillSandbox, endSession, option, plantFlows, replayAll, settle, sleep, snapshot, waitConnected, type DrillResult } from './harness';

export async function run(): Promise<DrillResult> {
  const outageS = option('outage-seconds', 60);
  const rate = option('rate', 40);
  // the stream runs before, through and after the outage
  const events = option('events', Math.round(rate * (outageS + 10)));
  const sites = 3;
  const products = 200;
  const prefix = 'DRILL';
  const sandbox = await drillSandbox(sites, products, prefix);
  const broker = await startEmbeddedBroker();
  const clientId = `drill-outage-${process.pid}`;
  const rt = await drillRuntime(plantFlows(`drill-${process.pid}`), { MQTT_URL: broker.url, MQTT_CLIENT_ID: clientId, ODOO_URL: sandbox.url, ODOO_DB: sandbox.database, ODOO_LOGIN: sandbox.login, ODOO_API_KEY: sandbox.apiKey });
  try {
    await waitConnected(rt);
    const t0 = Date.now();
    const sentIds = new Set<string>();
    const plant = startPlantStandIn({ mqttUrl: broker.url, sites, products, prefix, rate, events, duplicates: 0.05, outOfOrder: 0.05, seed: 13, onPublish: (id) => sentIds.add(id) });
    // a few seconds of normal traffic, then the outage
    await sleep(Math.min(3000, (events / rate) * 100));
    await sandbox.inject({ httpStatus: 503 });
    const outageAt = Date.now();
    if (process.env.DRILL_SNAPSHOT) {
      // the operations page and the metrics in the middle of the outage
      await sleep((outageS * 1000) / 2);
      await snapshot(rt, process.env.DRILL_SNAPSHOT);
      await sleep(Math.max(0, outageS * 1000 - (Date.now() - outageAt)));
    } else await sleep(outageS * 1000);
    await sandbox.clearFaults();
    const outageMs = Date.now() - outageAt;
    const report = await plant.done;
    // what the gate gave up on waits for an operator: replay it once Odoo is back
    await sleep(2000);
    const deadDuring = (await deadLetters(rt)).length;
    await replayAll(rt);
    const s = await settle(rt, sandbox, report, sentIds, 120_000);
    return {
      sent: sentIds.size,
      applied: s.applied,
      dead_lettered: deadDuring,
      lost: Math.max(s.lostEvents, s.quantsBelow),
      duplicates: Math.max(s.doubleEvents, s.quantsAbove),
      seconds: Math.round((Date.now() - t0) / 100) / 10,
      outage_seconds: Math.round(outageMs / 100) / 10,
      still_dead_after_replay: s.dead.filter((d) => !rt.appliedCounts.has(String(d.correlationId))).length,
      published: report.published,
      quants: Object.keys(report.expected).length,
    };
  } finally {
    await rt.close();
    await endSession(broker.url, clientId).catch(() => undefined);
    await broker.close();
    await sandbox.close();
  }
}
