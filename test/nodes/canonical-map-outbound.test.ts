/**
 * canonical-map the other way, against the sandbox: purchase orders from Odoo
 * as purchase-order@1 (from-odoo), and canonical objects as the supplier's
 * file (to-supplier), chained as the po-publish flow chains them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeFile } from '../../lib/canonical/file';
import { helper, odooNodes, until, withSandboxAndRuntime } from '../helpers/red';
import canonicalMapNode = require('../../nodes/canonical-map/canonical-map');

const ctx = withSandboxAndRuntime();
const OUTBOUND = fs.readFileSync(path.resolve(__dirname, '..', '..', 'mappings', 'acme-tools.purchase-order.json'), 'utf8');

async function load() {
  const sb = ctx.sandbox;
  await helper.load([...odooNodes, canonicalMapNode] as any, [
    { id: 'cfg', type: 'odoo-config', url: sb.url, database: sb.database, login: sb.login, protocol: 'json2', timeout: 10 },
    { id: 'from', type: 'canonical-map', direction: 'from-odoo', server: 'cfg', output: 'row', wires: [['po', 'to'], ['err']] },
    { id: 'to', type: 'canonical-map', direction: 'to-supplier', outbound: OUTBOUND, wires: [['file'], ['err']] },
    { id: 'po', type: 'helper' },
    { id: 'file', type: 'helper' },
    { id: 'err', type: 'helper' },
  ], { cfg: { secret: sb.apiKey } });
  const got = { po: [] as any[], file: [] as any[], err: [] as any[] };
  for (const k of ['po', 'file', 'err'] as const) helper.getNode(k).on('input', (m: any) => got[k].push(m));
  return got;
}

describe('canonical-map from Odoo and to the supplier', () => {
  it('a confirmed PO id becomes purchase-order@1, then the supplier CSV with its file name and revision', async () => {
    const s = ctx.sandbox.store;
    const partner = s.search('res.partner', [['ref', '=', 'SUP-ACME']])[0];
    const product = s.search('product.product', [['default_code', '=', 'TLS-DRILL-18V']])[0];
    const id = s.create('purchase.order', { partner_id: partner, order_line: [[0, 0, { product_id: product, product_qty: 3, price_unit: 71, product_uom_id: 1, name: 'Akkuschrauber' }]] });
    const got = await load();
    helper.getNode('from').receive({ payload: { id }, revision: 1, correlationId: 'c-9' });
    await until(() => got.file.length === 1, 'the supplier file');
    expect(got.err).toEqual([]);
    expect(got.po[0]).toMatchObject({ canonical: { id: 'purchase-order@1' }, odoo: { model: 'purchase.order', id }, payload: { supplierCode: 'SUP-ACME', lines: [{ supplierProductCode: 'AC-CD18', internalRef: 'TLS-DRILL-18V', quantity: 3 }] } });
    const name = s.read('purchase.order', id, ['name'])[0]!.name as string;
    expect(got.file[0].filename).toBe(`PO_${name}_R1.csv`);
    expect(got.file[0].correlationId).toBe('c-9');
    const text = decodeFile(got.file[0].payload, { encoding: 'windows-1252' }).text;
    expect(text).toContain(`${name};1;SUP-ACME;`);
    expect(text).toContain(';AC-CD18;TLS-DRILL-18V;Akkuschrauber;3,000;Stk;71,00;USD;');
  });

  it('an id that is no purchase order fails on output 2, naming it', async () => {
    const got = await load();
    helper.getNode('from').receive({ payload: 987654 });
    await until(() => got.err.length === 1, 'the error');
    expect(got.err[0].error).toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/987654 does not exist/) });
    helper.getNode('from').receive({ payload: 'x' });
    await until(() => got.err.length === 2, 'the second error');
    expect(got.err[1].error).toMatchObject({ code: 'BAD_INPUT' });
  });
});
