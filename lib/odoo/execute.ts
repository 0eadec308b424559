import { classifyError, IntegrationError } from '../errors';
import type { OdooClient } from './client';
import type { EffectiveWriteOptions } from './options';
import { idsFrom } from './read';
import { recordsOf, type OdooWriter, type WriteResult } from './writer';

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
export async function executeWrite(client: OdooClient, writer: OdooWriter, o: EffectiveWriteOptions, model: string, payload: unknown): Promise<Executed> {
  const records = recordsOf(payload);
  const context = o.context ? { context: o.context } : {};
  if (o.operation === 'call') {
    const p = payload as { ids?: unknown; id?: unknown; kwargs?: unknown };
    const ids = p.ids ?? p.id ?? (Array.isArray(payload) ? payload : undefined);
    const kwargs = typeof p.kwargs === 'object' && p.kwargs !== null ? (p.kwargs as Record<string, unknown>) : {};
    const callResult = await client.call(model, o.method as string, { ...(ids !== undefined ? { ids: idsFrom(ids) } : {}), kwargs, ...context });
    return { okRows: [], results: [], failed: [], callResult };
  }
  const settled = await Promise.allSettled(
    records.map((record) => writer.submit({ operation: o.operation as Exclude<typeof o.operation, 'call'>, model, record, ...(o.keyFields.length ? { keyFields: o.keyFields } : {}), ...context })),
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
      out.thenError = classifyError(err);
    }
  }
  return out;
}

export function writtenIds(results: WriteResult[]): number[] {
  return [...new Set(results.flatMap((r) => r.id))];
}
