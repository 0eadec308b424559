/**
 * `npm run bench -- supplier-intake --json`: uploads of a small price list,
 * 50 at a time, through the intake's HTTP handler into its journal on disk:
 * each 202 only after fsync, so the number is what group commit makes of the
 * disk. Baseline in the same run: the same uploads with one fsync each
 * (no group commit), as a handler that writes and syncs a file per upload would.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { handleUpload } from '../lib/intake/http';
import { IntakeStore } from '../lib/intake/store';

const UPLOADS = 2000;
const PARALLEL = 50;
const BODY = fs.readFileSync(path.join(__dirname, '..', '..', 'mappings', 'acme-tools.price-list.sample.csv'));

async function drive(url: string): Promise<{ seconds: number; p99: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: PARALLEL });
  const latencies: number[] = [];
  let next = 0;
  const start = process.hrtime.bigint();
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const req = http.request(url, { method: 'POST', agent, headers: { Authorization: 'Bearer bench', 'Content-Length': BODY.length } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 202) reject(new Error(`status ${res.statusCode}`));
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          resolve();
        });
      });
      req.on('error', reject);
      req.end(BODY);
    });
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next++ < UPLOADS) await one();
  }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { seconds, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

async function serve(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise((r) => server.close(() => r())) };
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-intake-'));
  try {
    const store = await IntakeStore.open(path.join(dir, 'uploads.journal'));
    const s = await serve((req, res) => void handleUpload({ supplier: 'acme-tools', document: 'price-list', maxBytes: 1 << 20, tokens: () => ['bench'], store: () => store, statusUrl: (_r, id) => `/uploads/${id}`, accepted: () => undefined }, req, res));
    const ours = await drive(s.url);
    await s.close();
    const fsyncs = (store as unknown as { journal: { fsyncs: number } }).journal.fsyncs;
    await store.release();
    // baseline: one file written and fsynced per upload
    let n = 0;
    const b = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const fh = await fs.promises.open(path.join(dir, `upload-${n++}`), 'w', 0o600);
        await fh.write(Buffer.concat(chunks));
        await fh.datasync();
        await fh.close();
        res.writeHead(202).end('{}');
      });
    });
    const base = await drive(b.url);
    await b.close();
    return {
      uploads: UPLOADS,
      parallel: PARALLEL,
      seconds: +ours.seconds.toFixed(2),
      uploads_per_s: Math.round(UPLOADS / ours.seconds),
      p99_ms: +ours.p99.toFixed(1),
      fsyncs,
      baseline_uploads_per_s: Math.round(UPLOADS / base.seconds),
      baseline_p99_ms: +base.p99.toFixed(1),
      ratio: +((UPLOADS / ours.seconds) / (UPLOADS / base.seconds)).toFixed(2),
      note: 'each 202 after fsync; baseline: one fsynced file per upload',
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
