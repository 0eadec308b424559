/**
 * What the operations page shows, read from the same registry the metrics
 * endpoint scrapes (lib/metrics.ts): messages per flow tab with their rates,
 * retries pending and circuit state per retry-gate, dead-letter depth, when
 * each supplier last went through, API key days left. No Node-RED in here:
 * the caller says which flow tab a node id is on.
 *
 * Rates are the difference between this reading and the oldest one kept
 * within the window (readings are taken when the page asks, every few seconds).
 */
import { CIRCUIT_VALUE, PREFIX, registry } from './metrics';

type Labels = Record<string, string | number>;
interface Value {
  labels: Labels;
  value: number;
}

export interface FlowTraffic {
  /** The flow tab's id (the editor knows its label). */
  flow: string;
  nodes: number;
  /** Totals since the nodes started: received, sent on, failed. */
  in: number;
  ok: number;
  error: number;
  /** Per second over the window (0 until two readings exist). */
  inPerSecond: number;
  okPerSecond: number;
  errorPerSecond: number;
  /** error / (ok + error) over the window; over the totals when nothing moved in the window; null with no outcome at all. */
  errorRate: number | null;
}

export interface OperationsSnapshot {
  at: number;
  /** Seconds the rates are taken over. */
  windowSeconds: number;
  flows: FlowTraffic[];
  retries: Array<{ id: string; name: string; flow?: string; pending: number; circuit: keyof typeof CIRCUIT_VALUE }>;
  deadLetters: Array<{ id: string; name: string; flow?: string; depth: number; bySource: Record<string, number> }>;
  suppliers: Array<{ supplier: string; channel: string; lastSuccess: number }>;
  apiKeys: Array<{ server: string; name: string; daysLeft: number }>;
}

/** The flow tab a deployed node is on; undefined for a node no longer deployed (its counts are left out). */
export type FlowOf = (nodeId: string) => string | undefined;

const CIRCUIT_NAME = Object.fromEntries(Object.entries(CIRCUIT_VALUE).map(([k, v]) => [v, k])) as Record<number, keyof typeof CIRCUIT_VALUE>;

async function values(name: string): Promise<Value[]> {
  const metric = registry.getSingleMetric(PREFIX + name);
  if (!metric) return [];
  return ((await metric.get()).values as Value[]).filter((v) => !String(v.labels.le ?? '')); // counters and gauges only
}

type Totals = Map<string, { in: number; ok: number; error: number; nodes: Set<string> }>;

export class OperationsView {
  private readings: Array<{ at: number; totals: Totals }> = [];

  constructor(private readonly windowMs = 60_000) {}

  async snapshot(flowOf: FlowOf, now = Date.now()): Promise<OperationsSnapshot> {
    const [messages, pending, circuit, depth, lastSuccess, keys] = await Promise.all(
      ['messages_total', 'retries_pending', 'circuit_state', 'dead_letter_depth', 'supplier_last_success_seconds', 'api_key_days_left'].map(values),
    ) as [Value[], Value[], Value[], Value[], Value[], Value[]];

    const totals: Totals = new Map();
    for (const { labels, value } of messages) {
      const flow = flowOf(String(labels.id));
      if (flow === undefined) continue;
      let t = totals.get(flow);
      if (!t) totals.set(flow, (t = { in: 0, ok: 0, error: 0, nodes: new Set() }));
      t.nodes.add(String(labels.id));
      const outcome = labels.outcome as 'in' | 'ok' | 'error';
      t[outcome] += value;
    }
    this.readings = this.readings.filter((r) => now - r.at <= this.windowMs);
    const oldest = this.readings[0];
    this.readings.push({ at: now, totals });
    const seconds = oldest ? (now - oldest.at) / 1000 : 0;

    const flows: FlowTraffic[] = [...totals.entries()].map(([flow, t]) => {
      const before = oldest?.totals.get(flow) ?? { in: 0, ok: 0, error: 0 };
      // a counter that went down was restarted (a redeploy): count from zero
      const delta = (k: 'in' | 'ok' | 'error') => (t[k] >= before[k] ? t[k] - before[k] : t[k]);
      const rate = (k: 'in' | 'ok' | 'error') => (seconds > 0 ? delta(k) / seconds : 0);
      const [okD, errD] = seconds > 0 ? [delta('ok'), delta('error')] : [0, 0];
      const errorRate = okD + errD > 0 ? errD / (okD + errD) : t.ok + t.error > 0 ? t.error / (t.ok + t.error) : null;
      return { flow, nodes: t.nodes.size, in: t.in, ok: t.ok, error: t.error, inPerSecond: rate('in'), okPerSecond: rate('ok'), errorPerSecond: rate('error'), errorRate };
    });

    const circuitOf = new Map(circuit.map((v) => [String(v.labels.id), CIRCUIT_NAME[v.value] ?? 'closed']));
    const retries = pending.map(({ labels, value }) => {
      const id = String(labels.id);
      return { id, name: String(labels.name ?? ''), ...flowField(flowOf(id)), pending: value, circuit: circuitOf.get(id) ?? 'closed' };
    });

    const stores = new Map<string, OperationsSnapshot['deadLetters'][number]>();
    for (const { labels, value } of depth) {
      const id = String(labels.id);
      let s = stores.get(id);
      if (!s) stores.set(id, (s = { id, name: String(labels.name ?? ''), ...flowField(flowOf(id)), depth: 0, bySource: {} }));
      s.depth += value;
      if (String(labels.source ?? '') !== '') s.bySource[String(labels.source)] = value;
    }

    return {
      at: now,
      windowSeconds: Math.round(seconds),
      flows: flows.sort((a, b) => a.flow.localeCompare(b.flow)),
      retries,
      deadLetters: [...stores.values()],
      suppliers: lastSuccess.map(({ labels, value }) => ({ supplier: String(labels.supplier), channel: String(labels.channel), lastSuccess: Math.round(value * 1000) })).sort((a, b) => a.supplier.localeCompare(b.supplier)),
      apiKeys: keys.map(({ labels, value }) => ({ server: String(labels.server), name: String(labels.name ?? ''), daysLeft: value })),
    };
  }
}

const flowField = (flow: string | undefined) => (flow === undefined ? {} : { flow });
