import { classify, classifyError, IntegrationError, parseRetryAfter } from '../../lib/errors';
import { xmlRpcError } from '../../lib/odoo/xmlrpc';

describe('one error classifier', () => {
  it.each([
    ['ECONNREFUSED', 'NETWORK', true],
    ['ECONNRESET', 'NETWORK', true],
    ['ETIMEDOUT', 'NETWORK', true],
    ['EAI_AGAIN', 'NETWORK', true],
    ['ENOTFOUND', 'HOST_NOT_FOUND', false],
  ])('network error %s is %s (transient=%s)', (networkCode, code, transient) => {
    const e = Object.assign(new Error(`connect ${networkCode}`), { code: networkCode });
    expect(classifyError(e)).toMatchObject({ code, transient });
  });

  it.each([
    [429, 'RATE_LIMITED', true],
    [502, 'UNAVAILABLE', true],
    [503, 'UNAVAILABLE', true],
    [504, 'UNAVAILABLE', true],
    [401, 'AUTH', false],
    [403, 'ACCESS', false],
    [400, 'HTTP_ERROR', false],
  ])('HTTP %s without an Odoo body is %s', (status, code, transient) => {
    expect(classify({ message: 'x', status })).toMatchObject({ code, transient });
  });

  it.each([
    ['psycopg2.errors.SerializationFailure', 'could not serialize access due to concurrent update', 'CONCURRENCY', true],
    ['odoo.exceptions.ValidationError', 'The operation cannot be completed: Contacts require a name', 'VALIDATION', false],
    ['odoo.exceptions.UserError', 'In order to delete a purchase order, you must cancel it first.', 'VALIDATION', false],
    ['odoo.exceptions.AccessError', "You are not allowed to access 'Purchase Order'", 'ACCESS', false],
    ['odoo.exceptions.MissingError', 'Record does not exist or has been deleted.', 'MISSING_RECORD', false],
    ['werkzeug.exceptions.Unauthorized', 'Invalid apikey', 'AUTH', false],
    ['werkzeug.exceptions.NotFound', "the model 'no.such.model' does not exist", 'UNKNOWN_MODEL', false],
    ['werkzeug.exceptions.NotFound', "The method 'res.partner.no_such_method' does not exist", 'UNKNOWN_METHOD', false],
    ['builtins.ValueError', "Invalid field 'bogus_field' in 'res.partner'", 'UNKNOWN_FIELD', false],
    ['builtins.KeyError', 'bogus_field', 'UNKNOWN_FIELD', false],
    ['builtins.ValueError', "Domain() invalid item in domain: ['name', '==']", 'VALIDATION', false],
    ['psycopg2.OperationalError', 'connection to server at "db" failed: Connection refused', 'UNAVAILABLE', true],
    ['psycopg2.OperationalError', 'FATAL:  database "nosuchdb" does not exist', 'CONFIG', false],
  ])('%s "%s" is %s', (odooException, message, code, transient) => {
    const e = classify({ message, odooException, status: 500 });
    expect(e).toMatchObject({ code, transient, odooException, message });
  });

  it('keeps the Retry-After delay of a 429', () => {
    expect(classify({ message: 'slow down', status: 429, retryAfter: '3' }).retryAfterMs).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT'))).toBe(60_000);
  });

  it('reads XML-RPC faults of /xmlrpc/2 like Odoo 19 sends them', () => {
    expect(xmlRpcError({ faultCode: 3, faultString: 'Access Denied' }, 'execute_kw')).toMatchObject({ code: 'AUTH', transient: false });
    expect(xmlRpcError({ faultCode: 4, faultString: 'Private methods' }, 'execute_kw')).toMatchObject({ code: 'ACCESS' });
    expect(xmlRpcError({ faultCode: 2, faultString: "Object no.such.model doesn't exist" }, 'execute_kw')).toMatchObject({ code: 'UNKNOWN_MODEL' });
    expect(xmlRpcError({ faultCode: 2, faultString: 'Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)' }, 'execute_kw')).toMatchObject({ code: 'MISSING_RECORD' });
    const tb = 'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\nValueError: Invalid field \'bogus_field\' in \'res.partner\'\n';
    expect(xmlRpcError({ faultCode: 1, faultString: tb }, 'execute_kw')).toMatchObject({ code: 'UNKNOWN_FIELD', odooException: 'builtins.ValueError', message: "Invalid field 'bogus_field' in 'res.partner'" });
    const ser = 'Traceback (most recent call last):\npsycopg2.errors.SerializationFailure: could not serialize access due to concurrent update\n';
    expect(xmlRpcError({ faultCode: 1, faultString: ser }, 'execute_kw')).toMatchObject({ code: 'CONCURRENCY', transient: true });
  });

  it('passes already classified errors through and renders msg.error', () => {
    const e = new IntegrationError({ message: 'm', code: 'BAD_INPUT', transient: false });
    expect(classifyError(e)).toBe(e);
    expect(e.toMsgError({ id: 'n1', type: 'odoo-write' })).toEqual({ message: 'm', code: 'BAD_INPUT', transient: false, source: { id: 'n1', type: 'odoo-write' } });
  });
});
