import { accessGroupsCall, accessQueryCall, autoProtocol, groupCall, nameSearchKwargs, odooVersion, parseServerVersion, xmlrpcArguments } from '../../lib/odoo/versions';
import { OdooClient } from '../../lib/odoo/client';
import { startSandbox } from '../../sandbox/odoo/server';

describe('Odoo versions', () => {
  it.each([
    ['17.0', 17, 0],
    ['17.0-20240709', 17, 0],
    ['saas~17.4', 17, 4],
    ['18.0+e', 18, 0],
    ['19.0', 19, 0],
    ['nonsense', 0, 0],
  ])('parses %s', (raw, major, minor) => {
    expect(parseServerVersion(raw)).toEqual({ major, minor });
  });

  it('knows what 17 and 19 (verified) and 14–16, 18 (assumed) call things', () => {
    const [v14, v16, v17, v18, v19] = ['14.0', '16.0', '17.0', '18.0', '19.0'].map(odooVersion);
    expect([v14, v16, v17, v18, v19].map((v) => v!.verified)).toEqual([false, false, true, false, true]);
    expect(v17!.fields).toMatchObject({ storableProduct: { detailed_type: 'product' }, purchaseLineUom: 'product_uom', supplierInfoUom: 'product_uom', supplierInfoUomWritable: false, productPurchaseUom: 'uom_po_id', stockMoveName: 'name', userGroups: 'groups_id' });
    expect(v19!.fields).toMatchObject({ storableProduct: { is_storable: true }, purchaseLineUom: 'product_uom_id', supplierInfoUom: 'product_uom_id', supplierInfoUomWritable: true, productPurchaseUom: undefined, stockMoveName: undefined, userGroups: 'group_ids' });
    expect(v18!.fields.storableProduct).toEqual({ is_storable: true });
    expect(v14!.fields).toMatchObject({ storableProduct: { type: 'product' }, supplierInfoPartner: 'name', stockMoveQuantity: 'quantity_done', pickingMoves: 'move_lines' });
    expect(v16!.fields).toMatchObject({ supplierInfoPartner: 'partner_id', stockMoveQuantity: 'quantity_done', pickingMoves: 'move_ids' });
    expect([v17, v18, v19].map((v) => [v!.json2, v!.webVersionRoute, v!.groupMethod, v!.nameSearchDomainArg])).toEqual([
      [false, false, 'read_group', 'args'],
      [false, true, 'read_group', 'args'],
      [true, true, 'formatted_read_group', 'domain'],
    ]);
    expect([v17, v19].map((v) => v!.apiKeys)).toEqual([
      { expiry: false, nonAdminMaxDays: undefined },
      { expiry: true, nonAdminMaxDays: 90 },
    ]);
    expect([v17, v19].map((v) => v!.integrationUser)).toEqual([
      { vendorPrices: 'purchase.group_purchase_manager', inventoryCounts: 'stock.group_stock_manager', emailForChatter: true },
      { vendorPrices: 'product.group_product_manager', inventoryCounts: 'stock.group_stock_user', emailForChatter: false },
    ]);
  });

  it('auto picks JSON-2 only on a server that has it and with an API key', () => {
    expect(autoProtocol(odooVersion('19.0'), 'apikey').protocol).toBe('json2');
    expect(autoProtocol(odooVersion('19.0'), 'password')).toEqual({ protocol: 'xmlrpc', reason: 'auto: Odoo 19.0 with a password → XML-RPC (JSON-2 needs an API key)' });
    expect(autoProtocol(odooVersion('17.0'), 'apikey')).toEqual({ protocol: 'xmlrpc', reason: 'auto: Odoo 17.0 has no JSON-2 → XML-RPC' });
  });

  it('groups with formatted_read_group on 19 and read_group (lazy=false, orderby) before', () => {
    const q = { domain: [['a', '=', 1]], groupby: ['partner_id'], aggregates: ['price:sum', '__count'], limit: 5, order: 'partner_id' };
    expect(groupCall(odooVersion('19.0'), q)).toEqual({ method: 'formatted_read_group', kwargs: { domain: q.domain, groupby: q.groupby, aggregates: q.aggregates, limit: 5, order: 'partner_id' } });
    expect(groupCall(odooVersion('17.0'), q)).toEqual({ method: 'read_group', kwargs: { domain: q.domain, fields: ['price:sum'], groupby: q.groupby, lazy: false, limit: 5, orderby: 'partner_id' } });
  });

  it('name_search takes its domain as args up to 18, as domain on 19', () => {
    expect(nameSearchKwargs(odooVersion('17.0'), { name: 'x', domain: [['a', '=', 1]] })).toEqual({ name: 'x', args: [['a', '=', 1]], operator: 'ilike' });
    expect(nameSearchKwargs(odooVersion('19.0'), { name: 'x', limit: 3 })).toEqual({ name: 'x', domain: [], operator: 'ilike', limit: 3 });
  });

  it("XML-RPC sends create's vals_list and write's vals positionally, every other argument by name", () => {
    expect(xmlrpcArguments('create', { kwargs: { vals_list: [{ a: 1 }] } })).toEqual({ args: [[{ a: 1 }]], kwargs: {} });
    expect(xmlrpcArguments('write', { ids: [1, 2], kwargs: { vals: { a: 1 } } })).toEqual({ args: [[1, 2], { a: 1 }], kwargs: {} });
    expect(xmlrpcArguments('search_read', { kwargs: { domain: [], fields: ['name'] } })).toEqual({ args: [], kwargs: { domain: [], fields: ['name'] } });
    expect(xmlrpcArguments('message_post', { ids: [3], kwargs: { body: 'x' } })).toEqual({ args: [[3]], kwargs: { body: 'x' } });
  });
});

describe('the client against the sandbox as Odoo 17', () => {
  it('asks /web/version (404), falls back to common.version, and speaks 17 (name_search, read_group, write on PO lines)', async () => {
    const sb = await startSandbox({ serverVersion: '17.0' });
    const c = new OdooClient({ url: sb.url, database: sb.database, login: sb.login, secret: sb.apiKey });
    try {
      expect(await c.connect()).toMatchObject({ protocol: 'xmlrpc', serverVersion: '17.0' });
      expect((await c.version()).fields.purchaseLineUom).toBe('product_uom');
      expect(await c.nameSearch('res.partner', { name: 'SUP-NORD', domain: [['is_company', '=', true]] })).toEqual([[expect.any(Number), 'Nordic Timber AB']]);
      expect((await c.readGroup('res.partner', { domain: [['is_company', '=', true]], groupby: ['is_company'] }))[0]).toMatchObject({ is_company: true, __count: expect.any(Number) });
      const [line] = await c.search('purchase.order.line', { limit: 1 });
      expect(await c.write('purchase.order.line', [line as number], { product_qty: 7 })).toBe(true);
      expect((await c.read('purchase.order.line', [line as number], ['product_qty']))[0]?.product_qty).toBe(7);
    } finally {
      c.close();
      await sb.close();
    }
  });
});

describe('vendor prices and units, by version', () => {
  const row = (uom: string) => ({ supplierCode: 'SUP-NORD', supplierProductCode: 'NT-OAK-200', internalRef: 'TMB-OAK-2M', price: 230, currency: 'EUR', minQty: 1, uom, leadTimeDays: 14 });
  it.each([
    ['17.0', { dozens: 'refused', unitField: undefined }],
    ['19.0', { dozens: 'written', unitField: 'product_uom_id' }],
  ] as const)('Odoo %s', async (serverVersion, expected) => {
    const { LookupCache } = await import('../../lib/odoo/lookup');
    const { planCanonicalToOdoo } = await import('../../lib/canonical/flow');
    const sb = await startSandbox({ serverVersion });
    const c = new OdooClient({ url: sb.url, database: sb.database, login: sb.login, secret: sb.apiKey });
    try {
      const lookups = new LookupCache(c);
      // 17 prices a vendor in the product's purchase unit: another unit is refused, naming both; 19 writes the unit with the price
      const dozens = await planCanonicalToOdoo('supplier-price@1', [row('Dozens')], lookups);
      expect(dozens.failed.length ? 'refused' : 'written').toBe(expected.dozens);
      if (dozens.failed.length) expect(dozens.failed[0]!.error.message).toBe(`unit "Dozens" differs from the product's purchase unit "Units"; this Odoo keeps vendor prices in that unit, convert it in the mapping`);
      const units = await planCanonicalToOdoo('supplier-price@1', [row('Units')], lookups);
      expect(units.failed).toEqual([]);
      const record = (units.ok[0]!.payload as Array<Record<string, unknown>>)[0]!;
      expect(record.partner_id).toEqual(expect.any(Number));
      // the unit is written only where the vendor price owns it (17's product_uom would change the product)
      expect(Object.keys(record).filter((k) => k.startsWith('product_uom'))).toEqual(expected.unitField ? [expected.unitField] : []);
    } finally {
      c.close();
      await sb.close();
    }
  });
});

describe('access questions by version', () => {
  it('asks has_access on an empty recordset from 18 on, check_access_rights without raising before; groups from ir.model.access.check on all', () => {
    expect(accessQueryCall(odooVersion('19.0'), 'create')).toEqual({ method: 'has_access', ids: [], kwargs: { operation: 'create' } });
    expect(accessQueryCall(odooVersion('saas~18.2'), 'read')).toEqual({ method: 'has_access', ids: [], kwargs: { operation: 'read' } });
    expect(accessQueryCall(odooVersion('17.0'), 'write')).toEqual({ method: 'check_access_rights', kwargs: { operation: 'write', raise_exception: false } });
    expect(accessGroupsCall('product.supplierinfo', 'create')).toEqual({ model: 'ir.model.access', method: 'check', kwargs: { model: 'product.supplierinfo', mode: 'create', raise_exception: true } });
    expect(odooVersion('17.0').apiKeys.expiry).toBe(false);
    expect(odooVersion('19.0').apiKeys.expiry).toBe(true);
  });
});
