/**
 * Tracing: msg.correlationId leaves every node on every output, the error
 * outputs and what a retry gate gives up included; with ODOO_SUPPLY_LOG=json
 * the package's own log lines are one JSON object per line carrying it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { helper, until } from '../helpers/red';
import configNode = require('../../nodes/odoo-config/odoo-config');
import readNode = require('../../nodes/odoo-read/odoo-read');
import writeNode = require('../../nodes/odoo-write/odoo-write');
import gateNode = require('../../nodes/retry-gate/retry-gate');
import deadLetterNode = require('../../nodes/dead-letter/dead-letter');
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';

jest.setTimeout(30_000);

let sandbox: Sandbox;
let dataDir: string;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(() => sandbox.close());
beforeEach((done) => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'correlation-'));
  helper.settings({ odooSupplyDataDir: dataDir });
  helper.startServer(done);
});
afterEach(async () => {
  await helper.unload();
  await new Promise<void>((r) => helper.stopServer(() => r()));
  fs.rmSync(dataDir, { recursive: true, force: true });
  delete process.env.ODOO_SUPPLY_LOG;
});

const permanent = { message: 'product "X-1" does not exist', code: 'VALIDATION', transient: false, applied: 'no', source: { id: 'w1', type: 'odoo-write' } };

async function deploy() {
  const flow = [
    { id: 'cfg', type: 'odoo-config', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol: 'auto', secretKind: 'apikey', timeout: 5 },
    { id: 'w', type: 'odoo-write', server: 'cfg', operation: 'create', model: 'res.partner', batchWindow: 5, wires: [['ok'], ['err']] },
    { id: 'r', type: 'odoo-read', server: 'cfg', operation: 'search_read', model: '', fields: 'name', limit: 1, wires: [['ok'], ['err']] },
    { id: 'g', type: 'retry-gate', name: 'gate', initialDelay: 30, maxDelay: 30, jitter: 'none', maxAttempts: 3, breakerThreshold: 0, wires: [['ok'], ['dl', 'err']] },
    { id: 'dl', type: 'dead-letter', name: 'parked', store: 'local', wires: [['ok']] },
    { id: 'ok', type: 'helper' },
    { id: 'err', type: 'helper' },
  ];
  await helper.load([configNode, readNode, writeNode, gateNode, deadLetterNode] as any, flow, { cfg: { secret: sandbox.apiKey } });
  const out = { ok: [] as any[], err: [] as any[] };
  helper.getNode('ok').on('input', (m: any) => out.ok.push(m));
  helper.getNode('err').on('input', (m: any) => out.err.push(m));
  return out;
}

it('keeps msg.correlationId on the ok and the error outputs of odoo-write, odoo-read and retry-gate', async () => {
  const out = await deploy();
  helper.getNode('w').receive({ payload: { name: 'Traced partner' }, correlationId: 'c-write-ok' });
  helper.getNode('w').receive({ payload: { name: 'x', no_such_field: 1 }, correlationId: 'c-write-bad' });
  helper.getNode('r').receive({ payload: null, odoo: { model: 'res.partner' }, correlationId: 'c-read-ok' });
  helper.getNode('r').receive({ payload: null, odoo: { model: 'no.such.model' }, correlationId: 'c-read-bad' });
  helper.getNode('g').receive({ payload: { id: 7 }, error: permanent, correlationId: 'c-gave-up' });
  await until(() => out.ok.length >= 2 && out.err.length >= 3, 'every message out');
  expect(sandbox.store.search('res.partner', [['name', '=', 'Traced partner']]).length).toBe(1);
  expect(out.ok.map((m) => m.correlationId).sort()).toEqual(['c-read-ok', 'c-write-ok']);
  expect(out.err.map((m) => [m.correlationId, m.error.code]).sort()).toEqual([
    ['c-gave-up', 'VALIDATION'],
    ['c-read-bad', 'UNKNOWN_MODEL'],
    ['c-write-bad', 'UNKNOWN_FIELD'],
  ]);
});

it('writes the package log lines as JSON objects with level, node and correlation id when ODOO_SUPPLY_LOG=json', async () => {
  process.env.ODOO_SUPPLY_LOG = 'json';
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && chunk.startsWith('{')) lines.push(chunk);
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write);
  try {
    const out = await deploy();
    helper.getNode('g').receive({ payload: { id: 7 }, error: permanent, correlationId: 'c-json' });
    await until(() => out.err.length === 1 && lines.some((l) => l.includes('dead letter')), 'the gave-up and dead-letter lines');
  } finally {
    spy.mockRestore();
  }
  const parsed = lines.map((l) => (expect(l.endsWith('\n') && !l.slice(0, -1).includes('\n')).toBe(true), JSON.parse(l)));
  expect(parsed).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ level: 'warn', node: { id: 'g', type: 'retry-gate', name: 'gate' }, correlationId: 'c-json', msg: expect.stringMatching(/^gave up/) }),
      expect.objectContaining({ level: 'warn', node: { id: 'dl', type: 'dead-letter', name: 'parked' }, correlationId: 'c-json', msg: expect.stringMatching(/^dead letter/) }),
      // the connection line of the Odoo server, no message: no correlation id
      expect.objectContaining({ level: 'info', node: { id: 'cfg', type: 'odoo-config' }, msg: expect.stringMatching(/JSON-2/) }),
    ]),
  );
  for (const p of parsed) expect(typeof p.time).toBe('string');
});
