/**
 * Polls a supplier's SFTP folder the way Apache Camel's SFTP consumer does:
 * only complete files (stable size and mtime, a minimum age, or a done-marker),
 * claimed by renaming them into a working folder before anything else, so two
 * Node-RED instances never take the same file; then archive or error folder
 * once the flow reports the outcome, and a durable ledger so an unchanged file
 * uploaded again is not processed twice.
 */
import { sftpFiles, supplierLastSuccess } from '../metrics';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import * as path from 'node:path';
import { classifyError, IntegrationError } from '../errors';
import { isConnectionLoss, isNoSuchFile, type SftpConnection } from './connection';
import { globMatcher } from './glob';
import type { FileLedger } from './ledger';
import { joinRemote, list, mkdirp, readAll, readStream, remoteError, rename, shown, stat, unlink, unsafeName, type RemoteEntry } from './remote';

export interface PollOptions {
  /** Remote folder to poll. */
  dir: string;
  /** Globs on the name (or on the path below `dir` when the glob has a "/"). Dot-files never match `*`. */
  include: string[];
  exclude: string[];
  /** Sub-folders to descend into: 0 = only `dir`. */
  depth: number;
  sort: 'name' | 'mtime' | 'size';
  order: 'asc' | 'desc';
  /** Files taken per poll at most. */
  maxFiles: number;
  /** Ready when size and mtime did not change since the previous poll. */
  stable: boolean;
  /** Ready when the file is at least this old (by its mtime), ms. */
  minAgeMs: number;
  /** Ready when `<name><doneMarker>` exists (e.g. `.done`); the marker is removed when the file is claimed. */
  doneMarker?: string;
  /** Claimed files wait here (default `<dir>/.processing`). */
  workDir: string;
  /** `archive` (default) or `delete` after success. */
  afterSuccess: 'archive' | 'delete';
  archiveDir: string;
  errorDir: string;
  /** Name templates: {name} {base} {ext} {timestamp} {date} {instance}. */
  archiveName: string;
  errorName: string;
  /** Files up to this size are sent whole (a Buffer); larger ones as a stream, for canonical-map to read in row chunks. */
  maxBytes: number;
  /** A claimed file with no outcome after this long goes to the error folder (ms). */
  claimTimeoutMs: number;
  /** Who claims: written into claimed names so an operator sees which instance holds a file. */
  instance: string;
  /** Name of the supplier, for msg.file.supplier and ledger keys. */
  supplier: string;
  /** Files handled at once (downloads share the one connection). */
  concurrency: number;
}

export const POLL_DEFAULTS = {
  include: ['*'],
  exclude: [] as string[],
  depth: 0,
  sort: 'mtime' as const,
  order: 'asc' as const,
  maxFiles: 100,
  stable: true,
  minAgeMs: 0,
  afterSuccess: 'archive' as const,
  archiveName: '{base}.{timestamp}{ext}',
  errorName: '{base}.{timestamp}{ext}',
  maxBytes: 64 * 1024 * 1024,
  claimTimeoutMs: 3_600_000,
  concurrency: 4,
};

export interface ClaimedFile {
  /** Name as the supplier wrote it. */
  name: string;
  /** Where it was (remote path). */
  path: string;
  size: number;
  /** ISO time of the remote mtime. */
  mtime: string;
  supplier: string;
  sha256: string;
  /** Where it waits now, and the id the flow reports the outcome with (`msg.file.claim`). */
  claim: string;
  /** True when the payload is a stream (a file above the whole-file size); `sha256` is set when it has been read. */
  streamed?: boolean;
}

export interface PollResult {
  emitted: number;
  skippedUnchanged: number;
  taken: number;
  notReady: number;
  problems: IntegrationError[];
}

export interface PollerEvents {
  file(file: ClaimedFile, data: Buffer | Readable): void;
  /** A file-level failure that is nobody's message: listing, claiming, a name that cannot be used. */
  problem(error: IntegrationError, file?: Partial<ClaimedFile>): void;
  notice(text: string): void;
}

const CLAIM_SEP = '~';
/** Polls a claimed file's download is tried at, when the connection keeps dropping, before it goes to the error folder. */
const UNREAD_ATTEMPTS = 5;
/** Tries at archiving or moving a file to the error folder while the connection drops. */
const MOVE_ATTEMPTS = 5;

function stamp(d: Date): { timestamp: string; date: string } {
  const iso = d.toISOString();
  return { timestamp: iso.replace(/[-:]/g, '').replace(/\.\d{3}/, ''), date: iso.slice(0, 10) };
}

/** Fills a name template; the result is one path segment (no "/" can come from the supplier's name). */
export function fillTemplate(template: string, name: string, instance: string, now = new Date()): string {
  const ext = path.posix.extname(name);
  const base = ext ? name.slice(0, -ext.length) : name;
  const { timestamp, date } = stamp(now);
  const out = template.replace(/\{(name|base|ext|timestamp|date|instance)\}/g, (_m, k: string) => ({ name, base, ext, timestamp, date, instance })[k] as string);
  return out.replace(/\//g, '_');
}

interface Pending {
  file: ClaimedFile;
  claimedAt: number;
  /** Set once archived: a failure reported later still moves it to the error folder. */
  archivedAt?: string;
  settled?: 'ok' | 'error';
  /** Outcomes of one file run one after another (a failure may arrive while the success is still moving it). */
  chain?: Promise<unknown>;
}

export class SupplierPoller {
  private readonly seen = new Map<string, { size: number; mtime: number }>();
  private readonly pending = new Map<string, Pending>();
  /**
   * Claims whose file is not read yet because the connection dropped: the claim's rename got
   * no answer (it may have happened), or the download broke off. Read again at the next polls;
   * a claim that turns out not to exist was never made.
   */
  private readonly unread = new Map<string, { entry: RemoteEntry; attempts: number }>();
  private readonly isIncluded: (p: string) => boolean;
  private readonly isExcluded: (p: string) => boolean;
  private running: Promise<PollResult> | undefined;
  private prepared = false;

  constructor(
    private readonly conn: SftpConnection,
    readonly options: PollOptions,
    private readonly ledger: FileLedger | undefined,
    private readonly events: PollerEvents,
  ) {
    const matcher = (globs: string[]) => {
      const byName = globs.filter((g) => !g.includes('/')).map((g) => globMatcher(g));
      const byPath = globs.filter((g) => g.includes('/')).map((g) => globMatcher(g));
      return (rel: string) => byName.some((m) => m(path.posix.basename(rel))) || byPath.some((m) => m(rel));
    };
    this.isIncluded = matcher(options.include.length ? options.include : ['*']);
    this.isExcluded = matcher(options.exclude);
  }

  private ledgerKey(file: { path: string }): string {
    return `${this.options.supplier}|${file.path}`;
  }

  /** One poll; a poll still running is joined, not started twice. */
  poll(): Promise<PollResult> {
    if (!this.running) {
      this.running = this.pollOnce().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async pollOnce(): Promise<PollResult> {
    const o = this.options;
    const result: PollResult = { emitted: 0, skippedUnchanged: 0, taken: 0, notReady: 0, problems: [] };
    if (!this.prepared) {
      for (const d of [o.workDir, o.errorDir, ...(o.afterSuccess === 'archive' ? [o.archiveDir] : [])]) await mkdirp(this.conn, d);
      this.prepared = true;
    }
    await this.expireClaims();
    for (const [claimed, u] of [...this.unread]) {
      try {
        await this.read(u.entry, claimed, result);
      } catch (err) {
        result.problems.push(classifyError(err));
      }
    }
    const entries = await this.listTree(o.dir, 0, result);
    const names = new Set(entries.map((e) => e.path));
    const now = Date.now();
    const ready: RemoteEntry[] = [];
    const current = new Set<string>();
    for (const e of entries) {
      if (!e.isFile) continue;
      const rel = path.posix.relative(o.dir, e.path);
      if (o.doneMarker && e.name.endsWith(o.doneMarker)) continue;
      if (!this.isIncluded(rel) || this.isExcluded(rel)) continue;
      const why = unsafeName(e.name);
      if (why) {
        result.problems.push(new IntegrationError({ message: `remote file ${shown(e.name)} cannot be used: its name ${why}`, code: 'BAD_INPUT', transient: false }));
        continue;
      }
      current.add(e.path);
      const before = this.seen.get(e.path);
      this.seen.set(e.path, { size: e.size, mtime: e.mtime });
      let isReady = true;
      if (o.stable && (!before || before.size !== e.size || before.mtime !== e.mtime)) isReady = false;
      if (o.minAgeMs > 0 && now - e.mtime < o.minAgeMs) isReady = false;
      if (o.doneMarker && !names.has(e.path + o.doneMarker)) isReady = false;
      if (isReady) ready.push(e);
      else result.notReady++;
    }
    for (const p of [...this.seen.keys()]) if (!current.has(p)) this.seen.delete(p);
    const dir = o.order === 'desc' ? -1 : 1;
    ready.sort((a, b) => dir * (o.sort === 'name' ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : o.sort === 'size' ? a.size - b.size : a.mtime - b.mtime || (a.name < b.name ? -1 : 1)));
    const batch = ready.slice(0, o.maxFiles);
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const e = batch[next++] as RemoteEntry;
        try {
          await this.take(e, result);
        } catch (err) {
          result.problems.push(classifyError(err));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, batch.length)) }, worker));
    for (const p of result.problems) this.events.problem(p);
    return result;
  }

  private async listTree(dir: string, depth: number, result: PollResult): Promise<RemoteEntry[]> {
    const o = this.options;
    let entries: RemoteEntry[];
    try {
      entries = await list(this.conn, dir);
    } catch (err) {
      if (depth === 0) throw err;
      result.problems.push(classifyError(err));
      return [];
    }
    const skipDirs = new Set([o.workDir, o.archiveDir, o.errorDir].map((d) => path.posix.normalize(d)));
    const out: RemoteEntry[] = [];
    for (const e of entries) {
      if (e.isDir) {
        if (depth < o.depth && !e.name.startsWith('.') && !skipDirs.has(path.posix.normalize(e.path))) out.push(...(await this.listTree(e.path, depth + 1, result)));
        continue;
      }
      out.push(e);
    }
    return out;
  }

  private async take(e: RemoteEntry, result: PollResult): Promise<void> {
    const o = this.options;
    const tag = `${Date.now().toString(36)}-${o.instance}-${randomBytes(3).toString('hex')}`;
    const claimed = joinRemote(o.workDir, `${tag}${CLAIM_SEP}${e.name}`);
    try {
      await rename(this.conn, e.path, claimed);
    } catch (err) {
      if (isNoSuchFile(err)) {
        // another instance claimed it first, or the supplier removed it: either way it is not ours
        result.taken++;
        this.events.notice(`${shown(e.name)} vanished before it could be claimed (taken by another instance, or removed)`);
        return;
      }
      if (isConnectionLoss(err)) {
        // the rename may have happened: if the claimed name exists at the next poll, the file is ours
        this.seen.delete(e.path);
        this.unread.set(claimed, { entry: e, attempts: 0 });
        this.events.notice(`${shown(e.name)}: the connection dropped while claiming it; it is read at the next poll if the claim went through`);
        return;
      }
      throw remoteError(`claim ${shown(e.path)}`, err);
    }
    this.seen.delete(e.path);
    if (o.doneMarker) await unlink(this.conn, e.path + o.doneMarker).catch(() => undefined);
    await this.read(e, claimed, result);
  }

  /** Reads a claimed file and hands it to the flow (or skips it as unchanged). */
  private async read(e: RemoteEntry, claimed: string, result: PollResult): Promise<void> {
    const o = this.options;
    const file: ClaimedFile = { name: e.name, path: e.path, size: e.size, mtime: new Date(e.mtime).toISOString(), supplier: o.supplier, sha256: '', claim: claimed };
    if (e.size > o.maxBytes) {
      // a large file: never whole in memory; unchanged = same size and mtime (the hash is known only once it is read)
      const before = await this.ledger?.get(this.ledgerKey(e));
      this.pending.set(claimed, { file, claimedAt: Date.now() });
      if (before && before.size === e.size && before.mtime === e.mtime) {
        result.skippedUnchanged++;
        this.events.notice(`${shown(e.name)} has the size and time it had when processed at ${before.at}: skipped`);
        await this.settle(claimed, undefined, true);
        return;
      }
      const source = await readStream(this.conn, claimed);
      const hash = createHash('sha256');
      const out = new PassThrough({ highWaterMark: 1 << 16 });
      source.on('data', (c: Buffer) => hash.update(c));
      source.on('end', () => {
        file.sha256 = hash.digest('hex');
      });
      source.on('error', (err: Error) => out.destroy(remoteError(`download ${shown(e.path)}`, err)));
      (source as unknown as Readable).pipe(out);
      file.streamed = true;
      result.emitted++;
      this.events.file(file, out);
      return;
    }
    let data: Buffer;
    try {
      const got = await readAll(this.conn, claimed, o.maxBytes);
      data = got.data;
      file.sha256 = got.sha256;
      file.size = data.length;
    } catch (err) {
      const again = this.unread.get(claimed);
      if (isNoSuchFile(err) && again) {
        // the claim whose answer was lost never happened (the file is still in its folder), or another instance expired it
        this.unread.delete(claimed);
        return;
      }
      const error = classifyError(err);
      if (error.transient && (again?.attempts ?? 0) < UNREAD_ATTEMPTS) {
        // the connection dropped during the download: the claim is ours, read it again at the next poll
        // (a notice, not a problem: nothing for an operator to do unless it keeps failing)
        this.unread.set(claimed, { entry: e, attempts: (again?.attempts ?? 0) + 1 });
        this.events.notice(`${shown(e.name)}: ${error.message}; it is read again at the next poll`);
        return;
      }
      this.unread.delete(claimed);
      this.pending.set(claimed, { file, claimedAt: Date.now() });
      await this.settle(claimed, error);
      result.problems.push(error);
      return;
    }
    this.unread.delete(claimed);
    const before = await this.ledger?.get(this.ledgerKey(e));
    if (before && before.sha256 === file.sha256) {
      result.skippedUnchanged++;
      this.events.notice(`${shown(e.name)} is unchanged since it was processed at ${before.at} (same SHA-256): skipped`);
      this.pending.set(claimed, { file, claimedAt: Date.now() });
      await this.settle(claimed, undefined, true);
      return;
    }
    this.pending.set(claimed, { file, claimedAt: Date.now() });
    result.emitted++;
    this.events.file(file, data);
  }

  /** True when this poller holds the claim (the node uses it to route outcome messages). */
  holds(claim: string): boolean {
    return this.pending.has(claim);
  }

  /**
   * The flow's outcome for a claimed file: success → archive (or delete) and
   * ledger; failure → error folder. A failure after success still wins: the
   * archived file moves on to the error folder.
   */
  settle(claim: string, error?: IntegrationError | { message: string }, unchanged = false): Promise<{ movedTo?: string }> {
    const p = this.pending.get(claim);
    if (!p) return Promise.reject(new IntegrationError({ message: `no claimed file ${shown(claim)} is waiting for an outcome here`, code: 'BAD_INPUT', transient: false }));
    const run = (p.chain ?? Promise.resolve()).catch(() => undefined).then(() => this.settleNow(claim, p, error, unchanged));
    p.chain = run;
    return run;
  }

  private async settleNow(claim: string, p: Pending, error: IntegrationError | { message: string } | undefined, unchanged: boolean): Promise<{ movedTo?: string }> {
    const o = this.options;
    if (!error) {
      if (p.settled) return {};
      p.settled = 'ok';
      let movedTo: string | undefined;
      if (o.afterSuccess === 'delete') await unlink(this.conn, claim);
      else movedTo = await this.moveOut(claim, o.archiveDir, o.archiveName, p.file.name);
      p.archivedAt = movedTo;
      if (this.ledger && !unchanged) {
        const mtime = Date.parse(p.file.mtime);
        await this.ledger.record({ key: this.ledgerKey(p.file), size: p.file.size, mtime, sha256: p.file.sha256, at: new Date().toISOString() });
      }
      sftpFiles.inc({ supplier: o.supplier, outcome: 'processed' });
      supplierLastSuccess.set({ supplier: o.supplier, channel: 'sftp' }, Date.now() / 1000);
      // kept a while for a failure reported after the success
      setTimeout(() => this.pending.delete(claim), 10 * 60_000).unref();
      return movedTo ? { movedTo } : {};
    }
    if (p.settled === 'error') return {};
    const from = p.settled === 'ok' ? p.archivedAt : claim;
    p.settled = 'error';
    sftpFiles.inc({ supplier: o.supplier, outcome: 'failed' });
    setTimeout(() => this.pending.delete(claim), 10 * 60_000).unref();
    if (!from) return {}; // deleted after success: nothing left to move
    const movedTo = await this.moveOut(from, o.errorDir, o.errorName, p.file.name);
    if (this.ledger && from !== claim) await this.ledger.record({ key: this.ledgerKey(p.file), size: p.file.size, mtime: Date.parse(p.file.mtime), sha256: 'failed', at: new Date().toISOString() });
    return { movedTo };
  }

  private async moveOut(from: string, dir: string, template: string, name: string): Promise<string> {
    const target = joinRemote(dir, fillTemplate(template, name, this.options.instance));
    for (let attempt = 1; ; attempt++) {
      try {
        await rename(this.conn, from, target);
        return target;
      } catch (err) {
        if (isConnectionLoss(err) && attempt < MOVE_ATTEMPTS) {
          // no answer: the move may have happened (then `from` is gone and `target` is there); else try again on a new connection
          await new Promise((r) => setTimeout(r, 200 * attempt));
          const moved = await Promise.all([stat(this.conn, from), stat(this.conn, target)]).then(([a, b]) => !a && !!b, () => false);
          if (moved) return target;
          continue;
        }
        if (isNoSuchFile(err)) {
          // an earlier attempt whose answer was lost did it
          if (attempt > 1 && (await stat(this.conn, target).catch(() => undefined))) return target;
          throw remoteError(`move ${shown(from)}`, err);
        }
        if (isConnectionLoss(err)) throw remoteError(`move ${shown(from)} to ${shown(dir)}`, err);
        // the name exists already (two versions in one second): keep both
        const unique = `${target}.${randomBytes(3).toString('hex')}`;
        await rename(this.conn, from, unique).catch((e2) => {
          throw remoteError(`move ${shown(from)} to ${shown(dir)}`, e2);
        });
        return unique;
      }
    }
  }

  /** Claims nobody reported on within claimTimeoutMs go to the error folder, so no file waits forever. */
  private async expireClaims(): Promise<void> {
    const o = this.options;
    const now = Date.now();
    let entries: RemoteEntry[];
    try {
      entries = await list(this.conn, o.workDir);
    } catch {
      return;
    }
    for (const e of entries) {
      const sep = e.name.indexOf(CLAIM_SEP);
      if (sep < 0) continue;
      const at = parseInt(e.name.slice(0, e.name.indexOf('-')), 36);
      if (!Number.isFinite(at) || now - at < o.claimTimeoutMs) continue;
      const original = e.name.slice(sep + 1);
      this.pending.delete(e.path);
      try {
        const to = await this.moveOut(e.path, o.errorDir, o.errorName, original);
        sftpFiles.inc({ supplier: o.supplier, outcome: 'failed' });
        this.events.problem(new IntegrationError({ message: `${shown(original)} was claimed at ${new Date(at).toISOString()} and no outcome was reported within ${Math.round(o.claimTimeoutMs / 1000)} s: moved to ${shown(to)}`, code: 'TIMEOUT', transient: false }), { name: original, claim: e.path });
      } catch {
        // another instance moved it
      }
    }
  }

  /** Claims still waiting for an outcome. */
  get waiting(): number {
    let n = 0;
    for (const p of this.pending.values()) if (!p.settled) n++;
    return n;
  }
}
