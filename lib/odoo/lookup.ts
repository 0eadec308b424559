import type { Context, OdooClient, OdooRecord } from './client';
import type { OdooVersion } from './versions';

interface Entry {
  records: OdooRecord[];
  expires: number;
}

/**
 * Finds records by business key (a partner by `ref`, a product by
 * `default_code`) for many values in one search, and remembers what it found
 * for `ttlMs`. Values not found are asked again next time: a supplier created
 * in Odoo a minute ago must be found now, not after the cache expires.
 */
export class LookupCache {
  private readonly entries = new Map<string, Entry>();
  calls = 0;

  constructor(
    private readonly client: OdooClient,
    private readonly ttlMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `fresh`: read now and keep nothing, for records whose state moves (orders, receipts, stock). */
  async find(model: string, field: string, values: Array<string | number>, o: { fields?: string[]; domain?: unknown[]; context?: Context; fresh?: boolean } = {}): Promise<Map<string, OdooRecord[]>> {
    const scope = JSON.stringify([model, field, o.fields ?? [], o.domain ?? [], o.context ?? {}]);
    const out = new Map<string, OdooRecord[]>();
    const missing: Array<string | number> = [];
    const t = this.now();
    for (const v of new Set(values)) {
      const hit = o.fresh ? undefined : this.entries.get(`${scope}\u0000${String(v)}`);
      if (hit && hit.expires > t) out.set(String(v), hit.records);
      else missing.push(v);
    }
    if (missing.length) {
      this.calls++;
      const found = await this.client.searchRead(model, {
        domain: [[field, 'in', missing], ...(o.domain ?? [])],
        fields: [...new Set([field, ...(o.fields ?? [])])],
        ...(o.context ? { context: o.context } : {}),
      });
      const grouped = new Map<string, OdooRecord[]>();
      for (const r of found) {
        const key = String(Array.isArray(r[field]) ? (r[field] as unknown[])[0] : r[field]);
        grouped.set(key, [...(grouped.get(key) ?? []), r]);
      }
      for (const [k, records] of grouped) {
        if (!o.fresh) this.entries.set(`${scope}\u0000${k}`, { records, expires: t + this.ttlMs });
        out.set(k, records);
      }
    }
    return out;
  }

  /** The server's version facts (field names that moved between versions), for planners. */
  version(): Promise<OdooVersion> {
    return this.client.version();
  }

  /** The time zone of the server's context (`tz`), for dates Odoo stores as datetimes. */
  timeZone(): string | undefined {
    const tz = this.client.options.context?.tz;
    return typeof tz === 'string' && tz ? tz : undefined;
  }

  clear(): void {
    this.entries.clear();
  }
}
