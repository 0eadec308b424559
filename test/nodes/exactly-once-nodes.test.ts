/**
 * Exactly once through real odoo-write nodes: two nodes on one odoo-config
 * share one writer, and a message delivered twice (a retry re-sending the
 * original) applies once.
 */
import type { Sandbox } from '../../sandbox/odoo/server';
import { helper, odooNodes, until, withSandboxAndRuntime } from '../helpers/red';

const ctx = withSandboxAndRuntime();
let sandbox: Sandbox;
beforeAll(() => {
  sandbox = ctx.sandbox;
});

async function twoWriters(node: Record<string, unknown>) {
  const flow = [
    { id: 'cfg', type: 'odoo-config', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol: 'json2', secretKind: 'apikey', timeout: 5, concurrency: 4 },
    { id: 'a', type: 'odoo-write', server: 'cfg', batchWindow: 10, wires: [['ok'], ['err']], ...node },
    { id: 'b', type: 'odoo-write', server: 'cfg', batchWindow: 10, wires: [['ok'], ['err']], ...node },
    { id: 'ok', type: 'helper' },
    { id: 'err', type: 'helper' },
  ];
  await helper.load(odooNodes as never, flow, { cfg: { secret: sandbox.apiKey } });
  const ok: any[] = [];
  const err: any[] = [];
  helper.getNode('ok').on('input', (m: any) => ok.push(m));
  helper.getNode('err').on('input', (m: any) => err.push(m));
  return { a: helper.getNode('a'), b: helper.getNode('b'), ok, err };
}

it('two odoo-write nodes upserting one key at once: one record, created then updated', async () => {
  const { a, b, ok } = await twoWriters({ operation: 'upsert', model: 'res.partner', keyFields: 'ref' });
  // the first creation is slow: with a writer per node the second node's search saw nothing
  sandbox.inject({ model: 'res.partner', method: 'load', latencyMs: 100, times: 1 });
  a.receive({ payload: { ref: 'EON-1', name: 'from a' } });
  b.receive({ payload: { ref: 'EON-1', name: 'from b' } });
  await until(() => ok.length === 2, 'two results');
  expect(ok.map((m) => m.odoo.actions[0]).sort()).toEqual(['created', 'updated']);
  expect(sandbox.store.search('res.partner', [['ref', '=', 'EON-1']])).toHaveLength(1);
});

it('a message whose answer was lost is sent again as the same message: one record, and the error said it was safe', async () => {
  const { a, ok, err } = await twoWriters({ operation: 'create', model: 'res.partner' });
  sandbox.inject({ model: 'res.partner', method: 'load', loseAnswer: 'drop', times: 1 });
  const msg = { _msgid: 'm-lost-1', payload: { name: 'EON lost', ref: 'EON-LOST' } };
  a.receive({ ...msg });
  await until(() => err.length === 1, 'error');
  expect(err[0].error).toMatchObject({ transient: true, applied: 'unknown', idempotent: true });
  // what retry-gate does: the original message again
  a.receive({ ...msg });
  await until(() => ok.length === 1, 'replayed');
  expect(sandbox.store.search('res.partner', [['ref', '=', 'EON-LOST']])).toHaveLength(1);
});

it('plant events delivered twice adjust stock once', async () => {
  const { a, ok } = await twoWriters({ operation: 'msg' });
  const product = sandbox.store.create('product.product', { name: 'EON stock', default_code: 'EON-STOCK', is_storable: true });
  const msg = { payload: [{ product_id: product, location_id: 5, quantity: 7 }], odoo: { model: 'stock.quant', operation: 'adjust_quant', keys: ['events:plant-1'] } };
  a.receive(structuredClone(msg));
  a.receive(structuredClone(msg));
  await until(() => ok.length === 2, 'both deliveries answered');
  expect(ok.map((m) => m.odoo.actions[0]).sort()).toEqual(['adjusted', 'unchanged']);
  const quants = sandbox.store.read('stock.quant', sandbox.store.search('stock.quant', [['product_id', '=', product], ['location_id', '=', 5]]), ['quantity']);
  expect(quants.reduce((n, q) => n + Number(q.quantity), 0)).toBe(7);
});
