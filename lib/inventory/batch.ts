/**
 * One stock batch, whichever store keeps it (the local journal of core.ts, or
 * PostgreSQL for several instances in shared.ts): planned from events and the
 * per-quant states, recorded before Odoo is called, then sent. Planning is pure
 * given its inputs, and what is sent is absolute (counts) or keyed
 * (adjustments), so a recorded batch sent again changes nothing Odoo already took.
 */
import type { InventoryEvent } from '../canonical/schemas';
import { badInput, classifyError, type IntegrationError } from '../errors';
import type { LookupCache } from '../odoo/lookup';
import type { WriteRequest, WriteResult } from '../odoo/writer';
import { planQuant, type QuantState, type StockEvent } from './coalesce';
import { resolveEvents } from './resolve';

/** Where the writes go: the shared writer of an odoo-config and its lookup cache. */
export interface StockTarget {
  writer: { submit(req: WriteRequest, batch?: { maxSize: number; windowMs: number }): Promise<WriteResult> };
  lookups: LookupCache;
}

export interface BatchSummary {
  batch: number;
  events: number;
  counts: number;
  adjustments: number;
  /** Events that changed nothing (late adjustments inside a newer count, older counts). */
  absorbed: number;
  failed: number;
  /** How long Odoo took for this batch (all its attempts, in this process). */
  ms: number;
  eventIds: string[];
  writes: Array<{ product_id: number; location_id: number; operation: 'set_quant' | 'adjust_quant'; quantity: number; events: string[] }>;
}

export interface PlannedWrite {
  quant: string;
  op: 'set' | 'adjust' | 'none';
  product_id: number;
  location_id: number;
  quantity: number;
  key?: string;
  state: QuantState;
  events: string[];
}

export interface BatchRecord {
  n: number;
  events: string[];
  writes: PlannedWrite[];
  failures: Array<{ eventId: string; message: string }>;
  absorbed: number;
}

/**
 * Batch `n` of `events`: products and locations resolved in Odoo, events coalesced per quant
 * against the states `statesOf` gives for the quants they touch. Adjustment keys are
 * `<keyPrefix>:<n>:<quant>`, unique per store and batch.
 */
export async function planBatch(
  n: number,
  events: InventoryEvent[],
  lookups: LookupCache,
  statesOf: (quants: string[]) => Promise<Map<string, QuantState>> | Map<string, QuantState>,
  keyPrefix: string,
  maxHistory: number,
): Promise<BatchRecord> {
  const resolutions = await resolveEvents(events, lookups);
  const failures: BatchRecord['failures'] = [];
  const byQuant = new Map<string, { product_id: number; location_id: number; events: StockEvent[] }>();
  events.forEach((e, i) => {
    const r = resolutions[i];
    if (!r || !r.ok) {
      failures.push({ eventId: e.eventId, message: r ? r.message : 'not resolved' });
      return;
    }
    const quant = `${r.ids.product_id}/${r.ids.location_id}`;
    let q = byQuant.get(quant);
    if (!q) byQuant.set(quant, (q = { ...r.ids, events: [] }));
    q.events.push({ eventId: e.eventId, kind: e.kind as 'count' | 'adjust', quantity: e.quantity, at: Date.parse(e.occurredAt) });
  });
  const states = await statesOf([...byQuant.keys()]);
  const writes: PlannedWrite[] = [];
  let absorbed = 0;
  for (const [quant, q] of byQuant) {
    const plan = planQuant(states.get(quant), q.events, maxHistory);
    absorbed += plan.absorbed.length;
    for (const id of plan.tooLate) failures.push({ eventId: id, message: `count ${id} is older than the adjustments remembered for this product and location (the newest ${maxHistory}); it can no longer be placed` });
    const ids = q.events.map((e) => e.eventId).filter((id) => !plan.tooLate.includes(id));
    const base = { quant, product_id: q.product_id, location_id: q.location_id, state: plan.state, events: ids };
    if (plan.operation.kind === 'set') writes.push({ ...base, op: 'set', quantity: plan.operation.quantity });
    else if (plan.operation.kind === 'adjust') writes.push({ ...base, op: 'adjust', quantity: plan.operation.delta, key: `${keyPrefix}:${n}:${quant}` });
    else writes.push({ ...base, op: 'none', quantity: 0 });
  }
  return { n, events: events.map((e) => e.eventId), writes, failures, absorbed };
}

export type SendOutcome =
  | { transient: IntegrationError }
  | { transient?: undefined; okWrites: PlannedWrite[]; failedEvents: Map<string, IntegrationError> };

/** Sends a recorded batch's writes, one Odoo batch per operation. A transient failure means: send the same batch again later. */
export async function sendBatch(target: StockTarget, b: BatchRecord): Promise<SendOutcome> {
  const sent = b.writes.filter((w) => w.op !== 'none');
  // one Odoo batch per operation, whatever the writer's defaults
  const options = { maxSize: Math.max(1, sent.length), windowMs: 0 };
  const outcomes = await Promise.allSettled(
    sent.map((w) =>
      target.writer.submit(
        w.op === 'set'
          ? { operation: 'set_quant', model: 'stock.quant', record: { product_id: w.product_id, location_id: w.location_id, inventory_quantity: w.quantity } }
          : { operation: 'adjust_quant', model: 'stock.quant', record: { product_id: w.product_id, location_id: w.location_id, quantity: w.quantity }, idempotencyKey: w.key as string },
        options,
      ),
    ),
  );
  const transient = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected' && classifyError(o.reason).transient);
  // sent again as recorded: counts are absolute, adjustments keyed, so what Odoo already took is not taken twice
  if (transient) return { transient: classifyError(transient.reason) };
  const failedEvents = new Map<string, IntegrationError>();
  for (const f of b.failures) failedEvents.set(f.eventId, badInput(f.message, { eventId: f.eventId }));
  const okWrites: PlannedWrite[] = b.writes.filter((w) => w.op === 'none');
  sent.forEach((w, i) => {
    const o = outcomes[i] as PromiseSettledResult<WriteResult>;
    if (o.status === 'fulfilled') okWrites.push(w);
    else for (const id of w.events) failedEvents.set(id, classifyError(o.reason));
  });
  return { okWrites, failedEvents };
}

/** What the node's first output says of an applied batch. */
export function batchSummary(b: BatchRecord, okWrites: PlannedWrite[], failedEvents: Map<string, IntegrationError>, applied: string[], started: number): BatchSummary {
  const real = okWrites.filter((w) => w.op !== 'none');
  return {
    batch: b.n,
    events: b.events.length,
    counts: real.filter((w) => w.op === 'set').length,
    adjustments: real.filter((w) => w.op === 'adjust').length,
    absorbed: b.absorbed,
    failed: failedEvents.size,
    ms: Date.now() - started,
    eventIds: applied,
    writes: real.map((w) => ({ product_id: w.product_id, location_id: w.location_id, operation: w.op === 'set' ? 'set_quant' : 'adjust_quant', quantity: w.quantity, events: w.events })),
  };
}
