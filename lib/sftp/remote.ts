/**
 * File operations on the remote server, over the shared connection. Remote
 * names are text from a server we do not control: they are checked here and
 * never become local paths.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { FileEntry, SFTPWrapper } from 'ssh2';
import { IntegrationError } from '../errors';
import { isNoSuchFile, type SftpConnection } from './connection';

export interface RemoteEntry {
  name: string;
  /** Full remote path (POSIX). */
  path: string;
  size: number;
  /** ms since epoch (SFTP gives seconds). */
  mtime: number;
  isDir: boolean;
  isFile: boolean;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** Why a remote name cannot be used, or undefined when it can. */
export function unsafeName(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return 'is "." or ".."';
  if (name.includes('/')) return 'contains "/"';
  if (name.includes('\0')) return 'contains a NUL character';
  return undefined;
}

/** A name as it may appear in a log line or status: quoted, newlines and control characters escaped. */
export function shown(name: string): string {
  return JSON.stringify(name);
}

export function joinRemote(dir: string, name: string): string {
  return path.posix.join(dir, name);
}

function entryOf(dir: string, e: FileEntry): RemoteEntry {
  const mode = e.attrs.mode ?? 0;
  return {
    name: e.filename,
    path: joinRemote(dir, e.filename),
    size: e.attrs.size ?? 0,
    mtime: (e.attrs.mtime ?? 0) * 1000,
    isDir: (mode & S_IFMT) === S_IFDIR,
    isFile: (mode & S_IFMT) === S_IFREG,
  };
}

export function remoteError(what: string, err: unknown): IntegrationError {
  if (err instanceof IntegrationError) return err;
  const e = err as { code?: unknown; message?: string };
  const noFile = isNoSuchFile(err);
  const denied = e.code === 3 || /permission denied/i.test(String(e.message));
  return new IntegrationError({
    message: `${what}: ${noFile ? 'no such file or folder' : denied ? 'permission denied' : (e.message ?? String(err))}`,
    code: denied ? 'ACCESS' : noFile ? 'MISSING_RECORD' : 'NETWORK',
    transient: !noFile && !denied,
    details: { sftpCode: e.code },
  });
}

export async function list(conn: SftpConnection, dir: string): Promise<RemoteEntry[]> {
  const entries = await conn.run<FileEntry[]>(`list ${dir}`, (s, cb) => s.readdir(dir, cb)).catch((err) => {
    throw remoteError(`list ${shown(dir)}`, err);
  });
  return entries.filter((e) => e.filename !== '.' && e.filename !== '..').map((e) => entryOf(dir, e));
}

export async function stat(conn: SftpConnection, p: string): Promise<{ size: number; mtime: number } | undefined> {
  try {
    const a = await conn.run<{ size: number; mtime: number }>(`stat ${p}`, (s, cb) => s.stat(p, cb as never));
    return { size: a.size, mtime: a.mtime * 1000 };
  } catch (err) {
    if (isNoSuchFile(err)) return undefined;
    throw remoteError(`stat ${shown(p)}`, err);
  }
}

/** Rename; the server refuses when `from` is gone (someone else took it) or `to` exists. */
export function rename(conn: SftpConnection, from: string, to: string): Promise<void> {
  return conn.run<void>(`rename ${from}`, (s, cb) => s.rename(from, to, cb));
}

/** Rename that replaces `to` (OpenSSH's posix-rename), for uploads with overwrite. */
export function renameOver(conn: SftpConnection, from: string, to: string): Promise<void> {
  return conn.run<void>(`rename ${from}`, (s, cb) => s.ext_openssh_rename(from, to, cb));
}

export function unlink(conn: SftpConnection, p: string): Promise<void> {
  return conn.run<void>(`delete ${p}`, (s, cb) => s.unlink(p, cb));
}

/** mkdir -p: each missing folder on the way is created. */
export async function mkdirp(conn: SftpConnection, dir: string): Promise<void> {
  const parts = path.posix.normalize(dir).split('/');
  let cur = dir.startsWith('/') ? '/' : '';
  for (const part of parts) {
    if (!part) continue;
    cur = cur ? path.posix.join(cur, part) : part;
    const st = await stat(conn, cur);
    if (st) continue;
    await conn.run<void>(`mkdir ${cur}`, (s, cb) => s.mkdir(cur, cb)).catch(async (err) => {
      if (!(await stat(conn, cur))) throw remoteError(`create folder ${shown(cur)}`, err);
    });
  }
}

/** The whole file with its SHA-256; fails when it grows past `maxBytes`, and (transient) when the connection drops. */
export async function readAll(conn: SftpConnection, p: string, maxBytes: number): Promise<{ data: Buffer; sha256: string }> {
  const sftp = await conn.session();
  let stream: ReturnType<SFTPWrapper['createReadStream']> | undefined;
  const work = new Promise<{ data: Buffer; sha256: string }>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const hash = createHash('sha256');
    let size = 0;
    const s = sftp.createReadStream(p);
    stream = s;
    const timer = setTimeout(() => s.destroy(new Error(`download took longer than ${conn.options.operationTimeoutMs} ms`)), Math.max(conn.options.operationTimeoutMs, 1) * 10);
    s.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        s.destroy(new IntegrationError({ message: `${shown(p)} is larger than ${maxBytes} bytes: read it in row chunks`, code: 'BAD_INPUT', transient: false }));
        return;
      }
      hash.update(c);
      chunks.push(c);
    });
    s.on('error', (err: Error) => {
      clearTimeout(timer);
      reject(remoteError(`download ${shown(p)}`, err));
    });
    s.on('end', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks, size), sha256: hash.digest('hex') });
    });
  });
  // a stream whose connection dropped may never end nor fail (its handle's close is never answered)
  return conn.whileConnected(sftp, `the download of ${shown(p)}`, work, () => stream?.destroy());
}

/** A read stream of the remote file (for row chunks); the caller consumes or destroys it. */
export async function readStream(conn: SftpConnection, p: string): Promise<NodeJS.ReadableStream & { destroy(err?: Error): void }> {
  const sftp: SFTPWrapper = await conn.session();
  const stream = sftp.createReadStream(p, { highWaterMark: 256 * 1024 });
  const stop = conn.onDropped(sftp, () => stream.destroy(new IntegrationError({ message: `${conn.label}: the connection dropped during the download of ${shown(p)}`, code: 'NETWORK', transient: true, details: { dropped: true } })));
  stream.once('close', stop);
  return stream;
}

/** Writes a new file; fails (transient) when the connection drops, which may leave part of it. */
export async function writeAll(conn: SftpConnection, p: string, data: Buffer): Promise<void> {
  const sftp = await conn.session();
  let stream: ReturnType<SFTPWrapper['createWriteStream']> | undefined;
  const work = new Promise<void>((resolve, reject) => {
    const s = sftp.createWriteStream(p, { flags: 'wx' });
    stream = s;
    s.on('error', (err: Error) => reject(remoteError(`write ${shown(p)}`, err)));
    s.on('close', () => resolve());
    s.end(data);
  });
  // without this, a write whose connection dropped between two requests waits forever
  await conn.whileConnected(sftp, `the write of ${shown(p)}`, work, () => stream?.destroy());
}
