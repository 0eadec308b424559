/**
 * The same supplier-data failures, checked for every canonical object: each is
 * mapped in from a supplier's own shape (decimal commas, local times, unit
 * codes), and each way a row goes wrong is reported with path, expected,
 * received and row number, without blocking the good rows.
 */
import { compileMapping, type MapManyResult, type Problem } from '../../lib/canonical';
import { FIXTURES, type Breakage, type SchemaFixture } from './fixtures';

function expectProblem(problems: Problem[], b: Breakage, row?: number): void {
  const p = problems.find((x) => x.path === b.path);
  expect(p).toBeDefined();
  expect(p).toMatchObject({ kind: b.kind });
  if (b.expected) expect(p?.expected).toMatch(b.expected);
  if (b.received) expect(p?.received).toMatch(b.received);
  if (row !== undefined) {
    expect(p?.row).toBe(row);
    expect(p?.message).toContain(`row ${row}`);
  }
  expect(p?.message).toContain(b.path);
}

function breakRow(f: SchemaFixture, i: number, b: Breakage) {
  const r = f.row(i);
  b.apply(r);
  return r;
}

describe.each(FIXTURES.map((f) => [f.id, f] as const))('%s', (_id, f) => {
  const mapping = compileMapping(f.spec);

  it('maps a supplier row: decimal commas, time zones, unit conversion', async () => {
    const r = await mapping.map(f.row(1), 1);
    if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
    expect(r.value).toMatchObject(f.expected1);
    expect(mapping.schema.id).toBe(f.id);
  });

  it('reports a wrong type with path, expected, received and row', async () => {
    const r = await mapping.map(breakRow(f, 1, f.wrongType), 7);
    expect(r.ok).toBe(false);
    if (!r.ok) expectProblem(r.problems, f.wrongType, 7);
  });

  it('reports a missing required field', async () => {
    const r = await mapping.map(breakRow(f, 1, f.missing), 3);
    expect(r.ok).toBe(false);
    if (!r.ok) expectProblem(r.problems, f.missing, 3);
  });

  it('rejects an oversized string instead of cutting it', async () => {
    const r = await mapping.map(breakRow(f, 1, f.oversized), 2);
    expect(r.ok).toBe(false);
    if (!r.ok) expectProblem(r.problems, f.oversized, 2);
  });

  it('skips blank rows and reports their row numbers', async () => {
    const res = await mapping.mapMany([f.row(1), f.blank(), {}, null, f.row(2)]);
    expect(res.valid.map((v) => v.row)).toEqual([1, 5]);
    expect(res.skippedBlank).toEqual([2, 3, 4]);
    expect(res.invalid).toEqual([]);
    const single = await mapping.map(f.blank());
    expect(single.ok).toBe(false);
    if (!single.ok) expect(single.problems[0].kind).toBe('blank');
  });

  it('reports duplicate rows with the row of the first occurrence', async () => {
    const res = await mapping.mapMany([f.row(1), f.row(2), f.row(1), f.row(3), f.row(2)]);
    expect(res.valid.map((v) => v.row)).toEqual([1, 2, 4]);
    expect(res.invalid.map((x) => [x.row, x.problems[0].kind, x.problems[0].duplicateOf])).toEqual([
      [3, 'duplicate', 1],
      [5, 'duplicate', 2],
    ]);
    expect(res.invalid[0].problems[0].message).toMatch(/row 3: duplicate of row 1/);
  });

  it('keeps duplicates when the spec sets no dedupeBy', async () => {
    const spec = { ...f.spec, options: {} };
    const res = await compileMapping(spec).mapMany([f.row(1), f.row(1)]);
    expect(res.valid).toHaveLength(2);
  });

  it('maps 10,000 rows with 3 bad ones: 3 errors with row numbers, 9,997 valid', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => f.row(i + 1));
    rows[17] = breakRow(f, 18, f.wrongType);
    rows[4241] = breakRow(f, 4242, f.missing);
    rows[9999] = breakRow(f, 10_000, f.oversized);
    const res: MapManyResult = await mapping.mapMany(rows);
    expect(res.valid).toHaveLength(9_997);
    expect(res.invalid.map((x) => x.row)).toEqual([18, 4242, 10_000]);
    expectProblem(res.invalid[0].problems, f.wrongType, 18);
    expectProblem(res.invalid[1].problems, f.missing, 4242);
    expectProblem(res.invalid[2].problems, f.oversized, 10_000);
    expect(res.invalid[1].input).toBe(rows[4241]); // the original row, untouched
    expect(res.valid[17].row).toBe(19);
  });
});
