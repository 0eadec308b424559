/**
 * Benchmark: the committed flow flows/plant-inventory.json in a real
 * Node-RED runtime, fed by the plant simulator through a real MQTT broker
 * (the embedded aedes; MQTT_URL to use another, e.g. Mosquitto), into the
 * sandbox Odoo. 30,000 events at 500/s by default over 2000 products at 3
 * sites, 5% duplicates, 5% out of order.
 *
 *   npm run bench -- plant-inventory --json [--events 30000] [--rate 500]
 *
 * events_per_s: distinct events over the time from the first publication to
 * the last event applied in Odoo. p99_latency_ms: from an event's first
 * publication to its batch answered by Odoo. odoo_calls: calls the sandbox
 * served during the run. lost / double_applied: product+location pairs whose
 * on-hand quantity in Odoo ends below / above what the simulator sent.
 * Baseline, same run: the same kind of events applied one Odoo write per
 * event (odoo-write's adjust_quant, batch size 1), on the first
 * BENCH_BASELINE_EVENTS (default 300) events, for calls and events per second.
 */
import fs from 'node:fs';
import { readTab } from '../lib/flows/files';
import http from 'node:http';
import path from 'node:path';
import { OdooClient } from '../lib/odoo/client';
import { OdooWriter } from '../lib/odoo/writer';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../sandbox/plant/broker';
import { drillSandbox, linkedUserDir, type DrillSandbox } from './drills/harness';
import { plantMasterData, startPlantStandIn, type PlantEvent } from '../sandbox/plant/simulator';

function option(name: string, fallback: number): number {
  const args = process.argv;
  const i = args.indexOf(`--${name}`);
  const raw = i >= 0 ? args[i + 1] : (args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? process.env[`BENCH_${name.toUpperCase()}`]);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${raw}`);
  return n;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function startRuntime(flows: unknown[], env: Record<string, string>) {
  Object.assign(process.env, env);
  const userDir = linkedUserDir('bench-plant-', flows);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const RED = require('node-red');
  const express = require('express');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const server = http.createServer(express());
  RED.init(server, { userDir, flowFile: 'flows.json', credentialSecret: 'bench-only', httpAdminRoot: false, httpNodeRoot: false, logging: { console: { level: process.env.BENCH_LOG ?? 'off' } }, externalModules: { autoInstall: false, palette: { allowInstall: false } } });
  const started = new Promise<void>((resolve) => RED.events.once('flows:started', () => resolve()));
  await RED.start();
  await started;
  return {
    RED: RED as { nodes: { getNode(id: string): any }; hooks: { add(name: string, fn: (ev: any) => void): void } },
    close: async () => {
      await RED.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/** One Odoo write per event: what the flow would cost without coalescing. */
async function baseline(sandbox: DrillSandbox, events: PlantEvent[], products: Map<string, number>, locations: Map<string, number>): Promise<{ events: number; events_per_s: number; odoo_calls_per_event: number }> {
  const client = new OdooClient({ url: sandbox.url, database: sandbox.database, login: sandbox.login, secret: sandbox.apiKey, protocol: 'json2' });
  const writer = new OdooWriter(client, { maxSize: 1, windowMs: 0 });
  await client.version();
  const adjusts = events.filter((e) => e.kind === 'adjust');
  const before = await sandbox.calls();
  const t0 = Date.now();
  let next = 0;
  // four at a time, as odoo-config's default concurrency allows
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < adjusts.length) {
        const e = adjusts[next++] as PlantEvent;
        await writer.submit({ operation: 'adjust_quant', model: 'stock.quant', record: { product_id: products.get(e.internalRef) as number, location_id: locations.get(e.location) as number, quantity: e.quantity }, idempotencyKey: `baseline:${e.eventId}` });
      }
    }),
  );
  const seconds = (Date.now() - t0) / 1000;
  client.close();
  return { events: adjusts.length, events_per_s: Math.round(adjusts.length / seconds), odoo_calls_per_event: Math.round(((await sandbox.calls()) - before) / adjusts.length * 10) / 10 };
}

export async function run(): Promise<Record<string, unknown>> {
  const events = option('events', 30_000);
  const rate = option('rate', 500);
  const sitesN = 3;
  const productsN = 2000;
  const prefix = 'BENCH';
  const sandbox = await drillSandbox(sitesN, productsN, prefix);
  const data = plantMasterData({ sites: sitesN, products: productsN, prefix });
  const external = process.env.MQTT_URL;
  const embedded = external ? undefined : await startEmbeddedBroker();
  const mqttUrl = process.env.MQTT_URL ?? (embedded?.url as string);
  // the committed flow in a share group of its own: sessions other runs left on a shared broker take no share
  const flows = (readTab(path.resolve(__dirname, '..', '..', 'flows'), 'plant-inventory.json') as Array<Record<string, unknown>>).map((n) =>
    n.type === 'mqtt-durable-in' ? { ...n, topic: String(n.topic).replace(/^\$share\/[^/]+\//, `$share/bench-${process.pid}/`) } : n,
  );
  const clientId = `bench-plant-${process.pid}`;
  const rt = await startRuntime(flows, { MQTT_URL: mqttUrl, MQTT_CLIENT_ID: clientId, ODOO_URL: sandbox.url, ODOO_DB: sandbox.database, ODOO_LOGIN: sandbox.login, ODOO_API_KEY: sandbox.apiKey });
  const published = new Map<string, number>();
  const latencies: number[] = [];
  let lastApplied = 0;
  let applied = 0;
  const batchMs: number[] = [];
  // when each event reached stock-events: the part of the latency before the journal
  const receiveLag: number[] = [];
  // an event's first arrival only: the simulator's duplicates go out 50–1,550 ms after the first copy, on purpose
  const arrived = new Set<string>();
  rt.RED.hooks.add('onReceive', (ev: { destination: { id: string }; msg: { payload?: { eventId?: string } } }) => {
    if (ev.destination.id !== 'pi-stock') return;
    const id = String(ev.msg.payload?.eventId);
    const t = published.get(id);
    if (t === undefined || arrived.has(id)) return;
    arrived.add(id);
    receiveLag.push(Date.now() - t);
  });
  rt.RED.nodes.getNode('pi-stock').on('stock-applied', (s: { eventIds: string[]; ms: number }) => {
    const now = Date.now();
    batchMs.push(s.ms);
    lastApplied = now;
    applied += s.eventIds.length;
    for (const id of s.eventIds) {
      const t = published.get(id);
      if (t !== undefined) latencies.push(now - t);
    }
  });
  // the subscription follows the connection
  const until = Date.now() + 10_000;
  while (!rt.RED.nodes.getNode('pi-mqtt')?.connected && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  await sandbox.reset();
  const t0 = Date.now();
  const plant = startPlantStandIn({ mqttUrl, sites: sitesN, products: productsN, prefix, rate, events, duplicates: 0.05, outOfOrder: 0.05, seed: 2026, onPublish: (id, at) => published.set(id, at) });
  const report = await plant.done;
  const sent: PlantEvent[] = [];
  // wait for the last batch, then a little more for anything late
  const deadline = Date.now() + 60_000;
  while (applied < report.events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1500));
  const calls = await sandbox.calls();
  const seconds = (lastApplied - t0) / 1000;
  const held = new Map(Object.entries(await sandbox.onHand()));
  let lost = 0;
  let doubled = 0;
  for (const [k, q] of Object.entries(report.expected)) {
    const got = held.get(k) ?? 0;
    if (got < q - 1e-6) lost++;
    else if (got > q + 1e-6) doubled++;
  }
  latencies.sort((a, b) => a - b);
  await rt.close();
  // end the flow's persistent session: a member left in the shared group would get its share of later events queued
  await (await mqtt.connectAsync(mqttUrl, { clientId, clean: true })).endAsync();
  await embedded?.close();
  // the baseline replays a slice of the same kind of events, one write per event
  const sample = Array.from({ length: option('baseline-events', 300) }, (_x, i) => ({ eventId: `b${i}`, site: 'S1', location: data.locations[i % sitesN]?.barcode as string, internalRef: data.products[i % productsN]?.default_code as string, kind: 'adjust' as const, quantity: 1, uom: 'Units', occurredAt: new Date().toISOString() }));
  sent.push(...sample);
  const base = await baseline(sandbox, sent, new Map(Object.entries(sandbox.products)), new Map(Object.entries(sandbox.locations)));
  await sandbox.close();
  return {
    events: report.events,
    seconds: Math.round(seconds * 100) / 100,
    events_per_s: Math.round(report.events / seconds),
    odoo_calls: calls,
    p99_latency_ms: percentile(latencies, 99),
    lost,
    double_applied: doubled,
    rate,
    published: report.published,
    duplicates: report.duplicates,
    out_of_order: report.outOfOrder,
    quants: Object.keys(report.expected).length,
    events_per_odoo_call: Math.round((report.events / Math.max(1, calls)) * 10) / 10,
    p50_latency_ms: percentile(latencies, 50),
    p50_receive_lag_ms: percentile([...receiveLag].sort((a, b) => a - b), 50),
    p99_receive_lag_ms: percentile([...receiveLag].sort((a, b) => a - b), 99),
    batches: batchMs.length,
    batch_odoo_ms_p50: percentile([...batchMs].sort((a, b) => a - b), 50),
    batch_odoo_ms_max: Math.max(0, ...batchMs),
    broker: external ? mqttUrl : 'embedded aedes',
    baseline_one_write_per_event: base,
  };
}
