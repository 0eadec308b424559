/**
 * The one durable journal of the package: an append-only file of key/value
 * records. A write counts as accepted only after the bytes are on disk
 * (fdatasync); writes that arrive while a sync is under way share the next
 * one (group commit), so thousands of messages cost a handful of syncs.
 * Superseded records are dropped by compaction (a fresh file, synced, renamed
 * over the old one). Opening a journal after a crash (`kill -9`) keeps every
 * whole record and cuts a torn last one off.
 *
 * Record framing: u32 length, u32 CRC-32 of the body, body = JSON
 * `{"k": key, "v": value}` (a record without `v` deletes the key).
 */
import fs from 'node:fs';
import path from 'node:path';

type FileHandle = fs.promises.FileHandle;

/** The file operations the journal uses; tests swap in failing ones (a full disk). */
export interface JournalIo {
  write(fh: FileHandle, buf: Buffer): Promise<void>;
  sync(fh: FileHandle): Promise<void>;
}

export const fileIo: JournalIo = {
  async write(fh, buf) {
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await fh.write(buf, off, buf.length - off);
      off += bytesWritten;
    }
  },
  async sync(fh) {
    await fh.datasync();
  },
};

export interface JournalOptions {
  io?: JournalIo;
  /** Compact when the file holds at least this many records … (default 10,000) */
  compactMinRecords?: number;
  /** … and more than this many records per live key (default 2). */
  compactRatio?: number;
}

export interface RecoveryReport {
  records: number;
  live: number;
  /** Bytes of a torn or corrupt tail that were cut off. */
  tornBytes: number;
}

export class JournalError extends Error {
  readonly code = 'JOURNAL';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'JournalError';
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = (CRC_TABLE[(c ^ (buf[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function encode(key: string, value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value === undefined ? { k: key } : { k: key, v: value }), 'utf8');
  const head = Buffer.allocUnsafe(8);
  head.writeUInt32LE(body.length, 0);
  head.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([head, body]);
}

/** Whole records of `buf`, in order, and where the last whole one ends. */
export function decode(buf: Buffer): { records: Array<{ k: string; v?: unknown }>; end: number } {
  const records: Array<{ k: string; v?: unknown }> = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32LE(off);
    const crc = buf.readUInt32LE(off + 4);
    if (off + 8 + len > buf.length) break;
    const body = buf.subarray(off + 8, off + 8 + len);
    if (crc32(body) !== crc) break;
    let rec: { k: string; v?: unknown };
    try {
      rec = JSON.parse(body.toString('utf8')) as { k: string; v?: unknown };
    } catch {
      break;
    }
    if (typeof rec?.k !== 'string') break;
    records.push(rec);
    off += 8 + len;
  }
  return { records, end: off };
}

interface Pending {
  ops: Array<{ key: string; value: unknown }>;
  /** The ops encoded when they were handed in: a value JSON cannot write fails its own write, not the group's. */
  bytes: Buffer[];
  resolve(): void;
  reject(err: Error): void;
}

export class Journal<V = unknown> {
  private readonly live = new Map<string, V>();
  private queue: Pending[] = [];
  private pumping: Promise<void> | undefined;
  private size = 0;
  private records = 0;
  private closed = false;
  /** How many times the journal synced to disk (group commits plus compactions). */
  fsyncs = 0;
  compactions = 0;
  recovery: RecoveryReport = { records: 0, live: 0, tornBytes: 0 };

  private constructor(readonly file: string, private fh: FileHandle, private readonly io: JournalIo, private readonly opts: Required<Omit<JournalOptions, 'io'>>) {}

  /** Opens (creating it 0600, its folder 0700) and recovers the journal at `file`. */
  static async open<V>(file: string, options: JournalOptions = {}): Promise<Journal<V>> {
    await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const fh = await fs.promises.open(file, 'a+', 0o600);
    await fh.chmod(0o600);
    const j = new Journal<V>(file, fh, options.io ?? fileIo, { compactMinRecords: options.compactMinRecords ?? 10_000, compactRatio: options.compactRatio ?? 2 });
    const buf = await fh.readFile();
    const { records, end } = decode(buf);
    for (const r of records) {
      j.live.delete(r.k);
      if (r.v !== undefined) j.live.set(r.k, r.v as V);
    }
    if (end < buf.length) {
      // a record cut short by a crash never counted as accepted: drop it so appends start clean
      await fh.truncate(end);
      await fh.sync();
    }
    j.size = end;
    j.records = records.length;
    j.recovery = { records: records.length, live: j.live.size, tornBytes: buf.length - end };
    return j;
  }

  get count(): number {
    return this.live.size;
  }

  get bytes(): number {
    return this.size;
  }

  get(key: string): V | undefined {
    return this.live.get(key);
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  /** Live entries in the order they were first written (oldest first). */
  entries(): IterableIterator<[string, V]> {
    return this.live.entries();
  }

  put(key: string, value: V): Promise<void> {
    return this.batch([{ key, value }]);
  }

  delete(key: string): Promise<void> {
    return this.batch([{ key, value: undefined }]);
  }

  /**
   * Writes several puts (value set) and deletes (value undefined) as one unit
   * of one group commit; resolves once they are on disk, and only then are
   * they visible through get/entries.
   */
  batch(ops: Array<{ key: string; value: V | undefined }>): Promise<void> {
    if (this.closed) return Promise.reject(new JournalError(`journal ${path.basename(this.file)} is closed`));
    let bytes: Buffer[];
    try {
      bytes = ops.map((op) => encode(op.key, op.value));
    } catch (err) {
      return Promise.reject(new JournalError(`cannot write this value to the journal: ${(err as Error).message}`, err));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ops, bytes, resolve, reject });
      this.pumping ??= this.pump();
    });
  }

  private async pump(): Promise<void> {
    // the flag is cleared in the same synchronous step that sees the queue empty, so no write is stranded
    for (;;) {
      if (!this.queue.length) {
        this.pumping = undefined;
        return;
      }
      const group = this.queue;
      this.queue = [];
      const buf = Buffer.concat(group.flatMap((p) => p.bytes));
      try {
        await this.io.write(this.fh, buf);
        await this.io.sync(this.fh);
        this.fsyncs++;
      } catch (err) {
        // nothing of this group counts: cut off whatever part of it reached the file
        await this.fh.truncate(this.size).catch(() => undefined);
        const e = new JournalError(`journal write failed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): nothing of it was accepted`, err);
        for (const p of group) p.reject(e);
        continue;
      }
      this.size += buf.length;
      for (const p of group) {
        for (const op of p.ops) {
          this.records++;
          if (op.value === undefined) this.live.delete(op.key);
          else {
            // a re-put key moves to the end: entries() stays in order of last write
            this.live.delete(op.key);
            this.live.set(op.key, op.value as V);
          }
        }
      }
      for (const p of group) p.resolve();
      if (this.records >= this.opts.compactMinRecords && this.records > this.opts.compactRatio * Math.max(1, this.live.size)) {
        await this.compact().catch(() => undefined);
      }
    }
  }

  /** Rewrites the file with only the live entries; safe against a crash at any point. */
  async compact(): Promise<void> {
    const tmp = `${this.file}.compact`;
    const out = await fs.promises.open(tmp, 'w', 0o600);
    let size = 0;
    try {
      const chunks: Buffer[] = [];
      for (const [k, v] of this.live) chunks.push(encode(k, v));
      const buf = Buffer.concat(chunks);
      await this.io.write(out, buf);
      await this.io.sync(out);
      size = buf.length;
    } catch (err) {
      await out.close().catch(() => undefined);
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
    await out.close();
    await fs.promises.rename(tmp, this.file);
    const dir = await fs.promises.open(path.dirname(this.file), 'r');
    await dir.sync().catch(() => undefined);
    await dir.close();
    this.fsyncs += 2;
    this.compactions++;
    const old = this.fh;
    this.fh = await fs.promises.open(this.file, 'a+', 0o600);
    await old.close().catch(() => undefined);
    this.size = size;
    this.records = this.live.size;
  }

  /** Waits for queued writes, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.pumping) await this.pumping;
    await this.fh.close();
  }
}
