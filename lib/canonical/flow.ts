/**
 * What canonical-map does with one message, without Node-RED: map a supplier
 * payload to canonical objects, or check canonical objects and plan their Odoo
 * writes. Results are grouped so a 10,000-row file gives two messages, not
 * 10,000, unless per-row output is asked for.
 */
import { badInput, IntegrationError } from '../errors';
import type { LookupCache } from '../odoo/lookup';
import { problemFromIssue, type Problem } from './errors';
import { isFilePayload, normaliseRowKeys, readSupplierFile, type FileRead } from './file';
import { mapSupplierStream } from './stream';
import type { CompiledMapping, MapManyResult } from './mapping';
import { getSchema } from './registry';
import { planToOdoo, type PlanMeta, type PlannedWrite } from './to-odoo';
import type { OdooClient } from '../odoo/client';
import { purchaseOrdersFromOdoo } from './from-odoo';
import type { CompiledOutbound } from './outbound';

export interface Outcome {
  /** Messages for output 1: payload, plus what goes beside it. */
  ok: Array<{ payload: unknown; rows?: number[]; odoo?: PlannedWrite['odoo']; extra?: Record<string, unknown> }>;
  /** Messages for output 2: the input rows untouched, and the error. */
  failed: Array<{ payload: unknown; error: IntegrationError }>;
  /** Rows left out on purpose (blank, duplicate), for msg.canonical. */
  skipped?: { blank: number[]; duplicate: Array<{ row: number; duplicateOf: number }> };
  /** How the file was read, when msg.payload was the file itself. */
  file?: { format: FileRead['format']; encoding: string; rows: number; columns?: string[]; absentOptional?: string[] };
}

function problemsError(problems: Problem[], rows: number): IntegrationError {
  const first = problems[0];
  return new IntegrationError({
    message: `${rows === 1 ? 'the object does' : `${rows} rows do`} not fit the canonical schema${first ? `; first: ${first.message}` : ''}`,
    code: 'VALIDATION',
    transient: false,
    details: { problems: problems.map(({ kind, path, expected, received, row, source, message }) => ({ kind, path, expected, received, ...(row !== undefined ? { row } : {}), ...(source ? { source } : {}), message })) },
  });
}

/** Supplier shape → canonical objects (output 1) and problems (output 2). */
export async function mapToCanonical(mapping: CompiledMapping, payload: unknown, perRow: boolean): Promise<Outcome> {
  if (isFilePayload(payload)) {
    // the file itself (supplier-sftp, an HTTP upload, file-in): a file that does not fit throws here, before any row is mapped
    const read = await readSupplierFile(payload, mapping.spec);
    const file = { format: read.format, encoding: read.encoding, rows: read.rows.length, ...(read.columns ? { columns: read.columns } : {}), ...(read.absentOptional?.length ? { absentOptional: read.absentOptional } : {}) };
    if (read.single) return { ...(await mapToCanonical(mapping, read.rows[0], perRow)), file };
    if (!read.rows.length) return { ok: [{ payload: [], rows: [] }], failed: [], skipped: { blank: [], duplicate: [] }, file };
    return { ...(await mapRows(mapping, read.rows, read.rowNumbers, perRow)), file };
  }
  if (typeof payload !== 'object' || payload === null) throw badInput(`msg.payload must be a file (Buffer or text), an object or an array of rows, got ${payload === null ? 'null' : typeof payload}`);
  if (!Array.isArray(payload)) {
    const r = await mapping.map(payload);
    return r.ok ? { ok: [{ payload: r.value }], failed: [] } : { ok: [], failed: [{ payload, error: problemsError(r.problems, 1) }] };
  }
  return mapRows(mapping, normaliseRowKeys(payload), undefined, perRow);
}

/** Rows (with their file lines, when known) → grouped or per-row outcome. */
export async function mapRows(mapping: CompiledMapping, payload: unknown[], rowNumbers: number[] | undefined, perRow: boolean): Promise<Outcome> {
  return outcomeOf(await mapping.mapMany(payload, rowNumbers), perRow);
}

function outcomeOf(many: MapManyResult, perRow: boolean): Outcome {
  const skipped = { blank: many.skippedBlank, duplicate: many.skippedDuplicate };
  if (perRow) {
    return {
      ok: many.valid.map((v) => ({ payload: v.value, rows: [v.row] })),
      failed: many.invalid.map((v) => ({ payload: v.input, error: problemsError(v.problems, 1) })),
      skipped,
    };
  }
  const out: Outcome = { ok: [], failed: [], skipped };
  if (many.valid.length) out.ok.push({ payload: many.valid.map((v) => v.value), rows: many.valid.map((v) => v.row) });
  if (many.invalid.length) out.failed.push({ payload: many.invalid.map((v) => v.input), error: problemsError(many.invalid.flatMap((v) => v.problems), many.invalid.length) });
  return out;
}

/** Canonical objects → checked against their schema, then planned as Odoo writes. */
export async function planCanonicalToOdoo(schemaId: string, payload: unknown, lookups: LookupCache, sourceRows?: number[], meta: PlanMeta = {}): Promise<Outcome> {
  const entry = getSchema(schemaId);
  if (!entry) throw badInput(`unknown canonical schema "${schemaId}"`);
  if (typeof payload !== 'object' || payload === null) throw badInput(`msg.payload must be a ${entry.id} object or an array of them, got ${payload === null ? 'null' : typeof payload}`);
  const objects = Array.isArray(payload) ? payload : [payload];
  // row numbers of the supplier's file when an upstream canonical-map said which rows these objects came from
  const rowOf = (i: number) => (sourceRows && sourceRows.length === objects.length ? (sourceRows[i] as number) : i + 1);
  const valid: unknown[] = [];
  const validRows: number[] = [];
  const failed: Outcome['failed'] = [];
  const invalidInputs: unknown[] = [];
  const problems: Problem[] = [];
  objects.forEach((o, i) => {
    const parsed = entry.schema.safeParse(o);
    if (parsed.success) {
      valid.push(parsed.data);
      validRows.push(i);
    } else {
      invalidInputs.push(o);
      problems.push(...parsed.error.issues.map((issue) => problemFromIssue(issue, o, entry, rowOf(i))));
    }
  });
  if (invalidInputs.length) failed.push({ payload: invalidInputs, error: problemsError(problems, invalidInputs.length) });
  if (!valid.length) return { ok: [], failed };
  const plan = await planToOdoo(entry.id, valid, lookups, meta);
  if (plan.failures.length) {
    failed.push({
      payload: plan.failures.map((f) => valid[f.row]),
      error: new IntegrationError({
        message: plan.failures.length === 1 ? (plan.failures[0] as { error: IntegrationError }).error.message : `${plan.failures.length} objects cannot be applied to Odoo; first: ${(plan.failures[0] as { error: IntegrationError }).error.message}`,
        code: 'VALIDATION',
        transient: false,
        details: { failures: plan.failures.map((f) => ({ row: rowOf(validRows[f.row] as number), message: f.error.message, ...(f.error.details ?? {}) })) },
      }),
    });
  }
  return { ok: plan.writes.map((w) => ({ payload: w.payload, odoo: w.odoo, rows: w.rows.map((r) => rowOf(validRows[r] as number)) })), failed };
}

/** Several failed groups as one: their rows in order, their problems and failures together. */
export function mergeFailures(failed: Outcome['failed']): Outcome['failed'][number] {
  if (failed.length === 1) return failed[0] as Outcome['failed'][number];
  const payload = failed.flatMap((f) => (Array.isArray(f.payload) ? f.payload : [f.payload]));
  const details: Record<string, unknown[]> = {};
  for (const f of failed) for (const [k, v] of Object.entries(f.error.details ?? {})) if (Array.isArray(v)) details[k] = [...(details[k] ?? []), ...v];
  const first = failed[0]?.error as IntegrationError;
  return {
    payload,
    error: new IntegrationError({ message: `${payload.length} rows or objects failed; first: ${first.message}`, code: first.code, transient: failed.every((f) => f.error.transient), details }),
  };
}

/** Rows per message when a file arrives as a stream: small chunks keep the memory of a 200 MB file low (see bench/canonical-stream). */
export const STREAM_CHUNK_ROWS = 500;

/**
 * A file arriving as a stream (supplier-sftp above its whole-file size): read
 * and mapped chunk by chunk; `emit` gets each chunk's outcome as it is ready.
 */
export async function mapStreamToCanonical(mapping: CompiledMapping, stream: AsyncIterable<Uint8Array>, perRow: boolean, emit: (outcome: Outcome, chunk: { index: number; last: boolean }) => void): Promise<{ chunks: number; rows: number }> {
  return mapSupplierStream(mapping, stream, STREAM_CHUNK_ROWS, async (c) => {
    emit(outcomeOf(c, perRow), { index: c.index, last: c.last });
  });
}

/** Purchase order ids in a message: `msg.payload` (an id, ids, records with `id`) or `msg.odoo.ids`. */
export function orderIdsOf(payload: unknown, odoo: unknown): number[] {
  const fromOdoo = (odoo as { model?: unknown; ids?: unknown } | undefined)?.ids;
  const pick = (v: unknown): number[] => {
    if (typeof v === 'number') return [v];
    if (Array.isArray(v)) return v.flatMap(pick);
    if (v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'number') return [(v as { id: number }).id];
    return [];
  };
  const ids = pick(payload);
  const all = ids.length ? ids : pick(fromOdoo);
  if (!all.length) throw badInput('from Odoo: msg.payload (or msg.odoo.ids) must name purchase orders: an id, a list of ids, or records with id');
  return all;
}

/** Odoo purchase orders → purchase-order@1 objects (one message each when perRow, else one with the list). */
export async function purchaseOrdersOutcome(client: OdooClient, ids: number[], perRow: boolean, context?: Record<string, unknown>): Promise<Outcome> {
  const r = await purchaseOrdersFromOdoo(client, ids, context);
  const failed = r.failed.map((f) => ({ payload: { id: f.id }, error: f.error }));
  if (perRow || ids.length === 1) return { ok: r.ok.map((o) => ({ payload: o.payload, extra: { odoo: { model: 'purchase.order', id: o.id, ids: [o.id], name: o.odoo.name, writeDate: o.odoo.writeDate } } })), failed };
  return { ok: r.ok.length ? [{ payload: r.ok.map((o) => o.payload), extra: { odoo: { model: 'purchase.order', ids: r.ok.map((o) => o.id) } } }] : [], failed };
}

/** Canonical objects → the supplier's file: one message per object, payload the bytes, `filename` its name. */
export async function supplierFilesOutcome(outbound: CompiledOutbound, payload: unknown, meta: Record<string, unknown>): Promise<Outcome> {
  const objects = Array.isArray(payload) ? payload : [payload];
  const out: Outcome = { ok: [], failed: [] };
  for (const o of objects) {
    try {
      const f = await outbound.write(o, meta);
      out.ok.push({ payload: f.bytes, extra: { filename: f.fileName, file: { name: f.fileName, format: f.format, encoding: f.encoding, rows: f.rows } } });
    } catch (err) {
      out.failed.push({ payload: o, error: err instanceof IntegrationError ? err : badInput((err as Error).message) });
    }
  }
  return out;
}
