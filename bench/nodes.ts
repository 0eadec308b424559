import helper from 'node-red-node-test-helper';
import type { BenchTarget } from './target';

helper.init(require.resolve('node-red'));

/** The package's nodes (from dist/) in a Node-RED runtime, fed and counted like a flow would. */
export async function loadNodes(target: BenchTarget, node: Record<string, unknown>) {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const nodes = [require('../nodes/odoo-config/odoo-config'), require('../nodes/odoo-read/odoo-read'), require('../nodes/odoo-write/odoo-write')];
  /* eslint-enable @typescript-eslint/no-require-imports */
  await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  const flow = [
    { id: 'cfg', type: 'odoo-config', url: target.url, database: target.database, login: target.login, protocol: 'auto', secretKind: target.secretKind, timeout: 120, concurrency: 4 },
    { id: 'n1', server: 'cfg', wires: [['ok'], ['err']], ...node },
    { id: 'ok', type: 'helper' },
    { id: 'err', type: 'helper' },
  ];
  await helper.load(nodes, flow, { cfg: { secret: target.secret } });
  let ok = 0;
  let errors = 0;
  let records = 0;
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  helper.getNode('ok').on('input', (m: { payload: unknown }) => {
    ok++;
    records += Array.isArray(m.payload) ? m.payload.length : 1;
    wake();
  });
  helper.getNode('err').on('input', (m: { error?: { message: string } }) => {
    errors++;
    process.stderr.write(`error output: ${m.error?.message}\n`);
    wake();
  });
  const input = helper.getNode('n1');
  return {
    input,
    ok: () => ok,
    records: () => records,
    errors: () => errors,
    calls: () => (helper.getNode('cfg') as unknown as { client(): { calls: number } }).client().calls,
    /** Resolves when `n` messages (ok or error) came out, or `check` says so. */
    async waitFor(n: number, check: () => boolean = () => ok + errors >= n): Promise<void> {
      while (!check()) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    async close() {
      await helper.unload();
      await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    },
  };
}
