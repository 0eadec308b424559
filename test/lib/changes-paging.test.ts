/**
 * Paging against what a real Odoo does and the sandbox cannot show: Odoo
 * stores write_date with microseconds, orders and compares by them, and sends
 * it to the second. A server of that behaviour (in memory, search_read only)
 * with more records in one second than a page, stamped out of id order, as
 * concurrent transactions stamp them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OdooClient, OdooRecord } from '../../lib/odoo/client';
import { Change, ChangeFeed } from '../../lib/odoo/changes';

interface Row { id: number; micros: number; name: string }

/** Just enough of Odoo's search_read: domain terms on write_date and id (>=, <, >, in), order by write_date (µs) then id, seconds out. */
function microServer(rows: Row[]) {
  let calls = 0;
  const text = (us: number) => new Date(Math.floor(us / 1e6) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const parse = (t: string) => Date.parse(`${t.replace(' ', 'T')}Z`) * 1000;
  const client = {
    get calls() {
      return calls;
    },
    async searchRead(_model: string, o: { domain?: unknown[]; fields?: string[]; order?: string; limit?: number }): Promise<OdooRecord[]> {
      calls++;
      const terms = (o.domain ?? []).filter((t): t is [string, string, unknown] => Array.isArray(t));
      let out = rows.filter((r) => terms.every(([f, op, v]) => {
        const x = f === 'write_date' ? r.micros : f === 'id' ? r.id : f === 'name' ? r.name : undefined;
        const y = f === 'write_date' ? parse(String(v)) : v;
        if (op === '>=') return (x as number) >= (y as number);
        if (op === '<') return (x as number) < (y as number);
        if (op === '>') return (x as number) > (y as number);
        if (op === 'in') return (y as unknown[]).includes(x);
        if (op === '=like') return String(x).startsWith(String(y).replace('%', ''));
        throw new Error(`operator ${op}`);
      }));
      out = out.sort(o.order === 'id asc' ? (a, b) => a.id - b.id : (a, b) => a.micros - b.micros || a.id - b.id);
      return out.slice(0, o.limit ?? out.length).map((r) => ({ id: r.id, name: r.name, write_date: text(r.micros) }));
    },
  };
  return client;
}

describe('ChangeFeed paging by (write_date, id) as a real Odoo orders it', () => {
  it('1,200 records in one second, stamped out of id order, pages of 100: every one once', async () => {
    const second = Date.UTC(2030, 0, 1, 12, 0, 0) * 1000;
    // ids in creation order, stamps in transaction-start order: a permutation
    const rows: Row[] = Array.from({ length: 1200 }, (_, i) => ({ id: i + 1, micros: second + ((i * 7919) % 1200) * 500, name: `X-${i}` }));
    rows.push(...Array.from({ length: 150 }, (_, i) => ({ id: 2000 + i, micros: second + 1_000_000 + ((i * 31) % 150) * 1000, name: `Y-${i}` })));
    const server = microServer(rows);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'changes-paging-'));
    const got: Change[] = [];
    const feed = await ChangeFeed.open(server as unknown as OdooClient, { model: 'x.model', fields: ['name'], start: { from: 'beginning' }, pageSize: 100 }, path.join(dir, 'f.journal'), (c) => got.push(...c));
    await feed.poll();
    expect(got).toHaveLength(1350);
    expect(new Set(got.map((c) => c.id)).size).toBe(1350);
    await feed.poll();
    expect(got).toHaveLength(1350);
    await feed.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
