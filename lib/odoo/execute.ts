import { classifyError, IntegrationError, withEffect } from '../errors';
import type { OdooClient } from './client';
import { stableJson } from './idempotency';
import type { EffectiveWriteOptions } from './options';
import { idsFrom } from './read';
import { recordsOf, type OdooWriter, type WriteResult } from './writer';

/** Where the idempotency keys of one message's rows come from. */
export interface MessageIdentity {
  /** One key per row (msg.odoo.keys: plant event ids), used as they are. */
  keys?: unknown;
  /** The message's own identity (msg.odoo.idempotencyKey, else msg.correlationId, else msg._msgid). */
  base?: string;
}

/**
 * The key of row `index`: the row's own key when given, else the message's
 * identity with the row's position and content, so every delivery of the
 * same message makes the same keys and two different rows never share one.
 */
export function rowKeys(identity: MessageIdentity | undefined, operation: string, model: string, records: unknown[]): Array<string | undefined> {
  const given = Array.isArray(identity?.keys) ? (identity?.keys as unknown[]) : undefined;
  return records.map((r, i) => {
    const own = given?.[i];
    if (typeof own === 'string' && own) return `${model}:${operation}:${own}`;
    if (identity?.base) return `${model}:${operation}:${identity.base}:${i}:${stableJson(r)}`;
    return undefined;
  });
}

export interface Executed {
  /** Indexes (0-based) of the records written, with their results in the same order. */
  okRows: number[];
  results: WriteResult[];
  failed: Array<{ index: number; error: IntegrationError }>;
  /** What a `call` answered. */
  callResult?: unknown;
  /** The follow-up method failed; the records themselves were written. */
  thenError?: IntegrationError;
}

/**
 * One odoo-write message: a method call, or every record submitted to the
 * batching writer (which groups them with other messages' records), then the
 * optional follow-up method on all ids written.
 */
export async function executeWrite(client: OdooClient, writer: OdooWriter, o: EffectiveWriteOptions, model: string, payload: unknown, identity?: MessageIdentity): Promise<Executed> {
  const records = recordsOf(payload);
  const context = o.context ? { context: o.context } : {};
  if (o.operation === 'call') {
    const p = payload as { ids?: unknown; id?: unknown; kwargs?: unknown };
    const ids = p.ids ?? p.id ?? (Array.isArray(payload) ? payload : undefined);
    const kwargs = typeof p.kwargs === 'object' && p.kwargs !== null ? (p.kwargs as Record<string, unknown>) : {};
    // a method call may do anything: nothing says repeating it is harmless
    const callResult = await client.call(model, o.method as string, { ...(ids !== undefined ? { ids: idsFrom(ids) } : {}), kwargs, ...context }).catch((err: unknown) => {
      throw withEffect(classifyError(err), { idempotent: false });
    });
    return { okRows: [], results: [], failed: [], callResult };
  }
  const operation = o.operation as Exclude<typeof o.operation, 'call'>;
  const keys = rowKeys(identity, operation, model, records);
  const batch = { maxSize: o.batchSize, windowMs: o.batchWindow };
  const settled = await Promise.allSettled(
    records.map((record, i) => writer.submit({ operation, model, record, ...(o.keyFields.length ? { keyFields: o.keyFields } : {}), ...context, ...(keys[i] ? { idempotencyKey: keys[i] } : {}) }, batch)),
  );
  const out: Executed = { okRows: [], results: [], failed: [] };
  settled.forEach((s, index) => {
    if (s.status === 'fulfilled') {
      out.okRows.push(index);
      out.results.push(s.value);
    } else {
      out.failed.push({ index, error: classifyError(s.reason) });
    }
  });
  // a follow-up method on everything just written (e.g. action_apply_inventory), one call;
  // its failure is reported beside the written ids, so a retry repeats the call, not the writes
  if (o.then && out.results.length) {
    try {
      await client.call(model, o.then.method, { ids: writtenIds(out.results), ...context });
    } catch (err) {
      out.thenError = withEffect(classifyError(err), { idempotent: false });
    }
  }
  return out;
}

export function writtenIds(results: WriteResult[]): number[] {
  return [...new Set(results.flatMap((r) => r.id))];
}
