/** lib/sftp against a real OpenSSH server: logins, host keys, one connection reused, reconnect. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SftpConnection, type SftpServerOptions } from '../../lib/sftp/connection';
import { list } from '../../lib/sftp/remote';
import { startSshd, type Sshd } from '../helpers/sshd';

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.destroy();
});

const conns: SftpConnection[] = [];
afterEach(async () => {
  await Promise.all(conns.splice(0).map((c) => c.close()));
});

function connect(extra: Partial<SftpServerOptions> = {}, warnings: string[] = []): SftpConnection {
  const c = new SftpConnection(
    { host: sshd.host, port: sshd.port, username: sshd.user, password: sshd.password, hostKey: { mode: 'fingerprint', fingerprints: [sshd.fingerprint] }, keepaliveMs: 0, connectTimeoutMs: 5000, operationTimeoutMs: 5000, backoffMs: 50, backoffMaxMs: 200, ...extra },
    { warn: (m) => warnings.push(m) },
  );
  conns.push(c);
  return c;
}

describe('SFTP connection against OpenSSH', () => {
  beforeAll(() => sshd.put(`${sshd.home}/inbox/a.csv`, 'x'));

  it('logs in with a password, a private key, and an encrypted key with its passphrase', async () => {
    expect((await list(connect(), `${sshd.home}/inbox`)).map((e) => e.name)).toEqual(['a.csv']);
    expect((await list(connect({ password: undefined, privateKey: sshd.privateKey }), `${sshd.home}/inbox`)).map((e) => e.name)).toEqual(['a.csv']);
    expect((await list(connect({ password: undefined, privateKey: sshd.encryptedKey, passphrase: sshd.keyPassphrase }), `${sshd.home}/inbox`)).length).toBe(1);
  });

  it('a wrong password is AUTH, not transient', async () => {
    await expect(list(connect({ password: 'wrong' }), sshd.home)).rejects.toMatchObject({ code: 'AUTH', transient: false, message: expect.stringMatching(/authentication failed \(password refused\)/) });
  });

  it('refuses a host key that does not match the pinned fingerprint, naming the one presented', async () => {
    const c = connect({ hostKey: { mode: 'fingerprint', fingerprints: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] } });
    const err = await list(c, sshd.home).catch((e) => e);
    expect(err).toMatchObject({ code: 'AUTH', transient: false, details: { presentedFingerprint: sshd.fingerprint } });
    expect(err.message).toContain(`is ${sshd.fingerprint}, not the pinned SHA256:AAAA`);
  });

  it('verifies against known_hosts: listed key accepted, another key refused', async () => {
    expect(await list(connect({ hostKey: { mode: 'known_hosts', file: sshd.knownHosts } }), sshd.home)).toBeDefined();
    const other = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kh-')), 'known_hosts');
    fs.writeFileSync(other, `[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n`);
    await expect(list(connect({ hostKey: { mode: 'known_hosts', file: other } }), sshd.home)).rejects.toMatchObject({ code: 'AUTH', message: expect.stringContaining('not the key') });
  });

  it('accept-any is an explicit opt-out that warns at every connect', async () => {
    const warnings: string[] = [];
    const c = connect({ hostKey: { mode: 'accept-any' } }, warnings);
    await list(c, sshd.home);
    c.reset();
    await list(c, sshd.home);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/host key is NOT verified/);
  });

  it('one connection serves many operations; after the server is stopped and started it reconnects', async () => {
    const states: string[] = [];
    const c = connect();
    c.on('state', (s) => states.push(s));
    for (let i = 0; i < 20; i++) await list(c, sshd.home);
    expect(c.connects).toBe(1);
    await sshd.stop();
    await expect(list(c, sshd.home)).rejects.toMatchObject({ transient: true });
    await sshd.start();
    let ok = false;
    for (let i = 0; i < 40 && !ok; i++) {
      ok = await list(c, sshd.home).then(() => true, () => false);
      if (!ok) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ok).toBe(true);
    expect(c.connects).toBe(2);
    // connected, dropped (idle, or waiting when a reconnect was refused), connected again
    expect(states.filter((x) => x === 'connected')).toHaveLength(2);
    const between = states.slice(states.indexOf('connected') + 1, states.lastIndexOf('connected'));
    expect(between.some((x) => x === 'idle' || x === 'waiting')).toBe(true);
  });
});
