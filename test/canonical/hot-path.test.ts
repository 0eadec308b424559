/**
 * The shortcuts the per-row path takes for speed give what the plain code gave:
 * `trim()` skipped when no end is whitespace, shared date texts, objects made
 * by a generated constructor.
 */
import { compileMapping } from '../../lib/canonical';

const minimalSpec = (fields: Record<string, unknown>) => ({
  schema: 'supplier-price@1',
  specVersion: 1,
  fields: {
    supplierCode: { const: 'S' },
    supplierProductCode: { path: 'code' },
    internalRef: { const: 'R' },
    price: { const: 1 },
    currency: { const: 'EUR' },
    minQty: { const: 1 },
    uom: { const: 'Units' },
    leadTimeDays: { const: 0 },
    ...fields,
  },
  options: { onDuplicate: 'skip' },
});

describe('trim', () => {
  it('every character at either end is trimmed exactly when String.prototype.trim trims it', () => {
    const mapping = compileMapping(minimalSpec({}));
    const rows: { code: string }[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      rows.push({ code: `${ch}x${c}` }, { code: `x${c}${ch}` });
    }
    const res = mapping.mapManySync(rows);
    const byRow = new Map(res.valid.map((v) => [v.row, v.value.supplierProductCode]));
    const wrong: string[] = [];
    rows.forEach((r, i) => {
      const want = r.code.trim();
      const got = byRow.get(i + 1);
      if (got !== undefined && got !== want) wrong.push(`${JSON.stringify(r.code)} → ${JSON.stringify(got)}`);
      if (got === undefined && want.length <= 64) {
        const inv = res.invalid.find((x) => x.row === i + 1);
        // only lone surrogates or the like may fail, and then for a reason zod gives, never for whitespace left on
        if (inv === undefined || inv.problems.some((p) => p.path !== 'supplierProductCode')) wrong.push(`${JSON.stringify(r.code)}: missing`);
      }
    });
    expect(wrong).toEqual([]);
    expect(res.valid.length).toBeGreaterThan(130_000);
  });
});

describe('dates', () => {
  it('more distinct dates than the shared-text cache holds all come out right', () => {
    const mapping = compileMapping(minimalSpec({ validFrom: { path: 'from', date: { format: 'DD.MM.YYYY' } } }));
    const rows: { code: string; from: string }[] = [];
    const want: string[] = [];
    for (let t = Date.UTC(1990, 0, 1), i = 0; t < Date.UTC(2031, 0, 1); t += 86_400_000, i++) {
      const iso = new Date(t).toISOString().slice(0, 10);
      const [y, m, d] = iso.split('-');
      rows.push({ code: `c${i}`, from: `${d}.${m}.${y}` });
      want.push(iso);
    }
    expect(rows.length).toBeGreaterThan(10_000);
    // twice: the second pass reads the cache the first pass filled (and cleared on the way)
    for (let pass = 0; pass < 2; pass++) {
      const res = mapping.mapManySync(rows);
      expect(res.invalid).toEqual([]);
      expect(res.valid.map((v) => v.value.validFrom)).toEqual(want);
    }
  });
});

describe('canonical objects', () => {
  it('are plain objects with the keys in schema order, nested lines too', async () => {
    const { FIXTURES } = await import('./fixtures');
    for (const f of FIXTURES) {
      const r = await compileMapping(f.spec).map(f.row(1), 1);
      if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('\n'));
      const check = (o: unknown): void => {
        if (Array.isArray(o)) return o.forEach(check);
        if (o === null || typeof o !== 'object') return;
        expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
        expect((o as object).constructor).toBe(Object);
        expect(o).toStrictEqual(JSON.parse(JSON.stringify(o)));
        Object.values(o).forEach(check);
      };
      check(r.value);
      const schemaOrder = [...compileMapping(f.spec).schema.fields.keys()];
      const keys = Object.keys(r.value);
      expect(keys).toEqual(schemaOrder.filter((k) => keys.includes(k)));
    }
  });
});

describe('duplicates', () => {
  it('the hash table finds every duplicate and only those, past its growth steps and with shared buckets', async () => {
    const { DedupeIndex } = await import('../../lib/canonical/dedupe');
    const fields = ['a', 'b', 'n'];
    for (const compact of [false, true]) {
      const index = new DedupeIndex(fields, compact);
      const firstSeen = new Map<string, number>();
      const got: (number | undefined)[] = [];
      const want: (number | undefined)[] = [];
      for (let row = 1; row <= 50_000; row++) {
        // few distinct values (many repeats), numbers and texts, lists compared by content
        const i = (row * 7919) % 30_011;
        const value = { a: `k${i % 1000}`, b: i % 3 === 0 ? [i % 7] : `x${i % 31}`, n: i % 2 ? i : i + 0.5 };
        const key = JSON.stringify(fields.map((f) => (value as Record<string, unknown>)[f]));
        want.push(firstSeen.get(key));
        if (!firstSeen.has(key)) firstSeen.set(key, row);
        got.push(index.firstRow(value, row));
      }
      expect(got).toEqual(want);
      expect(want.filter((w) => w !== undefined).length).toBeGreaterThan(10_000);
    }
  });
});
