/**
 * What a dead-letter store keeps and how it is searched; two stores implement
 * it (a local journal, PostgreSQL) and pass one test suite.
 */
import type { MsgError } from '../../errors';
import type { Msg } from '../message';

export interface DeadLetterEntry {
  id: string;
  /** The message as it failed, without msg.error: what a replay sends again. */
  msg: Msg;
  error: MsgError;
  source?: { id: string; type: string; name?: string };
  /** Attempts the retry gate made before it gave up (0 when none). */
  attempts: number;
  firstFailedAt: number;
  lastFailedAt: number;
  correlationId?: string;
  /** Id of the flow (tab) the dead-letter node is on. */
  flow?: string;
  /** Why the retry gate gave up (`permanent`, `unsafe`, `attempts`, `time`, `held-full`), when it did. */
  reason?: string;
  /** How often the entry was replayed. */
  replays: number;
  /** `dead`: waiting for an operator; `replayed`: sent out again (kept until retention drops it). */
  state: 'dead' | 'replayed';
}

export interface DeadLetterFilter {
  /** Source node id, type or name. */
  source?: string;
  code?: string;
  /** Last failure at or after (ms since epoch). */
  from?: number;
  /** Last failure at or before (ms since epoch). */
  to?: number;
  /** Case-insensitive text anywhere in the entry (message, error, payload). */
  text?: string;
  ids?: string[];
  /** Default `dead`. */
  state?: 'dead' | 'replayed' | 'any';
}

export interface ListOptions {
  limit?: number;
  offset?: number;
}

export interface DeadLetterCounts {
  total: number;
  bySource: Record<string, number>;
  byCode: Record<string, number>;
}

export interface DeadLetterStore {
  readonly kind: 'local' | 'postgres';
  /** Resolves once the entry is durable. An entry with an id already known replaces it (a replay that failed again). */
  put(entry: DeadLetterEntry): Promise<void>;
  get(id: string): Promise<DeadLetterEntry | undefined>;
  /** Newest last failure first. */
  list(filter: DeadLetterFilter, options?: ListOptions): Promise<{ entries: DeadLetterEntry[]; total: number }>;
  counts(): Promise<DeadLetterCounts>;
  /**
   * Marks `dead` entries as `replayed` and returns them, atomically: of
   * several instances replaying at once, each entry goes to exactly one.
   */
  claim(ids: string[]): Promise<DeadLetterEntry[]>;
  /** Ids of entries matching the filter, oldest first. */
  ids(filter: DeadLetterFilter): Promise<string[]>;
  remove(ids: string[]): Promise<number>;
  /** Drops entries beyond `maxEntries` (oldest first) and older than `maxAgeMs`; returns what it dropped. */
  retain(maxEntries: number, maxAgeMs: number, now: number): Promise<DeadLetterEntry[]>;
  close(): Promise<void>;
}

export function sourceLabel(e: Pick<DeadLetterEntry, 'source'>): string {
  return e.source ? e.source.name || `${e.source.type}:${e.source.id}` : 'unknown';
}

/** The filter as a predicate, for stores that search in memory. */
export function matches(e: DeadLetterEntry, f: DeadLetterFilter): boolean {
  const state = f.state ?? 'dead';
  if (state !== 'any' && e.state !== state) return false;
  if (f.ids && !f.ids.includes(e.id)) return false;
  if (f.source && e.source?.id !== f.source && e.source?.type !== f.source && e.source?.name !== f.source) return false;
  if (f.code && e.error.code !== f.code) return false;
  if (f.from !== undefined && e.lastFailedAt < f.from) return false;
  if (f.to !== undefined && e.lastFailedAt > f.to) return false;
  if (f.text && !JSON.stringify(e).toLowerCase().includes(f.text.toLowerCase())) return false;
  return true;
}
