/**
 * The package's metrics, in one prom-client registry of its own (a flow's
 * own prom-client use does not mix with it), scraped in the Prometheus text
 * format by odoo-config's admin endpoint. No Node-RED in here.
 *
 * Hot paths pay a field increment: messages per node are plain numbers in a
 * `NodeMeter`, read when scraped; Odoo calls and batches are observed once per
 * call, never per row. State (retries pending, circuit, dead-letter depth, key
 * expiry) is read from whoever registered it, only when scraped.
 *
 * Another node adds its own with one line each, e.g.
 *   const events = counter('mqtt_events_total', 'Plant events by outcome', ['node', 'outcome']);
 *   const lag = gaugeSource('changes_cursor_lag_seconds', 'Age of the change cursor', ['node']);
 */
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

export const PREFIX = 'odoo_supply_';
export const registry = new Registry();

type Labels = Record<string, string | number>;

/** The counter `odoo_supply_<name>`, made once however often it is asked for (node modules load once per runtime, tests reload them). */
export function counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
  return (registry.getSingleMetric(PREFIX + name) as Counter<string> | undefined) ?? new Counter({ name: PREFIX + name, help, labelNames, registers: [registry] });
}

export function histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram<string> {
  return (registry.getSingleMetric(PREFIX + name) as Histogram<string> | undefined) ?? new Histogram({ name: PREFIX + name, help, labelNames, buckets, registers: [registry] });
}

export type Reading = [Labels, number];
export type Reader = () => Reading[] | Promise<Reading[]>;

export interface GaugeSource {
  /** Adds a reader (one per node); returns its removal, for the node's close. */
  add(reader: Reader): () => void;
}

/** A gauge read at scrape time from the readers registered with it. */
export function gaugeSource(name: string, help: string, labelNames: string[]): GaugeSource {
  const full = PREFIX + name;
  const existing = sources.get(full);
  if (existing) return existing;
  const readers = new Set<Reader>();
  new Gauge({
    name: full,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      const all = await Promise.all([...readers].map((r) => Promise.resolve().then(r).catch(() => [] as Reading[])));
      for (const readings of all) for (const [labels, value] of readings) this.set(labels, value);
    },
  });
  const source: GaugeSource = {
    add(reader) {
      readers.add(reader);
      return () => void readers.delete(reader);
    },
  };
  sources.set(full, source);
  return source;
}
const sources = new Map<string, GaugeSource>();

/**
 * A counter read at scrape time from the readers registered with it: for a
 * core that already counts in plain numbers (its `stats`), so its hot path
 * pays nothing more. A redeploy starts the numbers again, which Prometheus
 * reads as a counter reset.
 */
export function counterSource(name: string, help: string, labelNames: string[]): GaugeSource {
  const full = PREFIX + name;
  const existing = sources.get(full);
  if (existing) return existing;
  const readers = new Set<Reader>();
  new Counter({
    name: full,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      const all = await Promise.all([...readers].map((r) => Promise.resolve().then(r).catch(() => [] as Reading[])));
      for (const readings of all) for (const [labels, value] of readings) if (value > 0) this.inc(labels, value);
    },
  });
  const source: GaugeSource = {
    add(reader) {
      readers.add(reader);
      return () => void readers.delete(reader);
    },
  };
  sources.set(full, source);
  return source;
}

// ---- messages per node ----------------------------------------------------------------

/** What one node counts: plain numbers, incremented where messages pass. */
export class NodeMeter {
  received = 0;
  ok = 0;
  failed = 0;
  constructor(readonly labels: { type: string; id: string; name: string }) {}
}

const meters = new Map<string, NodeMeter>();

/** The meter of a node (by id): the same one again after a redeploy, so counts keep growing as counters must. */
export function nodeMeter(type: string, id: string, name = ''): NodeMeter {
  let m = meters.get(id);
  if (!m || m.labels.type !== type || m.labels.name !== name) {
    m = new NodeMeter({ type, id, name });
    meters.set(id, m);
  }
  return m;
}

new Counter({
  name: `${PREFIX}messages_total`,
  help: 'Messages per node: received (in), sent on the ok output (ok), sent on the error output or to Catch (error)',
  labelNames: ['type', 'id', 'name', 'outcome'],
  registers: [registry],
  collect() {
    this.reset();
    for (const m of meters.values()) {
      if (m.received) this.inc({ ...m.labels, outcome: 'in' }, m.received);
      if (m.ok) this.inc({ ...m.labels, outcome: 'ok' }, m.ok);
      if (m.failed) this.inc({ ...m.labels, outcome: 'error' }, m.failed);
    }
  },
});

// ---- Odoo -----------------------------------------------------------------------------

/** Every model-method call the client sends: count (`_count`) and latency, by model, method and outcome. */
export const odooCalls = histogram('odoo_call_seconds', 'Odoo model-method calls: latency in seconds, by model, method and outcome (ok, error)', ['model', 'method', 'outcome'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);

/** Records per call the writer sends (a split batch counts each attempt). */
export const writeBatches = histogram('write_batch_records', 'Records per write call odoo-write sends, by model and operation', ['model', 'operation'], [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);

export const apiKeyDaysLeft = gaugeSource('api_key_days_left', 'Days until the API key of an Odoo server expires (absent: it does not expire, or the server cannot tell)', ['server', 'name']);

// ---- resilience ----------------------------------------------------------------------

export const retriesPending = gaugeSource('retries_pending', 'Messages a retry-gate holds for a later attempt', ['id', 'name']);
/** 0 closed, 1 half-open, 2 open. */
export const circuitState = gaugeSource('circuit_state', 'Circuit breaker of a retry-gate: 0 closed, 1 half-open, 2 open', ['id', 'name']);
export const CIRCUIT_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;
export const deadLetterDepth = gaugeSource('dead_letter_depth', 'Messages waiting in a dead-letter store, by the node they failed in', ['id', 'name', 'source']);
export const deadLetterByCode = gaugeSource('dead_letter_depth_by_code', 'Messages waiting in a dead-letter store, by error code (the reason they failed)', ['id', 'name', 'code']);

// ---- supplier files -------------------------------------------------------------------

export const sftpFiles = counter('sftp_files_total', 'Supplier files by outcome: processed (archived) or failed (moved to the error folder)', ['supplier', 'outcome']);

/** When a supplier's file or upload last went through, per channel (sftp, intake): unix seconds. */
export const supplierLastSuccess = (registry.getSingleMetric(`${PREFIX}supplier_last_success_seconds`) as Gauge<string> | undefined) ??
  new Gauge({ name: `${PREFIX}supplier_last_success_seconds`, help: 'When a supplier file was last processed (sftp) or an upload last accepted (intake), unix seconds', labelNames: ['supplier', 'channel'], registers: [registry] });
export const intakeUploads = counter('intake_uploads_total', 'Supplier uploads over HTTP by outcome: accepted (202, stored) or refused (any other answer)', ['supplier', 'document', 'outcome']);

// ---- plant events ---------------------------------------------------------------------

/** received = accepted + duplicate; applied and failed once their batch is through. */
export const stockEvents = counterSource('mqtt_events_total', 'Plant (MQTT) inventory events per stock-events node: received, duplicate, applied, failed', ['id', 'name', 'outcome']);
export const stockBatches = histogram('stock_batch_events', 'Events per stock batch sent to Odoo, per stock-events node', ['id', 'name'], [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);

// ---- Odoo changes ---------------------------------------------------------------------

export const changesEmitted = counterSource('odoo_changes_emitted_total', 'Records odoo-changes handed on, per node and model', ['id', 'name', 'model']);
export const changesCursorLag = gaugeSource('odoo_changes_cursor_lag_seconds', 'Age of the change cursor (the newest write_date handed on) in seconds, per odoo-changes node', ['id', 'name', 'model']);
export const changesLastLag = gaugeSource('odoo_changes_last_lag_seconds', 'Seconds between Odoo writing the last record handed on and odoo-changes handing it on', ['id', 'name', 'model']);

/** The whole registry in the Prometheus text format. */
export function scrape(): Promise<string> {
  return registry.metrics();
}
export const CONTENT_TYPE = registry.contentType;

export type { Metric };
