/**
 * mqtt-durable-in against a real MQTT broker: the embedded one (aedes, as
 * `npm start` runs it) and Mosquitto where one answers (MQTT_URL or
 * 127.0.0.1:1883; .ci/run starts it). What is checked is what the broker
 * delivers again: a message the flow did not acknowledge comes back after a
 * restart, an acknowledged one does not.
 */
import mqtt from 'mqtt';
import { helper, until } from '../helpers/red';
import { adminRequest, startNodeRed, type Runtime } from '../helpers/runtime';
import { MQTT_URL, mqttUp } from '../helpers/mqtt';
import { acknowledge } from '../../lib/util/acks';
import { parseMqttDurableInOptions } from '../../lib/mqtt-durable-in';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../sandbox/plant/broker';
import mqttDurableInNode = require('../../nodes/mqtt-durable-in/mqtt-durable-in');

let embedded: EmbeddedBroker;
beforeAll(async () => {
  embedded = await startEmbeddedBroker();
});
afterAll(() => embedded.close());

const brokers: Array<[string, () => string]> = [['embedded broker', () => embedded.url]];
if (mqttUp) brokers.push(['Mosquitto', () => MQTT_URL]);

let n = 0;
const uniq = (p: string) => `${p}-${process.pid}-${Date.now().toString(36)}-${++n}`;

async function publish(url: string, topic: string, payloads: Array<string | Buffer>): Promise<void> {
  const c = await mqtt.connectAsync(url, { clientId: uniq('pub'), clean: true });
  for (const p of payloads) await c.publishAsync(topic, p, { qos: 1 });
  await c.endAsync();
}

/** Ends the persistent sessions the node used, so the broker keeps nothing for them. */
async function endSessions(url: string, ids: string[]): Promise<void> {
  for (const id of ids) await (await mqtt.connectAsync(url, { clientId: id, clean: true, reconnectPeriod: 0 })).endAsync();
}

describe.each(brokers)('mqtt-durable-in on the %s', (_name, urlOf) => {
  const out: any[] = [];
  const errors: any[] = [];
  const load = async (node: Record<string, unknown>) => {
    out.length = 0;
    errors.length = 0;
    await helper.load([mqttDurableInNode] as any, [
      { id: 'in', type: 'mqtt-durable-in', wires: [['ok'], ['err']], ...node },
      { id: 'ok', type: 'helper' },
      { id: 'err', type: 'helper' },
    ]);
    helper.getNode('ok').on('input', (m: any) => out.push(m));
    helper.getNode('err').on('input', (m: any) => errors.push(m));
  };
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
  });

  it('a message the flow never acknowledged is delivered again after a restart; an acknowledged one is not', async () => {
    const url = urlOf();
    const topic = uniq('plant/durable');
    const clientId = uniq('durable');
    const def = { url, topic, clientId, format: 'json', ackTimeout: '3600' };
    await load(def);
    await new Promise((r) => setTimeout(r, 500));
    await publish(url, topic, [JSON.stringify({ n: 1 }), JSON.stringify({ n: 2 }), JSON.stringify({ n: 3 })]);
    // all three are handed on at once; their PUBACKs wait
    await until(() => out.length === 3, 'three messages');
    expect(out.map((m) => m.payload)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(typeof out[0]._ack).toBe('string');
    // the first is acknowledged; the third too, but its PUBACK waits behind the second's (in order)
    acknowledge(out[0]);
    acknowledge(out[2]);
    await new Promise((r) => setTimeout(r, 300));
    // the second is never acknowledged: Node-RED stops (as a crash would leave it)
    await helper.unload();
    await load(def);
    await until(() => out.length === 2, 'redelivered messages');
    await new Promise((r) => setTimeout(r, 300));
    // the second (never acknowledged) and the third (acknowledged, its PUBACK held behind the second) come again; the first does not
    expect(out.map((m) => m.payload)).toEqual([{ n: 2 }, { n: 3 }]);
    expect(out[0]).toMatchObject({ topic });
    // Mosquitto marks a resent message (DUP); aedes does not
    if (_name === 'Mosquitto') expect(out[0].redelivered).toBe(true);
    out.forEach((m) => acknowledge(m));
    await new Promise((r) => setTimeout(r, 300));
    await helper.unload();
    // both acknowledged now: a third start gets nothing
    await load(def);
    await new Promise((r) => setTimeout(r, 1500));
    expect(out).toEqual([]);
    await helper.unload();
    await endSessions(url, [clientId]);
  }, 30_000);

  it('at most maxInFlight messages per session wait for their acknowledgement; the session reads on as they are acknowledged', async () => {
    const url = urlOf();
    const topic = uniq('plant/window');
    const clientId = uniq('durable-window');
    await load({ url, topic, clientId, format: 'utf8', maxInFlight: '2' });
    await new Promise((r) => setTimeout(r, 500));
    await publish(url, topic, ['a', 'b', 'c', 'd', 'e']);
    await until(() => out.length === 2, 'two messages');
    await new Promise((r) => setTimeout(r, 500));
    expect(out.map((m) => m.payload)).toEqual(['a', 'b']);
    acknowledge(out[0]);
    await until(() => out.length === 3, 'a third once one is acknowledged');
    out.slice(1).forEach((m) => acknowledge(m));
    await until(() => out.length === 5, 'the rest');
    out.forEach((m) => acknowledge(m));
    expect(out.map((m) => m.payload)).toEqual(['a', 'b', 'c', 'd', 'e']);
    await new Promise((r) => setTimeout(r, 300));
    await helper.unload();
    await endSessions(url, [clientId]);
  }, 30_000);

  it('a payload that is not JSON leaves on output 2 with a reason, its text kept', async () => {
    const url = urlOf();
    const topic = uniq('plant/bad');
    const clientId = uniq('durable-bad');
    await load({ url, topic, clientId, format: 'json' });
    await new Promise((r) => setTimeout(r, 500));
    await publish(url, topic, ['{"eventId": "x",']);
    await until(() => errors.length === 1, 'error output');
    expect(errors[0].payload).toBe('{"eventId": "x",');
    // an entry point: the parked message gets a correlation id of its own
    expect(errors[0].correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(errors[0].error).toMatchObject({ code: 'BAD_INPUT', transient: false, source: { id: 'in', type: 'mqtt-durable-in' } });
    expect(errors[0].error.message).toMatch(/not JSON/);
    expect(out).toEqual([]);
    acknowledge(errors[0]);
    await helper.unload();
    await endSessions(url, [clientId]);
  }, 30_000);

  it('a payload over maxBytes leaves on output 2 unread, with its size in the reason; correlationFrom gives the rest their event id, or a new id', async () => {
    const url = urlOf();
    const topic = uniq('plant/size');
    const clientId = uniq('durable-size');
    await load({ url, topic, clientId, format: 'json', maxBytes: '100', correlationFrom: 'header.id' });
    await new Promise((r) => setTimeout(r, 500));
    const big = JSON.stringify({ header: { id: 'big-1' }, note: 'N'.repeat(200) });
    await publish(url, topic, [JSON.stringify({ header: { id: 'evt-7' }, q: 1 }), big, JSON.stringify({ q: 2 }), JSON.stringify({ header: { id: '' } })]);
    await until(() => out.length === 3 && errors.length === 1, 'three messages and one refusal');
    expect(out.map((m) => m.correlationId)).toEqual(['evt-7', expect.stringMatching(/^[0-9a-f-]{36}$/), expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect(errors[0].payload).toBe(big);
    expect(errors[0].error).toMatchObject({ code: 'BAD_INPUT', transient: false });
    expect(errors[0].error.message).toBe(`the MQTT payload of ${Buffer.byteLength(big)} bytes is larger than the 100 this node accepts (option "Largest payload"): not read`);
    expect(errors[0].correlationId).toMatch(/^[0-9a-f-]{36}$/);
    for (const m of [...out, ...errors]) acknowledge(m);
    await helper.unload();
    await endSessions(url, [clientId]);
  }, 30_000);

  it('several sessions in one $share group: every message reaches the flow once, in parallel', async () => {
    const url = urlOf();
    const base = uniq('plant/share');
    const clientId = uniq('durable-share');
    await load({ url, topic: `$share/${uniq('g')}/${base}/+`, clientId, sessions: '4', format: 'json' });
    await new Promise((r) => setTimeout(r, 800));
    const inFlight = new Set<number>();
    let most = 0;
    // each message is acknowledged 30 ms after it arrives, as a store committing it would
    helper.getNode('ok').on('input', (m: any) => {
      inFlight.add(m.payload.i);
      most = Math.max(most, inFlight.size);
      setTimeout(() => {
        inFlight.delete(m.payload.i);
        acknowledge(m);
      }, 30);
    });
    await publish(url, `${base}/s1`, Array.from({ length: 80 }, (_x, i) => JSON.stringify({ i })));
    await until(() => out.length >= 80, '80 messages', 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(out.map((m) => m.payload.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 80 }, (_x, i) => i));
    // more than one session had a message in flight at once
    expect(most).toBeGreaterThan(1);
    await helper.unload();
    await endSessions(url, [1, 2, 3, 4].map((i) => `${clientId}-${i}`));
  }, 30_000);

  it('a message no node acknowledges within the ack timeout is acknowledged with a warning (the broker does not send it again)', async () => {
    const url = urlOf();
    const topic = uniq('plant/timeout');
    const clientId = uniq('durable-timeout');
    const def = { url, topic, clientId, ackTimeout: '1', format: 'utf8' };
    await load(def);
    const warned: string[] = [];
    (helper.getNode('in') as any).on('call:warn', (c: any) => warned.push(String(c.args[0])));
    await new Promise((r) => setTimeout(r, 500));
    await publish(url, topic, ['a', 'b']);
    await until(() => out.length === 2, 'both messages', 10_000);
    expect(out.map((m) => m.payload)).toEqual(['a', 'b']);
    await until(() => warned.length === 2, 'a warning per message', 10_000);
    expect(warned.join('\n')).toMatch(/not taken by any node that keeps it .* within 1 s/);
    await new Promise((r) => setTimeout(r, 300));
    await helper.unload();
    await load(def);
    await new Promise((r) => setTimeout(r, 1500));
    expect(out).toEqual([]);
    await helper.unload();
    await endSessions(url, [clientId]);
  }, 30_000);
});

describe('mqtt-durable-in options', () => {
  it('names what is wrong: the URL, several sessions without $share', () => {
    expect(() => parseMqttDurableInOptions({ url: 'localhost:1883', topic: 't', clientId: 'c' })).toThrow(/url: .*broker URL/);
    expect(() => parseMqttDurableInOptions({ url: 'mqtt://h', topic: 'plant/+/inventory', clientId: 'c', sessions: '4' })).toThrow(/\$share/);
    expect(parseMqttDurableInOptions({ url: 'mqtt://h', topic: '$share/g/plant/+/inventory', clientId: 'c', sessions: '4' })).toMatchObject({ sessions: 4, format: 'json', ackTimeout: 60 });
    expect(() => parseMqttDurableInOptions({ url: 'mqtt://h', topic: 't', clientId: 'c', maxBytes: '0' })).toThrow(/maxBytes/);
    expect(() => parseMqttDurableInOptions({ url: 'mqtt://h', topic: 't', clientId: 'c', correlationFrom: 'payload[0]' })).toThrow(/correlationFrom: .*payload property/);
    expect(parseMqttDurableInOptions({ url: 'mqtt://h', topic: 't', clientId: 'c', maxBytes: '', correlationFrom: ' ' })).toMatchObject({ maxBytes: undefined, correlationFrom: undefined });
  });

  it('an invalid configuration does not crash the runtime: red status, nothing subscribed', async () => {
    await new Promise<void>((r) => helper.startServer(r));
    try {
      await helper.load([mqttDurableInNode] as any, [{ id: 'in', type: 'mqtt-durable-in', url: '', topic: 't', clientId: 'c', wires: [[], []] }]);
      const errors = helper.log().args.filter((a: any[]) => a[0]?.level === helper.log().ERROR).map((a: any[]) => String(a[0].msg));
      // the test helper has no message catalogs: the key of the message, logged as an error at deploy
      expect(errors).toContain('mqtt-durable-in.errors.invalid');
    } finally {
      await helper.unload();
      await new Promise<void>((r) => helper.stopServer(() => r()));
    }
  });
});

describe('mqtt-durable-in built, in a real Node-RED', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startNodeRed();
  });
  afterAll(() => rt?.close());

  it('is registered, and its editor definition, help and labels are served', async () => {
    const sets = await adminRequest(rt, 'GET', '/nodes', undefined, { Accept: 'application/json' });
    const set = (sets.json as any[]).find((s) => s.types.includes('mqtt-durable-in'));
    expect(set).toMatchObject({ enabled: true });
    expect(set.err).toBeUndefined();
    const html = await adminRequest(rt, 'GET', '/nodes', undefined, { Accept: 'text/html' });
    expect(html.text).toMatch(/registerType\(\s*["']mqtt-durable-in["']/);
    expect(html.text).toContain('data-template-name="mqtt-durable-in"');
    expect(html.text).toContain('data-help-name="mqtt-durable-in"');
    const catalog = await adminRequest(rt, 'GET', '/nodes/messages?lng=en-US', undefined, { Accept: 'application/json' });
    expect(catalog.json[set.id]?.['mqtt-durable-in']?.label?.sessions).toBe('Sessions');
  });
});
