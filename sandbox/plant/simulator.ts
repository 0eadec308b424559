/**
 * A plant that publishes inventory-event@1 over MQTT (QoS 1) on
 * `plant/<site>/inventory`, with duplicates and late events on purpose, and
 * says at the end what Odoo must hold: the expected on-hand quantity per
 * product and location, the newest count (by occurredAt, then event id) plus
 * the adjustments after it, from quants that start at 0.
 */
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';

export interface PlantOptions {
  mqttUrl: string;
  sites?: number;
  products?: number;
  /** events per second */
  rate?: number;
  /** how long to publish; `events` stops it earlier */
  seconds?: number;
  events?: number;
  /** share of events published a second time, later */
  duplicates?: number;
  /** share of events held back and published after later ones */
  outOfOrder?: number;
  /** share of events that are counts (the rest are adjustments) */
  counts?: number;
  /** product codes `<prefix>-00001…`, locations `<prefix>-S1-STOCK…` */
  prefix?: string;
  seed?: number;
  clientId?: string;
  /** called as each event is handed to the broker (first publication) */
  onPublish?: (eventId: string, at: number) => void;
  log?: (line: string) => void;
}

export interface PlantEvent {
  eventId: string;
  site: string;
  location: string;
  internalRef: string;
  kind: 'count' | 'adjust';
  quantity: number;
  uom: string;
  occurredAt: string;
}

export interface PlantReport {
  /** messages published, duplicates included */
  published: number;
  /** distinct events */
  events: number;
  duplicates: number;
  outOfOrder: number;
  seconds: number;
  /** `<internalRef>@<location>` → on-hand quantity Odoo must show (quants starting at 0) */
  expected: Record<string, number>;
}

export interface PlantMasterData {
  products: Array<{ default_code: string; name: string }>;
  locations: Array<{ name: string; barcode: string; site: string }>;
}

/** The products and locations the simulator's events name: what Odoo must have before they arrive. */
export function plantMasterData(o: { sites?: number; products?: number; prefix?: string } = {}): PlantMasterData {
  const prefix = o.prefix ?? 'PLANT';
  return {
    products: Array.from({ length: o.products ?? 2000 }, (_x, i) => ({ default_code: `${prefix}-${String(i + 1).padStart(5, '0')}`, name: `${prefix} part ${i + 1}` })),
    locations: Array.from({ length: o.sites ?? 3 }, (_x, i) => ({ site: `S${i + 1}`, name: `Plant S${i + 1}`, barcode: `${prefix}-S${i + 1}-STOCK` })),
  };
}

/** The expected final quantities of a set of events (duplicates counted once). */
export function expectedOf(events: Iterable<PlantEvent>): Record<string, number> {
  const byQuant = new Map<string, PlantEvent[]>();
  for (const e of events) {
    const k = `${e.internalRef}@${e.location}`;
    const list = byQuant.get(k);
    if (list) list.push(e);
    else byQuant.set(k, [e]);
  }
  const out: Record<string, number> = {};
  for (const [k, list] of [...byQuant].sort(([a], [b]) => (a < b ? -1 : 1))) {
    list.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.eventId < b.eventId ? -1 : 1));
    let q = 0;
    for (const e of list) q = e.kind === 'count' ? e.quantity : q + e.quantity;
    out[k] = Math.round(q * 1e6) / 1e6;
  }
  return out;
}

/** A deterministic pseudo-random stream (mulberry32): the same seed, the same run (the tests' fixtures use it too). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Starts publishing; `done` resolves with the report when the run ends, `stop()` ends it early. */
export function startPlantStandIn(options: PlantOptions): { done: Promise<PlantReport>; stop(): Promise<PlantReport> } {
  const o = { sites: 3, products: 2000, rate: 500, seconds: 60, duplicates: 0.05, outOfOrder: 0.05, counts: 0.2, prefix: 'PLANT', seed: Date.now() % 1e9, ...options };
  const data = plantMasterData(o);
  const r = rng(o.seed);
  const run = randomUUID().slice(0, 8);
  const client = mqtt.connect(o.mqttUrl, { clientId: o.clientId ?? `plant-sim-${run}`, clean: true, reconnectPeriod: 500 });
  const sent = new Map<string, PlantEvent>();
  const inFlight = new Set<Promise<unknown>>();
  const timers = new Set<NodeJS.Timeout>();
  let published = 0;
  let duplicates = 0;
  let late = 0;
  let stopped = false;
  const started = Date.now();
  const limit = o.events ?? Math.round(o.rate * o.seconds);

  const publish = (e: PlantEvent, first: boolean) => {
    if (first) o.onPublish?.(e.eventId, Date.now());
    published++;
    const p = client.publishAsync(`plant/${e.site}/inventory`, JSON.stringify(e), { qos: 1 }).catch((err: Error) => o.log?.(`publish failed: ${err.message}`));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const next = (seq: number): PlantEvent => {
    const loc = data.locations[Math.floor(r() * data.locations.length)] as PlantMasterData['locations'][number];
    const count = r() < o.counts;
    return {
      eventId: `${o.prefix}-${run}-${seq}`,
      site: loc.site,
      location: loc.barcode,
      internalRef: (data.products[Math.floor(r() * data.products.length)] as { default_code: string }).default_code,
      kind: count ? 'count' : 'adjust',
      quantity: count ? Math.floor(r() * 500) : (Math.floor(r() * 20) + 1) * (r() < 0.4 ? -1 : 1),
      uom: 'Units',
      occurredAt: new Date().toISOString(),
    };
  };

  let finish: (r: PlantReport) => void;
  const done = new Promise<PlantReport>((resolve) => (finish = resolve));
  let seq = 0;
  const TICK_MS = 10;
  const tick = () => {
    if (stopped) return;
    // as many events as the rate allows by now: a slow tick catches up
    const due = Math.min(limit, Math.floor(((Date.now() - started) / 1000) * o.rate) + 1);
    for (; seq < due; seq++) {
      const e = next(seq);
      sent.set(e.eventId, e);
      if (r() < o.outOfOrder) {
        late++;
        // held back: events after it go first
        later(200 + Math.floor(r() * 800), () => publish(e, true));
      } else publish(e, true);
      if (r() < o.duplicates) {
        duplicates++;
        later(50 + Math.floor(r() * 1500), () => publish(e, false));
      }
    }
    if (seq >= limit) void end();
    else later(TICK_MS, tick);
  };
  const end = async (): Promise<PlantReport> => {
    if (stopped) return done;
    stopped = true;
    // what is held back still goes out: the report names every event sent
    await new Promise<void>((resolve) => {
      const wait = () => (timers.size ? setTimeout(wait, 20) : resolve());
      wait();
    });
    await Promise.all([...inFlight]);
    await client.endAsync();
    const report: PlantReport = { published, events: sent.size, duplicates, outOfOrder: late, seconds: (Date.now() - started) / 1000, expected: expectedOf(sent.values()) };
    finish(report);
    return report;
  };
  client.once('connect', () => tick());
  return {
    done,
    // cut the run short: whatever was generated is still published, and in the report
    stop: () => end(),
  };
}
