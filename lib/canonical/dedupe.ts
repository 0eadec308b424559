/**
 * Finds rows whose dedupe fields equal an earlier row's. A numeric hash of the
 * values picks candidates and an exact comparison decides, so no key string is
 * built per row.
 */
export class DedupeIndex {
  private readonly byHash = new Map<number, number | number[]>();
  private readonly values: Record<string, unknown>[] = [];
  private readonly rows: number[] = [];

  /** Compact mode: one key string per row instead of the row's object. */
  private readonly byKey: Map<string, number> | undefined;

  /** `compact`: keep only a key of the dedupe fields (a file mapped in chunks must not keep every object). */
  constructor(
    private readonly fields: readonly string[],
    compact = false,
  ) {
    if (compact) this.byKey = new Map();
  }

  /** The row of the first occurrence of these values; registers them and returns undefined when new. */
  firstRow(value: Record<string, unknown>, row: number): number | undefined {
    if (this.byKey !== undefined) {
      const parts: string[] = [];
      for (const f of this.fields) {
        const v = value[f];
        parts.push(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
      }
      // join makes one flat string: a key built by += would keep its pieces alive, several times the size
      const key = parts.join('\u0000');
      const first = this.byKey.get(key);
      if (first !== undefined) return first;
      this.byKey.set(key, row);
      return undefined;
    }
    const h = this.hash(value);
    const hit = this.byHash.get(h);
    if (hit === undefined) {
      this.byHash.set(h, this.add(value, row));
      return undefined;
    }
    if (typeof hit === 'number') {
      if (this.same(this.values[hit], value)) return this.rows[hit];
      this.byHash.set(h, [hit, this.add(value, row)]);
      return undefined;
    }
    for (const i of hit) if (this.same(this.values[i], value)) return this.rows[i];
    hit.push(this.add(value, row));
    return undefined;
  }

  private add(value: Record<string, unknown>, row: number): number {
    this.values.push(value);
    this.rows.push(row);
    return this.values.length - 1;
  }

  private same(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
    for (const f of this.fields) {
      const x = a[f];
      const y = b[f];
      if (x !== y && (typeof x !== 'object' || JSON.stringify(x) !== JSON.stringify(y))) return false;
    }
    return true;
  }

  private hash(value: Record<string, unknown>): number {
    let h = 0x811c9dc5; // FNV-1a
    for (const f of this.fields) {
      const v = value[f];
      if (typeof v === 'number' && (v | 0) === v) {
        h = Math.imul(h ^ v, 0x01000193);
      } else {
        const s = typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
        for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
      }
      h = Math.imul(h ^ 0x1f, 0x01000193);
    }
    return h & 0x3fffffff; // stays a small integer: cheap Map key
  }
}
