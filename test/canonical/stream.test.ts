/** A large CSV mapped row chunk by row chunk: the same results as a whole file, and a 200 MB file never in memory. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as iconv from 'iconv-lite';
import { compileMapping } from '../../lib/canonical';
import { mapToCanonical } from '../../lib/canonical/flow';
import { mapSupplierStream, type MappedChunk } from '../../lib/canonical/stream';
import { EXAMPLES, loadExample } from './fixtures';

const spec = loadExample('acme-tools.price-list.json');
const csv = fs.readFileSync(path.join(EXAMPLES, 'acme-tools.price-list.sample.csv'), 'utf8');

async function chunked(bytes: Buffer, chunkRows: number, piece: number): Promise<MappedChunk[]> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += piece) parts.push(bytes.subarray(i, i + piece));
  const out: MappedChunk[] = [];
  await mapSupplierStream(compileMapping(spec), Readable.from(parts), chunkRows, (c) => {
    out.push(c);
  });
  return out;
}

describe('CSV files in row chunks', () => {
  it.each([
    ['utf-8', Buffer.from(csv)],
    ['windows-1252', iconv.encode(csv, 'windows-1252')],
    ['utf-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv)])],
  ])('%s, 2 rows a chunk, 7 bytes a read: the same objects, problems and file lines as the whole file (duplicates across chunks)', async (_n, bytes) => {
    const whole = await mapToCanonical(compileMapping(spec), bytes, false);
    const chunks = await chunked(bytes, 2, 7);
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(chunks.map((c) => c.last)).toEqual([false, false, false, true]);
    expect(chunks.flatMap((c) => c.valid.map((v) => v.row))).toEqual(whole.ok[0]?.rows);
    expect(chunks.flatMap((c) => c.valid.map((v) => v.value))).toEqual(whole.ok[0]?.payload);
    expect(chunks.flatMap((c) => c.invalid.flatMap((v) => v.problems.map((p) => p.message)))).toEqual((whole.failed[0]?.error.details?.problems as Array<{ message: string }>).map((p) => p.message));
    expect(chunks.flatMap((c) => c.skippedBlank)).toEqual([5]);
  });

  it('file-level problems are the same errors as for a whole file', async () => {
    await expect(chunked(Buffer.from(csv.replace(/;/g, ',')), 100, 64)).rejects.toMatchObject({ code: 'BAD_INPUT', details: { reason: 'csv', detectedSeparator: ',' } });
    await expect(chunked(Buffer.alloc(0), 100, 64)).rejects.toMatchObject({ details: { reason: 'empty' } });
    await expect(chunked(Buffer.from(csv.split('\n')[0] + '\n'), 100, 5)).rejects.toMatchObject({ details: { reason: 'no-data-rows' } });
  });

  it('a 200 MB file is mapped chunk by chunk in a process whose heap could not hold it (in a fresh Node process, as deployed)', () => {
    // the heap is capped below the file's size: holding the file (or its rows) whole would crash with out-of-memory.
    // RSS growth is the benchmark's number (`npm run bench -- canonical-stream`), not a test's: it moves with the machine's load
    const script = path.join(__dirname, '..', '..', 'dist', 'bench', 'canonical-stream.js');
    const out = JSON.parse(execFileSync(process.execPath, ['--max-old-space-size=128', script], { encoding: 'utf8', timeout: 280_000 }).trim().split('\n').pop() as string);
    process.stdout.write(`200 MB CSV: ${JSON.stringify(out)}\n`);
    expect(out.bytes).toBeGreaterThanOrEqual(200 * 1024 * 1024);
    expect(out.rows).toBeGreaterThan(800_000);
  }, 300_000);
});
