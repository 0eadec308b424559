/**
 * The embedded broker's share groups (sandbox/plant/broker.ts, what `npm start`
 * and the drills run): persistent sessions of two instances in one group, each
 * message acknowledged a little later as a store committing it would. Every
 * message reaches one member, and no session is dropped for it.
 */
import mqtt from 'mqtt';
import { DurableSubscriber, parseMqttDurableInOptions } from '../../lib/mqtt-durable-in';
import { acknowledge } from '../../lib/util/acks';
import { startEmbeddedBroker } from '../../sandbox/plant/broker';
import { rng } from '../inventory/fixtures';

it('share group of persistent sessions with late acknowledgements: every message once to one member, no session dropped', async () => {
  const broker = await startEmbeddedBroker();
  const id = `share-${process.pid}-${Date.now().toString(36)}`;
  const got = new Map<string, number>();
  const warnings: string[] = [];
  const r = rng(3);
  const subs = ['a', 'b'].map(
    (x) =>
      new DurableSubscriber(parseMqttDurableInOptions({ url: broker.url, topic: `$share/g/${id}/+`, clientId: `${id}-${x}`, sessions: '4', format: 'utf8' }), {
        message: (m) => {
          got.set(m.payload.toString(), (got.get(m.payload.toString()) ?? 0) + 1);
          setTimeout(() => acknowledge({ _ack: m.token }), 1 + r() * 40);
        },
        connection: () => undefined,
        warn: (t) => warnings.push(t),
      }),
  );
  try {
    subs.forEach((s) => s.start());
    await new Promise((res) => setTimeout(res, 800));
    const pub = await mqtt.connectAsync(broker.url, { clientId: `${id}-pub` });
    const n = 1500;
    // in bursts, as a plant publishes: many messages queued for the group at once
    for (let i = 0; i < n; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_x, k) => pub.publishAsync(`${id}/s${(i + k) % 3}`, `m${i + k}`, { qos: 1 })));
      await new Promise((res) => setTimeout(res, 5));
    }
    await pub.endAsync();
    const until = Date.now() + 20_000;
    while (got.size < n && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
    const missing = Array.from({ length: n }, (_x, i) => `m${i}`).filter((m) => !got.has(m));
    expect(missing).toEqual([]);
    expect([...got.values()].filter((c) => c > 1)).toEqual([]);
    // aedes disconnects a session that acknowledges a message it no longer holds ("no such packet")
    expect(warnings).toEqual([]);
    expect(subs.every((s) => s.stats.received > 0)).toBe(true);
  } finally {
    for (const s of subs) await s.close(200);
    await broker.close();
  }
}, 60_000);
