/**
 * A real OpenSSH server for the tests and the benchmark: Debian's sshd on a free high port of
 * 127.0.0.1, with its own host key, config and authorized keys in a temp
 * folder, and a throw-away user (random name and password, removed again) so
 * that password and key logins are both real. Needs root (sshd checks
 * passwords against /etc/shadow) and openssh-server (`.ci/run` installs it).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const SSHD = '/usr/sbin/sshd';

export interface Sshd {
  host: string;
  port: number;
  user: string;
  password: string;
  /** OpenSSH private key without passphrase, and one with `keyPassphrase`. */
  privateKey: string;
  encryptedKey: string;
  keyPassphrase: string;
  /** `SHA256:…` of the server's host key, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** A known_hosts file listing this server. */
  knownHosts: string;
  /** The user's home: remote paths under it are local paths here, for checking files. */
  home: string;
  /** Writes a file on the server (owned by the user), making folders on the way. */
  put(remote: string, data: string | Buffer, mtime?: Date): void;
  /** Names in a remote folder, sorted. */
  ls(remote: string): string[];
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function banner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const t = setTimeout(() => {
      sock.destroy();
      resolve(false);
    }, 500);
    sock.once('data', (d) => {
      clearTimeout(t);
      sock.destroy();
      resolve(d.toString().startsWith('SSH-'));
    });
    sock.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

/** Ids of every process below `pid` (sshd forks one per connection). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(d), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) if (pp === p) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

export async function startSshd(): Promise<Sshd> {
  if (process.getuid?.() !== 0) throw new Error('the SFTP tests start a real sshd with a test user: they need root');
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} is missing: apt-get install openssh-server (.ci/run does)`);
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sshd-'));
  fs.chmodSync(dir, 0o755);
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  const user = `nrsftp${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  const keyPassphrase = randomBytes(8).toString('hex');
  execFileSync('useradd', ['-M', '-d', home, '-s', '/bin/sh', user]);
  execFileSync('chpasswd', { input: `${user}:${password}\n` });
  const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
  fs.chownSync(home, uid, gid);
  const keygen = (file: string, pass: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', pass, '-C', 'test', '-f', file]);
  keygen(path.join(dir, 'host_ed25519'), '');
  keygen(path.join(dir, 'user_key'), '');
  keygen(path.join(dir, 'user_key_enc'), keyPassphrase);
  fs.writeFileSync(path.join(dir, 'authorized_keys'), fs.readFileSync(path.join(dir, 'user_key.pub'), 'utf8') + fs.readFileSync(path.join(dir, 'user_key_enc.pub'), 'utf8'), { mode: 0o644 });
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(dir, 'host_ed25519.pub')]).toString().split(' ')[1] as string;
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_ed25519')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin no',
      `AllowUsers ${user}`,
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      'ForceCommand internal-sftp',
      'MaxStartups 200:30:400',
      'MaxAuthTries 10',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const hostPub = fs.readFileSync(path.join(dir, 'host_ed25519.pub'), 'utf8').split(' ');
  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`);

  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    for (let i = 0; i < 100; i++) {
      if (await banner(port)) return;
      if (child.exitCode !== null) throw new Error(`sshd exited: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`sshd did not answer on ${port}: ${stderr}`);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.pid === undefined) return;
    // the listener and every connection it forked, by id
    for (const pid of descendants(c.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  const local = (remote: string) => {
    const rel = path.posix.relative(home, remote);
    if (rel.startsWith('..')) throw new Error(`${remote} is not under the test home`);
    return path.join(home, rel);
  };
  const chownUp = (p: string) => {
    for (let d = p; d.startsWith(home) && d !== home; d = path.dirname(d)) fs.chownSync(d, uid, gid);
  };
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    privateKey: fs.readFileSync(path.join(dir, 'user_key'), 'utf8'),
    encryptedKey: fs.readFileSync(path.join(dir, 'user_key_enc'), 'utf8'),
    keyPassphrase,
    fingerprint,
    knownHosts,
    home,
    put(remote, data, mtime) {
      const p = local(remote);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, data);
      if (mtime) fs.utimesSync(p, mtime, mtime);
      chownUp(p);
    },
    ls(remote) {
      const p = local(remote);
      return fs.existsSync(p) ? fs.readdirSync(p).sort() : [];
    },
    stop,
    start,
    async destroy() {
      await stop();
      try {
        execFileSync('userdel', [user]);
      } catch {
        // already removed
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
