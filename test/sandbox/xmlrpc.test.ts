import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { executeKw, executeKwFault, xmlrpcCall, xmlrpcFault, xmlrpcRaw } from './helpers';

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());
beforeEach(() => {
  sb.store.reset();
  sb.resetStats();
});

describe('common service', () => {
  it('version()', async () => {
    expect(await xmlrpcCall(sb, 'common', 'version', [])).toEqual({
      server_version: '19.0',
      server_version_info: [19, 0, 0, 'final', 0, ''],
      server_serie: '19.0',
      protocol_version: 1,
    });
  });

  it('authenticate with password or API key, false otherwise', async () => {
    expect(await xmlrpcCall(sb, 'common', 'authenticate', [sb.database, sb.login, sb.password, {}])).toBe(2);
    expect(await xmlrpcCall(sb, 'common', 'authenticate', [sb.database, sb.login, sb.apiKey, {}])).toBe(2);
    expect(await xmlrpcCall(sb, 'common', 'authenticate', [sb.database, sb.login, 'wrong', {}])).toBe(false);
    expect(await xmlrpcCall(sb, 'common', 'authenticate', [sb.database, 'nobody', 'x', {}])).toBe(false);
    expect(await xmlrpcCall(sb, 'common', 'login', [sb.database, sb.login, sb.password])).toBe(2);
    expect(sb.stats.authentications).toBe(5);
  });

  it('authenticate on an unknown database is a fault 1 OperationalError', async () => {
    const fault = await xmlrpcFault(sb, 'common', 'authenticate', ['nosuchdb', 'admin', 'admin', {}]);
    expect(fault.faultCode).toBe(1);
    expect(fault.faultString).toMatch(/^Traceback \(most recent call last\):/);
    expect(fault.faultString).toContain('psycopg2.OperationalError: connection to server on socket');
    expect(fault.faultString).toContain('database "nosuchdb" does not exist');
  });

  it('answers with the exact layout of Python xmlrpc.client', async () => {
    const res = await xmlrpcRaw(
      sb,
      '/xmlrpc/2/common',
      `<?xml version="1.0"?><methodCall><methodName>authenticate</methodName><params><param><value><string>${sb.database}</string></value></param><param><value><string>admin</string></value></param><param><value><string>nope</string></value></param><param><value><struct></struct></value></param></params></methodCall>`,
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(res.text).toBe(
      '<?xml version="1.0"?>\n<methodResponse>\n<params>\n<param>\n<value><boolean>0</boolean></value>\n</param>\n</params>\n\n</methodResponse>\n',
    );
  });
});

describe('object service', () => {
  it('execute_kw search_read with positional and keyword arguments', async () => {
    const rows = await executeKw(sb, 'product.product', 'search_read', [[['default_code', '=', 'PKG-BOX-S']]], {
      fields: ['name', 'list_price', 'uom_id', 'create_date'],
    });
    expect(rows).toEqual([
      { id: expect.any(Number), name: 'Cardboard Box Small', list_price: 0.9, uom_id: [1, 'Units'], create_date: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) },
    ]);
    const pos = await executeKw(sb, 'product.product', 'search_read', [[['default_code', '=', 'PKG-BOX-S']], ['default_code']]);
    expect(pos).toEqual([{ id: rows[0].id, default_code: 'PKG-BOX-S' }]);
  });

  it('floats are <double> even when whole, like Python floats', async () => {
    const res = await xmlrpcRaw(
      sb,
      '/xmlrpc/2/object',
      `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>` +
        `<param><value><string>${sb.database}</string></value></param><param><value><int>2</int></value></param>` +
        `<param><value><string>admin</string></value></param><param><value><string>uom.uom</string></value></param>` +
        `<param><value><string>read</string></value></param>` +
        `<param><value><array><data><value><array><data><value><int>1</int></value></data></array></value></data></array></value></param>` +
        `<param><value><struct><member><name>fields</name><value><array><data><value><string>relative_factor</string></value></data></array></value></member></struct></value></param>` +
        `</params></methodCall>`,
    );
    expect(res.text).toContain('<name>relative_factor</name>\n<value><double>1.0</double></value>');
  });

  it('create returns an int for a dict and a list for a list; kwargs-only create faults', async () => {
    const id = await executeKw(sb, 'res.partner', 'create', [{ name: 'XR Single', ref: null }]);
    expect(typeof id).toBe('number');
    expect(sb.store.get('res.partner', id)?.ref).toBe(false);
    const ids = await executeKw(sb, 'res.partner', 'create', [[{ name: 'XR A' }, { name: 'XR B' }]]);
    expect(ids).toHaveLength(2);
    const before = sb.store.count('res.partner');
    const fault = await executeKwFault(sb, 'res.partner', 'create', [], { vals_list: [{ name: 'XR kw' }] });
    expect(fault.faultCode).toBe(1);
    expect(fault.faultString).toContain('IndexError: list index out of range');
    expect(sb.store.count('res.partner')).toBe(before);
  });

  it('record methods take ids as args[0]', async () => {
    const [id] = await executeKw(sb, 'res.partner', 'search', [[['ref', '=', 'SUP-ACME']]]);
    expect(await executeKw(sb, 'res.partner', 'write', [[id], { email: 'new@acme.example' }])).toBe(true);
    expect(await executeKw(sb, 'res.partner', 'read', [[id], ['email']])).toEqual([{ id, email: 'new@acme.example' }]);
    expect(await executeKw(sb, 'res.partner', 'read', [id], { fields: ['ref'] })).toEqual([{ id, ref: 'SUP-ACME' }]);
  });

  it('execute (no kwargs) works too', async () => {
    const ids = await xmlrpcCall(sb, 'object', 'execute', [sb.database, 2, sb.password, 'res.partner', 'search', [['ref', '=', 'SUP-ACME']]]);
    expect(ids).toHaveLength(1);
  });

  it('an empty <value/> is an empty string, as Python reads it', async () => {
    const id = await executeKw(sb, 'res.partner', 'search', [[['ref', '=', 'SUP-ACME']]]).then((ids: number[]) => ids[0]);
    const xml = `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params><param><value><string>${sb.database}</string></value></param><param><value><int>2</int></value></param><param><value><string>${sb.password}</string></value></param><param><value><string>res.partner</string></value></param><param><value><string>write</string></value></param><param><value><array><data><value><array><data><value><int>${id}</int></value></data></array></value><value><struct><member><name>comment</name><value/></member></struct></value></data></array></value></param></params></methodCall>`;
    const res = await xmlrpcRaw(sb, '/xmlrpc/2/object', xml);
    expect(res.text).toContain('<boolean>1</boolean>');
    expect(sb.store.read('res.partner', [id], ['comment'])[0]!.comment).toBe('');
  });

  it('context in kwargs is honoured (active_test)', async () => {
    const active = await executeKw(sb, 'product.product', 'search_count', [[]]);
    const all = await executeKw(sb, 'product.product', 'search_count', [[]], { context: { active_test: false } });
    expect(all).toBe(active + 1);
  });

  it('counts each model call once', async () => {
    await executeKw(sb, 'res.partner', 'search', [[]]);
    await executeKw(sb, 'res.partner', 'search', [[]]);
    await executeKw(sb, 'res.partner', 'read', [[1], ['name']]);
    expect(sb.stats.calls).toBe(3);
    expect(sb.stats.byMethod).toEqual({ 'res.partner.search': 2, 'res.partner.read': 1 });
  });
});

describe('faults like xmlrpc_handle_exception_int', () => {
  it('wrong or empty password -> 3 Access Denied', async () => {
    for (const pw of ['nope', '']) {
      const f = await xmlrpcFault(sb, 'object', 'execute_kw', [sb.database, 2, pw, 'res.partner', 'search', [[]]]);
      expect(f).toEqual({ faultCode: 3, faultString: 'Access Denied' });
    }
  });

  it('the API key works as a password', async () => {
    expect(await xmlrpcCall(sb, 'object', 'execute_kw', [sb.database, 2, sb.apiKey, 'res.partner', 'search_count', [[]]])).toBeGreaterThan(0);
  });

  it('unknown uid -> 2 MissingError on res.users', async () => {
    const f = await xmlrpcFault(sb, 'object', 'execute_kw', [sb.database, 999, sb.password, 'res.partner', 'search', [[]]]);
    expect(f).toEqual({ faultCode: 2, faultString: 'Record does not exist or has been deleted.\n(Record: res.users(999,), User: 999)' });
  });

  it('unknown model -> 2, unknown method -> 1 AttributeError, private -> 4', async () => {
    expect(await executeKwFault(sb, 'no.such.model', 'search', [[]])).toEqual({ faultCode: 2, faultString: "Object no.such.model doesn't exist" });
    const missing = await executeKwFault(sb, 'res.partner', 'no_such_method', [[]]);
    expect(missing.faultCode).toBe(1);
    expect(missing.faultString).toContain("AttributeError: The method 'res.partner.no_such_method' does not exist");
    expect(await executeKwFault(sb, 'res.partner', '_read_group', [[]])).toEqual({
      faultCode: 4,
      faultString: "Private methods (such as 'res.partner._read_group') cannot be called remotely.",
    });
  });

  it('application errors -> 1 with a traceback ending in the exception', async () => {
    const f = await executeKwFault(sb, 'res.partner', 'create', [{ name: 'X', bogus_field: 1 }]);
    expect(f.faultCode).toBe(1);
    expect(f.faultString).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(f.faultString.trimEnd().split('\n').pop()).toBe("ValueError: Invalid field 'bogus_field' in 'res.partner'");
    const d = await executeKwFault(sb, 'res.partner', 'search', [[['name', '==']]]);
    expect(d.faultString).toContain("ValueError: Domain() invalid item in domain: ['name', '==']");
    const t = await executeKwFault(sb, 'res.partner', 'search', ['garbage']);
    expect(t.faultString).toContain("TypeError: Domain() invalid argument type for domain: 'garbage'");
  });

  it('binding errors read like CPython', async () => {
    const many = await executeKwFault(sb, 'res.partner', 'search', [[], 0, 1, 'id', 5]);
    expect(many.faultString).toContain('TypeError: BaseModel.search() takes from 2 to 5 positional arguments but 6 were given');
    const kw = await executeKwFault(sb, 'res.partner', 'search', [[]], { nope: 1 });
    expect(kw.faultString).toContain("TypeError: BaseModel.search() got an unexpected keyword argument 'nope'");
    const miss = await executeKwFault(sb, 'res.partner', 'load', []);
    expect(miss.faultString).toContain("TypeError: BaseModel.load() missing 2 required positional arguments: 'fields' and 'data'");
    const noIds = await executeKwFault(sb, 'res.partner', 'read', []);
    expect(noIds.faultString).toContain('IndexError: list index out of range');
  });

  it('user errors -> 2 with the bare message', async () => {
    expect(await executeKwFault(sb, 'res.partner', 'create', [{ name: false }])).toEqual({
      faultCode: 2,
      faultString: 'The operation cannot be completed: Contacts require a name',
    });
    expect(await executeKwFault(sb, 'res.partner', 'write', [[999999], { name: 'x' }])).toEqual({
      faultCode: 2,
      faultString: 'Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)',
    });
    expect(await executeKwFault(sb, 'purchase.order', 'unlink', [[3]])).toEqual({
      faultCode: 2,
      faultString: 'In order to delete a purchase order, you must cancel it first.',
    });
  });

  it('a method returning None faults after committing its effects', async () => {
    const f = await executeKwFault(sb, 'purchase.order', 'button_cancel', [[2]]);
    expect(f.faultCode).toBe(1);
    expect(f.faultString).toContain('TypeError: cannot marshal None unless allow_none is enabled');
    expect(sb.store.get('purchase.order', 2)?.state).toBe('cancel');
  });

  it('legacy /xmlrpc/ endpoint uses string fault codes', async () => {
    const body = (pw: string, model: string, method: string) =>
      `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>` +
      `<param><value><string>${sb.database}</string></value></param><param><value><int>2</int></value></param>` +
      `<param><value><string>${pw}</string></value></param><param><value><string>${model}</string></value></param>` +
      `<param><value><string>${method}</string></value></param>` +
      `<param><value><array><data><value><array><data><value><int>999999</int></value></data></array></value><value><struct><member><name>name</name><value>x</value></member></struct></value></data></array></value></param>` +
      `</params></methodCall>`;
    const missing = await xmlrpcRaw(sb, '/xmlrpc/object', body('admin', 'res.partner', 'write'));
    expect(missing.text).toContain('<value><string>warning -- MissingError\n\nRecord does not exist or has been deleted.');
    const denied = await xmlrpcRaw(sb, '/xmlrpc/object', body('bad', 'res.partner', 'write'));
    expect(denied.text).toContain('<name>faultCode</name>\n<value><string>AccessDenied</string></value>');
  });

  it('accepts <nil/> and untyped strings', async () => {
    const res = await xmlrpcRaw(
      sb,
      '/xmlrpc/2/object',
      `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>` +
        `<param><value>${sb.database}</value></param><param><value><i4>2</i4></value></param>` +
        `<param><value>admin</value></param><param><value>res.partner</value></param><param><value>search_read</value></param>` +
        `<param><value><array><data><value><array><data><value><array><data><value>ref</value><value>=</value><value>SUP-ACME</value></data></array></value></data></array></value></data></array></value></param>` +
        `<param><value><struct><member><name>fields</name><value><array><data><value>name</value></data></array></value></member><member><name>limit</name><value><nil/></value></member></struct></value></param>` +
        `</params></methodCall>`,
    );
    expect(res.text).toContain('<value><string>Acme Industrial Supplies</string></value>');
  });
});
