/**
 * Messages kept on disk or in PostgreSQL are JSON. Buffers survive the trip
 * (JSON turns them into {type: 'Buffer', data}); properties that describe
 * the failure rather than the message are left out of the stored original.
 */
export type Msg = Record<string, unknown>;

// _msgid stays: odoo-write makes creates idempotent by it, so a retry must carry the same one
const FAILURE_PROPS = new Set(['error', '_error', 'retry', 'replay']);
/** The HTTP request and response of an `http in` node: live sockets, meaningless after a restart. */
const LIVE_PROPS = new Set(['req', 'res']);

/**
 * The message as it is kept, without its failure properties. A shallow copy:
 * the keeper owns the message from here on, serialises it when writing, and
 * hands out deep copies (fromStored) when sending it again.
 */
export function toStored(msg: Msg): Msg {
  const out: Msg = {};
  for (const [k, v] of Object.entries(msg)) if (!FAILURE_PROPS.has(k) && !LIVE_PROPS.has(k)) out[k] = v;
  return out;
}

function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.type === 'Buffer' && Array.isArray(o.data) && Object.keys(o).length === 2) return Buffer.from(o.data as number[]);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = revive(x);
    return out;
  }
  return v;
}

/** A fresh deep copy of a stored message as JSON would give it back, Buffers restored. */
export function fromStored(stored: Msg): Msg {
  return revive(JSON.parse(JSON.stringify(stored))) as Msg;
}

export function correlationIdOf(msg: Msg): string | undefined {
  return typeof msg.correlationId === 'string' ? msg.correlationId : undefined;
}
