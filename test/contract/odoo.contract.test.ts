/**
 * The same assertions against the sandbox in each of its personalities (Odoo
 * 19.0 and 17.0, default) or a real Odoo (ODOO_URL, ODOO_DB, ODOO_LOGIN,
 * ODOO_API_KEY and/or ODOO_PASSWORD), over every protocol the target offers.
 * Field names that moved between versions come from lib/odoo/versions.ts.
 * Master data the tests need (partners, products, vendor prices) is made
 * through the fixture login (ODOO_FIXTURE_LOGIN/PASSWORD) when one is given, so
 * the suite also runs as a least-privilege integration user; what is tested
 * runs as the tested login. Writes under test go to purchase orders, which an
 * integration user (Purchase / User) may create on every version. Records carry a unique prefix and are removed (or archived where Odoo forbids
 * deletion) at the end.
 */
import { OdooClient } from '../../lib/odoo/client';
import { OdooWriter } from '../../lib/odoo/writer';
import { IntegrationError } from '../../lib/errors';
import { groupCall, nameSearchKwargs, odooVersion } from '../../lib/odoo/versions';
import { cases, fixtureServerFor, runPrefix, serverFor, startTarget, Target } from '../helpers/target';

describe.each(cases())('Odoo contract: $label', ({ target: spec, route }) => {
  let target: Target;
  let client: OdooClient;
  let fixtures: OdooClient;
  const prefix = runPrefix(route.protocol);
  const created: Record<string, number[]> = {};
  const track = (model: string, ids: number[]) => (created[model] = [...(created[model] ?? []), ...ids]);

  beforeAll(async () => {
    target = await startTarget(spec);
    const s = serverFor(target, route);
    client = new OdooClient({ url: s.url, database: s.database, login: s.login, secret: s.secret, protocol: s.protocol, secretKind: s.secretKind ?? 'apikey', timeoutMs: 20_000 });
    const f = fixtureServerFor(target, route);
    fixtures = new OdooClient({ url: f.url, database: f.database, login: f.login, secret: f.secret, protocol: f.protocol, secretKind: f.secretKind ?? 'apikey', timeoutMs: 20_000 });
  });

  afterAll(async () => {
    const order = ['purchase.order', 'product.supplierinfo', 'product.product', 'res.partner'];
    for (const model of order) {
      const ids = created[model] ?? [];
      if (!ids.length) continue;
      if (model === 'purchase.order') await fixtures.call(model, 'button_cancel', { ids }).catch(() => undefined);
      await fixtures.unlink(model, ids).catch(() => fixtures.write(model, ids, { active: false }).catch(() => undefined));
    }
    client.close();
    fixtures.close();
    await target?.close();
  });

  it('connects, reports the server version and the protocol it uses', async () => {
    const info = await client.connect();
    expect(info.protocol).toBe(route.protocol);
    expect(info.serverVersion).toBe(spec.serverVersion);
  });

  it('creates a list of records in one call and reads them back in order', async () => {
    const ids = await fixtures.create('res.partner', [
      { name: `${prefix} Acme`, ref: `${prefix}-A`, is_company: true },
      { name: `${prefix} Beta`, ref: `${prefix}-B`, is_company: true },
      { name: `${prefix} Gamma`, ref: `${prefix}-C` },
    ]);
    track('res.partner', ids);
    expect(ids).toHaveLength(3);
    const read = await client.read('res.partner', [ids[2] as number, ids[0] as number], ['name', 'ref', 'is_company']);
    expect(read.map((r) => r.name)).toEqual([`${prefix} Gamma`, `${prefix} Acme`]);
    expect(read[0]).toMatchObject({ id: ids[2], ref: `${prefix}-C`, is_company: false });
  });

  it('text beyond ASCII goes both ways: umlauts, µ, an em dash and an emoji in values and in a domain', async () => {
    // the run's prefix not first: the searches below count the partners named `${prefix}…`
    const name = `Müller & Söhne ${prefix} — Folie 23 µm 📦 <b>`;
    const ids = await fixtures.create('res.partner', [{ name, ref: `${prefix}-Ü`, comment: 'Gültig ab 1.3. – Währung €' }]);
    track('res.partner', ids);
    const [r] = await client.read('res.partner', ids, ['name', 'ref']);
    expect(r).toMatchObject({ name, ref: `${prefix}-Ü` });
    expect(await client.search('res.partner', { domain: [['name', '=', name]] })).toEqual(ids);
  });

  it('searches with domains, order, limit and offset; counts; name_search', async () => {
    const domain = [['name', '=like', `${prefix}%`]];
    expect(await client.searchCount('res.partner', domain)).toBe(3);
    const page = await client.searchRead('res.partner', { domain, fields: ['name'], order: 'name desc', limit: 2, offset: 1 });
    expect(page.map((r) => r.name)).toEqual([`${prefix} Beta`, `${prefix} Acme`]);
    const ids = await client.search('res.partner', { domain: ['&', ...domain, '|', ['ref', '=', `${prefix}-A`], ['ref', '=', `${prefix}-C`]], order: 'id asc' });
    expect(ids).toHaveLength(2);
    const names = await client.nameSearch('res.partner', { name: `${prefix} Bet`, operator: 'ilike', limit: 5 });
    expect(names.map((n) => n[1])).toEqual([`${prefix} Beta`]);
    expect(await client.searchCount('res.partner', [['name', '=like', `${prefix}%`], ['is_company', '=', true]])).toBe(2);
    expect(await client.searchCount('res.partner', ['!', ['is_company', '=', true], ['name', '=like', `${prefix}%`]])).toBe(1);
  });

  it('pages through every record server-side', async () => {
    const pages: number[] = [];
    for await (const p of client.pages('res.partner', { domain: [['name', '=like', `${prefix}%`]], fields: ['name'], pageSize: 2 })) pages.push(p.length);
    expect(pages).toEqual([2, 1]);
  });

  it('groups with read_group and describes fields with fields_get', async () => {
    const groups = await client.readGroup('res.partner', { domain: [['name', '=like', `${prefix}%`]], groupby: ['is_company'], aggregates: ['__count'] });
    const byFlag = Object.fromEntries(groups.map((g) => [String(g.is_company), g.__count]));
    expect(byFlag).toEqual({ true: 2, false: 1 });
    const fields = await client.fieldsGet('product.supplierinfo');
    expect(fields.partner_id).toMatchObject({ type: 'many2one', relation: 'res.partner', required: true });
    expect(fields.price).toMatchObject({ type: 'float' });
  });

  it('reads many2one as [id, name] and one2many as ids; writes x2many commands', async () => {
    const [partnerId] = (await client.search('res.partner', { domain: [['ref', '=', `${prefix}-A`]] })) as [number];
    const productIds = await fixtures.create('product.product', [{ name: `${prefix} Widget`, default_code: `${prefix}-W1`, ...target.version.fields.storableProduct }]);
    track('product.product', productIds);
    const [tmpl] = await client.read('product.product', productIds, ['product_tmpl_id', 'seller_ids']);
    expect(tmpl?.product_tmpl_id).toEqual([expect.any(Number), expect.stringContaining(`${prefix} Widget`)]);
    const infoIds = await fixtures.create('product.supplierinfo', [{ partner_id: partnerId, product_id: productIds[0], product_tmpl_id: (tmpl?.product_tmpl_id as [number, string])[0], price: 4.5, min_qty: 10, product_code: 'ACME-W1' }]);
    track('product.supplierinfo', infoIds);
    const [info] = await client.read('product.supplierinfo', infoIds, ['partner_id', 'price', 'min_qty']);
    expect(info).toMatchObject({ partner_id: [partnerId, `${prefix} Acme`], price: 4.5, min_qty: 10 });

    const poIds = await client.create('purchase.order', [{ partner_id: partnerId, order_line: [[0, 0, { product_id: productIds[0], product_qty: 5, price_unit: 4.5 }]] }]);
    track('purchase.order', poIds);
    await client.write('purchase.order', poIds, { order_line: [[0, 0, { product_id: productIds[0], product_qty: 2, price_unit: 4 }]] });
    const [po] = await client.read('purchase.order', poIds, ['order_line', 'state', 'partner_id']);
    expect(po?.order_line).toHaveLength(2);
    expect(po?.state).toBe('draft');
  });

  it('calls a public model method (button_confirm) and sees its effect', async () => {
    const poIds = created['purchase.order'] as number[];
    await client.call('purchase.order', 'button_confirm', { ids: poIds });
    const [po] = await client.read('purchase.order', poIds, ['state', 'picking_ids']);
    expect(po?.state).toBe('purchase');
    expect((po?.picking_ids as number[]).length).toBe(1);
  });

  it('a method that returns nothing answers null on both protocols', async () => {
    const poIds = created['purchase.order'] as number[];
    const partner = await client.search('res.partner', { domain: [['ref', '=', `${prefix}-B`]] });
    const extra = await client.create('purchase.order', [{ partner_id: partner[0] }]);
    track('purchase.order', extra);
    await expect(client.call('purchase.order', 'button_cancel', { ids: extra })).resolves.toBeNull();
    const [po] = await client.read('purchase.order', extra, ['state']);
    expect(po?.state).toBe('cancel');
    expect(poIds.length).toBeGreaterThan(0);
  });

  it('loads by external id: creates, then updates the same record; names the bad row', async () => {
    const xid = `__import__.${prefix.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
    // a many2one column takes the record's name, as an import file does
    const first = await client.load('purchase.order', ['id', 'partner_id', 'partner_ref'], [[xid, `${prefix} Acme`, `${prefix}-L`]]);
    expect(first.messages).toEqual([]);
    expect(first.ids).toHaveLength(1);
    track('purchase.order', first.ids as number[]);
    const again = await client.load('purchase.order', ['id', 'partner_ref'], [[xid, `${prefix}-L2`]]);
    expect(again.ids).toEqual(first.ids);
    const [rec] = await client.read('purchase.order', first.ids as number[], ['partner_ref', 'partner_id']);
    expect(rec).toMatchObject({ partner_ref: `${prefix}-L2`, partner_id: [expect.any(Number), `${prefix} Acme`] });
    const bad = await client.load('purchase.order', ['partner_id', 'partner_ref', 'priority'], [[`${prefix} Acme`, `${prefix}-good`, '0'], [`${prefix} Acme`, `${prefix}-bad`, 'maybe']]);
    expect(bad.ids).toBe(false);
    expect(bad.messages[0]).toMatchObject({ type: 'error', record: 1, field: 'priority' });
    expect(await client.searchCount('purchase.order', [['partner_ref', '=', `${prefix}-good`]])).toBe(0);
  });

  it('upserts by business key: one search, creates the new, writes only the changed', async () => {
    const [acme, beta] = await Promise.all([`${prefix}-A`, `${prefix}-B`].map(async (ref) => (await client.search('res.partner', { domain: [['ref', '=', ref]] }))[0] as number));
    track('purchase.order', await client.create('purchase.order', [{ partner_id: acme, partner_ref: `${prefix}-U1` }, { partner_id: acme, partner_ref: `${prefix}-U2` }]));
    const writer = new OdooWriter(client, { maxSize: 50, windowMs: 20 });
    const results = await Promise.all([
      writer.submit({ operation: 'upsert', model: 'purchase.order', keyFields: ['partner_ref'], record: { partner_ref: `${prefix}-U1`, partner_id: acme } }),
      writer.submit({ operation: 'upsert', model: 'purchase.order', keyFields: ['partner_ref'], record: { partner_ref: `${prefix}-U2`, partner_id: beta } }),
      writer.submit({ operation: 'upsert', model: 'purchase.order', keyFields: ['partner_ref'], record: { partner_ref: `${prefix}-U3`, partner_id: acme } }),
    ]);
    expect(results.map((r) => r.action)).toEqual(['unchanged', 'updated', 'created']);
    track('purchase.order', [results[2]?.id as number]);
    const [u2] = await client.searchRead('purchase.order', { domain: [['partner_ref', '=', `${prefix}-U2`]], fields: ['partner_id'] });
    expect(u2?.partner_id).toEqual([beta, `${prefix} Beta`]);
  });

  it('isolates a bad record in a batched create; the others land', async () => {
    const [acme] = (await client.search('res.partner', { domain: [['ref', '=', `${prefix}-A`]] })) as [number];
    const writer = new OdooWriter(client, { maxSize: 50, windowMs: 20 });
    const records = Array.from({ length: 8 }, (_, i) => (i === 5 ? { partner_ref: `${prefix}-batch` } : { partner_id: acme, partner_ref: `${prefix}-batch` }));
    const settled = await Promise.allSettled(records.map((record) => writer.submit({ operation: 'create', model: 'purchase.order', record })));
    const good = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.id as number] : []));
    track('purchase.order', good);
    expect(good).toHaveLength(7);
    const bad = settled[5] as PromiseRejectedResult;
    expect(bad.status).toBe('rejected');
    expect(bad.reason).toMatchObject({ code: 'VALIDATION', transient: false });
    expect(bad.reason.message).toMatch(/mandatory|required|partner_id/i);
    expect(await client.searchCount('purchase.order', [['partner_ref', '=', `${prefix}-batch`]])).toBe(7);
  });

  it.each([
    ['unknown model', (c: OdooClient) => c.searchRead('no.such.model', {}), 'UNKNOWN_MODEL'],
    ['unknown method', (c: OdooClient) => c.call('res.partner', 'no_such_method', { ids: [1] }), 'UNKNOWN_METHOD'],
    ['unknown field in create', (c: OdooClient) => c.create('purchase.order', [{ partner_ref: 'x', bogus_field: 1 }]), 'UNKNOWN_FIELD'],
    ['unknown field in fields', (c: OdooClient) => c.searchRead('res.partner', { fields: ['bogus_field'], limit: 1 }), 'UNKNOWN_FIELD'],
    ['unknown field in write', (c: OdooClient) => c.write('purchase.order', (created['purchase.order'] ?? []).slice(0, 1), { bogus_field: 1 }), 'UNKNOWN_FIELD'],
    ['missing required value', (c: OdooClient) => c.create('purchase.order', [{ partner_ref: 'x' }]), 'VALIDATION'],
    ['write to a missing record', (c: OdooClient) => c.write('purchase.order', [999_999_999], { partner_ref: 'x' }), 'MISSING_RECORD'],
    ['private method', (c: OdooClient) => c.call('res.partner', '_read_group', { kwargs: { domain: [] } }), 'ACCESS'],
  ])('%s is a permanent %s error with the Odoo exception kept', async (_what, run, code) => {
    const err = (await run(client).then(
      () => undefined,
      (e: unknown) => e,
    )) as IntegrationError;
    expect(err).toBeInstanceOf(IntegrationError);
    expect(err).toMatchObject({ code, transient: false });
    expect(err.odooException).toBeTruthy();
  });

  it("speaks this version's dialect: its field names and methods exist, the other verified version's do not", async () => {
    const v = target.version;
    const other = odooVersion(v.json2 ? '17.0' : '19.0');
    const has = async (model: string, names: string[]) => {
      const fields = await client.fieldsGet(model, ['type']);
      return Object.fromEntries(names.map((n) => [n, n in fields]));
    };
    const names = (x: typeof v) => ({
      'product.product': Object.keys(x.fields.storableProduct),
      'purchase.order.line': [x.fields.purchaseLineUom],
      'product.supplierinfo': [x.fields.supplierInfoPartner, x.fields.supplierInfoUom],
      'stock.move': [x.fields.stockMoveUom, x.fields.stockMoveQuantity, ...(x.fields.stockMoveName ? [x.fields.stockMoveName] : [])],
      'stock.picking': [x.fields.pickingMoves],
    });
    for (const [model, mine] of Object.entries(names(v))) {
      const theirs = names(other)[model as keyof ReturnType<typeof names>].filter((n) => !mine.includes(n));
      expect({ model, ...(await has(model, [...mine, ...theirs])) }).toEqual({ model, ...Object.fromEntries([...mine.map((n) => [n, true]), ...theirs.map((n) => [n, false])]) });
    }
    // formatted_read_group exists only where it is the grouping method (19 still serves read_group, deprecated)
    const modern = groupCall(odooVersion('19.0'), { domain: [['id', '=', 0]], groupby: ['is_company'] });
    expect(await client.call('res.partner', modern.method, { kwargs: modern.kwargs }).then(() => true, () => false)).toBe(v.groupMethod === modern.method);
    // name_search's domain keyword of the other version is refused
    await expect(client.call('res.partner', 'name_search', { kwargs: nameSearchKwargs(other, { name: prefix }) })).rejects.toMatchObject({ message: expect.stringContaining(other.nameSearchDomainArg) });
    // /web/version answers where the version has it (17: 404)
    const res = await fetch(new URL('web/version', `${target.url}/`));
    expect(res.status === 200).toBe(v.webVersionRoute);
  });

  it('wrong credentials are a permanent AUTH error', async () => {
    const s = serverFor(target, route);
    const bad = new OdooClient({ url: s.url, database: s.database, login: s.login, secret: 'not-the-key', protocol: s.protocol, secretKind: s.secretKind ?? 'apikey' });
    await expect(bad.searchCount('res.partner', [])).rejects.toMatchObject({ code: 'AUTH', transient: false });
    bad.close();
  });
});
