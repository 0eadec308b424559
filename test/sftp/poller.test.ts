/** The poller against a real OpenSSH server: files on the server are what the tests check. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SftpConnection } from '../../lib/sftp/connection';
import { JsonlLedger, PgLedger, type FileLedger } from '../../lib/sftp/ledger';
import { POLL_DEFAULTS, SupplierPoller, type ClaimedFile, type PollOptions } from '../../lib/sftp/poller';
import { upload } from '../../lib/sftp/upload';
import { IntegrationError } from '../../lib/errors';
import { supplierLastSuccess } from '../../lib/metrics';
import { startSshd, type Sshd } from '../helpers/sshd';

let sshd: Sshd;
let n = 0;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.destroy();
});
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

function connection(): SftpConnection {
  const c = new SftpConnection({ host: sshd.host, port: sshd.port, username: sshd.user, privateKey: sshd.privateKey, hostKey: { mode: 'fingerprint', fingerprints: [sshd.fingerprint] }, keepaliveMs: 0, connectTimeoutMs: 5000, operationTimeoutMs: 20000 });
  cleanup.push(() => c.close());
  return c;
}

interface Rig {
  dir: string;
  poller: SupplierPoller;
  files: Array<{ file: ClaimedFile; data: Buffer }>;
  notices: string[];
  problems: IntegrationError[];
  ledgerFile: string;
}

function rig(extra: Partial<PollOptions> = {}, shared?: { dir: string; ledgerFile?: string; conn?: SftpConnection; instance?: string; ledger?: FileLedger }): Rig {
  const dir = shared?.dir ?? `${sshd.home}/supplier${++n}`;
  const ledgerFile = shared?.ledgerFile ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-')), 'ledger.jsonl');
  const ledger = shared?.ledger ?? new JsonlLedger(ledgerFile);
  cleanup.push(() => ledger.close());
  const r: Rig = { dir, files: [], notices: [], problems: [], ledgerFile, poller: undefined as never };
  r.poller = new SupplierPoller(
    shared?.conn ?? connection(),
    { ...POLL_DEFAULTS, dir, workDir: `${dir}/.processing`, archiveDir: `${dir}/archive`, errorDir: `${dir}/error`, instance: shared?.instance ?? 'test', supplier: 'acme', ...extra },
    ledger,
    { file: (file, data) => r.files.push({ file, data: data as Buffer }), problem: (e) => r.problems.push(e), notice: (t) => r.notices.push(t) },
  );
  return r;
}

describe('supplier-sftp poller on OpenSSH', () => {
  it('takes a file only once it is stable, claims it, and archives it under a templated name when the flow says ok', async () => {
    const r = rig();
    sshd.put(`${r.dir}/preise.csv`, 'a;b\n1;2\n');
    expect((await r.poller.poll()).notReady).toBe(1); // seen once: maybe still being written
    expect(r.files).toEqual([]);
    const res = await r.poller.poll();
    expect(res.emitted).toBe(1);
    const [{ file, data }] = r.files as [{ file: ClaimedFile; data: Buffer }];
    expect(data.toString()).toBe('a;b\n1;2\n');
    expect(file).toMatchObject({ name: 'preise.csv', path: `${r.dir}/preise.csv`, size: 8, supplier: 'acme', sha256: createHash('sha256').update(data).digest('hex') });
    // claimed: out of the inbox, in the working folder
    expect(sshd.ls(r.dir)).toEqual(['.processing', 'archive', 'error']);
    expect(sshd.ls(`${r.dir}/.processing`)).toEqual([path.posix.basename(file.claim)]);
    const before = Date.now() / 1000;
    await r.poller.settle(file.claim);
    expect(sshd.ls(`${r.dir}/.processing`)).toEqual([]);
    // the operations page's "last successful run" of this supplier
    const last = (await supplierLastSuccess.get()).values.find((v) => v.labels.supplier === 'acme' && v.labels.channel === 'sftp');
    expect(last?.value).toBeGreaterThanOrEqual(before);
    expect(sshd.ls(`${r.dir}/archive`)).toEqual([expect.stringMatching(/^preise\.\d{8}T\d{6}Z\.csv$/)]);
    // the ledger is on disk
    expect(fs.readFileSync(r.ledgerFile, 'utf8')).toContain(file.sha256);
  });

  it('a failure moves the file to the error folder, even when it was archived already', async () => {
    const r = rig({ stable: false });
    sshd.put(`${r.dir}/a.csv`, 'x');
    sshd.put(`${r.dir}/b.csv`, 'y');
    await r.poller.poll();
    const [a, b] = r.files.map((f) => f.file) as [ClaimedFile, ClaimedFile];
    await r.poller.settle(a.claim, { message: 'BAD_INPUT: empty' });
    await r.poller.settle(b.claim);
    await r.poller.settle(b.claim, { message: 'a later row failed' });
    expect(sshd.ls(`${r.dir}/error`)).toEqual([expect.stringMatching(/^a\..*\.csv$/), expect.stringMatching(/^b\..*\.csv$/)]);
    expect(sshd.ls(`${r.dir}/archive`)).toEqual([]);
  });

  it('ledger: the same file uploaded again is skipped; a changed file with the same name is processed again', async () => {
    const r = rig({ stable: false });
    sshd.put(`${r.dir}/list.csv`, 'v1');
    await r.poller.poll();
    await r.poller.settle(r.files[0]!.file.claim);
    sshd.put(`${r.dir}/list.csv`, 'v1', new Date(Date.now() + 5000)); // same bytes, new mtime
    const again = await r.poller.poll();
    expect(again).toMatchObject({ emitted: 0, skippedUnchanged: 1 });
    expect(r.notices.join('\n')).toMatch(/"list.csv" is unchanged since it was processed at .* skipped/);
    sshd.put(`${r.dir}/list.csv`, 'v2');
    expect((await r.poller.poll()).emitted).toBe(1);
    expect(r.files.map((f) => f.data.toString())).toEqual(['v1', 'v2']);
    // a new poller on the same ledger file (a restart) still knows v2 after it is done
    await r.poller.settle(r.files[1]!.file.claim);
    const restarted = rig({ stable: false }, { dir: r.dir, ledgerFile: r.ledgerFile });
    sshd.put(`${r.dir}/list.csv`, 'v2');
    expect((await restarted.poller.poll()).skippedUnchanged).toBe(1);
  });

  it('ledger in PostgreSQL: a file one instance processed is skipped by the other when uploaded again unchanged', async () => {
    const url = process.env.DEAD_LETTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const scope = `poller-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const open = () => PgLedger.open({ connection: url, scope, table: 'odoo_supply_sftp_ledger_test' });
    const one = rig({ stable: false }, { dir: `${sshd.home}/supplier${++n}`, instance: 'one', ledger: await open() });
    const two = rig({ stable: false }, { dir: one.dir, instance: 'two', ledger: await open() });
    sshd.put(`${one.dir}/list.csv`, 'v1');
    expect((await one.poller.poll()).emitted).toBe(1);
    await one.poller.settle(one.files[0]!.file.claim);
    sshd.put(`${one.dir}/list.csv`, 'v1', new Date(Date.now() + 5000)); // the supplier sends the same bytes again
    expect(await two.poller.poll()).toMatchObject({ emitted: 0, skippedUnchanged: 1 });
    expect(two.files).toEqual([]);
    sshd.put(`${one.dir}/list.csv`, 'v2');
    expect((await two.poller.poll()).emitted).toBe(1);
    expect(two.files.map((f) => f.data.toString())).toEqual(['v2']);
    expect(sshd.ls(one.dir)).toEqual(['.processing', 'archive', 'error']);
  });

  it('readiness by minimum age and by done-marker', async () => {
    const aged = rig({ stable: false, minAgeMs: 60_000 });
    sshd.put(`${aged.dir}/new.csv`, 'x');
    sshd.put(`${aged.dir}/old.csv`, 'x', new Date(Date.now() - 120_000));
    await aged.poller.poll();
    expect(aged.files.map((f) => f.file.name)).toEqual(['old.csv']);

    const marked = rig({ stable: false, doneMarker: '.done' });
    sshd.put(`${marked.dir}/a.csv`, 'x');
    sshd.put(`${marked.dir}/b.csv`, 'x');
    sshd.put(`${marked.dir}/b.csv.done`, '');
    await marked.poller.poll();
    expect(marked.files.map((f) => f.file.name)).toEqual(['b.csv']);
    expect(sshd.ls(marked.dir)).toEqual(['.processing', 'a.csv', 'archive', 'error']); // marker removed with the claim
  });

  it('include/exclude globs, recursion depth, sort and max files per poll', async () => {
    const r = rig({ stable: false, include: ['*.csv', 'sub/*.txt'], exclude: ['*-draft.csv'], depth: 1, sort: 'name', order: 'desc', maxFiles: 3 });
    for (const f of ['a.csv', 'b.csv', 'c-draft.csv', 'd.xml', 'sub/e.csv', 'sub/f.txt', 'sub/deeper/g.csv']) sshd.put(`${r.dir}/${f}`, f);
    await r.poller.poll();
    expect(r.files.map((f) => f.file.path.slice(r.dir.length + 1))).toEqual(['sub/f.txt', 'sub/e.csv', 'b.csv']);
    await r.poller.poll();
    expect(r.files.map((f) => f.file.name)).toEqual(['f.txt', 'e.csv', 'b.csv', 'a.csv']);
  });

  it('two pollers (two instances, two connections) on one folder: every file processed exactly once', async () => {
    const dir = `${sshd.home}/shared${++n}`;
    const count = 120;
    for (let i = 0; i < count; i++) sshd.put(`${dir}/f${String(i).padStart(3, '0')}.csv`, `file ${i}`);
    const a = rig({ stable: false, maxFiles: 25 }, { dir, instance: 'a' });
    const b = rig({ stable: false, maxFiles: 25 }, { dir, instance: 'b' });
    for (let round = 0; round < 10 && a.files.length + b.files.length < count; round++) {
      await Promise.all([a.poller.poll(), b.poller.poll()]);
      await Promise.all([...a.files, ...b.files].map((f) => (a.poller.holds(f.file.claim) ? a.poller : b.poller).settle(f.file.claim)));
    }
    const names = [...a.files, ...b.files].map((f) => f.file.name).sort();
    expect(names).toHaveLength(count);
    expect(new Set(names).size).toBe(count);
    expect(a.files.length).toBeGreaterThan(0);
    expect(b.files.length).toBeGreaterThan(0);
    expect(sshd.ls(`${dir}/archive`)).toHaveLength(count);
  });

  it('zero-byte files, names with a newline, and a file that vanishes', async () => {
    const r = rig({ stable: false });
    sshd.put(`${r.dir}/empty.csv`, '');
    sshd.put(`${r.dir}/line\nbreak.csv`, 'x');
    await r.poller.poll();
    expect(r.files.map((f) => [f.file.name, f.data.length])).toEqual(expect.arrayContaining([['empty.csv', 0], ['line\nbreak.csv', 1]]));
    for (const f of r.files) await r.poller.settle(f.file.claim);
    expect(sshd.ls(`${r.dir}/archive`).some((x) => x.startsWith('line\nbreak.'))).toBe(true);

    // seen on one poll, gone before the next claims it
    const s = rig();
    sshd.put(`${s.dir}/gone.csv`, 'x');
    await s.poller.poll();
    fs.unlinkSync(path.join(sshd.home, path.posix.relative(sshd.home, `${s.dir}/gone.csv`)));
    const res = await s.poller.poll();
    expect(res).toMatchObject({ emitted: 0, problems: [] });
  });

  it('a folder of 100,000 files: one poll lists it and takes max files', async () => {
    const r = rig({ stable: false, maxFiles: 5, sort: 'name' });
    sshd.put(`${r.dir}/seed.csv`, 'x');
    const local = path.join(sshd.home, path.posix.relative(sshd.home, r.dir));
    const { uid, gid } = fs.statSync(local);
    for (let i = 0; i < 100_000; i++) {
      const p = path.join(local, `f${String(i).padStart(6, '0')}.csv`);
      fs.writeFileSync(p, 'x');
      fs.chownSync(p, uid, gid);
    }
    const t0 = Date.now();
    const res = await r.poller.poll();
    expect(res.emitted).toBe(5);
    expect(r.files.map((f) => f.file.name)).toEqual(['f000000.csv', 'f000001.csv', 'f000002.csv', 'f000003.csv', 'f000004.csv']);
    expect(Date.now() - t0).toBeLessThan(60_000);
    fs.rmSync(local, { recursive: true, force: true });
  }, 120_000);
});

describe('upload on OpenSSH', () => {
  it('writes under a temporary name, renames when complete, then the done-marker', async () => {
    const c = connection();
    const dir = `${sshd.home}/outbox${++n}`;
    const seen: string[][] = [];
    const watcher = setInterval(() => seen.push(sshd.ls(dir)), 1);
    const up = await upload(c, Buffer.alloc(2_000_000, 'x'), 'PO-0001.csv', { dir, exists: 'fail', doneMarker: '.done', createDir: true });
    clearInterval(watcher);
    expect(up).toEqual({ path: `${dir}/PO-0001.csv`, name: 'PO-0001.csv', size: 2_000_000 });
    expect(sshd.ls(dir)).toEqual(['PO-0001.csv', 'PO-0001.csv.done']);
    expect(fs.statSync(path.join(sshd.home, path.posix.relative(sshd.home, up.path))).size).toBe(2_000_000);
    // whenever the final name was visible, it was complete: only the dot-temp name was ever partial
    expect(seen.flat().filter((x) => x !== 'PO-0001.csv' && x !== 'PO-0001.csv.done').every((x) => /^\.PO-0001\.csv\.[0-9a-f]{8}\.part$/.test(x))).toBe(true);
  });

  it('exists policy: fail, unique name, overwrite', async () => {
    const c = connection();
    const dir = `${sshd.home}/outbox${++n}`;
    await upload(c, Buffer.from('one'), 'po.csv', { dir, exists: 'fail', createDir: true });
    await expect(upload(c, Buffer.from('two'), 'po.csv', { dir, exists: 'fail', createDir: true })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/exists already/) });
    expect((await upload(c, Buffer.from('two'), 'po.csv', { dir, exists: 'unique', createDir: true })).name).toBe('po-1.csv');
    await upload(c, Buffer.from('three'), 'po.csv', { dir, exists: 'overwrite', createDir: true });
    expect(sshd.ls(dir)).toEqual(['po-1.csv', 'po.csv']);
    expect(fs.readFileSync(path.join(sshd.home, path.posix.relative(sshd.home, `${dir}/po.csv`)), 'utf8')).toBe('three');
    await expect(upload(c, Buffer.from('x'), '../escape.csv', { dir, exists: 'fail', createDir: true })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
