/**
 * Tracing at the entry points, in a real Node-RED runtime: every message that
 * starts a flow leaves its first node with msg.correlationId, once, keeping one
 * that came with it: a supplier's HTTP upload (the id it is answered with), a
 * file handed to supplier-intake, a file supplier-sftp polls (and a problem it
 * reports), a plant event from MQTT (the committed plant-inventory flow's
 * mqtt-durable-in node on an embedded broker: the event id, or a new id when
 * the payload has none, cannot be read or is too large to read).
 * odoo-changes is covered in test/nodes/odoo-changes.test.ts; the nodes in
 * between in test/ops/correlation.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { adminRequest, startNodeRed, type Runtime } from '../helpers/runtime';
import { startSshd, type Sshd } from '../helpers/sshd';
import { until } from '../helpers/red';
import mqtt from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../sandbox/plant/broker';

jest.setTimeout(60_000);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let rt: Runtime;
let sshd: Sshd;
let broker: EmbeddedBroker;

const tab = { id: 't1', type: 'tab', label: 'entry points' };
/** Records what reaches it (which node, which output, the correlation id) in the global context. */
const sink = (id: string) => ({ id, type: 'function', z: 't1', func: `global.set("seen", (global.get("seen") || []).concat([{ at: "${id}", correlationId: msg.correlationId, msgid: msg._msgid, eventId: msg.payload && msg.payload.eventId, intake: msg.intake && msg.intake.id, error: msg.error && msg.error.code, file: msg.file && msg.file.name }])); return null;`, outputs: 1, wires: [[]] });
const inject = (id: string, target: string, props: Array<Record<string, string>>) => ({ id, type: 'inject', z: 't1', props, repeat: '', once: false, topic: '', wires: [[target]] });

/** The committed plant-inventory flow's MQTT node (its options as committed), on the test's broker, wired to sinks. */
function plantNodes() {
  const flow = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'flows', 'plant-inventory.json'), 'utf8')) as Array<Record<string, any>>;
  const node = flow.find((n) => n.id === 'pi-mqtt')!;
  return [{ ...node, z: 't1', url: broker.url, clientId: `entry-test-${process.pid}`, sessions: '1', topic: 'plant/+/inventory', wires: [['plant-ok'], ['plant-parked']] }, sink('plant-ok'), sink('plant-parked')];
}

beforeAll(async () => {
  broker = await startEmbeddedBroker();
  sshd = await startSshd();
  sshd.put(`${sshd.home}/entry/prices.csv`, 'code;price\nA;1\n', new Date(Date.now() - 60_000));
  sshd.put(`${sshd.home}/stuck/left.csv`, 'code;price\nB;2\n', new Date(Date.now() - 60_000));
  process.env.TEST_ENTRY_TOKEN = 'entry-token-1';
  const server = { id: 'srv', type: 'sftp-server', host: sshd.host, port: sshd.port, username: sshd.user, hostKeyCheck: 'fingerprint', fingerprint: sshd.fingerprint, timeout: 10 };
  rt = await startNodeRed(
    {},
    [
      tab,
      server,
      { id: 'http-in', type: 'supplier-intake', z: 't1', mode: 'receive', supplier: 'acme-tools', document: 'price-list', http: true, tokenEnv: 'TEST_ENTRY_TOKEN', maxSize: 1, wires: [['http-ok'], []] },
      { id: 'msg-in', type: 'supplier-intake', z: 't1', mode: 'receive', supplier: 'acme-tools', document: 'po-ack', http: false, maxSize: 1, wires: [['msg-ok'], ['msg-err']] },
      inject('give-file', 'msg-in', [{ p: 'payload', v: 'a;b\n', vt: 'str' }]),
      inject('give-traced-file', 'msg-in', [{ p: 'payload', v: 'a;b\n', vt: 'str' }, { p: 'correlationId', v: 'upstream-1', vt: 'str' }]),
      inject('give-no-file', 'msg-in', [{ p: 'payload', v: '{"not":"a file"}', vt: 'json' }, { p: 'correlationId', v: 'upstream-2', vt: 'str' }]),
      { id: 'sftp-poll', type: 'supplier-sftp', z: 't1', server: 'srv', mode: 'poll', dir: `${sshd.home}/entry`, include: '*.csv', interval: 1, readiness: 'age', minAge: 0, settle: 'emit', wires: [['sftp-ok'], ['sftp-err']] },
      // a file claimed and never settled (settle: report, nothing reports): after the claim timeout a problem
      { id: 'sftp-poll-stuck', type: 'supplier-sftp', z: 't1', server: 'srv', mode: 'poll', dir: `${sshd.home}/stuck`, include: '*.csv', interval: 1, readiness: 'age', minAge: 0, settle: 'report', claimTimeout: 10, wires: [['sftp-stuck'], ['sftp-err']] },
      ...plantNodes(),
      ...['http-ok', 'msg-ok', 'msg-err', 'sftp-ok', 'sftp-stuck', 'sftp-err'].map(sink),
    ],
    { srv: { privateKey: sshd.privateKey } },
  );
});
afterAll(async () => {
  await rt?.close();
  await sshd?.destroy();
  await broker?.close();
  delete process.env.TEST_ENTRY_TOKEN;
});

async function seen(): Promise<Array<Record<string, any>>> {
  const ctx = await adminRequest(rt, 'GET', '/context/global/seen');
  // nothing recorded yet: Node-RED answers {msg: "(undefined)", format: "undefined"}
  return ctx.json?.msg && ctx.json.format !== 'undefined' && ctx.json.msg !== '(undefined)' ? (JSON.parse(ctx.json.msg) as Array<Record<string, any>>) : [];
}
async function arrived(at: string, n = 1): Promise<Array<Record<string, any>>> {
  let got: Array<Record<string, any>> = [];
  await until(async () => (got = (await seen()).filter((s) => s.at === at)).length >= n, `${n} message(s) at ${at}`, 20_000);
  return got;
}
const press = async (id: string) => expect((await adminRequest(rt, 'POST', `/inject/${id}`)).status).toBe(200);

it('supplier-intake over HTTP: the flow carries the correlation id the supplier was answered with, not the one it sent', async () => {
  const res = await fetch(`${rt.url}/api/suppliers/acme-tools/price-list`, { method: 'POST', headers: { Authorization: 'Bearer entry-token-1', 'X-Correlation-Id': 'supplier-own-ref' }, body: 'a;b\n' });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { correlationId: string; id: string; reference: string };
  expect(body.correlationId).toMatch(UUID);
  expect(res.headers.get('x-correlation-id')).toBe(body.correlationId);
  // the sender's header is its reference: two suppliers may send the same one, it cannot identify our message
  expect(body.reference).toBe('supplier-own-ref');
  const [m] = await arrived('http-ok');
  expect(m).toMatchObject({ correlationId: body.correlationId, intake: body.id });
});

it('supplier-intake given a file: a fresh correlation id when it has none, the one it came with otherwise, kept on the error output', async () => {
  await press('give-file');
  await press('give-traced-file');
  await press('give-no-file');
  const ok = await arrived('msg-ok', 2);
  expect(ok.map((m) => m.correlationId).filter((c) => c !== 'upstream-1')).toEqual([expect.stringMatching(UUID)]);
  expect(ok.some((m) => m.correlationId === 'upstream-1')).toBe(true);
  const [bad] = await arrived('msg-err');
  expect(bad).toMatchObject({ correlationId: 'upstream-2', error: 'BAD_INPUT' });
});

it('supplier-sftp: each polled file starts with its own correlation id, and so does a problem it reports', async () => {
  const [file] = await arrived('sftp-ok');
  expect(file).toMatchObject({ file: 'prices.csv', correlationId: expect.stringMatching(UUID) });
  const [left] = await arrived('sftp-stuck');
  expect(left).toMatchObject({ file: 'left.csv', correlationId: expect.stringMatching(UUID) });
  expect(left!.correlationId).not.toBe(file!.correlationId);
  const [problem] = await arrived('sftp-err');
  expect(problem).toMatchObject({ error: 'TIMEOUT', file: 'left.csv', correlationId: expect.stringMatching(UUID) });
});

it('plant events (plant-inventory as committed): the event id; a new id when the payload has none, is not JSON or is over 64 KB (those parked unread)', async () => {
  const until10 = Date.now() + 10_000;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red');
  while (!RED.nodes.getNode('pi-mqtt')?.connected && Date.now() < until10) await new Promise((r) => setTimeout(r, 50));
  // the subscription follows the connection
  await new Promise((r) => setTimeout(r, 300));
  const pub = await mqtt.connectAsync(broker.url, { clientId: `entry-pub-${process.pid}`, clean: true });
  await pub.publishAsync('plant/S1/inventory', JSON.stringify({ eventId: 'evt-1', kind: 'count' }), { qos: 1 });
  await pub.publishAsync('plant/S1/inventory', JSON.stringify([{ eventId: 'evt-3' }, { eventId: 'evt-4' }]), { qos: 1 });
  await pub.publishAsync('plant/S2/inventory', JSON.stringify({ eventId: 'evt-big', note: 'N'.repeat(70_000) }), { qos: 1 });
  await pub.publishAsync('plant/S2/inventory', '{"eventId":"evt-broken",', { qos: 1 });
  await pub.endAsync();
  const ok = await arrived('plant-ok', 2);
  expect(ok.find((m) => m.eventId === 'evt-1')!.correlationId).toBe('evt-1');
  expect(ok.find((m) => typeof m.eventId !== 'string')!.correlationId).toMatch(UUID);
  const parked = await arrived('plant-parked', 2);
  expect(parked.map((p) => p.error)).toEqual(['BAD_INPUT', 'BAD_INPUT']);
  expect(parked.map((p) => p.correlationId)).toEqual([expect.stringMatching(UUID), expect.stringMatching(UUID)]);
  expect(new Set([...ok, ...parked].map((m) => m.correlationId)).size).toBe(4);
});
