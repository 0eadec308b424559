/**
 * flows/supplier-price-sync.json as committed: price lists by HTTP upload and
 * from the supplier's SFTP folder become vendor prices in the sandbox Odoo;
 * the supplier's status URL names the file lines applied and refused; an
 * accepted upload survives a restart of Node-RED and is applied after it.
 */
import { until } from '../helpers/red';
import { harness, sample, TOKENS, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await harness('supplier-price-sync');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const prices = (ref: string) => {
  const s = h.sandbox.store;
  const partner = s.search('res.partner', [['ref', '=', ref]])[0];
  return s.read('product.supplierinfo', s.search('product.supplierinfo', [['partner_id', '=', partner]]), ['product_code', 'price', 'min_qty', 'currency_id', 'date_start', 'date_end']);
};
const ACME = TOKENS.SUPPLIER_TOKEN_ACME_TOOLS as string;

describe('HTTP upload', () => {
  it('202 once durable; the status URL says which file lines were applied, refused (with problems) and skipped; prices are in Odoo', async () => {
    const up = await h.post('/suppliers/acme-tools/price-list', sample('acme-tools.price-list.sample.csv'), ACME, { 'Content-Type': 'text/csv', 'X-Correlation-Id': 'acme-2026-03' });
    expect(up.status).toBe(202);
    expect(up.body).toMatchObject({ accepted: true, durable: true, stored: 'journal', reference: 'acme-2026-03', correlationId: up.body.id, statusUrl: expect.stringMatching(/\/api\/suppliers\/acme-tools\/price-list\/uploads\/[0-9a-f-]{36}$/) });
    const status = await h.finished(up.body.statusUrl, ACME);
    expect(status).toMatchObject({
      state: 'done',
      file: { format: 'csv', rows: 7 },
      summary: { lines: 7, applied: 3, refused: 3, parked: 0, skipped: 1 },
      applied: [2, 3, 4],
      skipped: { blank: [5], duplicate: [] },
    });
    expect(status.refused.map((r: any) => r.line)).toEqual([6, 7, 8]);
    expect(status.refused[0].problems.join(' ')).toMatch(/row 6: duplicate of row 3/);
    expect(status.refused[1].problems.join(' ')).toMatch(/18,5x/);
    expect(status.refused[2].problems.join(' ')).toMatch(/Kiste/);

    const byCode = Object.fromEntries(prices('ACME-TOOLS').map((p) => [p.product_code, p]));
    expect(Object.keys(byCode).sort()).toEqual(['A-1001', 'A-1002', 'A-1003']);
    expect(byCode['A-1001']).toMatchObject({ price: 12.5, min_qty: 1, currency_id: [126, 'EUR'], date_start: '2026-01-01', date_end: '2026-12-31' });
    expect(byCode['A-1002']).toMatchObject({ price: 102.875, min_qty: 24 });

    // the same file again: a new upload, and still three prices (upsert by supplier, product, quantity, start)
    const again = await h.post('/suppliers/acme-tools/price-list', sample('acme-tools.price-list.sample.csv'), ACME);
    expect(again.status).toBe(202);
    expect(again.body.id).not.toBe(up.body.id);
    expect((await h.finished(again.body.statusUrl, ACME)).state).toBe('done');
    expect(prices('ACME-TOOLS')).toHaveLength(3);
  });

  it('refuses what it must: 401 without token, 403 with another supplier\'s, 404 for an unknown route, 413 above the size limit', async () => {
    const csv = sample('acme-tools.price-list.sample.csv');
    expect((await h.post('/suppliers/acme-tools/price-list', csv)).status).toBe(401);
    expect((await h.post('/suppliers/acme-tools/price-list', csv, TOKENS.SUPPLIER_TOKEN_IBERIA_PACKAGING)).status).toBe(403);
    expect((await h.post('/suppliers/unknown-supplier/price-list', csv, ACME)).status).toBe(404);
    expect((await h.post('/suppliers/acme-tools/invoice', csv, ACME)).status).toBe(404);
    expect((await h.post('/suppliers/acme-tools/price-list', Buffer.alloc(10 * 1024 * 1024 + 1, 0x41), ACME)).status).toBe(413);
    // another supplier's status URL is not found with this token's route
    const up = await h.post('/suppliers/iberia-packaging/price-list', sample('iberia-packaging.price-list.sample.csv'), TOKENS.SUPPLIER_TOKEN_IBERIA_PACKAGING);
    expect(up.status).toBe(202);
    expect((await fetch(up.body.statusUrl, { headers: { Authorization: `Bearer ${ACME}` } })).status).toBe(403);
    expect((await fetch(up.body.statusUrl.replace('iberia-packaging', 'acme-tools'), { headers: { Authorization: `Bearer ${ACME}` } })).status).toBe(404);
    expect((await h.finished(up.body.statusUrl, TOKENS.SUPPLIER_TOKEN_IBERIA_PACKAGING as string)).state).toBe('done');
  });
});

describe('SFTP folder', () => {
  it('a price list dropped in the supplier\'s folder lands in Odoo, and the file is archived once it is kept', async () => {
    const s = h.sandbox.store;
    const iberia = s.search('res.partner', [['ref', '=', 'IBERIA-PACK']])[0];
    s.unlink('product.supplierinfo', s.search('product.supplierinfo', [['partner_id', '=', iberia], ['product_code', 'in', ['IB-FILM-23']]]));
    const data = Buffer.from(sample('iberia-packaging.price-list.sample.csv').toString('utf8').replace('2,35', '2,45'));
    h.sshd.put(`${h.sshd.home}/suppliers/iberia-packaging/price-lists/prices-2026-11.csv`, data, new Date(Date.now() - 60_000));
    await until(() => prices('IBERIA-PACK').some((p) => p.product_code === 'IB-FILM-23' && p.price === 2.45), 'the SFTP price in Odoo', 20_000);
    const film = prices('IBERIA-PACK').filter((p) => p.product_code === 'IB-FILM-23');
    expect(film).toHaveLength(1);
    expect(film[0]).toMatchObject({ min_qty: 25, date_start: '2026-01-01', date_end: false });
    // beside the demo's own vendor price for the code (no start date)
    expect(prices('IBERIA-PACK').filter((p) => p.product_code === 'IB-CAJA-40' && p.date_start === '2026-01-01').map((p) => p.min_qty).sort((a: any, b: any) => a - b)).toEqual([500, 2000]);
    await until(() => h.sshd.ls(`${h.sshd.home}/suppliers/iberia-packaging/price-lists/archive`).some((f) => f.startsWith('prices-2026-11.')), 'the file archived', 10_000);
    expect(h.sshd.ls(`${h.sshd.home}/suppliers/iberia-packaging/price-lists`).filter((f) => f.endsWith('.csv'))).toEqual([]);
  });
});

describe('restart', () => {
  it('an upload accepted while Odoo is unreachable is applied after Node-RED restarts', async () => {
    await h.stop();
    // Odoo is not there: the upload is still accepted (it is on disk), and cannot be applied
    await h.start({ ODOO_URL: 'http://127.0.0.1:9' });
    const csv = Buffer.from(sample('acme-tools.price-list.sample.csv').toString('utf8').replace('A-1003;Holzbohrer 8 mm;FURN_1003;39,90', 'A-1003;Holzbohrer 8 mm;FURN_1003;41,90'));
    const up = await h.post('/suppliers/acme-tools/price-list', csv, ACME);
    expect(up.status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    const pending = await (await fetch(up.body.statusUrl, { headers: { Authorization: `Bearer ${ACME}` } })).json();
    expect(pending.state).toMatch(/received|processing/);
    await h.stop();
    // Odoo back; Node-RED starts on the same files
    await h.start();
    const status = await h.finished(up.body.statusUrl.replace(/^http:\/\/[^/]+/, h.rt.url), ACME, 30_000);
    expect(status).toMatchObject({ state: 'done', applied: [2, 3, 4] });
    const drill = prices('ACME-TOOLS').filter((p) => p.product_code === 'A-1003');
    expect(drill.map((p) => p.price)).toEqual([4.19]);
  }, 60_000);
});
