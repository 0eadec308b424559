/**
 * Accepted supplier uploads and what became of them, in the package's one
 * durable journal. An upload counts as accepted only once its bytes are on
 * disk (fsync), so a 202 is never given for a file a crash could lose; the
 * flow's outcomes (lines applied, refused, parked) are journaled as they
 * arrive, so a status URL answers the same after a restart. Uploads not yet
 * finished when Node-RED stops are handed to the flow again at the next start.
 *
 * One store per journal file, shared by every supplier-intake node of the
 * runtime (the receiving nodes and the outcome nodes at the ends of flows).
 */
import { createHash, randomUUID } from 'node:crypto';
import { Journal, type JournalOptions } from '../resilience/journal';
import type { LineOutcome, LineState, OutcomeEvent } from './outcome';

export type UploadState = 'received' | 'processing' | 'done' | 'failed' | 'parked' | 'stalled';

export interface UploadRecord {
  id: string;
  correlationId: string;
  /** The sender's own reference for the upload (X-Correlation-Id). */
  reference?: string;
  supplier: string;
  document: string;
  via: 'http' | 'message';
  receivedAt: string;
  updatedAt: string;
  size: number;
  sha256: string;
  contentType?: string;
  /** The message's msg.file (an SFTP file), without its claim. */
  file?: Record<string, unknown>;
  /** The bytes, base64, kept until the upload is finished. */
  body?: string;
  dispatches: number;
  state: UploadState;
  read?: OutcomeEvent['file'];
  skipped?: OutcomeEvent['skipped'];
  lines: Record<string, { state: LineState; problems?: string[]; writes?: number[]; at: string }>;
  error?: { message: string; code?: string };
}

export interface AcceptInput {
  supplier: string;
  document: string;
  via: UploadRecord['via'];
  body: Buffer;
  contentType?: string;
  /** Set by the sender (X-Correlation-Id, or supplier-sftp's id); the upload's own correlation id is always fresh. */
  reference?: string;
  correlationId?: string;
  file?: Record<string, unknown>;
}

/** What a supplier sees at its status URL. */
export interface UploadStatus {
  id: string;
  correlationId: string;
  reference?: string;
  supplier: string;
  document: string;
  state: UploadState;
  durable: true;
  receivedAt: string;
  updatedAt: string;
  size: number;
  sha256: string;
  file?: OutcomeEvent['file'];
  summary: { lines?: number; applied: number; refused: number; parked: number; skipped: number };
  applied: number[];
  refused: Array<{ line: number; problems: string[] }>;
  parked: Array<{ line: number; problems: string[] }>;
  skipped: { blank: number[]; duplicate: Array<{ line: number; duplicateOf: number }> };
  error?: { message: string; code?: string };
}

const FINAL: ReadonlySet<UploadState> = new Set(['done', 'failed']);

export class IntakeStore {
  /** The current state of every upload; what is in the journal, plus outcomes whose write is under way. */
  private readonly uploads = new Map<string, UploadRecord>();
  private users = 0;

  private constructor(private readonly journal: Journal<UploadRecord>, readonly file: string) {
    for (const [, rec] of journal.entries()) this.uploads.set(rec.id, rec);
  }

  static async open(file: string, options: JournalOptions & { retentionMs?: number; now?: () => number } = {}): Promise<IntakeStore> {
    const journal = await Journal.open<UploadRecord>(file, options);
    const store = new IntakeStore(journal, file);
    if (options.retentionMs) await store.expire(options.retentionMs, options.now?.() ?? Date.now());
    return store;
  }

  get recovery() {
    return this.journal.recovery;
  }

  get count(): number {
    return this.uploads.size;
  }

  /** Stores the upload; resolves once it is on disk, rejects (nothing kept) when it cannot be. */
  async accept(input: AcceptInput, now = new Date()): Promise<UploadRecord> {
    const id = randomUUID();
    const at = now.toISOString();
    const rec: UploadRecord = {
      id,
      correlationId: input.correlationId ?? id,
      ...(input.reference ? { reference: input.reference } : {}),
      supplier: input.supplier,
      document: input.document,
      via: input.via,
      receivedAt: at,
      updatedAt: at,
      size: input.body.length,
      sha256: createHash('sha256').update(input.body).digest('hex'),
      ...(input.contentType ? { contentType: input.contentType } : {}),
      ...(input.file ? { file: input.file } : {}),
      body: input.body.toString('base64'),
      dispatches: 0,
      state: 'received',
      lines: {},
    };
    await this.journal.put(id, rec);
    this.uploads.set(id, rec);
    return rec;
  }

  get(id: string): UploadRecord | undefined {
    return this.uploads.get(id);
  }

  bodyOf(rec: UploadRecord): Buffer | undefined {
    return rec.body === undefined ? undefined : Buffer.from(rec.body, 'base64');
  }

  /** Uploads of one route that the flow has not finished, oldest first. */
  unfinished(supplier: string, document: string): UploadRecord[] {
    return [...this.uploads.values()].filter((r) => r.supplier === supplier && r.document === document && !FINAL.has(r.state) && r.state !== 'stalled' && r.body !== undefined);
  }

  /** The upload goes to the flow (again): counted, so one that never finishes stops being resent. */
  async dispatched(id: string, maxDispatches: number): Promise<boolean> {
    const rec = this.uploads.get(id);
    if (!rec) return false;
    if (rec.dispatches >= maxDispatches) {
      await this.update(rec, { state: 'stalled', error: { message: `handed to the flow ${rec.dispatches} times without an outcome; see the Node-RED log and the dead-letter store`, code: 'STALLED' } });
      return false;
    }
    await this.update(rec, { dispatches: rec.dispatches + 1, state: rec.state === 'received' ? 'processing' : rec.state });
    return true;
  }

  /** Records what a message at the end of the flow says about its upload. */
  async record(id: string, event: OutcomeEvent, now = new Date()): Promise<UploadRecord | undefined> {
    const rec = this.uploads.get(id);
    if (!rec) return undefined;
    const at = now.toISOString();
    const lines = { ...rec.lines };
    // the latest word on a line wins: a parked line replayed and applied later is applied
    for (const l of event.lines) {
      const prev = lines[String(l.line)];
      if (l.step) {
        // several writes apply this line: applied once each has been seen (a retried write counts once)
        const writes = [...new Set([...(prev?.state === 'applying' || prev?.state === 'applied' ? (prev.writes ?? []) : []), l.step.write])];
        lines[String(l.line)] = { state: writes.length >= l.step.of ? 'applied' : 'applying', writes, at };
        continue;
      }
      lines[String(l.line)] = { state: l.state, ...(l.problems?.length ? { problems: l.problems } : {}), at };
    }
    const next: Partial<UploadRecord> = { lines, ...(event.file && !rec.read ? { read: event.file } : {}), ...(event.skipped && !rec.skipped ? { skipped: event.skipped } : {}) };
    if (event.whole) {
      next.state = event.whole.state;
      next.error = event.whole.error;
    }
    const merged = { ...rec, ...next } as UploadRecord;
    if (!event.whole) {
      merged.state = stateOf(merged);
      if (merged.state !== 'failed') delete merged.error;
    }
    return this.update(rec, merged, now);
  }

  private async update(rec: UploadRecord, change: Partial<UploadRecord>, now = new Date()): Promise<UploadRecord> {
    const next: UploadRecord = { ...rec, ...change, updatedAt: now.toISOString() };
    // the bytes are kept only while the upload may still have to go through the flow again
    if (FINAL.has(next.state)) delete next.body;
    this.uploads.set(rec.id, next);
    await this.journal.put(rec.id, next);
    return next;
  }

  private async expire(retentionMs: number, now: number): Promise<void> {
    const old = [...this.uploads.values()].filter((r) => FINAL.has(r.state) && now - Date.parse(r.updatedAt) > retentionMs);
    if (!old.length) return;
    for (const r of old) this.uploads.delete(r.id);
    await this.journal.batch(old.map((r) => ({ key: r.id, value: undefined })));
  }

  /** Shared use: each node that uses the store holds it; the last one to let go closes the journal. */
  get holders(): number {
    return this.users;
  }

  hold(): void {
    this.users++;
  }

  async release(): Promise<boolean> {
    this.users--;
    if (this.users > 0) return false;
    await this.journal.close();
    return true;
  }
}

/** Every data line accounted for (applied, refused or skipped) → done; a parked line keeps it parked. */
function stateOf(rec: UploadRecord): UploadState {
  const lines = Object.values(rec.lines).filter((l) => l.state !== 'applying');
  const skipped = (rec.skipped?.blank.length ?? 0) + (rec.skipped?.duplicate.length ?? 0);
  const expected = rec.read?.rows ?? 1;
  if (lines.length + skipped < expected) return 'processing';
  if (lines.some((l) => l.state === 'parked')) return 'parked';
  return 'done';
}

export function statusOf(rec: UploadRecord): UploadStatus {
  const entries = Object.entries(rec.lines)
    .map(([line, l]) => ({ line: Number(line), ...l }))
    .sort((a, b) => a.line - b.line);
  const pick = (s: LineState) => entries.filter((e) => e.state === s).map((e) => ({ line: e.line, problems: e.problems ?? [] }));
  const skipped = { blank: rec.skipped?.blank ?? [], duplicate: (rec.skipped?.duplicate ?? []).map((d) => ({ line: d.row, duplicateOf: d.duplicateOf })) };
  const applied = entries.filter((e) => e.state === 'applied').map((e) => e.line);
  const refused = pick('refused');
  const parked = pick('parked');
  return {
    id: rec.id,
    correlationId: rec.correlationId,
    ...(rec.reference ? { reference: rec.reference } : {}),
    supplier: rec.supplier,
    document: rec.document,
    state: rec.state,
    durable: true,
    receivedAt: rec.receivedAt,
    updatedAt: rec.updatedAt,
    size: rec.size,
    sha256: rec.sha256,
    ...(rec.read ? { file: rec.read } : {}),
    summary: { ...(rec.read?.rows !== undefined ? { lines: rec.read.rows } : {}), applied: applied.length, refused: refused.length, parked: parked.length, skipped: skipped.blank.length + skipped.duplicate.length },
    applied,
    refused,
    parked,
    skipped,
    ...(rec.error ? { error: rec.error } : {}),
  };
}

const shared = new Map<string, Promise<IntakeStore>>();
const closing = new Map<string, Promise<unknown>>();

/**
 * The runtime's store for `file`, opened once and shared; pair every call
 * with `releaseStore`. After its last user lets go (a redeploy), the next
 * acquire waits for that close, then reads the file afresh.
 */
export async function acquireStore(file: string, options: Parameters<typeof IntakeStore.open>[1] = {}): Promise<IntakeStore> {
  let opening = shared.get(file);
  if (!opening) {
    const before = closing.get(file) ?? Promise.resolve();
    opening = before.then(() => IntakeStore.open(file, options));
    shared.set(file, opening);
    opening.catch(() => shared.delete(file));
  }
  const store = await opening;
  store.hold();
  return store;
}

export async function releaseStore(store: IntakeStore): Promise<void> {
  if (store.holders > 1) {
    await store.release();
    return;
  }
  shared.delete(store.file);
  const done = store.release();
  closing.set(store.file, done.catch(() => undefined));
  await done.finally(() => {
    if (closing.get(store.file) && shared.get(store.file) === undefined) closing.delete(store.file);
  });
}

export type { LineOutcome };
