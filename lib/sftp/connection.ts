/**
 * One SSH/SFTP connection per supplier server, shared by every poll and
 * upload, verified against a pinned host key or a known_hosts file, and
 * reconnected with backoff when it drops. No Node-RED import.
 */
import { createHash, createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { configError, IntegrationError } from '../errors';

export type HostKeyCheck =
  | { mode: 'fingerprint'; fingerprints: string[] }
  | { mode: 'known_hosts'; file: string }
  | { mode: 'accept-any' };

export interface SftpServerOptions {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  hostKey: HostKeyCheck;
  /** ssh2 algorithm lists for old servers: `{ kex: [...], serverHostKey: [...], cipher: [...] }`. */
  algorithms?: ConnectConfig['algorithms'];
  /** ms between keepalive packets (0: none). */
  keepaliveMs: number;
  /** ms to connect and authenticate. */
  connectTimeoutMs: number;
  /** ms one SFTP operation may take. */
  operationTimeoutMs: number;
  /** Reconnect backoff: first wait and cap, in ms. */
  backoffMs?: number;
  backoffMaxMs?: number;
}

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'failed';

export interface Logger {
  warn(message: string): void;
  log?(message: string): void;
}

/** OpenSSH's fingerprint of a host key blob: `SHA256:` + unpadded base64. */
export function fingerprintOf(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

function normaliseFingerprint(fp: string): string {
  const t = fp.trim();
  return t.startsWith('SHA256:') ? t.replace(/=+$/, '') : 'SHA256:' + t.replace(/=+$/, '');
}

/** The known_hosts names this server goes by: `host` on port 22, `[host]:port` otherwise. */
function hostNames(host: string, port: number): string[] {
  return port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`];
}

function matchesHost(pattern: string, names: string[]): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return names.some((n) => createHmac('sha1', Buffer.from(salt, 'base64')).update(n).digest('base64') === hash);
  }
  return pattern.split(',').some((p) => {
    if (p.startsWith('!')) return false;
    const re = new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
    return names.some((n) => re.test(n));
  });
}

/** Host key blobs (base64) known_hosts lists for this server; markers (@revoked) exclude a key. */
export function knownHostKeys(text: string, host: string, port: number): { keys: Set<string>; revoked: Set<string> } {
  const names = hostNames(host, port);
  const keys = new Set<string>();
  const revoked = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    let marker: string | undefined;
    if (parts[0]?.startsWith('@')) marker = parts.shift();
    const [pattern, , key] = parts;
    if (!pattern || !key || !matchesHost(pattern, names)) continue;
    (marker === '@revoked' ? revoked : keys).add(key);
  }
  return { keys, revoked };
}

export function sftpError(message: string, transient: boolean, details?: Record<string, unknown>): IntegrationError {
  return new IntegrationError({ message, code: transient ? 'NETWORK' : 'CONFIG', transient, ...(details ? { details } : {}) });
}

/**
 * True when an operation failed because the connection went away (no SFTP status came back:
 * the request may or may not have been carried out), not because the server refused it.
 */
export function isConnectionLoss(err: unknown): boolean {
  const e = err as { code?: unknown; details?: { sftpCode?: unknown; dropped?: unknown } } | undefined;
  if (e instanceof IntegrationError) return e.details?.dropped === true || ((e.code === 'NETWORK' || e.code === 'TIMEOUT') && typeof e.details?.sftpCode !== 'number');
  return typeof e?.code !== 'number';
}

/** SFTP status codes as ssh2 reports them: 2 = no such file, 3 = permission denied, 4 = failure. */
export function isNoSuchFile(err: unknown): boolean {
  return (err as { code?: unknown })?.code === 2 || /no such file/i.test(String((err as Error)?.message));
}

export class SftpConnection extends EventEmitter {
  state: ConnectionState = 'idle';
  /** How many times a connection was opened (the benchmark and tests read it). */
  connects = 0;
  private client: Client | undefined;
  private sftpSession: SFTPWrapper | undefined;
  private pending: Promise<SFTPWrapper> | undefined;
  private failures = 0;
  private retryAt = 0;
  private closed = false;
  private lastError: IntegrationError | undefined;
  /** Sessions whose connection is gone: ssh2 never answers a request sent or pending on them. */
  private readonly dropped = new WeakSet<SFTPWrapper>();
  /** Temporary upload files a dropped connection kept us from removing; removed before the next upload. */
  readonly strayTemps = new Set<string>();

  constructor(
    readonly options: SftpServerOptions,
    private readonly logger: Logger = { warn: () => undefined },
  ) {
    super();
    // one listener per operation in flight (onDropped)
    this.setMaxListeners(0);
  }

  /**
   * Calls `fn` once when the connection carrying `sftp` goes away (at once when it already
   * has); returns the function that stops listening. ssh2 fails the requests in flight when a
   * channel closes, but a request sent after that (a stream closing its handle on an error)
   * is never answered: whoever waits on a session listens here too.
   */
  onDropped(sftp: SFTPWrapper, fn: () => void): () => void {
    if (this.dropped.has(sftp)) {
      fn();
      return () => undefined;
    }
    const listener = (s: SFTPWrapper) => {
      if (s !== sftp) return;
      this.off('dropped', listener);
      fn();
    };
    this.on('dropped', listener);
    return () => this.off('dropped', listener);
  }

  /** `work` on `sftp`, failed (transient, marked dropped) when the connection goes away before it settles. */
  whileConnected<T>(sftp: SFTPWrapper, what: string, work: Promise<T>, onDrop?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const stop = this.onDropped(sftp, () => {
        onDrop?.();
        reject(new IntegrationError({ message: `${this.label}: the connection dropped during ${what}`, code: 'NETWORK', transient: true, details: { dropped: true } }));
      });
      work.then(
        (v) => {
          stop();
          resolve(v);
        },
        (err: unknown) => {
          stop();
          reject(err);
        },
      );
    });
  }

  get label(): string {
    return `${this.options.username}@${this.options.host}:${this.options.port}`;
  }

  private setState(state: ConnectionState, error?: IntegrationError): void {
    this.state = state;
    this.emit('state', state, error);
  }

  /** The open SFTP session, connecting (once, whoever asks) when there is none. */
  session(): Promise<SFTPWrapper> {
    if (this.closed) return Promise.reject(sftpError(`connection to ${this.label} is closed`, false));
    if (this.sftpSession && this.dropped.has(this.sftpSession)) {
      this.client = undefined;
      this.sftpSession = undefined;
    }
    if (this.sftpSession) return Promise.resolve(this.sftpSession);
    if (this.pending) return this.pending;
    const wait = Math.max(0, this.retryAt - Date.now());
    this.pending = new Promise<void>((r) => setTimeout(r, wait).unref())
      .then(() => this.open())
      .then(
        (s) => {
          this.pending = undefined;
          this.failures = 0;
          return s;
        },
        (err: IntegrationError) => {
          this.pending = undefined;
          this.failures++;
          const base = this.options.backoffMs ?? 1000;
          const delay = Math.min(this.options.backoffMaxMs ?? 60_000, base * 2 ** Math.min(this.failures - 1, 10));
          this.retryAt = Date.now() + Math.round(delay * (0.8 + Math.random() * 0.4));
          this.lastError = err;
          this.setState('waiting', err);
          throw err;
        },
      );
    return this.pending;
  }

  private open(): Promise<SFTPWrapper> {
    const o = this.options;
    const check = o.hostKey;
    let presented: string | undefined;
    let refusal: string | undefined;
    let known: { keys: Set<string>; revoked: Set<string> } | undefined;
    if (check.mode === 'known_hosts') {
      try {
        known = knownHostKeys(fs.readFileSync(check.file, 'utf8'), o.host, o.port);
      } catch (err) {
        return Promise.reject(configError(`known_hosts file cannot be read: ${(err as Error).message}`));
      }
    }
    if (check.mode === 'accept-any') {
      this.logger.warn(`sftp ${this.label}: the host key is NOT verified (accept any key is on): anyone between here and the server can read and change these files`);
    }
    const hostVerifier = (key: Buffer): boolean => {
      presented = fingerprintOf(key);
      if (check.mode === 'accept-any') return true;
      if (check.mode === 'fingerprint') {
        if (check.fingerprints.map(normaliseFingerprint).includes(presented)) return true;
        refusal = `host key of ${o.host}:${o.port} is ${presented}, not the pinned ${check.fingerprints.map(normaliseFingerprint).join(' or ')}: connection refused (has the server been replaced, or is someone in between?)`;
        return false;
      }
      const b64 = key.toString('base64');
      if (known?.revoked.has(b64)) {
        refusal = `host key ${presented} of ${o.host}:${o.port} is marked @revoked in ${check.file}: connection refused`;
        return false;
      }
      if (known?.keys.has(b64)) return true;
      refusal = known?.keys.size
        ? `host key of ${o.host}:${o.port} is ${presented}, which is not the key ${check.file} lists for it: connection refused`
        : `${check.file} has no key for ${hostNames(o.host, o.port).join(' or ')}; the server presented ${presented}: add it to known_hosts or pin that fingerprint`;
      return false;
    };
    this.setState('connecting');
    return new Promise<SFTPWrapper>((resolve, reject) => {
      const client = new Client();
      let settled = false;
      const fail = (err: Error & { level?: string; code?: string }) => {
        if (settled) return;
        settled = true;
        client.end();
        if (refusal) return reject(new IntegrationError({ message: refusal, code: 'AUTH', transient: false, details: { presentedFingerprint: presented } }));
        if (err.level === 'client-authentication') {
          return reject(new IntegrationError({ message: `${this.label}: authentication failed (${o.privateKey ? 'private key' : 'password'} refused)`, code: 'AUTH', transient: false }));
        }
        const timedOut = /timed out/i.test(err.message);
        reject(new IntegrationError({ message: `${this.label}: ${timedOut ? `no SSH connection within ${o.connectTimeoutMs} ms` : err.message}`, code: timedOut ? 'TIMEOUT' : 'NETWORK', transient: err.code !== 'ENOTFOUND' }));
      };
      client.on('error', fail);
      client.on('ready', () => {
        client.sftp((err, sftp) => {
          if (err) return fail(err);
          settled = true;
          this.client = client;
          this.sftpSession = sftp;
          this.connects++;
          this.setState('connected');
          const drop = () => {
            if (!this.dropped.has(sftp)) {
              this.dropped.add(sftp);
              this.emit('dropped', sftp);
            }
            if (this.client !== client) return;
            this.client = undefined;
            this.sftpSession = undefined;
            if (!this.closed) this.setState('idle');
          };
          client.on('close', drop);
          client.on('end', drop);
          sftp.on('close', drop);
          resolve(sftp);
        });
      });
      client.on('close', () => fail(new Error('connection closed during the handshake')));
      const cfg: ConnectConfig = {
        host: o.host,
        port: o.port,
        username: o.username,
        readyTimeout: o.connectTimeoutMs,
        keepaliveInterval: o.keepaliveMs,
        keepaliveCountMax: 3,
        hostVerifier,
        ...(o.password !== undefined ? { password: o.password } : {}),
        ...(o.privateKey !== undefined ? { privateKey: o.privateKey } : {}),
        ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
        ...(o.algorithms ? { algorithms: o.algorithms } : {}),
      };
      try {
        client.connect(cfg);
      } catch (err) {
        // a bad private key or passphrase throws here
        settled = true;
        reject(configError(`${this.label}: ${(err as Error).message}`));
      }
    });
  }

  /** Runs one SFTP operation with the operation timeout; a dropped connection is reported transient. */
  async run<T>(what: string, op: (sftp: SFTPWrapper, cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
    const sftp = await this.session();
    let timer: NodeJS.Timeout | undefined;
    const work = new Promise<T>((resolve, reject) => {
      timer = setTimeout(() => {
        reject(new IntegrationError({ message: `${this.label}: ${what} took longer than ${this.options.operationTimeoutMs} ms`, code: 'TIMEOUT', transient: true }));
        // the connection this ran on, not one opened since
        if (this.sftpSession === sftp) this.reset();
      }, this.options.operationTimeoutMs);
      try {
        op(sftp, (err, value) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve(value as T);
        });
      } catch (err) {
        clearTimeout(timer);
        reject(err);
      }
    });
    // dropped: the timer must not reset the connection that replaces this one
    return this.whileConnected(sftp, what, work, () => clearTimeout(timer));
  }

  /** Drops the current connection; the next operation opens a new one. */
  reset(): void {
    const c = this.client;
    this.client = undefined;
    this.sftpSession = undefined;
    c?.end();
  }

  get error(): IntegrationError | undefined {
    return this.lastError;
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    this.sftpSession = undefined;
    if (!c) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      t.unref();
      c.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      c.end();
    });
  }
}
