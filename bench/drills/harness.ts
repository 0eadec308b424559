/**
 * What every drill shares: the sandbox Odoo in a child process (bench/plant-sandbox.ts,
 * faults on the drill's word), an embedded MQTT broker, the committed flow
 * flows/plant-inventory.json in a Node-RED runtime in this process (its admin API on an
 * ephemeral port, for the dead-letter store), and the plant simulator.
 *
 * What a drill reports, from what Odoo and the dead-letter store hold at the end:
 *   sent           distinct events (and bad inputs) handed to the broker
 *   applied        distinct valid events stock-events reported applied in Odoo
 *   dead_lettered  entries in the dead-letter store (admin API)
 *   lost           valid events neither applied nor dead-lettered, or quants that end below
 *                  what the simulator sent (whichever is larger); bad inputs not dead-lettered
 *   duplicates     events applied more than once, or quants that end above what was sent
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { Client } from 'pg';
import type { FaultSpec } from '../../sandbox/odoo/server';
import type { PlantReport } from '../../sandbox/plant/simulator';

export interface DrillResult {
  sent: number;
  applied: number;
  dead_lettered: number;
  lost: number;
  duplicates: number;
  seconds: number;
  [more: string]: unknown;
}

export function option(name: string, fallback: number): number {
  const args = process.argv;
  const i = args.indexOf(`--${name}`);
  const raw = i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${raw}`);
  return n;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface DrillSandbox {
  url: string;
  database: string;
  login: string;
  apiKey: string;
  /** default_code → product id, location barcode → id, of the seeded plant master data. */
  products: Record<string, number>;
  locations: Record<string, number>;
  /** Sets the served-call count back to 0. */
  reset(): Promise<void>;
  inject(fault: FaultSpec): Promise<void>;
  clearFaults(): Promise<void>;
  onHand(): Promise<Record<string, number>>;
  calls(): Promise<number>;
  /** Seeds the demo suppliers and products of the intake flows (sandbox/demo/intake.ts). */
  seedIntake(): Promise<void>;
  /** Vendor prices of a supplier (partner ref) whose product code starts with `codePrefix`. */
  vendorPrices(partnerRef: string, codePrefix: string): Promise<Array<{ product_code: string; price: number; min_qty: number }>>;
  close(): Promise<void>;
}

/** The sandbox Odoo in its own process (so its work does not share the measured process's CPU), seeded with the plant's products and locations. */
export async function drillSandbox(sites: number, products: number, prefix: string): Promise<DrillSandbox> {
  const child: ChildProcess = fork(path.join(__dirname, '..', 'plant-sandbox.js'), [String(sites), String(products), prefix], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 0;
  const waiting = new Map<number, (r: any) => void>();
  const ready = await new Promise<any>((resolve, reject) => {
    child.on('message', (m: any) => {
      if (m.ready) resolve(m);
      else waiting.get(m.id)?.(m);
    });
    child.once('exit', (code) => reject(new Error(`the sandbox exited with ${code}`)));
  });
  const ask = (op: string, extra: Record<string, unknown> = {}) =>
    new Promise<any>((resolve) => {
      const id = ++next;
      waiting.set(id, resolve);
      child.send({ id, op, ...extra });
    });
  return {
    url: ready.url,
    database: ready.database,
    login: ready.login,
    apiKey: ready.apiKey,
    products: ready.products ?? {},
    locations: ready.locations ?? {},
    reset: async () => void (await ask('reset')),
    inject: async (fault) => void (await ask('inject', { fault })),
    clearFaults: async () => void (await ask('clearFaults')),
    onHand: async () => (await ask('onHand')).onHand ?? {},
    calls: async () => (await ask('stats')).calls,
    seedIntake: async () => void (await ask('seedIntake')),
    vendorPrices: async (partnerRef, codePrefix) => (await ask('vendorPrices', { partnerRef, codePrefix })).vendorPrices ?? [],
    close: async () => {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      await ask('close');
      await exited;
    },
  };
}

/** The committed plant flow and its config nodes (flows/config.json), in a share group of its own. */
export function plantFlows(group: string): Array<Record<string, unknown>> {
  const read = (f: string) => JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'flows', f), 'utf8')) as Array<Record<string, unknown>>;
  const flow = read('plant-inventory.json');
  const used = new Set(flow.flatMap((n) => [n.server, n.broker]).filter(Boolean));
  return [...read('config.json').filter((n) => used.has(n.id)), ...flow].map((n) =>
    n.type === 'mqtt-durable-in' ? { ...n, topic: String(n.topic).replace(/^\$share\/[^/]+\//, `$share/${group}/`) } : n,
  );
}

export interface DrillRuntime {
  RED: { nodes: { getNode(id: string): any } };
  adminUrl: string;
  /** Base of the flows' HTTP routes (`<url>/api`), when started with `http`. */
  httpUrl: string;
  userDir: string;
  /** Distinct event ids stock-events reported applied, and how often each. */
  appliedCounts: Map<string, number>;
  close(): Promise<void>;
}

/** Node-RED in this process, with its admin API (dead-letter store) on an ephemeral port; with `http`, the flows' HTTP routes under /api. */
export async function drillRuntime(flows: unknown[], env: Record<string, string>, opts: { http?: boolean } = {}): Promise<DrillRuntime> {
  Object.assign(process.env, env);
  const userDir = linkedUserDir('drill-', flows);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const RED = require('node-red');
  const express = require('express');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const app = express();
  const server = http.createServer(app);
  RED.init(server, { userDir, flowFile: 'flows.json', credentialSecret: 'drill-only', telemetry: { enabled: false }, httpAdminRoot: '/admin', httpNodeRoot: opts.http ? '/api' : false, logging: { console: { level: process.env.DRILL_LOG ?? 'off' } }, editorTheme: { tours: false }, externalModules: { autoInstall: false, palette: { allowInstall: false } } });
  app.use('/admin', RED.httpAdmin);
  if (opts.http) app.use('/api', RED.httpNode);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const started = new Promise<void>((resolve) => RED.events.once('flows:started', () => resolve()));
  await RED.start();
  await started;
  const appliedCounts = new Map<string, number>();
  RED.nodes.getNode('pi-stock')?.on('stock-applied', (s: { eventIds: string[] }) => {
    for (const id of s.eventIds) appliedCounts.set(id, (appliedCounts.get(id) ?? 0) + 1);
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    RED,
    adminUrl: `${base}/admin`,
    httpUrl: `${base}/api`,
    userDir,
    appliedCounts,
    close: async () => {
      await RED.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

export async function waitConnected(rt: DrillRuntime, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!rt.RED.nodes.getNode('pi-mqtt')?.connected && Date.now() < until) await sleep(50);
  if (!rt.RED.nodes.getNode('pi-mqtt')?.connected) throw new Error('the flow did not connect to the broker');
  // the subscription follows the connection
  await sleep(500);
}

export interface DeadLetter {
  id: string;
  correlationId?: string;
  reason?: string;
  /** dead, replaying, replayed, … (the store's own words) */
  state?: string;
  error: { message?: string; code?: string };
  msg: { payload?: unknown; file?: { name?: string }; [k: string]: unknown };
}

/** The dead-letter store of a dead-letter node (the plant flow's by default), through the admin API. */
export async function deadLetters(rt: DrillRuntime, node = 'pi-dl'): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  for (let offset = 0; ; offset += 1000) {
    const res = await fetch(`${rt.adminUrl}/dead-letter/${node}/entries?limit=1000&offset=${offset}&state=any`);
    if (!res.ok) throw new Error(`dead-letter admin API answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { total: number; entries: DeadLetter[] };
    out.push(...body.entries);
    if (out.length >= body.total || body.entries.length === 0) return out;
  }
}

/** An operator's replay of every dead letter, through the admin API. */
export async function replayAll(rt: DrillRuntime, node = 'pi-dl'): Promise<void> {
  const res = await fetch(`${rt.adminUrl}/dead-letter/${node}/replay`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ filter: { state: 'dead' }, rate: 1000 }) });
  if (!res.ok && res.status !== 404) throw new Error(`replay answered ${res.status}: ${await res.text()}`);
}

/** Waits until every valid event is applied or dead-lettered (or `ms` pass), then compares Odoo with the simulator. */
export async function settle(rt: DrillRuntime, sandbox: Pick<DrillSandbox, 'onHand'>, report: PlantReport, sentIds: Set<string>, ms: number): Promise<{ applied: number; lostEvents: number; doubleEvents: number; quantsBelow: number; quantsAbove: number; dead: DeadLetter[] }> {
  const until = Date.now() + ms;
  let dead: DeadLetter[] = [];
  const accounted = () => [...sentIds].filter((id) => rt.appliedCounts.has(id) || dead.some((d) => d.correlationId === id)).length;
  for (;;) {
    dead = await deadLetters(rt);
    if (accounted() >= sentIds.size || Date.now() > until) break;
    await sleep(250);
  }
  // anything late (a second application) has time to show
  await sleep(1500);
  dead = await deadLetters(rt);
  const held = await sandbox.onHand();
  let quantsBelow = 0;
  let quantsAbove = 0;
  for (const [k, q] of Object.entries(report.expected)) {
    const got = held[k] ?? 0;
    if (got < q - 1e-6) quantsBelow++;
    else if (got > q + 1e-6) quantsAbove++;
  }
  const applied = [...sentIds].filter((id) => rt.appliedCounts.has(id)).length;
  const deadIds = new Set(dead.map((d) => d.correlationId));
  const lostEvents = [...sentIds].filter((id) => !rt.appliedCounts.has(id) && !deadIds.has(id)).length;
  const doubleEvents = [...rt.appliedCounts.values()].filter((n) => n > 1).length;
  return { applied, lostEvents, doubleEvents, quantsBelow, quantsAbove, dead };
}

/** Ends the flow's persistent sessions on the broker (`<id>` and mqtt-durable-in's `<id>-1` … `<id>-<sessions>`), so no member is left in the share group. */
export async function endSession(mqttUrl: string, clientId: string, sessions = 8): Promise<void> {
  for (const id of [clientId, ...Array.from({ length: sessions }, (_x, i) => `${clientId}-${i + 1}`)]) {
    await (await mqtt.connectAsync(mqttUrl, { clientId: id, clean: true, reconnectPeriod: 0 })).endAsync();
  }
}

/**
 * A PostgreSQL database of the drill's own, dropped at the end, on the server of
 * DRILL_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test, as the tests use).
 */
export async function drillDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.DRILL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const run = async (sql: string) => {
    const c = new Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a database name: ${name}`);
  await run(`DROP DATABASE IF EXISTS ${name}`);
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * What an operator sees during a drill (DRILL_SNAPSHOT=<file>.png): the editor of the
 * drill's runtime in headless Chromium (Debian's, CHROMIUM_PATH) with the operations tab
 * of the sidebar open, and the metrics endpoint's text beside it (<file>.metrics.txt).
 */
export async function snapshot(rt: DrillRuntime, file: string): Promise<void> {
  const metrics = await fetch(`${rt.adminUrl}/odoo-supply/metrics`).then((r) => r.text());
  fs.writeFileSync(file.replace(/\.png$/, '') + '.metrics.txt', metrics);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 700 } });
    await page.goto(`${rt.adminUrl}/`);
    await page.waitForFunction(() => !!(window as any).RED?.workspaces?.active?.() && document.querySelectorAll('.red-ui-flow-node').length > 3, undefined, { timeout: 30_000 });
    const shown = () => page.evaluate(() => (document.querySelector('.odoo-supply-operations') as HTMLElement | null)?.offsetParent != null);
    for (let i = 0; i < 20 && !(await shown()); i++) {
      await page.evaluate(() => (window as any).RED.sidebar.show('odoo-supply-operations'));
      await page.waitForTimeout(250);
    }
    // the sidebar wide enough to read, the numbers refreshed at least once
    await page.evaluate(() => {
      const sb = document.getElementById('red-ui-sidebar');
      if (sb) sb.style.width = '560px';
      window.dispatchEvent(new Event('resize'));
    });
    await page.waitForTimeout(2500);
    await page.screenshot({ path: file });
  } finally {
    await browser.close();
  }
}

/**
 * A Node-RED user dir with this package linked in as an installed module (as
 * test/helpers/red-process.ts makes one; its ROOT is wrong once compiled to dist/), holding
 * `flows` as flows.json; with `settings`, a settings.js for a Node-RED process of its own.
 */
export function linkedUserDir(prefix: string, flows?: unknown[], settings?: Record<string, unknown>): string {
  const root = path.resolve(__dirname, '..', '..', '..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string };
  fs.symlinkSync(root, path.join(dir, 'node_modules', pkg.name), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'drill', private: true, dependencies: { [pkg.name]: '*' } }));
  if (flows) fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flows));
  if (settings) {
    const base = { uiPort: 0, uiHost: '127.0.0.1', flowFile: 'flows.json', httpNodeRoot: false, logging: { console: { level: 'info' } }, editorTheme: { tours: false, projects: { enabled: false } }, externalModules: { autoInstall: false, palette: { allowInstall: false } } };
    fs.writeFileSync(path.join(dir, 'settings.js'), `module.exports = ${JSON.stringify({ ...base, ...settings })};\n`);
  }
  return dir;
}
