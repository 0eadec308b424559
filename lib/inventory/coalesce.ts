/**
 * What a set of inventory events does to one product at one location, given
 * what was already applied there. Pure: no I/O, the same inputs always give
 * the same operation, so a batch recorded before a crash is re-sent as it was.
 *
 * The rule (order-independent, so a plant may deliver late and twice):
 * the on-hand quantity is the newest count (by occurredAt, then event id)
 * plus every adjustment that happened after it. An adjustment that happened
 * before the newest applied count is part of that count (the person counting
 * saw its effect), so it is absorbed, not added; one that happened after is
 * added exactly once. A count older than the one applied never overwrites it.
 */

export interface StockEvent {
  eventId: string;
  kind: 'count' | 'adjust';
  quantity: number;
  /** ms since epoch */
  at: number;
}

/** What was applied to one quant, kept durably between batches. */
export interface QuantState {
  /** The newest count applied: [at, eventId]. */
  count?: [number, string];
  /** Adjustments applied after that count: [at, eventId, delta], oldest first. */
  after: Array<[number, string, number]>;
  /** Adjustments older than this were folded away (the list is bounded): a count at or before it is too late to place. */
  floor?: [number, string];
}

export type QuantOperation = { kind: 'set'; quantity: number } | { kind: 'adjust'; delta: number } | { kind: 'none' };

export interface QuantPlan {
  operation: QuantOperation;
  state: QuantState;
  /** Events that change nothing: adjustments a newer count already holds, counts older than the applied one. */
  absorbed: string[];
  /** Counts too old to place after the bounded history was folded. */
  tooLate: string[];
}

/** Total order of events: time, then event id. */
export function before(a: [number, string], b: [number, string]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

/** Quantities as Odoo keeps them (6 decimals), so sums of deltas stay exact. */
export function roundQty(q: number): number {
  return Math.round(q * 1e6) / 1e6;
}

const sum = (xs: Array<[number, string, number]>) => roundQty(xs.reduce((n, x) => n + x[2], 0));

export function planQuant(previous: QuantState | undefined, events: StockEvent[], maxHistory = 1000): QuantPlan {
  const state: QuantState = { after: [...(previous?.after ?? [])], ...(previous?.count ? { count: previous.count } : {}), ...(previous?.floor ? { floor: previous.floor } : {}) };
  const absorbed: string[] = [];
  const tooLate: string[] = [];
  const ordered = [...events].sort((a, b) => (before([a.at, a.eventId], [b.at, b.eventId]) ? -1 : 1));
  let newest: StockEvent | undefined;
  for (const e of ordered) {
    if (e.kind !== 'count') continue;
    const key: [number, string] = [e.at, e.eventId];
    if (state.count && !before(state.count, key)) absorbed.push(e.eventId);
    else if (state.floor && !before(state.floor, key)) tooLate.push(e.eventId);
    else {
      if (newest) absorbed.push(newest.eventId);
      newest = e;
    }
  }
  const since = newest ? ([newest.at, newest.eventId] as [number, string]) : state.count;
  const added: Array<[number, string, number]> = [];
  for (const e of ordered) {
    if (e.kind !== 'adjust') continue;
    if (since && before([e.at, e.eventId], since)) absorbed.push(e.eventId);
    else added.push([e.at, e.eventId, e.quantity]);
  }
  let operation: QuantOperation;
  if (newest) {
    state.count = [newest.at, newest.eventId];
    state.after = [...state.after.filter((a) => before(state.count as [number, string], [a[0], a[1]])), ...added];
    operation = { kind: 'set', quantity: roundQty(newest.quantity + sum(state.after)) };
  } else {
    state.after = [...state.after, ...added];
    const delta = sum(added);
    operation = delta !== 0 ? { kind: 'adjust', delta } : { kind: 'none' };
  }
  state.after.sort((a, b) => (before([a[0], a[1]], [b[0], b[1]]) ? -1 : 1));
  if (state.after.length > maxHistory) {
    const folded = state.after.splice(0, state.after.length - maxHistory);
    const last = folded[folded.length - 1] as [number, string, number];
    state.floor = [last[0], last[1]];
  }
  return { operation, state, absorbed, tooLate };
}
