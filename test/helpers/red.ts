import helper from 'node-red-node-test-helper';
import { startSandbox, Sandbox } from '../../sandbox/odoo/server';
import configNode = require('../../nodes/odoo-config/odoo-config');
import readNode = require('../../nodes/odoo-read/odoo-read');
import writeNode = require('../../nodes/odoo-write/odoo-write');

helper.init(require.resolve('node-red'));

export { helper };
export const odooNodes = [configNode, readNode, writeNode];

export interface Captured {
  ok: Record<string, any>[];
  err: Record<string, any>[];
}

export interface ServerConfig {
  url: string;
  database: string;
  login: string;
  secret: string;
  protocol: 'json2' | 'xmlrpc' | 'auto';
  secretKind?: 'apikey' | 'password';
  /** seconds */
  timeout?: number;
}

/** A flow of one odoo-config, the node under test, and helper nodes on both outputs. */
export function flowWith(server: ServerConfig, node: Record<string, unknown>, errorWired = true) {
  const flow = [
    { id: 'cfg', type: 'odoo-config', url: server.url, database: server.database, login: server.login, protocol: server.protocol, secretKind: server.secretKind ?? 'apikey', timeout: server.timeout ?? 5, concurrency: 4 },
    { id: 'n1', server: 'cfg', wires: [['ok'], errorWired ? ['err'] : []], ...node },
    { id: 'ok', type: 'helper' },
    { id: 'err', type: 'helper' },
  ];
  return { flow, credentials: { cfg: { secret: server.secret } } };
}

export async function load(server: ServerConfig, node: Record<string, unknown>, errorWired = true): Promise<{ n1: any; captured: Captured }> {
  const { flow, credentials } = flowWith(server, node, errorWired);
  await helper.load(odooNodes as any, flow, credentials);
  const captured: Captured = { ok: [], err: [] };
  helper.getNode('ok').on('input', (m: any) => captured.ok.push(m));
  helper.getNode('err').on('input', (m: any) => captured.err.push(m));
  return { n1: helper.getNode('n1'), captured };
}

/** Waits until `check` holds, polling; fails with `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Jest hooks for node tests: one sandbox Odoo for the file, a fresh Node-RED
 * test runtime per test, faults cleared after each. Read `.sandbox` inside tests.
 */
export function withSandboxAndRuntime(): { readonly sandbox: Sandbox } {
  const ctx = {} as { sandbox: Sandbox };
  beforeAll(async () => {
    ctx.sandbox = await startSandbox();
  });
  afterAll(async () => {
    await ctx.sandbox?.close();
  });
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    ctx.sandbox.clearFaults();
  });
  return ctx;
}
