/** The supplier-sftp benchmark runs, counts the connections it claims, and prints the agreed keys. */
import { run } from '../../bench/supplier-sftp';

it('20 files: one connection for ours, one per file (+ the listing) for the baseline', async () => {
  const out = await run({ files: 20 });
  expect(Object.keys(out)).toEqual(['files', 'seconds', 'files_per_s', 'baseline_files_per_s', 'ratio', 'connections', 'baseline_connections', 'target_ratio', 'target_met']);
  expect(out).toMatchObject({ files: 20, connections: 1, baseline_connections: 21, target_ratio: 5 });
  expect(out.ratio).toBeCloseTo(out.files_per_s / out.baseline_files_per_s, 0);
}, 60_000);
