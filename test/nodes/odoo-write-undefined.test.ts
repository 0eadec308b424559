/**
 * odoo-write with `undefined` field values (a function node's `{comment: msg.note}`
 * without a note), against the sandbox: the field is left out, over both protocols.
 */
import type { Sandbox } from '../../sandbox/odoo/server';
import { helper, load, ServerConfig, until, withSandboxAndRuntime } from '../helpers/red';

const ctx = withSandboxAndRuntime();
let sandbox: Sandbox;
beforeAll(() => {
  sandbox = ctx.sandbox;
});
const serverFor = (protocol: 'json2' | 'xmlrpc'): ServerConfig => ({ url: sandbox.url, database: sandbox.database, login: sandbox.login, secret: sandbox.apiKey, protocol });

describe.each(['json2', 'xmlrpc'] as const)('odoo-write with undefined values over %s', (protocol) => {
  it('create and write leave an undefined field out: it keeps its value, never becomes an empty string', async () => {
    const ref = `ZZT-UNDEF-${protocol}`;
    const { n1, captured } = await load(serverFor(protocol), { type: 'odoo-write', operation: 'create', model: 'res.partner', batchWindow: 5 });
    n1.receive({ payload: { name: `ZZT undefined ${protocol}`, ref, comment: undefined, email: undefined } });
    await until(() => captured.ok.length + captured.err.length === 1, 'created');
    expect(captured.err.map((m) => m.error)).toEqual([]);
    const id = captured.ok[0]!.odoo.ids as number;
    expect(sandbox.store.read('res.partner', [id], ['ref', 'comment', 'email'])[0]).toMatchObject({ ref, comment: false, email: false });

    await helper.unload();
    const written = await load(serverFor(protocol), { type: 'odoo-write', operation: 'write', model: 'res.partner', batchWindow: 5 });
    written.n1.receive({ payload: { id, comment: 'a note', ref: undefined } });
    await until(() => written.captured.ok.length + written.captured.err.length === 1, 'written');
    expect(written.captured.err.map((m) => m.error)).toEqual([]);
    expect(sandbox.store.read('res.partner', [id], ['ref', 'comment'])[0]).toMatchObject({ ref, comment: 'a note' });
  });
});
