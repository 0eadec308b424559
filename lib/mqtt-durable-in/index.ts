/**
 * MQTT in, acknowledged once the flow has the message durably: the logic of
 * the mqtt-durable-in node, framework-free (no Node-RED import).
 *
 * Node-RED's own `mqtt in` acknowledges a QoS 1 message (PUBACK) as it hands it
 * to the flow; a process killed before the flow stored it loses it, because
 * the broker has let go. Here the PUBACK waits until a node that keeps the
 * message durably (stock-events once the event is in its journal or database,
 * retry-gate once it holds it, dead-letter once it is stored) says so with
 * `acknowledge(msg)`: a message in flight at a crash is delivered again by
 * the broker (persistent session), and de-duplication downstream (stock-events'
 * event ledger) makes the second delivery a no-op.
 *
 * mqtt.js sends a PUBACK as soon as `client.handleMessage` calls back, and
 * reads the next message only then. So that messages flow while earlier ones
 * are being stored, the callback comes at once and the PUBACK it sends is
 * held (the client's packet writer is wrapped for `puback` only) until the
 * message is acknowledged; held PUBACKs leave in the order the messages came
 * (MQTT 3.1.1 §4.6). At most `maxInFlight` messages per session wait; beyond
 * that the session reads nothing more until one is acknowledged. Several
 * sessions in one `$share` group (option `sessions`) spread the stream.
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { z } from 'zod';
import { configError } from '../errors';
import { describeIssues } from '../util/zod';
import { awaitAck, forgetAck } from '../util/acks';

export { ACK_PROPERTY, acknowledge } from '../util/acks';

const num = (schema: z.ZodNumber) => z.preprocess((v) => (v === '' || v === null || v === undefined ? undefined : Number(v)), schema.optional());

export const mqttDurableInOptionsSchema = z
  .object({
    url: z.string().trim().regex(/^(mqtts?|wss?|tcp|tls):\/\/./, 'a broker URL such as mqtt://host:1883'),
    topic: z.string().trim().min(1, 'a topic'),
    clientId: z.string().trim().min(1, 'a client id that stays the same across restarts (persistent session)').max(200),
    sessions: num(z.number().int().min(1).max(64)).default(1),
    format: z.enum(['json', 'utf8', 'buffer']).default('json'),
    /** s: a message no node acknowledged by then is acknowledged anyway, with a warning (it would hold its session forever). */
    ackTimeout: num(z.number().min(1).max(3600)).default(60),
    /** Messages per session handed on and not yet acknowledged, at most (the broker's own limit may be lower: Mosquitto's max_inflight_messages, 20). */
    maxInFlight: num(z.number().int().min(1).max(10_000)).default(100),
    /** Bytes: a larger payload is not parsed; it leaves on the error output (BAD_INPUT) for the dead-letter store. Unset: no limit. */
    maxBytes: num(z.number().int().min(1).max(256 * 1024 * 1024)),
    /** A property of the parsed payload (e.g. `eventId`) that becomes msg.correlationId; a message without it gets a new id. Empty: the node sets none. */
    correlationFrom: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/, 'a payload property such as eventId or header.id').optional()),
    username: z.string().optional(),
    password: z.string().optional(),
  })
  .refine((o) => o.sessions === 1 || o.topic.startsWith('$share/'), {
    message: 'several sessions need a shared subscription ($share/<group>/<topic>): each session of a plain topic gets every message',
    path: ['sessions'],
  });
export type MqttDurableInOptions = z.infer<typeof mqttDurableInOptionsSchema>;

/** The node's saved options (after env expansion) → checked options; throws a CONFIG error naming the problem. */
export function parseMqttDurableInOptions(def: Record<string, unknown>): MqttDurableInOptions {
  const parsed = mqttDurableInOptionsSchema.safeParse(def);
  if (!parsed.success) throw configError(describeIssues(parsed.error, def));
  return parsed.data;
}

/** What a delivered message becomes: its payload as the format says, or the reason it cannot be read (larger than `maxBytes`: not read at all). */
export function decodePayload(payload: Buffer, format: MqttDurableInOptions['format'], maxBytes?: number): { ok: true; value: unknown } | { ok: false; message: string; text: string } {
  if (maxBytes !== undefined && payload.length > maxBytes) return { ok: false, message: `the MQTT payload of ${payload.length} bytes is larger than the ${maxBytes} this node accepts (option "Largest payload"): not read`, text: payload.toString('utf8') };
  if (format === 'buffer') return { ok: true, value: payload };
  const text = payload.toString('utf8');
  if (format === 'utf8') return { ok: true, value: text };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, message: `the MQTT payload is not JSON (${(err as Error).message})`, text };
  }
}

/** The correlation id a parsed payload carries at `path` (a non-empty string or a number), if any. */
export function correlationOf(value: unknown, path: string): string | undefined {
  let v: unknown = value;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  if (typeof v === 'string') return v.trim() === '' || v.length > 200 ? undefined : v;
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
}

export interface DeliveredMessage {
  topic: string;
  payload: Buffer;
  /** Put on the message as msg._ack; acknowledge(msg) sends the PUBACK. */
  token: string;
  qos: number;
  retain: boolean;
  /** A redelivery after a reconnect (the broker was not acknowledged before). */
  dup: boolean;
  session: number;
}

export interface SubscriberHooks {
  message(m: DeliveredMessage): void;
  /** Sessions connected now, of all. */
  connection(connected: number, of: number): void;
  warn(text: string): void;
}

/** A message of one session waiting for its acknowledgement, in arrival order. */
interface Held {
  messageId: number | undefined;
  acknowledged: boolean;
  /** The PUBACK mqtt.js wanted to send, once it did. */
  puback?: { packet: unknown; rest: unknown[] };
}

interface Session {
  held: Held[];
  /** handleMessage callbacks waiting for room (more than maxInFlight held). */
  blocked: Array<() => void>;
  send: (packet: unknown, cb?: () => void, ...rest: unknown[]) => void;
}

/** N persistent sessions subscribed to one topic; each message is acknowledged when acknowledge() is called with its token (or on timeout). */
export class DurableSubscriber {
  private readonly sessions: Session[] = [];
  private readonly clients: MqttClient[] = [];
  /** Tokens handed on and not yet acknowledged, with their ack timeout. */
  private readonly mine = new Map<string, NodeJS.Timeout>();
  private closed = false;
  stats = { received: 0, acknowledged: 0, timedOut: 0, redelivered: 0 };

  constructor(
    private readonly options: MqttDurableInOptions,
    private readonly hooks: SubscriberHooks,
  ) {}

  /** The client id of session `i` (the configured id itself when there is one session). */
  clientIdOf(i: number): string {
    return this.options.sessions === 1 ? this.options.clientId : `${this.options.clientId}-${i + 1}`;
  }

  start(): void {
    const o = this.options;
    for (let i = 0; i < o.sessions; i++) {
      const opts: IClientOptions = {
        clientId: this.clientIdOf(i),
        clean: false,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
        protocolVersion: 4,
        ...(o.username ? { username: o.username } : {}),
        ...(o.password ? { password: o.password } : {}),
      };
      const client = mqtt.connect(o.url, opts);
      const internals = client as unknown as { _sendPacket(packet: unknown, cb?: () => void, ...rest: unknown[]): void };
      const session: Session = { held: [], blocked: [], send: internals._sendPacket.bind(client) };
      this.sessions[i] = session;
      internals._sendPacket = (packet, cb, ...rest) => {
        const p = packet as { cmd?: string; messageId?: number };
        const h = p.cmd === 'puback' ? session.held.find((x) => !x.puback && x.messageId === p.messageId) : undefined;
        if (!h) return session.send(packet, cb, ...rest);
        // held until the flow has the message; mqtt.js goes on reading meanwhile
        h.puback = { packet, rest };
        cb?.();
        this.release(i);
      };
      client.handleMessage = (packet, callback) => this.deliver(i, packet, callback);
      client.on('connect', () => {
        client.subscribe(o.topic, { qos: 1 }, (err) => {
          if (err && !this.closed) this.hooks.warn(`session ${this.clientIdOf(i)} could not subscribe to ${o.topic}: ${err.message}`);
        });
        this.report();
      });
      client.on('close', () => {
        // what this connection delivered and the flow has not acknowledged yet is sent again by the broker on the
        // next one: its held PUBACKs are dropped (one sent on a later connection could name another message), and
        // so are its blocked reads (calling them would queue their PUBACKs for the next connection)
        session.held.length = 0;
        session.blocked.length = 0;
        this.report();
      });
      client.on('offline', () => this.report());
      // reconnects are mqtt.js's job; an error must not crash Node-RED
      client.on('error', (err) => {
        if (!this.closed) this.hooks.warn(`MQTT ${o.url} (${this.clientIdOf(i)}): ${err.message}`);
      });
      this.clients.push(client);
    }
  }

  private report(): void {
    if (this.closed) return;
    this.hooks.connection(this.clients.filter((c) => c.connected).length, this.options.sessions);
  }

  private deliver(session: number, packet: { topic?: string; payload?: Buffer | string; qos?: number; retain?: boolean; dup?: boolean; cmd?: string; messageId?: number }, callback: (err?: Error) => void): void {
    if (packet.cmd !== 'publish' || this.closed) {
      callback();
      return;
    }
    const s = this.sessions[session] as Session;
    const token = randomUUID();
    const held: Held = { messageId: (packet.qos ?? 0) > 0 ? packet.messageId : undefined, acknowledged: false };
    if (held.messageId !== undefined) s.held.push(held);
    const ack = () => {
      clearTimeout(this.mine.get(token));
      this.mine.delete(token);
      this.stats.acknowledged++;
      // a message of a connection that closed is no longer in `held`: nothing is sent for it
      held.acknowledged = true;
      this.release(session);
    };
    const timer = setTimeout(() => {
      if (!forgetAck(token)) return;
      this.stats.timedOut++;
      this.hooks.warn(`a message on ${packet.topic} was not taken by any node that keeps it (stock-events, retry-gate, dead-letter) within ${this.options.ackTimeout} s: acknowledged without a durable owner`);
      ack();
    }, this.options.ackTimeout * 1000);
    awaitAck(token, ack);
    this.mine.set(token, timer);
    this.stats.received++;
    if (packet.dup) this.stats.redelivered++;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(String(packet.payload ?? ''));
    this.hooks.message({ topic: String(packet.topic ?? ''), payload, token, qos: packet.qos ?? 0, retain: packet.retain === true, dup: packet.dup === true, session });
    // the next message is read at once, unless too many wait for their acknowledgement
    if (s.held.length < (this.options.maxInFlight ?? 100)) callback();
    else s.blocked.push(() => callback());
  }

  /** Sends the held PUBACKs whose messages are acknowledged, in arrival order; lets a blocked session read on. */
  private release(session: number): void {
    const s = this.sessions[session];
    if (!s) return;
    while (s.held[0]?.acknowledged && s.held[0].puback) {
      const { packet, rest } = (s.held.shift() as Held).puback as { packet: unknown; rest: unknown[] };
      s.send(packet, undefined, ...rest);
    }
    while (s.blocked.length && s.held.length < (this.options.maxInFlight ?? 100)) (s.blocked.shift() as () => void)();
  }

  /** Messages handed on and not yet acknowledged. */
  get inFlight(): number {
    return this.mine.size;
  }

  /**
   * Stops: waits up to `waitMs` for messages in flight to be acknowledged, then
   * disconnects. What is not acknowledged stays with the broker for the next start.
   */
  async close(waitMs = 2000): Promise<void> {
    const end = Date.now() + waitMs;
    while (this.mine.size && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    this.closed = true;
    for (const [t, timer] of this.mine) {
      clearTimeout(timer);
      forgetAck(t);
    }
    this.mine.clear();
    await Promise.all(this.clients.map((c) => new Promise<void>((r) => c.end(true, {}, () => r()))));
    this.clients.length = 0;
  }
}
