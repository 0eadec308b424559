/**
 * Revisions of documents sent out (a purchase order to its supplier): a
 * document gets revision 1 the first time, the next number each time its
 * content differs from the last revision, and nothing when it does not (a
 * state change, a chatter note, a field the supplier never sees). Durable in
 * the package's journal, one record per document, so a restart never sends
 * an unchanged document again and never reuses a number.
 */
import { createHash } from 'node:crypto';
import { Journal } from './journal';

export interface Revision {
  revision: number;
  digest: string;
  at: string;
}

export type Stamp = { changed: true; revision: number; previous: number } | { changed: false; revision: number };

/** A stable digest of a JSON value: key order does not count. */
export function contentDigest(value: unknown): string {
  const stable = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(stable);
    if (v && typeof v === 'object' && !Buffer.isBuffer(v)) return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])]));
    return v;
  };
  return createHash('sha256').update(JSON.stringify(stable(value)) ?? 'undefined').digest('base64url').slice(0, 22);
}

export class RevisionLedger {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly journal: Journal<Revision>) {}

  static async open(file: string): Promise<RevisionLedger> {
    return new RevisionLedger(await Journal.open<Revision>(file));
  }

  get count(): number {
    return this.journal.count;
  }

  last(key: string): Revision | undefined {
    return this.journal.get(key);
  }

  /** The revision of `content` for document `key`; a new one is on disk before this resolves. One document at a time. */
  stamp(key: string, content: unknown): Promise<Stamp> {
    const run = this.chain.then(async (): Promise<Stamp> => {
      const digest = contentDigest(content);
      const last = this.journal.get(key);
      if (last && last.digest === digest) return { changed: false, revision: last.revision };
      const revision = (last?.revision ?? 0) + 1;
      await this.journal.put(key, { revision, digest, at: new Date().toISOString() });
      return { changed: true, revision, previous: last?.revision ?? 0 };
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.journal.close();
  }
}
