import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import helper from 'node-red-node-test-helper';
import gateNode = require('../../nodes/retry-gate/retry-gate');
import { until } from '../helpers/red';

helper.init(require.resolve('node-red'));

let dataDir: string;
beforeEach((done) => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'retry-gate-'));
  helper.settings({ odooSupplyDataDir: dataDir });
  helper.startServer(done);
});
afterEach(async () => {
  await helper.unload();
  await new Promise<void>((r) => helper.stopServer(() => r()));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const transient = (extra: Record<string, unknown> = {}) => ({ message: 'Service Unavailable', code: 'UNAVAILABLE', transient: true, applied: 'no', status: 503, source: { id: 'w1', type: 'odoo-write' }, ...extra });
const permanent = { message: 'product "X-1" does not exist', code: 'VALIDATION', transient: false, applied: 'no', source: { id: 'w1', type: 'odoo-write' } };

async function load(props: Record<string, unknown> = {}, id = 'g') {
  const flow = [
    { id, type: 'retry-gate', name: 'gate', initialDelay: 30, maxDelay: 30, jitter: 'none', maxAttempts: 3, breakerThreshold: 0, ...props, wires: [['try'], ['gaveup']] },
    { id: 'try', type: 'helper' },
    { id: 'gaveup', type: 'helper' },
  ];
  await helper.load(gateNode as any, flow);
  const out = { tried: [] as any[], gaveUp: [] as any[] };
  helper.getNode('try').on('input', (m: any) => out.tried.push(m));
  helper.getNode('gaveup').on('input', (m: any) => out.gaveUp.push(m));
  return { gate: helper.getNode(id) as any, out };
}

/** Timeouts alive in this process (jest's own included): compared before and after. */
const timeouts = () => (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('retry-gate', () => {
  it('passes a fresh message on output 1 unchanged', async () => {
    const { gate, out } = await load();
    gate.receive({ payload: { a: 1 }, correlationId: 'c-1' });
    await until(() => out.tried.length === 1, 'fresh message');
    expect(out.tried[0]).toMatchObject({ payload: { a: 1 }, correlationId: 'c-1' });
    expect(out.tried[0].retry).toBeUndefined();
  });

  it('re-emits a transient failure after the backoff as the message it was, with msg.retry, until it runs out of attempts', async () => {
    const { gate, out } = await load({ initialDelay: 40, maxDelay: 40 });
    const sent = Date.now();
    gate.receive({ payload: { default_code: 'A-1', price: 3.5 }, correlationId: 'c-2', error: transient() });
    await until(() => out.tried.length === 1, 'first retry');
    expect(Date.now() - sent).toBeGreaterThanOrEqual(35);
    const first = out.tried[0];
    expect(first.payload).toEqual({ default_code: 'A-1', price: 3.5 });
    expect(first.error).toBeUndefined();
    expect(first.correlationId).toBe('c-2');
    expect(first.retry).toMatchObject({ attempt: 1, lastError: { code: 'UNAVAILABLE' } });
    expect(first.retry.firstFailedAt).toBeLessThanOrEqual(first.retry.nextAt);
    // it fails again, twice more: attempts 2 and 3, then it gives up
    for (let n = 2; n <= 4; n++) {
      const back = out.tried[out.tried.length - 1];
      gate.receive({ ...back, payload: { changed: 'by the failing node' }, error: transient() });
      if (n <= 3) await until(() => out.tried.length === n, `retry ${n}`);
    }
    await until(() => out.gaveUp.length === 1, 'give up');
    expect(out.tried.map((m) => m.retry.attempt)).toEqual([1, 2, 3]);
    expect(out.gaveUp[0].retry).toMatchObject({ gaveUp: 'attempts', attempt: 3, firstFailedAt: first.retry.firstFailedAt, id: first.retry.id });
    expect(out.gaveUp[0].error.code).toBe('UNAVAILABLE');
  });

  it('gives up at once on a permanent error, and on an applied-unknown error that is not idempotent; retries it when idempotent', async () => {
    const { gate, out } = await load();
    gate.receive({ payload: { n: 1 }, error: permanent });
    gate.receive({ payload: { n: 2 }, error: transient({ code: 'TIMEOUT', applied: 'unknown' }) });
    gate.receive({ payload: { n: 3 }, error: transient({ code: 'TIMEOUT', applied: 'unknown', idempotent: true }) });
    await until(() => out.gaveUp.length === 2 && out.tried.length === 1, 'verdicts');
    expect(out.gaveUp.map((m) => [m.payload.n, m.retry.gaveUp, m.retry.attempt])).toEqual([
      [1, 'permanent', 0],
      [2, 'unsafe', 0],
    ]);
    expect(out.tried[0].payload).toEqual({ n: 3 });
  });

  it('reads our error from msg._error when it came through a Catch node, and classifies a foreign error with the one classifier', async () => {
    const { gate, out } = await load();
    gate.receive({ payload: { n: 1 }, error: { message: 'x', source: { id: 'w1' } }, _error: transient() });
    gate.receive({ payload: { n: 2 }, error: { message: 'connect ECONNREFUSED 127.0.0.1:1', source: { id: 'f1', type: 'function' } } });
    gate.receive({ payload: { n: 3 }, error: { message: 'TypeError: x is undefined', source: { id: 'f1', type: 'function' } } });
    await until(() => out.tried.length === 1 && out.gaveUp.length === 2, 'classified');
    expect(out.tried[0].payload).toEqual({ n: 1 });
    expect(out.tried[0]._error).toBeUndefined();
    expect(out.gaveUp.map((m) => m.payload.n)).toEqual([2, 3]);
  });

  it('splits a partly failed batch: transient rows retry, permanent rows give up, each keeping its row numbers', async () => {
    const { gate, out } = await load();
    const rows = [{ code: 'A' }, { code: 'B' }, { code: 'C' }];
    gate.receive({
      payload: rows,
      error: {
        ...transient({ transient: false, code: 'VALIDATION', message: '3 of 10 records failed' }),
        details: { failures: [
          { row: 2, message: 'timeout', code: 'TIMEOUT', transient: true },
          { row: 5, message: 'unknown product', code: 'VALIDATION', transient: false },
          { row: 9, message: 'serialization', code: 'CONCURRENCY', transient: true },
        ] },
      },
    });
    await until(() => out.tried.length === 1 && out.gaveUp.length === 1, 'split');
    expect(out.tried[0].payload).toEqual([{ code: 'A' }, { code: 'C' }]);
    expect(out.tried[0].retry.rows).toEqual([2, 9]);
    expect(out.gaveUp[0].payload).toEqual([{ code: 'B' }]);
    expect(out.gaveUp[0].retry).toMatchObject({ gaveUp: 'permanent', rows: [5] });
    expect(out.gaveUp[0].error.details.failures).toEqual([{ row: 5, message: 'unknown product', code: 'VALIDATION', transient: false }]);
    // the retried part fails again on its 2nd record (row 2 of what was sent = row 9 of the original)
    gate.receive({ ...out.tried[0], payload: [{ code: 'A' }, { code: 'C' }], error: { ...permanent, details: { failures: [{ row: 1, transient: true, code: 'TIMEOUT' }, { row: 2, transient: false, code: 'VALIDATION', message: 'no' }] } } });
    await until(() => out.tried.length === 2 && out.gaveUp.length === 2, 'second split');
    expect(out.tried[1].retry).toMatchObject({ rows: [2], attempt: 2 });
    expect(out.gaveUp[1].retry.rows).toEqual([9]);
  });

  it('keeps pending retries across a redeploy: each goes out once, and the removed gate fires nothing', async () => {
    const { gate } = await load({ initialDelay: 300, maxDelay: 300 });
    for (let i = 0; i < 20; i++) gate.receive({ payload: { i }, error: transient() });
    await until(() => gate.status.mock?.calls?.length !== 0, 'accepted', 200).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const idle = timeouts();
    await helper.unload();
    // nothing of the old gate may be left ticking
    expect(timeouts()).toBeLessThan(idle);
    const { out } = await load({ initialDelay: 300, maxDelay: 300 });
    await until(() => out.tried.length === 20, 'restored retries', 3000);
    await new Promise((r) => setTimeout(r, 400));
    expect(out.tried.map((m) => m.payload.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(out.tried.every((m) => m.retry.attempt === 1)).toBe(true);
  });

  it('holds 10,000 pending retries behind one timer and sends each once', async () => {
    const { gate, out } = await load({ initialDelay: 500, maxDelay: 500 });
    const idle = timeouts();
    for (let i = 0; i < 10_000; i++) gate.receive({ payload: { i }, error: transient() });
    await until(() => fs.existsSync(path.join(dataDir, 'retry-gate-g.journal')) && out.tried.length === 0, 'accepted', 2000);
    await new Promise((r) => setTimeout(r, 100));
    // one timer for all retries (+ the status throttle, + whatever else the loaded runtime runs): not one per message
    expect(timeouts() - idle).toBeLessThan(10);
    await until(() => out.tried.length === 10_000, 'all retries', 20_000);
    expect(new Set(out.tried.map((m) => m.payload.i)).size).toBe(10_000);
  });

  it('opens the circuit after a run of failures, holds fresh messages instead of burning attempts, probes, then releases them', async () => {
    const { gate, out } = await load({ breakerThreshold: 3, breakerWindow: 5000, breakerCooldown: 200, probeTimeout: 150, initialDelay: 10000, maxDelay: 10000, releaseRate: 1000 });
    for (let i = 0; i < 3; i++) gate.receive({ payload: { failed: i }, error: transient() });
    await until(() => (gate as any).status !== undefined, 'x', 10).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 30));
    for (let i = 0; i < 5; i++) gate.receive({ payload: { fresh: i } });
    await new Promise((r) => setTimeout(r, 100));
    expect(out.tried).toHaveLength(0);
    // cooldown: the oldest held message goes as the probe; it does not come back failed, so the circuit closes
    await until(() => out.tried.length === 1, 'probe', 2000);
    expect(out.tried[0].payload).toEqual({ fresh: 0 });
    await until(() => out.tried.length === 5, 'released', 2000);
    expect(out.tried.map((m) => m.payload.fresh)).toEqual([0, 1, 2, 3, 4]);
    gate.receive({ payload: { fresh: 5 } });
    await until(() => out.tried.length === 6, 'closed again');
  });

  it('refuses an invalid configuration in plain words and passes nothing', async () => {
    const { gate, out } = await load({ maxAttempts: 0, maxTotal: 0 });
    const errors: string[] = [];
    gate.on('call:error', (call: { args: unknown[] }) => errors.push(String(call.args[0])));
    gate.receive({ payload: 1 });
    await until(() => errors.some((e) => /not working/.test(e)), `refusal (errors: ${errors.join(' | ')})`);
    expect(out.tried).toHaveLength(0);
    expect(errors.find((e) => /not working/.test(e))).toMatch(/retry-gate is not working: maxAttempts: set a maximum number of attempts or a maximum total time/);
  });

  it('with a journal it cannot open, refuses every message with the reason instead of losing it', async () => {
    // the data folder is a file: the journal cannot be created
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.writeFileSync(dataDir, 'not a folder');
    try {
      const { gate, out } = await load();
      const errors: string[] = [];
      gate.on('call:error', (call: { args: unknown[] }) => errors.push(String(call.args[0])));
      gate.receive({ payload: 1, error: transient() });
      await until(() => errors.some((e) => /not working/.test(e)), 'refusal');
      expect(errors.find((e) => /not working/.test(e))).toMatch(/retry-gate is not working: .*(ENOTDIR|EEXIST)/);
      expect(out.tried).toHaveLength(0);
      expect(out.gaveUp).toHaveLength(0);
    } finally {
      fs.rmSync(dataDir, { force: true });
      fs.mkdirSync(dataDir);
    }
  });
});
