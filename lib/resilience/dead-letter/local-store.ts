/** The default dead-letter store: the package's journal, one file 0600 under the Node-RED user dir. */
import { Journal, JournalOptions } from '../journal';
import { DeadLetterCounts, DeadLetterEntry, DeadLetterFilter, DeadLetterStore, ListOptions, matches, sourceLabel } from './store';

export class LocalDeadLetterStore implements DeadLetterStore {
  readonly kind = 'local' as const;
  /** Ids being claimed: a journal write becomes visible only once synced, so two claims must not both see `dead`. */
  private readonly claiming = new Set<string>();

  private constructor(private readonly journal: Journal<DeadLetterEntry>) {}

  static async open(file: string, options?: JournalOptions): Promise<LocalDeadLetterStore> {
    return new LocalDeadLetterStore(await Journal.open<DeadLetterEntry>(file, options));
  }

  async put(entry: DeadLetterEntry): Promise<void> {
    await this.journal.put(entry.id, entry);
  }

  async get(id: string): Promise<DeadLetterEntry | undefined> {
    return this.journal.get(id);
  }

  private all(): DeadLetterEntry[] {
    return [...this.journal.entries()].map(([, e]) => e);
  }

  async list(filter: DeadLetterFilter, options: ListOptions = {}): Promise<{ entries: DeadLetterEntry[]; total: number }> {
    const found = this.all()
      .filter((e) => matches(e, filter))
      .sort((a, b) => b.lastFailedAt - a.lastFailedAt || (a.id < b.id ? -1 : 1));
    const offset = options.offset ?? 0;
    return { entries: found.slice(offset, offset + (options.limit ?? 100)), total: found.length };
  }

  async counts(): Promise<DeadLetterCounts> {
    const out: DeadLetterCounts = { total: 0, bySource: {}, byCode: {} };
    for (const e of this.all()) {
      if (e.state !== 'dead') continue;
      out.total++;
      const s = sourceLabel(e);
      out.bySource[s] = (out.bySource[s] ?? 0) + 1;
      out.byCode[e.error.code] = (out.byCode[e.error.code] ?? 0) + 1;
    }
    return out;
  }

  async claim(ids: string[]): Promise<DeadLetterEntry[]> {
    const taken = ids.map((id) => this.journal.get(id)).filter((e): e is DeadLetterEntry => e?.state === 'dead' && !this.claiming.has(e.id));
    const replayed = taken.map((e) => ({ ...e, state: 'replayed' as const, replays: e.replays + 1 }));
    for (const e of replayed) this.claiming.add(e.id);
    try {
      await this.journal.batch(replayed.map((e) => ({ key: e.id, value: e })));
    } finally {
      for (const e of replayed) this.claiming.delete(e.id);
    }
    return replayed;
  }

  async ids(filter: DeadLetterFilter): Promise<string[]> {
    return this.all()
      .filter((e) => matches(e, filter))
      .sort((a, b) => a.lastFailedAt - b.lastFailedAt)
      .map((e) => e.id);
  }

  async remove(ids: string[]): Promise<number> {
    const known = ids.filter((id) => this.journal.has(id));
    await this.journal.batch(known.map((key) => ({ key, value: undefined })));
    return known.length;
  }

  async retain(maxEntries: number, maxAgeMs: number, now: number): Promise<DeadLetterEntry[]> {
    const oldestFirst = this.all().sort((a, b) => a.lastFailedAt - b.lastFailedAt);
    const drop = oldestFirst.filter((e, i) => (maxAgeMs > 0 && e.lastFailedAt < now - maxAgeMs) || (maxEntries > 0 && i < oldestFirst.length - maxEntries));
    await this.remove(drop.map((e) => e.id));
    return drop;
  }

  close(): Promise<void> {
    return this.journal.close();
  }
}
