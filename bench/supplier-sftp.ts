/**
 * Benchmark: supplier-sftp's poller (one SSH connection for the whole poll)
 * against what today's Node-RED SFTP nodes do, a new connection per file.
 *
 *   npm run bench -- supplier-sftp --json     (needs root and openssh-server: it starts its own sshd)
 *
 * Same server (a real OpenSSH on a loopback port), same run, same 500 small
 * CSV files, same work per file: claim/download/move to the archive folder.
 * Ours: `SupplierPoller.poll()` with the ledger on (fsync per file), then the
 * outcome reported for each file. Baseline: list once, then per file connect,
 * authenticate (ed25519 key), download, rename into the archive, disconnect.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SftpConnection, type SftpServerOptions } from '../lib/sftp/connection';
import { JsonlLedger } from '../lib/sftp/ledger';
import { POLL_DEFAULTS, SupplierPoller } from '../lib/sftp/poller';
import { joinRemote, list, mkdirp, readAll, rename } from '../lib/sftp/remote';
import { startSshd, type Sshd } from '../sandbox/sftp/sshd';

export interface SftpBenchResult {
  files: number;
  seconds: number;
  files_per_s: number;
  baseline_files_per_s: number;
  ratio: number;
  connections: number;
  baseline_connections: number;
  target_ratio: number;
  target_met: boolean;
}

function fill(sshd: Sshd, dir: string, files: number): void {
  const body = 'Art.-Nr.;Preis;Währung\n' + Array.from({ length: 40 }, (_x, i) => `A-${i};${i},50;EUR`).join('\n') + '\n';
  for (let i = 0; i < files; i++) sshd.put(`${dir}/preise-${String(i).padStart(4, '0')}.csv`, body);
}

export async function run(opts: { files?: number } = {}): Promise<SftpBenchResult> {
  const files = opts.files ?? 500;
  const sshd = await startSshd();
  const ledgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ledger-'));
  try {
    const server: SftpServerOptions = { host: sshd.host, port: sshd.port, username: sshd.user, privateKey: sshd.privateKey, hostKey: { mode: 'fingerprint', fingerprints: [sshd.fingerprint] }, keepaliveMs: 0, connectTimeoutMs: 20_000, operationTimeoutMs: 60_000 };
    const ours = `${sshd.home}/ours`;
    const base = `${sshd.home}/baseline`;
    fill(sshd, ours, files);
    fill(sshd, base, files);

    // ours: one connection, the poller's claim → download → archive, ledger on
    const conn = new SftpConnection(server);
    const ledger = new JsonlLedger(path.join(ledgerDir, 'ledger.jsonl'));
    const claims: string[] = [];
    const poller = new SupplierPoller(conn, { ...POLL_DEFAULTS, dir: ours, workDir: `${ours}/.processing`, archiveDir: `${ours}/archive`, errorDir: `${ours}/error`, stable: false, maxFiles: files, instance: 'bench', supplier: 'bench' }, ledger, {
      file: (f) => claims.push(f.claim),
      problem: (e) => {
        throw e;
      },
      notice: () => undefined,
    });
    const t0 = process.hrtime.bigint();
    await poller.poll();
    await Promise.all(claims.map((c) => poller.settle(c)));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const connections = conn.connects;
    await conn.close();
    await ledger.close();
    if (sshd.ls(`${ours}/archive`).length !== files) throw new Error(`ours archived ${sshd.ls(`${ours}/archive`).length} of ${files}`);

    // baseline: a connection per file, as the Node-RED SFTP nodes in use today
    const t1 = process.hrtime.bigint();
    const lister = new SftpConnection(server);
    const entries = (await list(lister, base)).filter((e) => e.isFile);
    await mkdirp(lister, `${base}/archive`);
    await lister.close();
    let baselineConnections = 1;
    for (const e of entries) {
      const c = new SftpConnection(server);
      await readAll(c, e.path, 1 << 20);
      await rename(c, e.path, joinRemote(`${base}/archive`, e.name));
      baselineConnections += c.connects;
      await c.close();
    }
    const baseSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
    if (sshd.ls(`${base}/archive`).length !== files) throw new Error(`baseline archived ${sshd.ls(`${base}/archive`).length} of ${files}`);

    const fps = files / seconds;
    const bfps = files / baseSeconds;
    const ratio = Math.round((fps / bfps) * 100) / 100;
    return {
      files,
      seconds: Math.round(seconds * 1000) / 1000,
      files_per_s: Math.round(fps),
      baseline_files_per_s: Math.round(bfps * 10) / 10,
      ratio,
      connections,
      baseline_connections: baselineConnections,
      target_ratio: 5,
      target_met: ratio >= 5,
    };
  } finally {
    await sshd.destroy();
    fs.rmSync(ledgerDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run()
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}
