import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import helper from 'node-red-node-test-helper';
import deadLetterNode = require('../../nodes/dead-letter/dead-letter');
import gateNode = require('../../nodes/retry-gate/retry-gate');
import { until } from '../helpers/red';

helper.init(require.resolve('node-red'));
const PG_URL = process.env.DEAD_LETTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let dataDir: string;
beforeEach((done) => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dead-letter-'));
  helper.settings({ odooSupplyDataDir: dataDir });
  helper.startServer(done);
});
afterEach(async () => {
  await helper.unload();
  await new Promise<void>((r) => helper.stopServer(() => r()));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const failed = (n: number, extra: Record<string, unknown> = {}) => ({
  payload: { default_code: `X-${n}`, price: n },
  correlationId: `corr-${n}`,
  error: { message: `product X-${n} does not exist`, code: 'VALIDATION', transient: false, source: { id: 'w1', type: 'odoo-write', name: 'prices' } },
  ...extra,
});

async function load(props: Record<string, unknown> = {}, credentials: Record<string, unknown> = {}) {
  const flow = [
    { id: 'dl', type: 'dead-letter', z: 'tab1', name: 'parked', maxReplays: 2, replayRate: 50, ...props, wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
  await helper.load(deadLetterNode as any, flow, { dl: credentials });
  const replayed: any[] = [];
  helper.getNode('out').on('input', (m: any) => replayed.push(m));
  const dl = helper.getNode('dl') as any;
  return { dl, replayed };
}

const api = () => helper.request();
async function entries(query = ''): Promise<any> {
  const r = await api().get(`/dead-letter/dl/entries${query}`);
  return r.body;
}

describe('dead-letter node', () => {
  it('keeps the message with its error, source, attempts, times, correlation id and flow; the API lists and shows it', async () => {
    const { dl } = await load();
    dl.receive(failed(1, { retry: { id: 'r1', attempt: 3, firstFailedAt: 1234, gaveUp: 'attempts' } }));
    dl.receive(failed(2));
    await until(async () => (await entries()).total === 2, 'two entries');
    const body = await entries('?text=X-1');
    expect(body.total).toBe(1);
    const e = body.entries[0];
    expect(e).toMatchObject({ msg: { payload: { default_code: 'X-1', price: 1 }, correlationId: 'corr-1' }, error: { code: 'VALIDATION' }, source: { id: 'w1', name: 'prices' }, attempts: 3, firstFailedAt: 1234, correlationId: 'corr-1', flow: 'tab1', replays: 0, state: 'dead' });
    expect(e.msg.error).toBeUndefined();
    expect(body.counts).toEqual({ total: 2, bySource: { prices: 2 }, byCode: { VALIDATION: 2 } });
    expect((await api().get(`/dead-letter/dl/entries/${e.id}`)).body.id).toBe(e.id);
    const file = path.join(dataDir, 'dead-letter-dl.journal');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect((await api().get('/dead-letter/nodes')).body).toEqual([{ id: 'dl', name: 'parked', z: 'tab1', store: 'local' }]);
  });

  it('answers malformed requests and unknown ids clearly', async () => {
    await load();
    expect((await api().get('/dead-letter/dl/entries/nope')).status).toBe(404);
    expect((await api().get('/dead-letter/dl/entries?from=yesterday')).body.error).toMatch(/from: must be a time/);
    expect((await api().get('/dead-letter/dl/entries?colour=red')).status).toBe(400);
    const r = await api().post('/dead-letter/dl/replay').send({ ids: 'abc' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/ids/);
    expect((await api().post('/dead-letter/dl/replay').send({ ids: ['a'], all: true })).body.error).toMatch(/exactly one of "ids"/);
    expect((await api().post('/dead-letter/dl/replay').send({ ids: ['unknown'] })).status).toBe(404);
    expect((await api().post('/dead-letter/dl/discard').send({ ids: ['unknown'] })).status).toBe(404);
    expect((await api().get('/dead-letter/other/entries')).status).toBe(404);
  });

  it('replays one entry with msg.replay; failing again it is the same entry with its count; the loop guard stops it', async () => {
    const { dl, replayed } = await load();
    dl.receive(failed(7));
    await until(async () => (await entries()).total === 1, 'entry');
    const id = (await entries()).entries[0].id;
    for (let round = 1; round <= 2; round++) {
      const r = await api().post('/dead-letter/dl/replay').send({ ids: [id] });
      expect(r.status).toBe(202);
      await until(() => replayed.length === round, `replay ${round}`);
      const m = replayed[round - 1];
      expect(m.payload).toEqual({ default_code: 'X-7', price: 7 });
      expect(m.replay).toEqual({ id, count: round });
      expect(m.error).toBeUndefined();
      expect((await entries()).total).toBe(0);
      dl.receive({ ...m, error: failed(7).error });
      await until(async () => (await entries()).total === 1, `back ${round}`);
      expect((await entries()).entries[0]).toMatchObject({ id, replays: round });
    }
    const guarded = await api().post('/dead-letter/dl/replay').send({ ids: [id] });
    expect(guarded.status).toBe(409);
    expect(guarded.body.error).toMatch(/replayed 2 times already \(loop guard\)/);
    expect((await api().post('/dead-letter/dl/replay').send({ ids: [id], force: true })).status).toBe(202);
    await until(() => replayed.length === 3, 'forced replay');
  });

  it('replays by filter at the set rate, discards, and exports JSON lines', async () => {
    const { dl, replayed } = await load();
    for (let i = 0; i < 6; i++) dl.receive(failed(i, i % 2 ? { error: { message: 'down', code: 'UNAVAILABLE', transient: true, source: { id: 'w2', type: 'odoo-write' } } } : {}));
    await until(async () => (await entries()).total === 6, 'six');
    const lines = (await api().get('/dead-letter/dl/export?code=UNAVAILABLE')).text.trim().split('\n').map((l: string) => JSON.parse(l));
    expect(lines.map((e: any) => e.msg.payload.price)).toEqual([1, 3, 5]);
    const started = Date.now();
    const r = await api().post('/dead-letter/dl/replay').send({ filter: { code: 'UNAVAILABLE' }, rate: 10 });
    expect(r.body).toEqual({ queued: 3, refused: [] });
    await until(() => replayed.length === 3, 'three replays');
    // 10 per second: the first at once, then one every 100 ms
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(replayed.map((m) => m.payload.price)).toEqual([1, 3, 5]);
    const d = await api().post('/dead-letter/dl/discard').send({ filter: { text: 'X-0' } });
    expect(d.body).toEqual({ discarded: 1 });
    expect((await entries()).total).toBe(2);
    expect((await api().post('/dead-letter/dl/discard').send({ all: true })).body).toEqual({ discarded: 2 });
  });

  it('keeps at most maxEntries: retention drops the oldest and logs each', async () => {
    const { dl } = await load({ maxEntries: 3 });
    const warnings: string[] = [];
    dl.on('call:warn', (c: { args: unknown[] }) => warnings.push(String(c.args[0])));
    for (let i = 0; i < 5; i++) {
      dl.receive(failed(i));
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(async () => (await entries()).total === 3 && (await entries()).dropped === 2, 'retention', 5000);
    expect((await entries()).entries.map((e: any) => e.msg.payload.price).sort()).toEqual([2, 3, 4]);
    expect(warnings.filter((w) => /retention dropped dead letter/.test(w))).toHaveLength(2);
    // every log line names the correlation id
    expect(warnings.filter((w) => /^\[corr-\d\] /.test(w)).length).toBeGreaterThanOrEqual(5);
  });

  it('gets the retry gate\'s give-ups end to end: attempts and first failure kept', async () => {
    const flow = [
      { id: 'g', type: 'retry-gate', maxAttempts: 1, initialDelay: 10, maxDelay: 10, jitter: 'none', breakerThreshold: 0, wires: [['again'], ['dl']] },
      { id: 'again', type: 'helper' },
      { id: 'dl', type: 'dead-letter', wires: [[]] },
    ];
    await helper.load([gateNode, deadLetterNode] as any, flow);
    const g = helper.getNode('g') as any;
    const tries: any[] = [];
    helper.getNode('again').on('input', (m: any) => tries.push(m));
    const err = { message: 'Service Unavailable', code: 'UNAVAILABLE', transient: true, applied: 'no', source: { id: 'w1', type: 'odoo-write' } };
    g.receive({ payload: { n: 1 }, correlationId: 'c-9', error: err });
    await until(() => tries.length === 1, 'retry');
    g.receive({ ...tries[0], error: err });
    await until(async () => (await entries()).total === 1, 'dead letter');
    expect((await entries()).entries[0]).toMatchObject({ attempts: 1, firstFailedAt: tries[0].retry.firstFailedAt, correlationId: 'c-9', msg: { payload: { n: 1 } }, error: { code: 'UNAVAILABLE' } });
  });

  it('PostgreSQL: two nodes (two instances) on one queue share entries, and a replay goes out once', async () => {
    const queue = `q${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const flow = [
      { id: 'dl', type: 'dead-letter', store: 'postgres', queue, wires: [['outA']] },
      { id: 'dl2', type: 'dead-letter', store: 'postgres', queue, wires: [['outB']] },
      { id: 'outA', type: 'helper' },
      { id: 'outB', type: 'helper' },
    ];
    await helper.load(deadLetterNode as any, flow, { dl: { databaseUrl: PG_URL }, dl2: { databaseUrl: PG_URL } });
    const out: any[] = [];
    helper.getNode('outA').on('input', (m: any) => out.push(['A', m]));
    helper.getNode('outB').on('input', (m: any) => out.push(['B', m]));
    (helper.getNode('dl') as any).receive(failed(1));
    await until(async () => (await api().get('/dead-letter/dl2/entries')).body.total === 1, 'shared entry');
    const id = (await api().get('/dead-letter/dl2/entries')).body.entries[0].id;
    const [a, b] = await Promise.all([api().post('/dead-letter/dl/replay').send({ ids: [id] }), api().post('/dead-letter/dl2/replay').send({ ids: [id] })]);
    // both may queue it (each saw it dead); the claim decides who sends it
    expect([a.status, b.status]).toContain(202);
    await until(() => out.length >= 1, 'replay');
    await new Promise((r) => setTimeout(r, 200));
    expect(out).toHaveLength(1);
    await api().post('/dead-letter/dl/discard').send({ all: true });
  });

  it('with an unreachable database: the message is not taken, the error says why, the API answers 503', async () => {
    const { dl } = await load({ store: 'postgres' }, { databaseUrl: 'postgres://postgres@127.0.0.1:1/test' });
    const errors: string[] = [];
    dl.on('call:error', (c: { args: unknown[] }) => errors.push(String(c.args[0])));
    dl.receive(failed(1));
    await until(() => errors.some((e) => /the message was not kept/.test(e)), 'refusal');
    expect(errors.join()).toMatch(/PostgreSQL at 127\.0\.0\.1:1\/test\) could not prepare the table/);
    expect((await api().get('/dead-letter/dl/entries')).status).toBe(503);
  });
});
