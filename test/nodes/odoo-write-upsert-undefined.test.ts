import type { Sandbox } from '../../sandbox/odoo/server';
import { helper, load, ServerConfig, until, withSandboxAndRuntime } from '../helpers/red';

const ctx = withSandboxAndRuntime();
let sandbox: Sandbox;
beforeAll(() => {
  sandbox = ctx.sandbox;
});
const serverFor = (protocol: 'json2' | 'xmlrpc'): ServerConfig => ({ url: sandbox.url, database: sandbox.database, login: sandbox.login, secret: sandbox.apiKey, protocol });

describe.each(['json2', 'xmlrpc'] as const)('upsert with undefined values over %s', (protocol) => {
  it('an unchanged record with an undefined field is unchanged the second time, not re-written', async () => {
    const ref = `ZZT-UPS-UNDEF-${protocol}`;
    const { n1, captured } = await load(serverFor(protocol), { type: 'odoo-write', operation: 'upsert', model: 'res.partner', keyFields: 'ref', batchWindow: 5 });
    n1.receive({ payload: { ref, name: `ZZT upsert ${protocol}`, lang: undefined, comment: undefined } });
    await until(() => captured.ok.length + captured.err.length === 1, 'first');
    sandbox.resetStats();
    n1.receive({ payload: { ref, name: `ZZT upsert ${protocol}`, lang: undefined, comment: undefined } });
    await until(() => captured.ok.length + captured.err.length === 2, 'second');
    expect(captured.err.map((m) => m.error)).toEqual([]);
    expect(captured.ok.map((m) => m.odoo.actions)).toEqual([['created'], ['unchanged']]);
    expect(sandbox.stats.byMethod['res.partner.write'] ?? 0).toBe(0);
    await helper.unload();
  });
});
