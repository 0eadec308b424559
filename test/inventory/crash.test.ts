/**
 * kill -9 while events stream in and batches are with Odoo (slow, so a
 * batch is in flight when the process dies), three times, each restart fed
 * the whole stream again (what an MQTT broker redelivers, and what the plant
 * re-sends): every product+location ends at exactly what the events say.
 * Needs `npm run build` (the child runs dist/).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { expectedQuantities, makeEvents, onHand, plantFixture } from './fixtures';

const CHILD = path.join(__dirname, 'crash-child.js');

/** Runs the child; kills it (SIGKILL) as soon as `killWhen` holds. */
function run(args: string[], killWhen?: () => boolean): Promise<{ out: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const poll = setInterval(() => {
      if (killWhen && !killed && killWhen()) {
        killed = true;
        child.kill('SIGKILL');
      }
    }, 5);
    child.once('exit', () => {
      clearInterval(poll);
      resolve({ out, killed });
    });
  });
}

let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  if (!fs.existsSync(path.resolve(__dirname, '..', '..', 'dist', 'lib', 'inventory', 'index.js'))) throw new Error('dist/ is missing: run npm run build first');
  sandbox = await startSandbox();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stock-crash-'));
});
afterAll(async () => {
  await sandbox?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('three kill -9 in the middle, the stream redelivered each time: nothing lost, nothing doubled', async () => {
  const fixture = plantFixture(sandbox, 'CRASH', 15, ['K1', 'K2']);
  // adjustments (a doubled one shows), and at the end counts that happened before all of them
  const adjusts = makeEvents(fixture, 900, 21).map((e) => ({ ...e, kind: 'adjust' as const, quantity: Math.abs(e.quantity) || 1 }));
  const events = [...adjusts, ...makeEvents(fixture, 30, 22, Date.UTC(2025, 0, 1)).map((e) => ({ ...e, kind: 'count' as const, quantity: 500 }))];
  fs.writeFileSync(path.join(dir, 'events.json'), JSON.stringify(events));
  fs.writeFileSync(path.join(dir, 'odoo.json'), JSON.stringify({ url: sandbox.url, database: sandbox.database, login: sandbox.login, apiKey: sandbox.apiKey }));
  const args = [path.join(dir, 'stock.journal'), path.join(dir, 'events.json'), path.join(dir, 'odoo.json')];
  // the worst moment, three times: Odoo has validated a batch's transfers and
  // the process dies before it hears so, so its journal still holds the batch as not done
  const kills: boolean[] = [];
  for (const [skip, method, model] of [[0, 'button_validate', 'stock.picking'], [0, 'button_validate', 'stock.picking'], [0, 'button_validate', 'stock.picking']] as const) {
    sandbox.inject({ model, method, loseAnswer: 'delay', loseAnswerDelayMs: 3000, times: 1, skip });
    const calls = () => Object.entries(sandbox.stats.byMethod).filter(([k]) => k.includes(method)).reduce((n, [, v]) => n + v, 0);
    const before = calls();
    kills.push((await run(args, () => calls() > before + skip)).killed);
    sandbox.clearFaults();
  }
  expect(kills).toEqual([true, true, true]);
  const last = await run(args);
  if (!/^DRAINED$/m.test(last.out)) console.log(last.out.split('\n').filter((l) => !l.startsWith('ACK')).join('\n').slice(-2000));
  expect(last.out).toMatch(/^DRAINED$/m);
  expect(Object.fromEntries(onHand(sandbox, fixture))).toEqual(Object.fromEntries(expectedQuantities(events)));
}, 120_000);
