/**
 * An embedded MQTT broker (aedes) for `npm start`, tests and benchmarks: a
 * local stand-in for the plant's broker (Mosquitto, EMQX, …).
 *
 * Aedes has no shared subscriptions of its own; here a subscription to
 * `$share/<group>/<filter>` subscribes to `<filter>` and joins `<group>`, and
 * each message matching the filter goes to one member of the group (chosen by
 * a hash of topic and payload, so every member agrees which one), as MQTT 5
 * §4.8.2 and Mosquitto do. Members stay in their group while their session
 * lives (a persistent session's messages wait for it). Unsubscribing the
 * `$share/…` filter is not supported: the stand-in's users do not need it.
 */
import net from 'node:net';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createBroker, type Client, type Subscription, type AedesPublishPacket } from 'aedes';

export interface EmbeddedBroker {
  url: string;
  port: number;
  /** Messages the broker took from publishers. */
  published(): number;
  close(): Promise<void>;
}

const SHARE = /^\$share\/([^/#+]+)\/(.+)$/;

/** The parts of an aedes persistence the share groups wrap. */
interface SharePersistence {
  outgoingEnqueueCombi(subs: Array<{ clientId: string; topic: string; qos: number }>, packet: AedesPublishPacket, cb: (err?: Error) => void): void;
  outgoingClearMessageId(client: { id: string }, packet: AedesPublishPacket & { messageId?: number }, cb?: (err?: Error, packet?: unknown) => void): void;
}

/** Does MQTT topic `topic` match filter `filter` (+ and #)? */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * `persistence`: an aedes persistence (e.g. `require('aedes-persistence')()`) that outlives
 * the broker: a broker started again on the same port with it keeps the persistent sessions,
 * their subscriptions and their queued QoS 1 messages, as a restarted Mosquitto with
 * `persistence true` does (the drills use it). Share groups are not kept: after such a restart
 * a member's restored subscription gets every message of its filter.
 */
export async function startEmbeddedBroker(options: { port?: number; host?: string; persistence?: unknown } = {}): Promise<EmbeddedBroker> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const persistence = (options.persistence ?? require('aedes-persistence')()) as SharePersistence;
  // group/filter → member client ids, in joining order
  const groups = new Map<string, { filter: string; members: string[] }>();
  // which member of each group a message goes to, decided once per message (when it is queued),
  // so a member joining meanwhile does not move a message already queued for another
  const chosen = new Map<string, { picked: Set<string>; members: Set<string> }>();
  const keyOf = (p: { brokerId?: string; brokerCounter?: number }) => `${p.brokerId}/${p.brokerCounter}`;
  /** The members of groups whose filter matches, and the one of each group the message goes to. */
  const decide = (packet: AedesPublishPacket): { picked: Set<string>; members: Set<string> } => {
    const key = keyOf(packet as { brokerId?: string; brokerCounter?: number });
    let d = chosen.get(key);
    if (d) return d;
    d = { picked: new Set<string>(), members: new Set<string>() };
    let h: number | undefined;
    for (const g of groups.values()) {
      if (!g.members.length || !topicMatches(g.filter, packet.topic)) continue;
      h ??= createHash('sha1').update(packet.topic).update(packet.payload as Buffer).digest().readUInt32BE(0);
      d.picked.add(g.members[h % g.members.length] as string);
      for (const m of g.members) d.members.add(m);
    }
    chosen.set(key, d);
    // bounded: a decision is needed until the message is delivered or queued
    if (chosen.size > 200_000) chosen.delete(chosen.keys().next().value as string);
    return d;
  };
  /** Not a member of a group this message is for, or the member chosen. */
  const forwards = (clientId: string, packet: AedesPublishPacket) => {
    const d = decide(packet);
    return !d.members.has(clientId) || d.picked.has(clientId);
  };
  // Persistent sessions get a copy of each QoS 1 message queued at publish time; a member of a
  // group gets it only when it is the one chosen. (Left to aedes, a message not forwarded to a
  // persistent session is cleared from its queue by message id, which a queued message does not
  // have yet: aedes would drop another message of that session.)
  const enqueue = persistence.outgoingEnqueueCombi.bind(persistence);
  persistence.outgoingEnqueueCombi = (subs, packet, cb) => enqueue(subs.filter((sub) => forwards(sub.clientId, packet)), packet, cb);
  const clear = persistence.outgoingClearMessageId.bind(persistence);
  persistence.outgoingClearMessageId = (client, packet, cb) => {
    // aedes' clear of a message it did not forward (see above): nothing of this session's was queued for it
    if (packet.messageId === undefined && !forwards(client.id, packet)) return void (cb ? process.nextTick(cb) : undefined);
    clear(client, packet, cb);
  };
  const aedes = createBroker({ persistence: persistence as never });
  let count = 0;
  aedes.authorizeSubscribe = (client: Client | null, sub: Subscription, callback: (err: Error | null, sub: Subscription | null) => void) => {
    const m = SHARE.exec(sub.topic);
    if (m && client) {
      const key = `${m[1]}\u0000${m[2]}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { filter: m[2] as string, members: [] }));
      if (!g.members.includes(client.id)) g.members.push(client.id);
      // in place: aedes stores the packet's own subscription objects for persistent sessions
      sub.topic = m[2] as string;
      return callback(null, sub);
    }
    callback(null, sub);
  };
  aedes.authorizeForward = (client: Client, packet: AedesPublishPacket) => (forwards(client.id, packet) ? packet : null);
  aedes.on('clientDisconnect', (client: Client) => {
    // a clean session ends with its connection: it leaves its groups
    if ((client as Client & { clean?: boolean }).clean === false) return;
    for (const g of groups.values()) g.members = g.members.filter((id) => id !== client.id);
  });
  aedes.on('publish', (packet: AedesPublishPacket, client: Client | null) => {
    if (client) count++;
  });
  const server = net.createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    published: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        aedes.close(() => server.close(() => resolve()));
        // connections still open would keep server.close waiting
        for (const c of Object.values((aedes as unknown as { clients: Record<string, Client> }).clients)) c.close();
      }),
  };
}
