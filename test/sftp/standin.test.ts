/**
 * The SFTP stand-in of `npm start` (sandbox/sftp/standin.ts) with the
 * package's own poller and uploader: a sample file is claimed, read and
 * archived; an upload lands under its final name; a second claim of a file
 * already taken is refused; the host key is the one it prints; a wrong
 * password and paths outside its folder are refused. Files on its local
 * folder are what the tests check.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SftpConnection, type SftpServerOptions } from '../../lib/sftp/connection';
import { POLL_DEFAULTS, SupplierPoller, type ClaimedFile } from '../../lib/sftp/poller';
import { list, readAll, rename, writeAll } from '../../lib/sftp/remote';
import { startSftpStandIn, type SftpStandIn } from '../../sandbox/sftp/standin';
import { tempDir } from '../helpers/child';

describe('SFTP stand-in', () => {
  const tmp = tempDir('sftp-standin-');
  let server: SftpStandIn;
  const conns: SftpConnection[] = [];
  const connect = (extra: Partial<SftpServerOptions> = {}): SftpConnection => {
    const c = new SftpConnection({ host: server.host, port: server.port, username: server.username, password: server.password, hostKey: { mode: 'fingerprint', fingerprints: [server.fingerprint] }, keepaliveMs: 0, connectTimeoutMs: 5000, operationTimeoutMs: 5000, backoffMs: 10, backoffMaxMs: 20, ...extra });
    conns.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startSftpStandIn({ root: path.join(tmp.dir, 'root') });
  });
  afterAll(async () => {
    for (const c of conns) await c.close();
    await server.close();
    tmp.remove();
  });

  it('serves a supplier folder to the poller: claimed, read, archived', async () => {
    fs.mkdirSync(path.join(server.root, 'acme', 'outbox'), { recursive: true });
    const file = path.join(server.root, 'acme', 'outbox', 'prices.csv');
    fs.writeFileSync(file, 'a;b\n1;2\n');
    fs.utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const files: Array<{ file: ClaimedFile; data: Buffer }> = [];
    const problems: unknown[] = [];
    const poller = new SupplierPoller(
      connect(),
      { ...POLL_DEFAULTS, dir: '/acme/outbox', workDir: '/acme/outbox/.processing', archiveDir: '/acme/outbox/archive', errorDir: '/acme/outbox/error', instance: 't', supplier: 'acme' },
      undefined,
      { file: (f, data) => files.push({ file: f, data: data as Buffer }), problem: (e) => problems.push(e), notice: () => undefined },
    );
    let res = await poller.poll();
    if (res.emitted === 0) res = await poller.poll();
    expect(problems).toEqual([]);
    expect(files.map((f) => f.data.toString())).toEqual(['a;b\n1;2\n']);
    expect(fs.readdirSync(path.join(server.root, 'acme', 'outbox')).sort()).toEqual(['.processing', 'archive', 'error']);
    await poller.settle(files[0].file.claim);
    expect(fs.readdirSync(path.join(server.root, 'acme', 'outbox', 'archive'))).toEqual([expect.stringMatching(/^prices\./)]);
  });

  it('writes uploads, lists and reads them, and refuses to rename onto an existing file', async () => {
    const c = connect();
    await writeAll(c, '/up.csv.part', Buffer.from('x;y\n'));
    await rename(c, '/up.csv.part', '/up.csv');
    expect(fs.readFileSync(path.join(server.root, 'up.csv'), 'utf8')).toBe('x;y\n');
    expect((await list(c, '/')).map((e) => e.name)).toContain('up.csv');
    expect((await readAll(c, '/up.csv', 100)).data.toString()).toBe('x;y\n');
    await writeAll(c, '/other.csv', Buffer.from('z'));
    await expect(rename(c, '/other.csv', '/up.csv')).rejects.toThrow();
    expect(fs.readFileSync(path.join(server.root, 'up.csv'), 'utf8')).toBe('x;y\n');
  });

  it('stays inside its folder, and refuses a wrong password or a different host key', async () => {
    const c = connect();
    fs.writeFileSync(path.join(tmp.dir, 'outside.txt'), 'secret');
    // `..` from the root is the root: the file outside is not reachable
    await expect(readAll(c, '/../outside.txt', 100)).rejects.toThrow(/no such file/);
    await expect(list(connect({ password: 'wrong' }), '/')).rejects.toThrow();
    await expect(list(connect({ hostKey: { mode: 'fingerprint', fingerprints: ['SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8'] } }), '/')).rejects.toThrow(/host key/);
  });
});
