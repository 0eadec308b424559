/**
 * Benchmark: a 200 MB supplier CSV mapped row chunk by row chunk (the ACME
 * mapping: 12 fields, validated, deduplicated across the whole file) with
 * the peak RSS growth of the process. Target: under 150 MB.
 *
 *   npm run bench -- canonical-stream --json     (or: node dist/bench/canonical-stream.js [--mb 200])
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileMapping } from '../lib/canonical';
import { mapSupplierStream } from '../lib/canonical/stream';

export interface StreamBenchResult {
  bytes: number;
  rows: number;
  chunks: number;
  seconds: number;
  rows_per_s: number;
  peak_rss_growth_mb: number;
  target_mb: number;
  target_met: boolean;
}

function root(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** Writes a price list of `mb` megabytes: realistic long descriptions, every row valid and unique. */
export function writeBigCsv(file: string, mb: number): { bytes: number; rows: number } {
  const header = fs.readFileSync(path.join(root(), 'mappings', 'acme-tools.price-list.sample.csv'), 'utf8').split('\n')[0] as string;
  const desc = 'Schraubendreher-Set 6-tlg. mit Magnethalter, Chrom-Vanadium-Stahl, ergonomischer Zweikomponentengriff, Aufbewahrungsbox aus Kunststoff, für Schlitz- und Kreuzschlitzschrauben';
  const fd = fs.openSync(file, 'w');
  let bytes = fs.writeSync(fd, header + '\r\n');
  let rows = 0;
  while (bytes < mb * 1024 * 1024) {
    let block = '';
    for (let k = 0; k < 200; k++, rows++) block += `A-${rows};${desc} ${rows};furn_${rows};1.234,50;EUR;${1 + (rows % 5)};Stk;5;01.01.2026;31.12.2026;2,5\r\n`;
    bytes += fs.writeSync(fd, Buffer.from(block, 'utf8'));
  }
  fs.closeSync(fd);
  return { bytes, rows };
}

export async function run(opts: { mb?: number; chunkRows?: number } = {}): Promise<StreamBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'big-csv-'));
  const file = path.join(dir, 'preise.csv');
  try {
    const made = writeBigCsv(file, opts.mb ?? 200);
    const mapping = compileMapping(JSON.parse(fs.readFileSync(path.join(root(), 'mappings', 'acme-tools.price-list.json'), 'utf8')));
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    let valid = 0;
    let lastRow = 0;
    const t0 = process.hrtime.bigint();
    let result: { chunks: number; rows: number };
    try {
      result = await mapSupplierStream(mapping, fs.createReadStream(file, { highWaterMark: 1 << 16 }), opts.chunkRows ?? 500, (c) => {
        if (c.invalid.length) throw new Error(`unexpected invalid row: ${c.invalid[0]?.problems[0]?.message}`);
        valid += c.valid.length;
        lastRow = c.valid[c.valid.length - 1]?.row ?? lastRow;
        peak = Math.max(peak, process.memoryUsage().rss);
      });
    } finally {
      clearInterval(sampler);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (valid !== made.rows || lastRow !== made.rows + 1) throw new Error(`expected ${made.rows} valid rows ending on line ${made.rows + 1}, got ${valid} ending on ${lastRow}`);
    const growth = Math.round(((peak - before) / (1024 * 1024)) * 10) / 10;
    return { bytes: made.bytes, rows: made.rows, chunks: result.chunks, seconds: Math.round(seconds * 1000) / 1000, rows_per_s: Math.round(made.rows / seconds), peak_rss_growth_mb: growth, target_mb: 150, target_met: growth < 150 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const i = process.argv.indexOf('--mb');
  run({ ...(i > 0 ? { mb: Number(process.argv[i + 1]) } : {}) })
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}
