/**
 * Connections that drop mid-transfer, against a real OpenSSH server behind the fault proxy
 * (sandbox/sftp/fault-proxy.ts) that resets a connection after a set number of bytes: what
 * the tests check is the files on the server and what the flow was handed.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SftpConnection } from '../../lib/sftp/connection';
import { JsonlLedger } from '../../lib/sftp/ledger';
import { POLL_DEFAULTS, SupplierPoller, type ClaimedFile } from '../../lib/sftp/poller';
import { upload } from '../../lib/sftp/upload';
import { list } from '../../lib/sftp/remote';
import type { IntegrationError } from '../../lib/errors';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from '../../sandbox/sftp/fault-proxy';
import { startSshd, type Sshd } from '../helpers/sshd';

jest.setTimeout(60_000);

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.destroy();
});
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function through(plan: FaultProxyOptions['plan']): Promise<{ proxy: FaultProxy; conn: SftpConnection }> {
  const proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port }, skipBytes: 3200, plan });
  cleanup.push(() => proxy.close());
  const conn = new SftpConnection({ host: proxy.host, port: proxy.port, username: sshd.user, privateKey: sshd.privateKey, hostKey: { mode: 'fingerprint', fingerprints: [sshd.fingerprint] }, keepaliveMs: 0, connectTimeoutMs: 5000, operationTimeoutMs: 20000, backoffMs: 100 });
  cleanup.push(() => conn.close());
  return { proxy, conn };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('SFTP connection drops on OpenSSH', () => {
  it('an upload whose connection drops mid-write fails at once as transient, leaves no temporary file, and the next try puts one whole file', async () => {
    const dir = `${sshd.home}/drop-up`;
    // the first connection is reset 40 KB into the upload; the next ones are not touched
    const { proxy, conn } = await through([{ up: 40_000 }]);
    const data = randomBytes(200_000);
    const t0 = Date.now();
    const first = await upload(conn, data, 'PO_1_R1.csv', { dir, exists: 'fail', createDir: true }).then(
      () => undefined,
      (err: IntegrationError) => err,
    );
    // before: the write waited forever for an answer a closed channel never gives
    expect(first).toMatchObject({ code: 'NETWORK', transient: true });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(proxy.cuts).toEqual([expect.objectContaining({ connection: 0, direction: 'up' })]);
    const again = await upload(conn, data, 'PO_1_R1.csv', { dir, exists: 'fail', createDir: true });
    expect(again).toMatchObject({ name: 'PO_1_R1.csv', size: 200_000 });
    // one file under its name, whole, and no temporary file left by the broken try
    expect(sshd.ls(dir)).toEqual(['PO_1_R1.csv']);
    expect(sha(fs.readFileSync(path.join(dir, 'PO_1_R1.csv')))).toBe(sha(data));
  });

  it('a download cut off mid-file is read again from its claim at the next poll: handed to the flow once, whole, then archived (not moved to the error folder)', async () => {
    const dir = `${sshd.home}/drop-down`;
    const { proxy, conn } = await through([{ down: 150_000 }]);
    const ledgerFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-')), 'ledger.jsonl');
    const ledger = new JsonlLedger(ledgerFile);
    cleanup.push(() => ledger.close());
    const files: Array<{ file: ClaimedFile; data: Buffer }> = [];
    const problems: IntegrationError[] = [];
    const poller = new SupplierPoller(conn, { ...POLL_DEFAULTS, dir, workDir: `${dir}/.processing`, archiveDir: `${dir}/archive`, errorDir: `${dir}/error`, instance: 'test', supplier: 'acme' }, ledger, {
      file: (file, data) => files.push({ file, data: data as Buffer }),
      problem: (e) => problems.push(e),
      notice: () => undefined,
    });
    const data = randomBytes(300_000);
    sshd.put(`${dir}/preise.csv`, data, new Date(Date.now() - 60_000));
    // the first poll sees the file, the second claims it and its download is cut off, the third reads it
    for (let i = 0; i < 5 && files.length === 0; i++) await poller.poll().catch(() => undefined);
    expect(proxy.cuts).toEqual([expect.objectContaining({ connection: 0, direction: 'down' })]);
    expect(files).toHaveLength(1);
    expect(sha(files[0]!.data)).toBe(sha(data));
    expect(files[0]!.file.sha256).toBe(sha(data));
    expect(sshd.ls(`${dir}/error`)).toEqual([]);
    // a drop is nobody's problem to act on while the file is still being read
    expect(problems).toEqual([]);
    await poller.settle(files[0]!.file.claim);
    expect(sshd.ls(`${dir}/archive`)).toHaveLength(1);
    expect(sshd.ls(`${dir}/.processing`)).toEqual([]);
    await poller.poll();
    expect(files).toHaveLength(1);
  });

  it('an operation whose connection dropped fails at once, and its timeout does not later reset the connection that replaced it', async () => {
    const proxy = await startFaultProxy({ target: { host: sshd.host, port: sshd.port }, skipBytes: 3200, plan: [{ down: 1 }] });
    cleanup.push(() => proxy.close());
    const conn = new SftpConnection({ host: proxy.host, port: proxy.port, username: sshd.user, privateKey: sshd.privateKey, hostKey: { mode: 'fingerprint', fingerprints: [sshd.fingerprint] }, keepaliveMs: 0, connectTimeoutMs: 5000, operationTimeoutMs: 1500, backoffMs: 100 });
    cleanup.push(() => conn.close());
    sshd.put(`${sshd.home}/drop-op/a.csv`, 'x');
    const t0 = Date.now();
    await expect(list(conn, `${sshd.home}/drop-op`)).rejects.toMatchObject({ transient: true });
    expect(Date.now() - t0).toBeLessThan(1500);
    expect((await list(conn, `${sshd.home}/drop-op`)).map((e) => e.name)).toEqual(['a.csv']);
    // past the first operation's timeout: the second connection is still the one in use
    await new Promise((r) => setTimeout(r, 2000));
    expect((await list(conn, `${sshd.home}/drop-op`)).map((e) => e.name)).toEqual(['a.csv']);
    expect(conn.connects).toBe(2);
    expect(proxy.connections).toBe(2);
  });

  /** A connection on which the next rename matching `which` is carried out by the server and its answer lost, as when the connection drops right after. */
  function answerLost(which: RegExp): SftpConnection {
    const conn = new SftpConnection({ host: sshd.host, port: sshd.port, username: sshd.user, privateKey: sshd.privateKey, hostKey: { mode: 'fingerprint', fingerprints: [sshd.fingerprint] }, keepaliveMs: 0, connectTimeoutMs: 5000, operationTimeoutMs: 20000 });
    cleanup.push(() => conn.close());
    const run = conn.run.bind(conn);
    let armed = true;
    conn.run = (async (what: string, op: any) => {
      const value = await run(what, op);
      if (armed && /^rename /.test(what) && which.test(what)) {
        armed = false;
        conn.reset();
        throw new Error('No response from server');
      }
      return value;
    }) as SftpConnection['run'];
    return conn;
  }

  function pollerOn(conn: SftpConnection, dir: string) {
    const ledger = new JsonlLedger(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-')), 'ledger.jsonl'));
    cleanup.push(() => ledger.close());
    const files: Array<{ file: ClaimedFile; data: Buffer }> = [];
    const problems: IntegrationError[] = [];
    const poller = new SupplierPoller(conn, { ...POLL_DEFAULTS, dir, workDir: `${dir}/.processing`, archiveDir: `${dir}/archive`, errorDir: `${dir}/error`, instance: 'test', supplier: 'acme' }, ledger, {
      file: (file, data) => files.push({ file, data: data as Buffer }),
      problem: (e) => problems.push(e),
      notice: () => undefined,
    });
    return { poller, files, problems };
  }

  it('a claim whose answer was lost: the claimed file is read at the next poll, once (before: it sat in .processing until the claim timeout)', async () => {
    const dir = `${sshd.home}/lost-claim`;
    const { poller, files } = pollerOn(answerLost(/lost-claim\/preise\.csv$/), dir);
    sshd.put(`${dir}/preise.csv`, 'a;b\n1;2\n', new Date(Date.now() - 60_000));
    await poller.poll();
    await poller.poll();
    // the claim went through on the server, the poller did not hear it
    expect(sshd.ls(dir).filter((f) => f.endsWith('.csv'))).toEqual([]);
    expect(files).toHaveLength(0);
    await poller.poll();
    expect(files.map((f) => f.data.toString())).toEqual(['a;b\n1;2\n']);
    await poller.settle(files[0]!.file.claim);
    expect(sshd.ls(`${dir}/archive`)).toHaveLength(1);
    expect(sshd.ls(`${dir}/.processing`)).toEqual([]);
    await poller.poll();
    expect(files).toHaveLength(1);
  });

  it('an archive rename whose answer was lost is found done (before: the outcome failed, "no such file", and the file was reported as not archived)', async () => {
    const dir = `${sshd.home}/lost-archive`;
    const { poller, files } = pollerOn(answerLost(/\.processing\//), dir);
    sshd.put(`${dir}/preise.csv`, 'a;b\n1;2\n', new Date(Date.now() - 60_000));
    await poller.poll();
    await poller.poll();
    expect(files).toHaveLength(1);
    const moved = await poller.settle(files[0]!.file.claim);
    expect(moved.movedTo).toMatch(/\/archive\/preise\.\d{8}T\d{6}Z\.csv$/);
    expect(sshd.ls(`${dir}/archive`)).toEqual([path.posix.basename(moved.movedTo as string)]);
    expect(sshd.ls(`${dir}/.processing`)).toEqual([]);
    expect(sshd.ls(`${dir}/error`)).toEqual([]);
  });

  it('an upload whose final rename answer was lost is done, once (before: "exists already" for the file it had just put)', async () => {
    const dir = `${sshd.home}/lost-rename`;
    const conn = answerLost(/\.part$/);
    const up = await upload(conn, Buffer.from('x;y\r\n'), 'PO_7_R1.csv', { dir, exists: 'fail', createDir: true });
    expect(up).toMatchObject({ name: 'PO_7_R1.csv', size: 5 });
    expect(sshd.ls(dir)).toEqual(['PO_7_R1.csv']);
  });
});
