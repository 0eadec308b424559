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
});
