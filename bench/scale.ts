/**
 * Benchmark `scale`: the committed plant flow (flows/plant-inventory.json) on one and on
 * two Node-RED instances, each its own process, in one MQTT `$share` group, on one
 * PostgreSQL (ODOO_SUPPLY_DATABASE_URL: both runs use the shared event ledger, so the
 * instance count is the only difference). Each run gets a fresh sandbox Odoo (its own
 * process), a fresh embedded broker (its own process), a fresh database, and the same
 * events (the plant simulator, same seed, 5% duplicates, 5% out of order).
 *
 *   npm run bench -- scale --json [--events 40000] [--rate 6000] [--timeout-seconds 240]
 *
 * events_per_s: distinct events over the time from the first publication to the last
 * event applied (each instance logs the batches it applied, with the time). The run
 * counts only once every published event is in a log; lost / double_applied then come
 * from Odoo's quants against the simulator's expectation (pairs below / above), plus
 * events applied twice in the logs. p99_latency_ms: first publication → its batch
 * applied. odoo_calls: calls the sandbox served during the run.
 *
 * cpu: CPU time (from /proc/<pid>/stat) of each process over the same interval, in cores
 * (1.0 = one core busy the whole time): each Node-RED instance, the sandbox Odoo, the
 * broker, this run's PostgreSQL backends (pg_stat_activity of its database), and this
 * process (the simulator). A Node.js process does its JavaScript on one thread, so about
 * 0.9 cores or more is that process saturated; machine_busy is the whole machine's
 * (/proc/stat; other users' work included), out of 2 cores here.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startPlantStandIn } from '../sandbox/plant/simulator';
import { startRedProcess, type RedProcess } from '../test/helpers/red-process';
import { drillDatabase, drillSandbox, endSession, linkedUserDir, option, plantFlows, sleep } from './drills/harness';

const TICK = 100; // USER_HZ: /proc times are in 1/100 s on Linux

/** utime + stime of a process, in seconds; undefined when it is gone (or not on this machine). */
function cpuOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return undefined;
  }
}

/** Time the process's main thread (where its JavaScript runs) waited runnable for a CPU, in seconds (/proc/<pid>/schedstat). */
function runWaitOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return undefined;
  }
}

/** The whole machine's busy and total CPU seconds (all cores) so far. */
function machine(): { busy: number; total: number } {
  const f = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: (total - (f[3] as number) - (f[4] as number)) / TICK, total: total / TICK };
}

function childPids(): Set<number> {
  const out = new Set<number>();
  for (const t of fs.readdirSync('/proc/self/task')) {
    try {
      for (const p of fs.readFileSync(`/proc/self/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean)) out.add(Number(p));
    } catch {
      /* a thread that ended */
    }
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** The broker in a process of its own (bench/scale-broker.ts). */
async function brokerChild(): Promise<{ url: string; pid: number; close(): Promise<void> }> {
  const child = fork(path.join(__dirname, 'scale-broker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    child.once('message', (m: { url: string; pid: number }) => resolve(m));
    child.once('exit', (code) => reject(new Error(`the broker exited with ${code}`)));
  });
  return {
    ...ready,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send({ op: 'close' });
      await exited;
    },
  };
}

/** CPU seconds of this run's PostgreSQL backends (pg_stat_activity of its database), sampled while it runs. */
function pgSampler(dbName: string, dbUrl: string) {
  const admin = process.env.DRILL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let client: Client | undefined;
  let own: Client | undefined;
  let visible = true;
  // events taken (committed in the ledger) and not yet applied: where the backlog waits
  const pending: number[] = [];
  const sample = async (atStart: boolean) => {
    if (!client) {
      client = new Client({ connectionString: admin });
      await client.connect();
      own = new Client({ connectionString: dbUrl });
      await own.connect();
    }
    if (!atStart) {
      const r = await own!.query<{ n: number }>(`SELECT count(*)::int AS n FROM odoo_supply_stock_events WHERE state IN ('p', 'b')`).catch(() => ({ rows: [] as Array<{ n: number }> }));
      if (r.rows[0]) pending.push(r.rows[0].n);
    }
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> $2', [dbName, (own as unknown as { processID: number }).processID]);
    for (const { pid } of rows) {
      const c = cpuOf(pid);
      if (c === undefined) {
        visible = false;
        continue;
      }
      // a backend that connected during the run counts from 0
      if (!first.has(pid)) first.set(pid, atStart ? c : 0);
      last.set(pid, c);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    start: async () => {
      await sample(true);
      timer = setInterval(() => void sample(false).catch(() => undefined), 1000);
    },
    pending,
    stop: async (): Promise<{ seconds: number | null; backends: number; max_backend_seconds: number | null }> => {
      clearInterval(timer);
      await sample(false);
      await client?.end();
      await own?.end();
      client = undefined;
      const per = [...last].map(([pid, c]) => c - (first.get(pid) ?? 0));
      if (!visible && per.length === 0) return { seconds: null, backends: 0, max_backend_seconds: null };
      return { seconds: per.reduce((a, b) => a + b, 0), backends: per.length, max_backend_seconds: Math.max(0, ...per) };
    },
  };
}

export interface ScaleRun {
  instances: number;
  events: number;
  seconds: number;
  events_per_s: number;
  p99_latency_ms: number;
  p50_latency_ms: number;
  odoo_calls: number;
  lost: number;
  double_applied: number;
  applied_per_instance: number[];
  backlog: { max_unapplied: number; max_taken_not_applied: number; mean_unapplied: number; mean_taken_not_applied: number };
  /** CPU over the run, in cores (1.0 = one core busy throughout). */
  cpu: { node_red: number[]; sandbox_odoo: number; broker: number; postgres: number | null; postgres_max_backend: number | null; simulator: number; machine_busy: number; others: number; ms_per_event: Record<string, number>; run_queue_wait: { node_red: number[]; sandbox_odoo: number; broker: number } };
}

async function runOnce(instances: number, o: { events: number; rate: number; timeoutS: number }): Promise<ScaleRun> {
  const sites = 3;
  const products = 2000;
  const before = childPids();
  const sandbox = await drillSandbox(sites, products, 'SCALE');
  const sandboxPid = [...childPids()].find((p) => !before.has(p));
  const broker = await brokerChild();
  const dbName = `bench_scale_${process.pid}_${instances}`;
  const db = await drillDatabase(dbName);
  const group = `bench-scale-${process.pid}-${instances}`;
  const dirs = Array.from({ length: instances }, (_x, i) => {
    // stock-events' first output (the batch applied) → stamped with the time → one JSON line per batch
    const flows = plantFlows(group).map((n) => (n.id === 'pi-stock' ? { ...n, wires: [[...((n.wires as string[][])[0] ?? []), 'scale-stamp'], ...(n.wires as string[][]).slice(1)] } : n));
    const id = `${group}-${i + 1}`;
    const logFile = path.join(os.tmpdir(), `bench-scale-${process.pid}-${instances}-${i + 1}.jsonl`);
    fs.rmSync(logFile, { force: true });
    flows.push(
      { id: 'scale-stamp', type: 'change', z: 'flow-plant-inventory', name: 'scale: when applied', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"at": $millis(), "eventIds": payload.eventIds}', tot: 'jsonata' }], wires: [['scale-log']] },
      { id: 'scale-log', type: 'file', z: 'flow-plant-inventory', name: 'scale: applied batches', filename: logFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', wires: [[]] },
    );
    return { id, dir: linkedUserDir('bench-scale-', flows, { credentialSecret: 'bench-only' }), logFile, offset: 0, rest: '' };
  });
  const reds: RedProcess[] = [];
  const pg = pgSampler(dbName, db.url);
  try {
    for (const d of dirs) reds.push(await startRedProcess(d.dir, { ODOO_SUPPLY_DATABASE_URL: db.url, MQTT_URL: broker.url, MQTT_CLIENT_ID: d.id, ODOO_URL: sandbox.url, ODOO_DB: sandbox.database, ODOO_LOGIN: sandbox.login, ODOO_API_KEY: sandbox.apiKey }));
    await Promise.all(reds.map((r) => r.waitFor(/Connected to broker/, 20_000)));
    // every session subscribed, a leader chosen
    await sleep(1500);
    const published = new Map<string, number>();
    const appliedAt = new Map<string, number>();
    const appliedCount = new Map<string, number>();
    const perInstance = dirs.map(() => 0);
    let lastApplied = 0;
    const readLogs = () =>
      dirs.forEach((d, i) => {
        if (!fs.existsSync(d.logFile)) return;
        const fd = fs.openSync(d.logFile, 'r');
        try {
          const size = fs.fstatSync(fd).size;
          if (size <= d.offset) return;
          const buf = Buffer.alloc(size - d.offset);
          fs.readSync(fd, buf, 0, buf.length, d.offset);
          d.offset = size;
          const lines = (d.rest + buf.toString('utf8')).split('\n');
          d.rest = lines.pop() ?? '';
          for (const l of lines.filter(Boolean)) {
            const b = JSON.parse(l) as { at: number; eventIds?: string[] };
            lastApplied = Math.max(lastApplied, b.at);
            for (const id of b.eventIds ?? []) {
              perInstance[i]!++;
              appliedCount.set(id, (appliedCount.get(id) ?? 0) + 1);
              if (!appliedAt.has(id)) appliedAt.set(id, b.at);
            }
          }
        } finally {
          fs.closeSync(fd);
        }
      });
    const pids = { reds: reds.map((r) => r.child.pid as number), sandbox: sandboxPid, broker: broker.pid };
    const snap = () => ({ reds: pids.reds.map(cpuOf), sandbox: cpuOf(pids.sandbox), broker: cpuOf(pids.broker), self: process.cpuUsage(), machine: machine(), wait: [...pids.reds, pids.sandbox, pids.broker].map(runWaitOf) });
    const calls0 = await sandbox.calls();
    await pg.start();
    const s0 = snap();
    const t0 = Date.now();
    const plant = startPlantStandIn({ mqttUrl: broker.url, sites, products, prefix: 'SCALE', rate: o.rate, events: o.events, duplicates: 0.05, outOfOrder: 0.05, seed: 2026, onPublish: (id, at) => published.set(id, at) });
    let report: Awaited<typeof plant.done> | undefined;
    void plant.done.then((r) => (report = r));
    const until = t0 + o.timeoutS * 1000;
    const unapplied: number[] = [];
    let sampled = 0;
    for (;;) {
      readLogs();
      if (Date.now() - sampled >= 1000) {
        sampled = Date.now();
        unapplied.push(published.size - [...published.keys()].filter((id) => appliedAt.has(id)).length);
      }
      if (report && [...published.keys()].every((id) => appliedAt.has(id))) break;
      if (Date.now() > until) break;
      await sleep(100);
    }
    const s1 = snap();
    const pgCpu = await pg.stop();
    const t1 = Date.now();
    report ??= await plant.done;
    // anything late (a second application) has time to show
    await sleep(1500);
    readLogs();
    const calls = (await sandbox.calls()) - calls0;
    const held = await sandbox.onHand();
    let lost = 0;
    let above = 0;
    for (const [k, q] of Object.entries(report.expected)) {
      const got = held[k] ?? 0;
      if (got < q - 1e-6) lost++;
      else if (got > q + 1e-6) above++;
    }
    const latencies = [...appliedAt].map(([id, at]) => at - (published.get(id) ?? at)).sort((a, b) => a - b);
    const seconds = (Math.max(lastApplied, t0 + 1) - t0) / 1000;
    const wall = (t1 - t0) / 1000;
    const cores = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? 0 : round((b - a) / wall));
    const self = (s1.self.user + s1.self.system - s0.self.user - s0.self.system) / 1e6;
    const ours = [...s0.reds.map((c, i) => cores(c, s1.reds[i])), cores(s0.sandbox, s1.sandbox), cores(s0.broker, s1.broker), (pgCpu.seconds ?? 0) / wall, self / wall].reduce((a, b) => a + b, 0);
    const busy = (s1.machine.busy - s0.machine.busy) / wall;
    return {
      instances,
      events: report.events,
      seconds: round(seconds),
      events_per_s: Math.round(appliedAt.size / seconds),
      p99_latency_ms: percentile(latencies, 99),
      p50_latency_ms: percentile(latencies, 50),
      odoo_calls: calls,
      lost: Math.max(lost, [...published.keys()].filter((id) => !appliedAt.has(id)).length),
      double_applied: above + [...appliedCount.values()].filter((n) => n > 1).length,
      applied_per_instance: perInstance,
      // sampled once a second: published and not yet applied, and of those already taken into PostgreSQL's ledger
      backlog: { max_unapplied: Math.max(0, ...unapplied), max_taken_not_applied: Math.max(0, ...pg.pending), mean_unapplied: Math.round(unapplied.reduce((a, b) => a + b, 0) / Math.max(1, unapplied.length)), mean_taken_not_applied: Math.round(pg.pending.reduce((a, b) => a + b, 0) / Math.max(1, pg.pending.length)) },
      cpu: {
        node_red: s0.reds.map((c, i) => cores(c, s1.reds[i])),
        sandbox_odoo: cores(s0.sandbox, s1.sandbox),
        broker: cores(s0.broker, s1.broker),
        postgres: pgCpu.seconds === null ? null : round(pgCpu.seconds / wall),
        postgres_max_backend: pgCpu.max_backend_seconds === null ? null : round(pgCpu.max_backend_seconds / wall),
        simulator: round(self / wall),
        machine_busy: round(busy),
        others: round(Math.max(0, busy - ours)),
        // CPU time per applied event, ms: what a run costs the machine, whatever else runs on it
        ms_per_event: (() => {
          const per = (x: number) => round((x * wall * 1000) / Math.max(1, appliedAt.size), 3);
          const red = s0.reds.reduce((a: number, c, i) => a + cores(c, s1.reds[i]), 0);
          return { node_red: per(red), sandbox_odoo: per(cores(s0.sandbox, s1.sandbox)), broker: per(cores(s0.broker, s1.broker)), postgres: per((pgCpu.seconds ?? 0) / wall), simulator: per(self / wall), total: per(ours) };
        })(),
        // main thread runnable but waiting for a CPU (the machine's other work): what the process would have used more
        run_queue_wait: { node_red: s0.reds.map((_c, i) => cores(s0.wait[i], s1.wait[i])), sandbox_odoo: cores(s0.wait[instances], s1.wait[instances]), broker: cores(s0.wait[instances + 1], s1.wait[instances + 1]) },
      },
    };
  } finally {
    if (process.env.BENCH_LOG_DIR) reds.forEach((r, i) => fs.writeFileSync(path.join(process.env.BENCH_LOG_DIR as string, `scale-${instances}-${i + 1}.log`), r.log()));
    for (const r of reds) await r.stop('SIGINT').catch(() => undefined);
    for (const d of dirs) {
      await endSession(broker.url, d.id).catch(() => undefined);
      fs.rmSync(d.dir, { recursive: true, force: true });
      fs.rmSync(d.logFile, { force: true });
    }
    await pg.stop().catch(() => undefined);
    await broker.close();
    await sandbox.close();
    await db.drop();
  }
}

/**
 * What saturates, from the CPU each process used (2 cores on this machine) and the time its
 * main thread waited runnable for a CPU: CPU + wait near 1.0 is a JavaScript thread that
 * would have kept a core busy, i.e. that process bounds the run.
 */
export function boundBy(one: ScaleRun, two: ScaleRun, rate: number, cores = os.cpus().length): string {
  if (one.events_per_s >= 0.9 * rate && two.events_per_s >= 0.9 * rate) return `offered load: both runs keep up with the simulator's ${rate}/s (raise --rate to find the ceiling)`;
  const c = two.cpu;
  const w = c.run_queue_wait;
  const named: Array<[string, number, number]> = [
    ...c.node_red.map((x, i) => [`Node-RED instance ${i + 1} (${two.applied_per_instance[i] ? 'leader, applies the batches' : 'standby, takes events only'})`, x, w.node_red[i] ?? 0] as [string, number, number]),
    ['the sandbox Odoo', c.sandbox_odoo, w.sandbox_odoo],
    ['the broker', c.broker, w.broker],
    ['PostgreSQL (this run’s backends)', c.postgres ?? 0, 0],
    ['the simulator', c.simulator, 0],
  ];
  // by demand: CPU used + waited for
  named.sort((a, b) => b[1] + b[2] - (a[1] + a[2]));
  const show = ([n, x, y]: [string, number, number]) => `${n} ${x.toFixed(2)}${y ? ` (+${y.toFixed(2)} waiting)` : ''}`;
  const top = named[0] as [string, number, number];
  const rest = named.slice(1, 3).map(show).join(', ');
  const machineNote = `machine ${c.machine_busy.toFixed(2)} of ${cores} cores busy, ${c.others.toFixed(2)} by other work`;
  if (top[1] + top[2] >= 0.85) return `${show(top)} cores: its JavaScript thread is the bottleneck${top[2] >= 0.2 ? ', starved of CPU by the shared machine' : ''}; then ${rest}; ${machineNote}`;
  if (c.machine_busy >= 0.9 * cores) return `machine CPU: ${machineNote}; most: ${show(top)}, ${rest} cores`;
  return `no process saturated (${show(top)}, ${rest} cores; ${machineNote}): waiting, not CPU (the leader's batch loop: 500 ms window, one batch to Odoo at a time)`;
}

/**
 * A model, not a measurement: the throughput each run's measured CPU cost per event allows on
 * an otherwise idle machine of `cores` cores — the whole stack's CPU per event over all cores,
 * or one Node-RED process's over one core (its JavaScript thread), whichever is lower.
 */
export function projected(r: ScaleRun, cores = os.cpus().length): number {
  const m = r.cpu.ms_per_event as { node_red: number; total: number };
  const red = r.cpu.node_red.reduce((a, b) => a + b, 0) || 1;
  const busiest = Math.max(...r.cpu.node_red) / red;
  return Math.round(Math.min((cores * 1000) / Math.max(1e-3, m.total), 1000 / Math.max(1e-3, m.node_red * busiest)));
}

export async function run(opts: { events?: number; rate?: number; timeoutS?: number } = {}): Promise<Record<string, unknown>> {
  const o = { events: opts.events ?? option('events', 40_000), rate: opts.rate ?? option('rate', 6000), timeoutS: opts.timeoutS ?? option('timeout-seconds', 240) };
  const load0 = os.loadavg();
  const one = await runOnce(1, o);
  const two = await runOnce(2, o);
  return {
    events: o.events,
    rate: o.rate,
    one,
    two,
    ratio: round(two.events_per_s / Math.max(1, one.events_per_s)),
    bound_by: boundBy(one, two, o.rate),
    // the machine is shared: what the measured CPU per event allows when nothing else runs
    projected_idle_machine: { one: projected(one), two: projected(two), ratio: round(projected(two) / Math.max(1, projected(one))) },
    load_average: { before: load0.map((x) => round(x)), after: os.loadavg().map((x) => round(x)) },
    cores: os.cpus().length,
  };
}
