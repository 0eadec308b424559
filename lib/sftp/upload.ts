/**
 * Puts a file on the supplier's server so that they never read half of it:
 * written under a temporary dot-name, renamed when complete, then an optional
 * done-marker.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { badInput, IntegrationError } from '../errors';
import { isConnectionLoss, isNoSuchFile, type SftpConnection } from './connection';
import { joinRemote, mkdirp, remoteError, rename, renameOver, shown, stat, unlink, unsafeName, writeAll } from './remote';

export interface UploadOptions {
  dir: string;
  /** What to do when the name exists: fail, overwrite, or a unique name (`po-1.csv`, `po-2.csv`). */
  exists: 'fail' | 'overwrite' | 'unique';
  /** Suffix of an empty marker file written after the rename (e.g. `.done`). */
  doneMarker?: string;
  createDir: boolean;
}

export interface Uploaded {
  path: string;
  name: string;
  size: number;
}

/** The name to upload a message's payload under: `msg.filename` (its last part) or `msg.file.name`. */
export function uploadName(msg: Record<string, unknown>): string {
  const file = msg.file as { name?: unknown } | undefined;
  const name = typeof msg.filename === 'string' ? path.posix.basename(msg.filename.replace(/\\/g, '/')) : typeof file?.name === 'string' ? file.name : undefined;
  if (!name) throw badInput('upload needs a file name: set msg.filename or msg.file.name');
  return name;
}

/** Removes a temporary file; when the connection is gone, remembers it for the next upload. */
async function removeTemp(conn: SftpConnection, temp: string): Promise<void> {
  try {
    await unlink(conn, temp);
    conn.strayTemps.delete(temp);
  } catch (err) {
    if (isNoSuchFile(err)) conn.strayTemps.delete(temp);
    else conn.strayTemps.add(temp);
  }
}

export async function upload(conn: SftpConnection, data: Buffer, name: string, o: UploadOptions): Promise<Uploaded> {
  const why = unsafeName(name);
  if (why) throw badInput(`file name ${shown(name)} cannot be used: it ${why}`);
  // what an earlier upload left when its connection dropped
  for (const stray of [...conn.strayTemps]) await removeTemp(conn, stray);
  if (o.createDir) await mkdirp(conn, o.dir);
  const temp = joinRemote(o.dir, `.${name}.${randomBytes(4).toString('hex')}.part`);
  try {
    await writeAll(conn, temp, data);
  } catch (err) {
    await removeTemp(conn, temp);
    throw err;
  }
  // where the file is going: the name, or (exists: unique) the free name being tried
  const where = { target: joinRemote(o.dir, name) };
  try {
    await finish(conn, temp, where, name, o);
  } catch (err) {
    // the rename went through and its answer was lost: the temporary name (ours alone) is gone
    if (!(isConnectionLoss(err) && (await stat(conn, temp).then((st) => st === undefined, () => false)))) {
      await removeTemp(conn, temp);
      throw err instanceof IntegrationError ? err : remoteError(`rename ${shown(temp)}`, err);
    }
  }
  const target = where.target;
  if (o.doneMarker) await writeAll(conn, target + o.doneMarker, Buffer.alloc(0)).catch(async (err) => {
    if (!(await stat(conn, target + o.doneMarker))) throw remoteError(`write marker for ${shown(target)}`, err);
  });
  return { path: target, name: path.posix.basename(target), size: data.length };
}

/** Renames the complete temporary file to its name, or (exists: unique) the next free one, kept in `where`. */
async function finish(conn: SftpConnection, temp: string, where: { target: string }, name: string, o: UploadOptions): Promise<void> {
  if (o.exists === 'overwrite') return renameOver(conn, temp, where.target);
  for (let n = 1; ; n++) {
    try {
      // plain SFTP rename refuses an existing target: no check-then-write race
      await rename(conn, temp, where.target);
      return;
    } catch (err) {
      // no answer: the caller finds out whether it happened
      if (isConnectionLoss(err) || isNoSuchFile(err) || !(await stat(conn, where.target))) throw err;
      if (o.exists === 'fail') {
        throw new IntegrationError({ message: `${shown(where.target)} exists already on the server (exists policy: fail)`, code: 'VALIDATION', transient: false, details: { path: where.target } });
      }
      const ext = path.posix.extname(name);
      where.target = joinRemote(o.dir, `${ext ? name.slice(0, -ext.length) : name}-${n}${ext}`);
      if (n > 1000) throw new IntegrationError({ message: `no free name for ${shown(name)} after 1000 tries`, code: 'VALIDATION', transient: false });
    }
  }
}
