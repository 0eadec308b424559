/**
 * The outage: 1,000 messages flow retry-gate → odoo-write → retry-gate
 * while the sandbox Odoo answers 503 for OUTAGE_MS (default 30 s), with
 * "applied, answer lost" faults before and after. Every record exists once,
 * nothing reaches the dead letter but the permanently wrong rows (on their
 * first attempt), and the circuit opened and closed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Sandbox } from '../../sandbox/odoo/server';
import deadLetterNode = require('../../nodes/dead-letter/dead-letter');
import gateNode = require('../../nodes/retry-gate/retry-gate');
import { helper, odooNodes, until, withSandboxAndRuntime } from '../helpers/red';

const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 30_000);
const MESSAGES = 1000;
const BAD = 5;

const ctx = withSandboxAndRuntime();
let dataDir: string;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outage-'));
  helper.settings({ odooSupplyDataDir: dataDir });
});
afterAll(() => {
  helper.settings({});
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it(`1,000 messages through a ${OUTAGE_MS / 1000} s outage with lost answers: each record once, no dead letters, the circuit opened and closed`, async () => {
  const sandbox: Sandbox = ctx.sandbox;
  const flow = [
    { id: 'cfg', type: 'odoo-config', url: sandbox.url, database: sandbox.database, login: sandbox.login, protocol: 'json2', secretKind: 'apikey', timeout: 5, concurrency: 4 },
    { id: 'gate', type: 'retry-gate', maxAttempts: 0, maxTotal: 600, initialDelay: 200, maxDelay: 3000, breakerThreshold: 5, breakerWindow: 5000, breakerCooldown: 2000, probeTimeout: 1000, releaseRate: 500, wires: [['w'], ['dl']] },
    { id: 'w', type: 'odoo-write', server: 'cfg', operation: 'create', model: 'product.product', batchSize: 100, batchWindow: 20, wires: [['ok'], ['gate']] },
    { id: 'dl', type: 'dead-letter', wires: [[]] },
    { id: 'ok', type: 'helper' },
  ];
  await helper.load([...odooNodes, gateNode, deadLetterNode] as never, flow, { cfg: { secret: sandbox.apiKey } });
  const written: any[] = [];
  helper.getNode('ok').on('input', (m: any) => written.push(m));
  const gate = helper.getNode('gate') as any;
  const dead = async () => (await helper.request().get('/dead-letter/dl/entries?limit=1000')).body;

  const started = Date.now();
  let outageStarted = 0;
  let outageEnded = 0;
  const feed = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      gate.receive({ payload: { name: `Outage product ${i}`, default_code: `OUT-${i}`, list_price: i }, correlationId: `out-${i}` });
      if (i === 200) {
        sandbox.inject({ httpStatus: 503, times: 1_000_000 });
        outageStarted = Date.now();
        setTimeout(() => {
          sandbox.clearFaults();
          // and more lost answers as Odoo comes back
          sandbox.inject({ model: 'product.product', method: 'load', loseAnswer: 'drop', times: 3 });
          outageEnded = Date.now();
        }, OUTAGE_MS).unref();
      }
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
  };
  // rows Odoo refuses (a price that is no number) among the first ones
  for (let i = 0; i < BAD; i++) gate.receive({ payload: { name: `Bad ${i}`, default_code: `OUT-BAD-${i}`, list_price: 'twelve euros' }, correlationId: `bad-${i}` });
  await feed(0, 100);
  // the wrong rows go to the dead letter at once, on their first attempt
  await until(async () => (await dead()).total === BAD, 'the permanently wrong rows in the dead letter', 20_000);
  const bad = await dead();
  expect(bad.entries.map((e: any) => [e.correlationId.slice(0, 4), e.attempts, e.reason, e.error.code])).toEqual(Array(BAD).fill(['bad-', 0, 'permanent', 'VALIDATION']));
  // answers lost before the outage: the creates committed, odoo-write cannot know
  sandbox.inject({ model: 'product.product', method: 'load', loseAnswer: 'drop', times: 2 });
  await feed(100, MESSAGES);

  await until(() => outageEnded > 0, 'end of the outage', OUTAGE_MS + 10_000);
  await until(() => new Set(written.flatMap((m) => (Array.isArray(m.payload) ? m.payload : [m.payload]).map((p: any) => p.default_code))).size === MESSAGES, `all ${MESSAGES} written (${written.length} so far, stats ${JSON.stringify(gate.journalStats())})`, 60_000);

  const codes = sandbox.store.search('product.product', [['default_code', '=like', 'OUT-%']]).map((id) => sandbox.store.raw('product.product', id)?.default_code as string);
  const good = codes.filter((c) => !c.startsWith('OUT-BAD'));
  expect(good).toHaveLength(MESSAGES);
  expect(new Set(good).size).toBe(MESSAGES);
  expect((await dead()).total).toBe(BAD);
  const stats = gate.journalStats();
  expect(stats.opens).toBeGreaterThanOrEqual(1);
  expect(stats.closes).toBeGreaterThanOrEqual(1);
  expect(stats.circuit).toBe('closed');
  await until(() => gate.journalStats().pending === 0, 'journal empty');
  expect(outageStarted).toBeGreaterThan(started - 1);
}, OUTAGE_MS + 120_000);
