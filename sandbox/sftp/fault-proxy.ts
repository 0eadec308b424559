/**
 * A TCP proxy that cuts connections on purpose, for the SFTP drill and tests: in front of a
 * real OpenSSH sshd, it forwards bytes both ways and, once a connection is past its SSH
 * handshake and login (the first `skipBytes` in each direction), resets it after a number of
 * further bytes in one direction: server → client (`down`: downloads, listings, answers) or
 * client → server (`up`: uploads, requests). The cut lands inside whatever is on the wire at
 * that moment (a file's data being read or written, a listing, a rename or its answer), as
 * when a supplier's server or a firewall drops the connection.
 *
 * Random cuts (the drill): each connection draws its budgets (1 … 2 × mean) per direction.
 * Fixed cuts (tests): `plan[i]` gives connection i its budgets; connections past the plan,
 * or a direction left out, are never cut. `pause()` / `resume()` stop and start the cuts.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

type Direction = 'down' | 'up';

export interface FaultProxyOptions {
  target: { host: string; port: number };
  /** Bytes passed untouched first (SSH key exchange and login: about 3.0 KB down, 2.0 KB up with OpenSSH 9 and an ed25519 key), both ways or per direction. Default 4096. */
  skipBytes?: number | Partial<Record<Direction, number>>;
  /** Mean bytes past the handshake before a cut, per direction (random cuts). */
  meanBytes?: Partial<Record<Direction, number>>;
  /** Fixed budgets per connection, in the order connections arrive (tests). */
  plan?: Array<Partial<Record<Direction, number>>>;
  /** Deterministic random cuts for a given seed. */
  seed?: number;
}

export interface Cut {
  /** The connection (0-based, in arrival order). */
  connection: number;
  direction: Direction;
  /** The size of the chunk the cut fell into, and where in it. */
  chunk: number;
  at: number;
}

export interface FaultProxy {
  host: string;
  port: number;
  /** Connections accepted so far. */
  connections: number;
  cuts: Cut[];
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** mulberry32: small, seeded, good enough for picking cut points. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFaultProxy(o: FaultProxyOptions): Promise<FaultProxy> {
  const rnd = random(o.seed ?? 1);
  const skip: Record<Direction, number> = typeof o.skipBytes === 'object' ? { down: o.skipBytes.down ?? 4096, up: o.skipBytes.up ?? 4096 } : { down: o.skipBytes ?? 4096, up: o.skipBytes ?? 4096 };
  const sockets = new Set<net.Socket>();
  let paused = false;
  const proxy: FaultProxy = {
    host: '127.0.0.1',
    port: 0,
    connections: 0,
    cuts: [],
    pause: () => void (paused = true),
    resume: () => void (paused = false),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const draw = (mean: number | undefined) => (mean ? 1 + Math.floor(rnd() * 2 * mean) : Infinity);
  const server = net.createServer((client) => {
    const index = proxy.connections++;
    const planned = o.plan ? o.plan[index] ?? {} : undefined;
    const budget: Record<Direction, number> = planned
      ? { down: planned.down ?? Infinity, up: planned.up ?? Infinity }
      : { down: draw(o.meanBytes?.down), up: draw(o.meanBytes?.up) };
    const upstream = net.connect(o.target.port, o.target.host);
    sockets.add(client);
    sockets.add(upstream);
    const seen: Record<Direction, number> = { down: 0, up: 0 };
    let cut = false;
    const reset = () => {
      cut = true;
      for (const s of [client, upstream]) {
        if (typeof (s as net.Socket & { resetAndDestroy?: () => void }).resetAndDestroy === 'function') s.resetAndDestroy();
        else s.destroy();
      }
    };
    const pipe = (from: net.Socket, to: net.Socket, direction: Direction) => {
      from.on('data', (chunk: Buffer) => {
        if (cut) return;
        const before = seen[direction];
        seen[direction] += chunk.length;
        // bytes of this chunk past the handshake
        const past = Math.max(0, seen[direction] - Math.max(before, skip[direction]));
        if (!paused && past > 0) {
          if (past >= budget[direction]) {
            // forward what comes before the cut, then reset both sides
            const at = chunk.length - past + budget[direction] - 1;
            if (at > 0) to.write(chunk.subarray(0, at));
            proxy.cuts.push({ connection: index, direction, chunk: chunk.length, at });
            reset();
            return;
          }
          budget[direction] -= past;
        }
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
      from.on('end', () => to.end());
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    };
    pipe(client, upstream, 'up');
    pipe(upstream, client, 'down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.port = (server.address() as AddressInfo).port;
  return proxy;
}
