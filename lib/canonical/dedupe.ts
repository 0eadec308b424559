/**
 * Finds rows whose dedupe fields equal an earlier row's. A numeric hash of the
 * values picks candidates and an exact comparison decides, so no key string is
 * built per row.
 */
export class DedupeIndex {
  /**
   * Open hash table without a Map: `heads[hash & mask]` is the newest entry
   * of that bucket (-1: none), `next[i]` the entry before it, `hashes[i]` its
   * full hash. Entries are indexes into `values`/`rows`.
   */
  private heads = new Int32Array(1024).fill(-1);
  private next = new Int32Array(1024);
  private hashes = new Int32Array(1024);
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
    for (let i = this.heads[h & (this.heads.length - 1)] as number; i >= 0; i = this.next[i] as number) {
      if (this.hashes[i] === h && this.same(this.values[i] as Record<string, unknown>, value)) return this.rows[i];
    }
    this.add(h, value, row);
    return undefined;
  }

  private add(h: number, value: Record<string, unknown>, row: number): void {
    const i = this.values.length;
    if (i === this.next.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.next = grow(this.next);
      this.hashes = grow(this.hashes);
    }
    // at most one entry per bucket on average: double the buckets and put every entry in again
    if (i >= this.heads.length) {
      const heads = new Int32Array(this.heads.length * 2).fill(-1);
      const mask = heads.length - 1;
      for (let k = 0; k < i; k++) {
        const b = (this.hashes[k] as number) & mask;
        this.next[k] = heads[b] as number;
        heads[b] = k;
      }
      this.heads = heads;
    }
    const b = h & (this.heads.length - 1);
    this.values.push(value);
    this.rows.push(row);
    this.hashes[i] = h;
    this.next[i] = this.heads[b] as number;
    this.heads[b] = i;
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
