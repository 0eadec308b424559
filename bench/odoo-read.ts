/**
 * 50,000 records read through odoo-read in per-page mode; RSS is sampled
 * during the read to show pages are not accumulated.
 */
import { OdooClient } from '../lib/odoo/client';
import { benchTarget } from './target';
import { loadNodes } from './nodes';

const RECORDS = Number(process.env.BENCH_READ_RECORDS ?? 50_000);
const PAGE = 1000;

export async function run(): Promise<Record<string, number>> {
  const target = await benchTarget();
  const prefix = `BENCHR-${Date.now().toString(36)}`;
  const seeder = new OdooClient({ url: target.url, database: target.database, login: target.login, secret: target.secret, secretKind: target.secretKind, timeoutMs: 600_000 });
  try {
    for (let i = 0; i < RECORDS; i += 2000) {
      const n = Math.min(2000, RECORDS - i);
      await seeder.create('res.partner', Array.from({ length: n }, (_x, k) => ({ name: `${prefix} partner ${i + k}`, ref: `${prefix}-${i + k}`, email: `p${i + k}@example.com`, comment: 'seeded for the odoo-read benchmark' })));
    }
    const nodes = await loadNodes(target, { type: 'odoo-read', operation: 'search_read', model: 'res.partner', domain: JSON.stringify([['ref', '=like', `${prefix}-%`]]), domainType: 'json', fields: 'name,ref,email,comment,is_company,create_date', pageSize: PAGE, output: 'page' });
    try {
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 5);
      const start = process.hrtime.bigint();
      nodes.input.receive({ payload: null });
      await nodes.waitFor(0, () => nodes.records() >= RECORDS || nodes.errors() > 0);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      if (nodes.errors() > 0) throw new Error('the read failed');
      return {
        records: nodes.records(),
        seconds: round(seconds),
        records_per_s: round(nodes.records() / seconds),
        peak_rss_mb: round(peak / 2 ** 20),
        rss_growth_mb: round((peak - before) / 2 ** 20),
      };
    } finally {
      await nodes.close();
    }
  } finally {
    if (target.real) {
      for (;;) {
        const ids = await seeder.search('res.partner', { domain: [['ref', '=like', `${prefix}-%`]], limit: 5000 });
        if (!ids.length) break;
        await seeder.unlink('res.partner', ids);
      }
    }
    seeder.close();
    target.stop();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
