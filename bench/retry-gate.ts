/**
 * Benchmark: 50,000 messages that each fail once for a transient reason and
 * then succeed, looping through a retry, in a real Node-RED runtime.
 *
 * Ours: target → retry-gate (journal on: every pending retry synced to disk
 * before it counts, group commit) → target.
 * Baseline, same runtime, same run: the retry loop Node-RED users build from
 * core nodes — the failed message is remembered in a file-backed context
 * store (`localfilesystem`, which writes to disk every 30 s, not per message)
 * and sent again through the delay node (one timer per message).
 *
 * Both loops keep at most BENCH_IN_FLIGHT (default 1,000) messages in flight,
 * as a steady stream would, and both retry after 1 ms.
 *
 *   npm run bench -- retry-gate --json
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 50_000);
const BASELINE_MESSAGES = Number(process.env.BENCH_BASELINE_MESSAGES ?? MESSAGES);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 1000);

// the target fails a message the first time it sees it, for a transient reason
const TARGET_OURS = `
if (!msg.retry) { msg.error = { message: 'Service Unavailable', code: 'UNAVAILABLE', transient: true, applied: 'no' }; return [null, msg]; }
return [msg, null];`;
const TARGET_BASELINE = `
if (!msg.failedOnce) { msg.failedOnce = true; return [null, msg]; }
return [msg, null];`;
const REMEMBER = `flow.set('pending_' + msg.payload.i, msg.payload, 'file'); return msg;`;
const FORGET = `flow.set('pending_' + msg.payload.i, undefined, 'file'); return msg;`;

function flows(): unknown[] {
  const fn = (id: string, z: string, func: string, outputs: number, wires: string[][]) => ({ id, type: 'function', z, name: id, func, outputs, noerr: 0, wires });
  let y = 0;
  // nodes without x/y would be taken for config nodes
  const at = <T extends Record<string, unknown>>(n: T) => (n.type === 'tab' ? n : { x: 100, y: (y += 40), ...n });
  return [
    { id: 'tabOurs', type: 'tab', label: 'ours' },
    fn('target', 'tabOurs', TARGET_OURS, 2, [['sink'], ['gate']]),
    { id: 'gate', type: 'retry-gate', z: 'tabOurs', maxAttempts: 3, initialDelay: 1, maxDelay: 1, jitter: 'none', breakerThreshold: 0, wires: [['target'], []] },
    { id: 'sink', type: 'debug', z: 'tabOurs', active: false, wires: [] },
    { id: 'tabBase', type: 'tab', label: 'baseline' },
    fn('btarget', 'tabBase', TARGET_BASELINE, 2, [['bforget'], ['bremember']]),
    fn('bremember', 'tabBase', REMEMBER, 1, [['bdelay']]),
    { id: 'bdelay', type: 'delay', z: 'tabBase', pauseType: 'delay', timeout: '1', timeoutUnits: 'milliseconds', rate: '1', nbRateUnits: '1', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: false, allowrate: false, outputs: 1, wires: [['btarget']] },
    fn('bforget', 'tabBase', FORGET, 1, [['bsink']]),
    { id: 'bsink', type: 'debug', z: 'tabBase', active: false, wires: [] },
  ].map(at);
}

interface Runtime {
  RED: { nodes: { getNode(id: string): any } };
  userDir: string;
  close(): Promise<void>;
}

async function startRuntime(): Promise<Runtime> {
  const root = path.resolve(__dirname, '..', '..');
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-retry-gate-'));
  fs.mkdirSync(path.join(userDir, 'node_modules'));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string };
  fs.symlinkSync(root, path.join(userDir, 'node_modules', pkg.name), 'dir');
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'bench', private: true, dependencies: { [pkg.name]: '*' } }));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows()));
  /* eslint-disable @typescript-eslint/no-require-imports */
  const RED = require('node-red');
  const express = require('express');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const app = express();
  const server = http.createServer(app);
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: 'bench-only',
    httpAdminRoot: false,
    httpNodeRoot: false,
    logging: { console: { level: 'off' } },
    contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem', config: { dir: userDir } } },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
  });
  const started = new Promise<void>((resolve) => RED.events.once('flows:started', () => resolve()));
  await RED.start();
  await started;
  return {
    RED,
    userDir,
    close: async () => {
      await RED.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/** Feeds `count` messages into `entry` keeping at most IN_FLIGHT unfinished; resolves when `sink` saw them all. */
async function loop(rt: Runtime, entry: string, sink: string, count: number): Promise<{ seconds: number; peakRssMb: number; rssGrowthMb: number }> {
  const input = rt.RED.nodes.getNode(entry);
  const output = rt.RED.nodes.getNode(sink);
  if (!input || !output) throw new Error(`bench flow did not start (${entry}, ${sink} missing)`);
  let sent = 0;
  let done = 0;
  const startRss = process.memoryUsage().rss;
  let peak = startRss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    const feed = () => {
      while (sent < count && sent - done < IN_FLIGHT) input.receive({ payload: { i: sent++, sku: `SKU-${sent}`, price: 9.99 } });
    };
    output.on('input', () => {
      done++;
      if (done === count) resolve();
      else if (sent - done < IN_FLIGHT / 2) feed();
    });
    feed();
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
  return { seconds, peakRssMb: mb(peak), rssGrowthMb: mb(peak - startRss) };
}

/** What this disk does right now: small appends, each followed by fdatasync, for 1 s. */
function diskFsyncsPerSecond(dir: string): number {
  const file = path.join(dir, 'fsync-probe');
  const fd = fs.openSync(file, 'a');
  const buf = Buffer.alloc(256);
  let n = 0;
  const start = Date.now();
  while (Date.now() - start < 1000) {
    fs.writeSync(fd, buf);
    fs.fdatasyncSync(fd);
    n++;
  }
  fs.closeSync(fd);
  fs.rmSync(file);
  return n;
}

export async function run(): Promise<Record<string, unknown>> {
  const rt = await startRuntime();
  const diskFsyncs = diskFsyncsPerSecond(rt.userDir);
  try {
    const gate = rt.RED.nodes.getNode('gate') as { journalStats?: () => { fsyncs: number; pending: number } };
    // warm-up: JIT and the journal file, not timed
    await loop(rt, 'target', 'sink', 2000);
    const before = gate.journalStats?.().fsyncs ?? 0;
    const ours = await loop(rt, 'target', 'sink', MESSAGES);
    const stats = gate.journalStats?.();
    const fsyncs = (stats?.fsyncs ?? 0) - before;
    // with --expose-gc: the live heap once the loop is over (what stays, not what the GC has not collected yet)
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const heapAfter = gc ? Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10 : null;
    await loop(rt, 'btarget', 'bsink', Math.min(2000, BASELINE_MESSAGES));
    const base = await loop(rt, 'btarget', 'bsink', BASELINE_MESSAGES);
    const rate = MESSAGES / ours.seconds;
    const baseRate = BASELINE_MESSAGES / base.seconds;
    return {
      messages: MESSAGES,
      seconds: Math.round(ours.seconds * 1000) / 1000,
      messages_per_s: Math.round(rate),
      peak_rss_mb: ours.peakRssMb,
      rss_growth_mb: ours.rssGrowthMb,
      heap_after_gc_mb: heapAfter,
      fsyncs,
      messages_per_fsync: fsyncs ? Math.round((2 * MESSAGES) / fsyncs) : null,
      pending_after: stats?.pending ?? null,
      baseline: 'function target -> file-backed context (localfilesystem) -> delay node 1 ms -> target',
      baseline_messages: BASELINE_MESSAGES,
      baseline_seconds: Math.round(base.seconds * 1000) / 1000,
      baseline_messages_per_s: Math.round(baseRate),
      baseline_peak_rss_mb: base.peakRssMb,
      baseline_rss_growth_mb: base.rssGrowthMb,
      ratio_vs_baseline: Math.round((rate / baseRate) * 100) / 100,
      in_flight: IN_FLIGHT,
      disk_fsyncs_per_s: diskFsyncs,
    };
  } finally {
    await rt.close();
  }
}
