/**
 * An SFTP server stand-in for `npm start`: ssh2's server, in this process, on
 * 127.0.0.1, serving a local folder as the remote root, with one user
 * (password login) and a fresh ed25519 host key whose fingerprint the flows
 * pin. It needs neither root nor an sshd (sandbox/sftp/sshd.ts, a real
 * OpenSSH, is what the tests use). It speaks the SFTP v3 requests the
 * supplier-sftp poller and uploader send (list, stat, open/read/write,
 * rename, remove, mkdir); not OpenSSH's posix-rename extension, so an upload
 * that replaces an existing file fails here.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Server, utils, type Connection, type SFTPWrapper } from 'ssh2';
import { fingerprintOf } from '../../lib/sftp/connection';

const { STATUS_CODE } = utils.sftp;

export interface SftpStandIn {
  host: string;
  port: number;
  username: string;
  password: string;
  /** `SHA256:…` of the host key. */
  fingerprint: string;
  /** The local folder served as `/`. */
  root: string;
  close(): Promise<void>;
}

export interface SftpStandInOptions {
  root: string;
  port?: number;
  host?: string;
  username?: string;
  password?: string;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function attrsOf(st: fs.Stats): { mode: number; uid: number; gid: number; size: number; atime: number; mtime: number } {
  return { mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, atime: Math.floor(st.atimeMs / 1000), mtime: Math.floor(st.mtimeMs / 1000) };
}

function statusOf(err: NodeJS.ErrnoException): number {
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return STATUS_CODE.NO_SUCH_FILE;
  if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EOUTSIDE') return STATUS_CODE.PERMISSION_DENIED;
  return STATUS_CODE.FAILURE;
}

/** Serves `sftp` with the folder `root` as `/`; paths that would leave it are refused. */
function serve(sftp: SFTPWrapper, root: string): void {
  const handles = new Map<number, { fd?: number; entries?: Array<{ filename: string; longname: string; attrs: ReturnType<typeof attrsOf> }>; sent?: boolean }>();
  let next = 1;
  const handleOf = (h: Buffer): number => (h.length === 4 ? h.readUInt32BE(0) : -1);
  const newHandle = (v: { fd?: number; entries?: any[] }): Buffer => {
    const id = next++;
    handles.set(id, v);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(id, 0);
    return b;
  };
  const remote = (p: string): string => path.posix.normalize(path.posix.join('/', p || '.'));
  const local = (p: string): string => {
    const full = path.join(root, remote(p));
    if (full !== root && !full.startsWith(root + path.sep)) throw Object.assign(new Error('outside the root'), { code: 'EOUTSIDE' });
    return full;
  };
  const fail = (reqid: number, err: unknown): void => void sftp.status(reqid, statusOf(err as NodeJS.ErrnoException));
  const ok = (reqid: number): void => void sftp.status(reqid, STATUS_CODE.OK);

  sftp.on('REALPATH', (reqid, p) => void sftp.name(reqid, [{ filename: remote(p), longname: remote(p), attrs: {} as never }]));
  const stat = (reqid: number, p: string): void => {
    try {
      sftp.attrs(reqid, attrsOf(fs.statSync(local(p))));
    } catch (err) {
      fail(reqid, err);
    }
  };
  sftp.on('STAT', stat);
  sftp.on('LSTAT', stat);
  sftp.on('OPEN', (reqid, filename, flags) => {
    try {
      const fd = fs.openSync(local(filename), utils.sftp.flagsToString(flags) ?? 'r');
      sftp.handle(reqid, newHandle({ fd }));
    } catch (err) {
      fail(reqid, err);
    }
  });
  sftp.on('READ', (reqid, handle, offset, length) => {
    const h = handles.get(handleOf(handle));
    if (h?.fd === undefined) return void sftp.status(reqid, STATUS_CODE.FAILURE);
    const buf = Buffer.alloc(Math.min(length, 256 * 1024));
    fs.read(h.fd, buf, 0, buf.length, offset, (err, n) => {
      if (err) return fail(reqid, err);
      if (n === 0) return void sftp.status(reqid, STATUS_CODE.EOF);
      sftp.data(reqid, buf.subarray(0, n));
    });
  });
  sftp.on('WRITE', (reqid, handle, offset, data) => {
    const h = handles.get(handleOf(handle));
    if (h?.fd === undefined) return void sftp.status(reqid, STATUS_CODE.FAILURE);
    fs.write(h.fd, data, 0, data.length, offset, (err) => (err ? fail(reqid, err) : ok(reqid)));
  });
  sftp.on('FSTAT', (reqid, handle) => {
    const h = handles.get(handleOf(handle));
    if (h?.fd === undefined) return void sftp.status(reqid, STATUS_CODE.FAILURE);
    sftp.attrs(reqid, attrsOf(fs.fstatSync(h.fd)));
  });
  const setstat = (reqid: number, file: string | number, attrs: { atime?: number; mtime?: number }): void => {
    try {
      if (attrs.mtime !== undefined) {
        if (typeof file === 'number') fs.futimesSync(file, attrs.atime ?? attrs.mtime, attrs.mtime);
        else fs.utimesSync(file, attrs.atime ?? attrs.mtime, attrs.mtime);
      }
      ok(reqid);
    } catch (err) {
      fail(reqid, err);
    }
  };
  sftp.on('SETSTAT', (reqid, p, attrs) => {
    try {
      setstat(reqid, local(p), attrs);
    } catch (err) {
      fail(reqid, err);
    }
  });
  sftp.on('FSETSTAT', (reqid, handle, attrs) => {
    const h = handles.get(handleOf(handle));
    if (h?.fd === undefined) return void sftp.status(reqid, STATUS_CODE.FAILURE);
    setstat(reqid, h.fd, attrs);
  });
  sftp.on('CLOSE', (reqid, handle) => {
    const id = handleOf(handle);
    const h = handles.get(id);
    if (!h) return void sftp.status(reqid, STATUS_CODE.FAILURE);
    handles.delete(id);
    if (h.fd !== undefined) fs.close(h.fd, (err) => (err ? fail(reqid, err) : ok(reqid)));
    else ok(reqid);
  });
  sftp.on('OPENDIR', (reqid, p) => {
    try {
      const dir = local(p);
      const entries = fs.readdirSync(dir).map((filename) => {
        const attrs = attrsOf(fs.statSync(path.join(dir, filename)));
        return { filename, longname: filename, attrs };
      });
      sftp.handle(reqid, newHandle({ entries }));
    } catch (err) {
      fail(reqid, err);
    }
  });
  sftp.on('READDIR', (reqid, handle) => {
    const h = handles.get(handleOf(handle));
    if (!h?.entries) return void sftp.status(reqid, STATUS_CODE.FAILURE);
    if (h.sent || h.entries.length === 0) return void sftp.status(reqid, STATUS_CODE.EOF);
    h.sent = true;
    sftp.name(reqid, h.entries);
  });
  sftp.on('RENAME', (reqid, from, to) => {
    try {
      const a = local(from);
      const b = local(to);
      // SFTP v3: a rename never replaces an existing file (two pollers claiming one file: one wins)
      if (fs.existsSync(b)) return void sftp.status(reqid, STATUS_CODE.FAILURE);
      fs.renameSync(a, b);
      ok(reqid);
    } catch (err) {
      fail(reqid, err);
    }
  });
  const run = (reqid: number, f: () => void): void => {
    try {
      f();
      ok(reqid);
    } catch (err) {
      fail(reqid, err);
    }
  };
  sftp.on('REMOVE', (reqid, p) => run(reqid, () => fs.unlinkSync(local(p))));
  sftp.on('MKDIR', (reqid, p) => run(reqid, () => fs.mkdirSync(local(p))));
  sftp.on('RMDIR', (reqid, p) => run(reqid, () => fs.rmdirSync(local(p))));
}

export async function startSftpStandIn(opts: SftpStandInOptions): Promise<SftpStandIn> {
  const root = path.resolve(opts.root);
  fs.mkdirSync(root, { recursive: true });
  const username = opts.username ?? 'supplier';
  const password = opts.password ?? randomBytes(12).toString('base64url');
  const keys = utils.generateKeyPairSync('ed25519');
  const parsed = utils.parseKey(keys.public);
  if (parsed instanceof Error) throw parsed;
  const fingerprint = fingerprintOf((Array.isArray(parsed) ? parsed[0] : parsed).getPublicSSH());
  const clients = new Set<Connection>();
  const server = new Server({ hostKeys: [keys.private] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => clients.delete(client));
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && same(ctx.username, username) && same(ctx.password, password)) ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => serve(acceptSftp(), root));
      });
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host,
    port,
    username,
    password,
    fingerprint,
    root,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
      }),
  };
}
