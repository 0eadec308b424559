import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { json2, request } from './helpers';

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());
beforeEach(() => sb.store.reset());

describe('version routes', () => {
  it('GET /web/version and /json/version answer like Odoo 19', async () => {
    for (const path of ['/web/version', '/json/version']) {
      const res = await request(sb, path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.json).toEqual({ version_info: [19, 0, 0, 'final', 0, ''], version: '19.0' });
    }
  });

  it('POST /web/version is refused like a CSRF-protected http route', async () => {
    const res = await request(sb, '/web/version', { method: 'POST', body: '' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Session expired (invalid CSRF token)');
  });

  it('an old server version has no /json/2, and 17 no /web/version', async () => {
    const old = await startSandbox({ serverVersion: '17.0', seed: false });
    try {
      for (const path of ['/web/version', '/json/version']) expect((await request(old, path)).status).toBe(404);
      const res = await json2(old, 'res.partner', 'search_read', { domain: [] });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toContain('text/html');
    } finally {
      await old.close();
    }
  });
});

describe('routing and request checks', () => {
  it('answers 404 "Did you mean POST" for other /json/2 paths and verbs', async () => {
    for (const [path, method] of [
      ['/json/2/res.partner/search', 'GET'],
      ['/json/2/res.partner', 'POST'],
      ['/json/2', 'POST'],
      ['/json/2/res.partner/search/extra', 'POST'],
    ]) {
      const res = await request(sb, path, { method, headers: { Authorization: `bearer ${sb.apiKey}` } });
      expect(res.status).toBe(404);
      expect(res.json.name).toBe('werkzeug.exceptions.NotFound');
      expect(res.json.message).toBe('Did you mean POST /json/2/<model>/<method>?');
      expect(res.json.arguments).toEqual(['Did you mean POST /json/2/<model>/<method>?', 404]);
    }
  });

  it('rejects a non-JSON content type with 415 text/html', async () => {
    const res = await request(sb, '/json/2/res.partner/search_count', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Authorization: `bearer ${sb.apiKey}` },
      body: '{}',
    });
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toContain('text/html');
  });

  it('reports unparsable JSON as 400 BadRequest', async () => {
    const res = await request(sb, '/json/2/res.partner/search_count', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `bearer ${sb.apiKey}` },
      body: '{bad',
    });
    expect(res.status).toBe(400);
    expect(res.json.name).toBe('werkzeug.exceptions.BadRequest');
    expect(res.json.message).toBe(
      'could not parse the body as json: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)',
    );
  });

  it('accepts an empty body as {} and ignores a non-object body', async () => {
    const empty = await request(sb, '/json/2/res.partner/search_count', {
      method: 'POST',
      headers: { Authorization: `bearer ${sb.apiKey}` },
    });
    expect(empty.status).toBe(422);
    expect(empty.json.message).toBe("missing a required argument: 'domain'");
    const list = await json2(sb, 'res.partner', 'search_count', [1, 2]);
    expect(list.status).toBe(422);
    expect(list.json.name).toBe('werkzeug.exceptions.UnprocessableEntity');
  });

  it('selects the database with X-Odoo-Database and 404s (HTML) on another one', async () => {
    const ok = await json2(sb, 'res.partner', 'search_count', { domain: [] }, { headers: { 'X-Odoo-Database': sb.database } });
    expect(ok.status).toBe(200);
    const bad = await json2(sb, 'res.partner', 'search_count', { domain: [] }, { headers: { 'X-Odoo-Database': 'nope' } });
    expect(bad.status).toBe(404);
    expect(bad.headers['content-type']).toContain('text/html');
    expect(bad.text).toContain('X-Odoo-Database');
  });
});

describe('authentication', () => {
  it('401 Invalid apikey with a WWW-Authenticate header', async () => {
    const res = await json2(sb, 'res.partner', 'search', { domain: [] }, { headers: { Authorization: 'bearer wrong' } });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']?.trim()).toBe('Bearer');
    expect(res.json).toMatchObject({
      name: 'werkzeug.exceptions.Unauthorized',
      message: 'Invalid apikey',
      arguments: ['Invalid apikey', 401],
      context: {},
    });
    expect(res.json.debug).toMatch(/^Traceback \(most recent call last\):/);
    expect(res.json.debug).toContain('werkzeug.exceptions.Unauthorized: 401 Unauthorized: Invalid apikey');
  });

  it('401 without an Authorization header', async () => {
    const res = await request(sb, '/json/2/res.partner/search', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"domain": []}',
    });
    expect(res.status).toBe(401);
    expect(res.json.message).toBe('User not authenticated, use an API Key with a Bearer Authorization header.');
  });

  it('accepts the bearer scheme in any case', async () => {
    for (const scheme of ['Bearer', 'BEARER', 'bearer']) {
      const res = await json2(sb, 'res.partner', 'search_count', { domain: [] }, { headers: { Authorization: `${scheme} ${sb.apiKey}` } });
      expect(res.status).toBe(200);
    }
  });
});

describe('model calls', () => {
  it('search_read returns plain JSON with many2one pairs', async () => {
    const res = await json2(sb, 'product.supplierinfo', 'search_read', {
      domain: [['partner_id.ref', '=', 'SUP-GLOB']],
      fields: ['partner_id', 'product_tmpl_id', 'price', 'currency_id', 'date_start'],
      limit: 1,
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json).toHaveLength(1);
    const [row] = res.json;
    expect(Object.keys(row)).toEqual(['id', 'partner_id', 'product_tmpl_id', 'price', 'currency_id', 'date_start']);
    expect(row.partner_id).toEqual([expect.any(Number), 'Global Packaging Ltd']);
    expect(row.currency_id).toEqual([1, 'USD']);
    expect(row.date_start).toBe(false);
  });

  it('create takes a list or a single dict and always returns ids', async () => {
    const many = await json2(sb, 'res.partner', 'create', { vals_list: [{ name: 'A' }, { name: 'B' }] });
    expect(many.status).toBe(200);
    expect(many.json).toHaveLength(2);
    const one = await json2(sb, 'res.partner', 'create', { vals_list: { name: 'C' } });
    expect(one.json).toEqual([expect.any(Number)]);
    expect(sb.store.get('res.partner', one.json[0])?.name).toBe('C');
    expect((await json2(sb, 'res.partner', 'create', { vals_list: [] })).json).toEqual([]);
  });

  it('write and unlink return true, read drops missing ids', async () => {
    const [id] = (await json2(sb, 'res.partner', 'create', { vals_list: [{ name: 'Temp' }] })).json;
    expect((await json2(sb, 'res.partner', 'write', { ids: [id], vals: { ref: 'T-1' } })).json).toBe(true);
    const read = await json2(sb, 'res.partner', 'read', { ids: [id, 999999], fields: ['name', 'ref'] });
    expect(read.json).toEqual([{ id, name: 'Temp', ref: 'T-1' }]);
    expect((await json2(sb, 'res.partner', 'unlink', { ids: [id] })).json).toBe(true);
    expect((await json2(sb, 'res.partner', 'read', { ids: [id], fields: ['name'] })).json).toEqual([]);
  });

  it('null for methods returning None', async () => {
    const res = await json2(sb, 'purchase.order', 'button_cancel', { ids: [2] });
    expect(res.status).toBe(200);
    expect(res.text).toBe('null');
  });
});

describe('errors', () => {
  const cases: Array<[string, string, unknown, number, string, string]> = [
    ['x.nope', 'search', { domain: [] }, 404, 'werkzeug.exceptions.NotFound', "the model 'x.nope' does not exist"],
    ['res.partner', 'frobnicate', {}, 404, 'werkzeug.exceptions.NotFound', "The method 'res.partner.frobnicate' does not exist"],
    ['purchase.order', 'action_confirm', { ids: [1] }, 404, 'werkzeug.exceptions.NotFound', "The method 'purchase.order.action_confirm' does not exist"],
    ['purchase.order', 'constructor', {}, 404, 'werkzeug.exceptions.NotFound', "The method 'purchase.order.constructor' does not exist"],
    ['res.partner', 'create', { vals_list: [{ name: 'X', constructor: 1 }] }, 500, 'builtins.ValueError', "Invalid field 'constructor' in 'res.partner'"],
    ['res.partner', '_read', {}, 403, 'odoo.exceptions.AccessError', "Private methods (such as 'res.partner._read') cannot be called remotely."],
    ['res.partner', 'search', { ids: [1], domain: [] }, 422, 'werkzeug.exceptions.UnprocessableEntity', 'cannot call res.partner.search with ids'],
    ['res.partner', 'create', { vals: {} }, 422, 'werkzeug.exceptions.UnprocessableEntity', "missing a required argument: 'vals_list'"],
    ['res.partner', 'name_search', { args: [] }, 422, 'werkzeug.exceptions.UnprocessableEntity', "got an unexpected keyword argument 'args'"],
    ['res.partner', 'search_read', { domain: [], bogus: 1 }, 500, 'builtins.TypeError', "BaseModel._read_format() got an unexpected keyword argument 'bogus'"],
    ['res.partner', 'create', { vals_list: [{ name: 'X', bogus_field: 1 }] }, 500, 'builtins.ValueError', "Invalid field 'bogus_field' in 'res.partner'"],
    ['res.partner', 'search_read', { domain: [], fields: ['bogus_field'] }, 500, 'builtins.ValueError', "Invalid field 'bogus_field' on 'res.partner'"],
    ['res.partner', 'read', { ids: [1], fields: ['bogus_field'] }, 500, 'builtins.ValueError', "Invalid field 'bogus_field' on 'res.partner'"],
    ['res.partner', 'write', { ids: [1], vals: { bogus_field: 1 } }, 500, 'builtins.KeyError', 'bogus_field'],
    ['uom.uom', 'write', { ids: [1], vals: { bogus_field: 1 } }, 500, 'builtins.ValueError', "Invalid field 'bogus_field' in 'uom.uom'"],
    ['res.partner', 'write', { ids: [999999], vals: { name: 'x' } }, 404, 'odoo.exceptions.MissingError', 'Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)'],
    ['res.partner', 'unlink', { ids: [999999] }, 404, 'odoo.exceptions.MissingError', 'Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)'],
    ['res.partner', 'create', { vals_list: [{ email: 'noname@example.com' }] }, 422, 'odoo.exceptions.ValidationError', 'The operation cannot be completed: Contacts require a name'],
    ['product.product', 'create', { vals_list: [{ name: 'X', type: 'product' }] }, 500, 'builtins.ValueError', "Wrong value for product.template.type: 'product'"],
    ['product.product', 'create', { vals_list: [{ name: 'X', list_price: 'abc' }] }, 500, 'builtins.ValueError', "could not convert string to float: 'abc'"],
    ['res.partner', 'create', { vals_list: [{ name: 'X', parent_id: 'abc' }] }, 500, 'psycopg2.errors.InvalidTextRepresentation', 'invalid input syntax for type integer: "abc"\n'],
    ['res.partner', 'create', { vals_list: [{ name: 'X', parent_id: 999999 }] }, 404, 'odoo.exceptions.MissingError', 'Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)'],
    ['purchase.order', 'unlink', { ids: [3] }, 422, 'odoo.exceptions.UserError', 'In order to delete a purchase order, you must cancel it first.'],
    ['purchase.order', 'write', { ids: [1], vals: { date_order: '2026-12-01T10:00:00' } }, 500, 'builtins.ValueError', "time data '2026-12-01T10:00:00' does not match format '%Y-%m-%d %H:%M:%S'"],
    ['res.partner', 'search', { domain: [], order: 'name sideways' }, 422, 'odoo.exceptions.UserError', 'Invalid "order" specified (name sideways). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)'],
    ['res.partner', 'search', { domain: [], order: 'nope desc' }, 500, 'builtins.ValueError', "Invalid field 'nope' on model 'res.partner'"],
  ];

  it.each(cases)('%s.%s %j -> %i %s', async (model, method, body, status, name, message) => {
    const res = await json2(sb, model, method, body);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json.name).toBe(name);
    expect(res.json.message).toBe(message);
    expect(res.json.context).toEqual({});
    expect(res.json.debug.trimEnd().endsWith(message.trimEnd()) || res.json.debug.includes(message.split('\n')[0])).toBe(true);
  });

  it('missing required field names the model that owns the column', async () => {
    const res = await json2(sb, 'product.product', 'create', { vals_list: [{ default_code: 'NO-NAME' }] });
    expect(res.status).toBe(422);
    expect(res.json.name).toBe('odoo.exceptions.ValidationError');
    expect(res.json.message).toBe(
      "The operation cannot be completed: Missing required value for the field 'Name' (name).\n" +
        "Model: 'Product' (product.template)\n" +
        '- create/update: a mandatory field is not set\n' +
        '- delete: another model requires the record being deleted, you can archive it instead\n',
    );
    expect(res.json.arguments).toEqual([res.json.message]);
  });

  it('a dangling many2one is the (misleading) foreign key error', async () => {
    const res = await json2(sb, 'product.supplierinfo', 'create', { vals_list: [{ partner_id: 7, product_tmpl_id: 1, currency_id: 999999 }] });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe(
      'The operation cannot be completed: Another model is using the record you are trying to delete.\n\n' +
        "The troublemaker is: 'Supplier Pricelist' (product.supplierinfo)\n" +
        "Thanks to the following constraint: 'Currency' (currency_id)\n" +
        'How about archiving the record instead?',
    );
  });

  it('a failing create of many records creates none', async () => {
    const before = sb.store.count('res.partner');
    const vals = Array.from({ length: 500 }, (_, i) => ({ name: `Batch ${i}` }));
    vals[321] = { name: 'Bad', is_company: true, bogus: 1 } as never;
    const res = await json2(sb, 'res.partner', 'create', { vals_list: vals });
    expect(res.status).toBe(500);
    expect(sb.store.count('res.partner')).toBe(before);
    const late = Array.from({ length: 50 }, (_, i) => ({ name: `Late ${i}` })) as Array<Record<string, unknown>>;
    late[49] = { email: 'no name' };
    expect((await json2(sb, 'res.partner', 'create', { vals_list: late })).status).toBe(422);
    expect(sb.store.count('res.partner')).toBe(before);
  });

  it('barcode uniqueness is a ValidationError listing the products', async () => {
    const res = await json2(sb, 'product.product', 'create', { vals_list: [{ name: 'Dup', barcode: '5012345000017' }] });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe(
      'Barcode(s) already assigned:\n\n- Barcode "5012345000017" already assigned to product(s): [FAS-BOLT-M8] Hex Bolt M8x40 (box of 100) and Dup\n\n' +
        "Note: products that you don't have access to will not be shown above.",
    );
  });
});
