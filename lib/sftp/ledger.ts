/**
 * The durable ledger of processed files: a file uploaded again unchanged is
 * skipped, a changed file with the same name is processed again. One JSON
 * line per processed file, fsynced before the file counts as done, bounded
 * (the oldest entries go when it is compacted), files created 0600.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface LedgerEntry {
  /** Supplier (server and folder) + the file's name as it arrived. */
  key: string;
  size: number;
  mtime: number;
  sha256: string;
  at: string;
}

export interface FileLedger {
  /** The last entry for this key, if any. */
  get(key: string): LedgerEntry | undefined;
  record(entry: LedgerEntry): Promise<void>;
  close(): Promise<void>;
}

export class JsonlLedger implements FileLedger {
  private readonly entries = new Map<string, LedgerEntry>();
  private fd: number | undefined;
  private lines = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly maxEntries = 100_000,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    if (fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          const e = JSON.parse(line) as LedgerEntry;
          this.entries.delete(e.key);
          this.entries.set(e.key, e);
          this.lines++;
        } catch {
          // a torn last line after a crash: the entry was never confirmed, so the file is processed again
        }
      }
    }
    this.fd = fs.openSync(file, 'a', 0o600);
  }

  get(key: string): LedgerEntry | undefined {
    return this.entries.get(key);
  }

  record(entry: LedgerEntry): Promise<void> {
    this.chain = this.chain.then(() => this.write(entry));
    return this.chain;
  }

  private async write(entry: LedgerEntry): Promise<void> {
    if (this.fd === undefined) throw new Error('the file ledger is closed');
    this.entries.delete(entry.key);
    this.entries.set(entry.key, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    const fd = this.fd;
    await new Promise<void>((resolve, reject) => fs.write(fd, JSON.stringify(entry) + '\n', (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
    if (++this.lines > this.maxEntries * 2) this.compact();
  }

  /** Rewrites the file with the kept entries (write, fsync, rename: never a half ledger). */
  private compact(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, [...this.entries.values()].map((e) => JSON.stringify(e) + '\n').join(''), { mode: 0o600 });
    const tfd = fs.openSync(tmp, 'r');
    fs.fsyncSync(tfd);
    fs.closeSync(tfd);
    fs.renameSync(tmp, this.file);
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.lines = this.entries.size;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
