/**
 * The fast check (lib/canonical/fast-check.ts) lets a mapped row skip zod when
 * it proves zod would accept the row unchanged. These tests hold it to that:
 * whenever it says yes, zod says yes and returns the same object; and a
 * mapping with it gives exactly what the zod-only mapping gives, valid rows
 * and problems alike.
 */
import { z } from 'zod';
import { compileFastCheck } from '../../lib/canonical/fast-check';
import { compileMapping, type CompiledMapping } from '../../lib/canonical';
import { readSupplierFile } from '../../lib/canonical/file';
import { listSchemas } from '../../lib/canonical/registry';
import { makeFile, makeRows } from '../../bench/canonical-map';
import { FIXTURES, loadExample } from './fixtures';

/** The same library with the fast check switched off: every row goes through zod, as before it existed. */
let zodOnly!: typeof import('../../lib/canonical');
jest.isolateModules(() => {
  jest.doMock('../../lib/canonical/fast-check', () => ({ compileFastCheck: () => undefined }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  zodOnly = require('../../lib/canonical');
});

type Obj = Record<string, unknown>;

const EDGE_VALUES: unknown[] = [
  undefined,
  null,
  '',
  ' ',
  'A',
  'AB',
  'x'.repeat(32),
  'x'.repeat(64),
  'x'.repeat(65),
  'x'.repeat(128),
  'x'.repeat(129),
  'x'.repeat(256),
  'x'.repeat(257),
  'x'.repeat(512),
  'x'.repeat(513),
  '😀'.repeat(32), // 64 UTF-16 units, 32 code points
  '😀'.repeat(33), // 66 units, 33 code points: zod counts code points
  '😀'.repeat(65),
  '😀',
  '\ud800', // a lone surrogate
  'EUR',
  'eur',
  'EURO',
  'E1R',
  '2026-03-31',
  '2026-02-29',
  '2028-02-29',
  '2026-13-01',
  '2026-3-31',
  '2026-03-31T10:00:00Z',
  '2026-03-31T10:00:00.123Z',
  '2026-03-31T10:00:00+02:00',
  '2026-03-31 10:00:00',
  '2026-03-31T10:00:00',
  'accepted',
  'changed',
  'count',
  'adjust',
  'move',
  0,
  -0,
  -1,
  1,
  0.5,
  1.5,
  24,
  99.99,
  100,
  100.5,
  3650,
  3651,
  2 ** 53,
  -(2 ** 53),
  1e300,
  NaN,
  Infinity,
  -Infinity,
  true,
  false,
  {},
  [],
  [{}],
  new Date('2026-03-31T00:00:00Z'),
  10n,
];

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Every way to break or bend `value` one field at a time, nested lines and groups included. */
function variants(value: Obj): unknown[] {
  const out: unknown[] = [];
  const bend = (o: Obj, rebuild: (changed: Obj) => unknown) => {
    const keys = Object.keys(o);
    for (const k of keys) {
      for (const e of EDGE_VALUES) out.push(rebuild({ ...o, [k]: e }));
      const { [k]: _dropped, ...without } = o;
      out.push(rebuild(without));
      const child = o[k];
      if (Array.isArray(child) && child.length > 0 && typeof child[0] === 'object') {
        const line = child[0] as Obj;
        bend(line, (l) => rebuild({ ...o, [k]: [l, ...child.slice(1)] }));
        out.push(rebuild({ ...o, [k]: [] }));
        const sparse = [...child];
        sparse.length = child.length + 1;
        out.push(rebuild({ ...o, [k]: sparse }));
      } else if (child !== null && typeof child === 'object' && !Array.isArray(child)) {
        bend(child as Obj, (c) => rebuild({ ...o, [k]: c }));
      }
    }
    out.push(rebuild({ ...o, unknownKey: 'x' })); // zod drops unknown keys: not the same object
    out.push(rebuild(Object.fromEntries(Object.entries(o).reverse()))); // zod orders keys as the schema does
    out.push(rebuild(Object.assign(Object.create(null), o)));
  };
  bend(value, (v) => v);
  out.push(null, undefined, 'text', [], [value]);
  return out;
}

describe('compileFastCheck', () => {
  it('has a predicate for every built-in canonical object', () => {
    for (const e of listSchemas()) expect([e.id, typeof compileFastCheck(e.schema)]).toEqual([e.id, 'function']);
  });

  it('gives none for what it cannot prove: defaults, transforms, coercion, catchall, unions', () => {
    expect(compileFastCheck(z.object({ a: z.string().default('x') }))).toBeUndefined();
    expect(compileFastCheck(z.object({ a: z.string().trim() }))).toBeUndefined();
    expect(compileFastCheck(z.object({ a: z.string().transform((s) => s.length) }))).toBeUndefined();
    expect(compileFastCheck(z.object({ a: z.coerce.number() }))).toBeUndefined();
    expect(compileFastCheck(z.object({ a: z.string() }).catchall(z.string()))).toBeUndefined();
    expect(compileFastCheck(z.object({ a: z.union([z.string(), z.number()]) }))).toBeUndefined();
    expect(compileFastCheck(z.object({ a: z.string() }))).toBeDefined();
  });

  it('runs refinements as zod does, and says no when one reports an issue', () => {
    const s = z
      .object({ from: z.iso.date(), to: z.iso.date() })
      .superRefine((v, ctx) => {
        if (v.to < v.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'after from' });
      })
      .refine((v) => v.from !== '2000-01-01');
    const check = compileFastCheck(s) as (v: unknown) => boolean;
    expect(check({ from: '2026-01-01', to: '2026-12-31' })).toBe(true);
    expect(check({ from: '2026-12-31', to: '2026-01-01' })).toBe(false);
    expect(check({ from: '2000-01-01', to: '2026-01-01' })).toBe(false);
  });

  it.each(FIXTURES.map((f) => [f.id, f] as const))('%s: a yes is always a zod yes with the same object', async (_id, f) => {
    const entry = listSchemas().find((e) => e.id === f.id);
    if (entry === undefined) throw new Error(`no schema ${f.id}`);
    const check = compileFastCheck(entry.schema) as (v: unknown) => boolean;
    const mapping = zodOnly.compileMapping(f.spec);
    const disagreements: string[] = [];
    let yes = 0;
    let zodYes = 0;
    for (let i = 1; i <= 3; i++) {
      const r = await mapping.map(f.row(i), i);
      if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
      expect(check(r.value)).toBe(true); // the mapped objects themselves take the fast path
      for (const v of variants(r.value)) {
        const before = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
        const fast = check(v);
        const parsed = entry.schema.safeParse(clone(v));
        expect(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))).toBe(before); // the check changes nothing
        if (parsed.success) zodYes++;
        if (!fast) continue;
        yes++;
        const same = parsed.success && JSON.stringify(parsed.data) === JSON.stringify(v) && Object.getPrototypeOf(v) === Object.prototype;
        if (!same) disagreements.push(before.slice(0, 300));
        else expect(parsed.data).toEqual(v);
      }
    }
    expect(disagreements).toEqual([]);
    expect(yes).toBeGreaterThan(0);
    expect(yes).toBeLessThanOrEqual(zodYes);
  });
});

// ---------------------------------------------------------------- whole mappings: with and without the fast check

function sameResults(a: unknown, b: unknown): void {
  expect(a).toEqual(b);
  expect(JSON.stringify(a)).toBe(JSON.stringify(b)); // key order too
}

async function both(spec: unknown, rows: unknown[], rowNumbers?: number[]) {
  const fast: CompiledMapping = compileMapping(spec);
  const slow = zodOnly.compileMapping(spec);
  return [await fast.mapMany(rows, rowNumbers), await slow.mapMany(rows, rowNumbers)] as const;
}

const SOURCE_EDGES = ['', ' ', 'x', '0', '-1', '1.234,5', '1,23,4', '12,00', '100,5', '3651', '5,5', '31.02.2026', '29.02.2028', '01.01.2020', 'abc', 'EURO', 'usd', 'Dtz', 'Kg', '😀'.repeat(40), 'x'.repeat(70), 'x'.repeat(300)];

describe('mapping with the fast check', () => {
  it('ACME price list: the same valid objects and the same problems as zod alone, cell by cell', async () => {
    const base = makeRows(40);
    const rows: unknown[] = [...makeRows(2000)];
    for (const col of Object.keys(base[0])) {
      SOURCE_EDGES.forEach((e, j) => rows.push({ ...base[j % base.length], [col]: e }));
    }
    rows.push(base[3], base[5], {}, null, 'text'); // duplicates, blank, not objects
    const [fast, slow] = await both(loadExample('acme-tools.price-list.json'), rows);
    sameResults(fast, slow);
    expect(fast.valid.length).toBeGreaterThan(2000);
    expect(fast.invalid.length).toBeGreaterThan(100);
    // the rows reach every kind of problem: mapping ones and the schema's (zod's) ones
    const kinds = new Set(fast.invalid.flatMap((x) => x.problems.map((p) => p.kind)));
    expect([...kinds]).toEqual(expect.arrayContaining(['duplicate', 'format', 'length', 'range', 'rule', 'type', 'value']));
  });

  it('ACME price list from the file bytes: the same results as zod alone', async () => {
    const rows = makeRows(3000);
    rows[10]['Gültig bis'] = '01.01.2020'; // before validFrom: the schema's refinement
    rows[11]['Währung'] = 'EURO';
    rows[12].Bezeichnung = 'ü'.repeat(257);
    rows[13] = { ...rows[2] }; // a duplicate
    const spec = loadExample('acme-tools.price-list.json');
    const read = await readSupplierFile(makeFile(rows), compileMapping(spec).spec);
    const [fast, slow] = await both(spec, read.rows, read.rowNumbers);
    sameResults(fast, slow);
    expect(fast.invalid.map((x) => [x.row, x.problems.map((p) => p.path)])).toEqual([
      [12, ['validTo']],
      [13, ['currency']],
      [14, ['productName']],
      [15, ['supplierCode+supplierProductCode+minQty']],
    ]);
  });

  it.each(FIXTURES.map((f) => [f.id, f] as const))('%s: the same results as zod alone, good and broken rows', async (_id, f) => {
    const rows: unknown[] = [];
    for (let i = 1; i <= 30; i++) rows.push(f.row(i));
    for (const b of [f.wrongType, f.missing, f.oversized]) {
      const r = f.row(100);
      b.apply(r);
      rows.push(r);
    }
    // every top-level source value bent in turn
    const sample = f.row(200);
    for (const k of Object.keys(sample)) {
      for (const e of [...SOURCE_EDGES, null, 7, -7, 0.5, {}, []]) rows.push({ ...f.row(300), [k]: e });
    }
    rows.push(f.blank(), f.row(1));
    const [fast, slow] = await both(f.spec, rows);
    sameResults(fast, slow);
    expect(fast.valid.length).toBeGreaterThanOrEqual(30);
  });
});
