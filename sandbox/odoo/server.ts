import { INTEGRATION_USER, type SandboxUser } from './access';
// One HTTP server for both transports (JSON-2 and XML-RPC) plus the version
// routes, with fault injection in front of model calls so clients' retry,
// timeout and circuit-breaker paths can be exercised.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OdooError, serializationFailure } from './errors';
import { callJson2, errorAnswer, json2NotFound, jsonAnswer, prepareJson2, type HttpAnswer } from './jsonrpc2';
import { ModelStore } from './store';
import {
  commonService,
  dbService,
  errorFault,
  faultXml,
  objectService,
  parseMethodCall,
  responseXml,
  unpackObjectCall,
  XmlParseError,
  type XmlRpcEnv,
} from './xmlrpc';

export { ModelStore } from './store';

export interface SandboxOptions {
  port?: number;
  host?: string;
  database?: string;
  login?: string;
  password?: string;
  apiKey?: string;
  /** With e.g. '17.0' the /json/2 routes answer 404 like an old Odoo. */
  serverVersion?: string;
  /** Load the demo company (default true). */
  seed?: boolean;
  /** Users besides the admin, with their groups (default: the `integration` user of real-odoo-up.sh). */
  users?: Array<Omit<SandboxUser, 'uid'>>;
}

export interface FaultSpec {
  model?: string;
  method?: string;
  latencyMs?: number;
  httpStatus?: number;
  drop?: boolean;
  serializationFailure?: boolean;
  /**
   * "Applied, then the answer is lost": the call runs and commits, then the
   * socket is destroyed without an answer (`'drop'`), or the answer is held
   * back for `loseAnswerDelayMs` (default 60 s) so the client times out.
   */
  loseAnswer?: 'drop' | 'delay';
  loseAnswerDelayMs?: number;
  times?: number;
  /** Let this many matching calls through untouched first (e.g. `skip: 2` faults the third page of a read). */
  skip?: number;
  /**
   * A long transaction: the call is stamped when it arrives (Odoo's
   * `write_date` is the transaction's start, PostgreSQL `now()`), but runs,
   * commits and becomes visible only this many ms later, after calls that
   * arrived later have committed with later stamps.
   */
  commitLateMs?: number;
}

export interface SandboxStats {
  calls: number;
  byMethod: Record<string, number>;
  authentications: number;
}

export interface Sandbox {
  url: string;
  database: string;
  login: string;
  password: string;
  apiKey: string;
  /** Users besides the admin: login, password, API key, groups. */
  users: SandboxUser[];
  store: ModelStore;
  stats: SandboxStats;
  inject(fault: FaultSpec): void;
  clearFaults(): void;
  resetStats(): void;
  close(): Promise<void>;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
  skip: number;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** What a reverse proxy in front of Odoo sends when the upstream is unhappy. */
function proxyPage(status: number): HttpAnswer {
  const title = `${status} ${REASONS[status] ?? http.STATUS_CODES[status] ?? 'Error'}`;
  const headers: Record<string, string> = { 'Content-Type': 'text/html' };
  if (status === 429 || status === 503) headers['Retry-After'] = '1';
  return {
    status,
    headers,
    body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
  };
}

const ODOO_404 =
  '<!DOCTYPE html>\n<html>\n<head><title>404 Not Found</title></head>\n<body>\n<h1>Page not found</h1>\n' +
  '<p>The page you were looking for could not be authorized or found.</p>\n</body>\n</html>\n';

function htmlAnswer(status: number, body: string): HttpAnswer {
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body };
}

function xmlAnswer(body: string): HttpAnswer {
  return { status: 200, headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body };
}

/** Odoo Online names its versions `saas~19.1`: version_info then starts with `'saas~19'` (odoo/release.py). */
function versionInfo(version: string): unknown[] {
  const m = /^(saas~)?(\d+)(?:\.(\d+))?/.exec(version);
  const major = Number(m?.[2] ?? 0);
  const minor = Number(m?.[3] ?? 0);
  return [m?.[1] ? `saas~${major}` : major, minor, 0, 'final', 0, ''];
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const host = opts.host ?? '127.0.0.1';
  const database = opts.database ?? 'sandbox';
  const login = opts.login ?? 'admin';
  const password = opts.password ?? 'admin';
  const apiKey = opts.apiKey ?? 'sandbox-key-not-secret';
  const version = opts.serverVersion ?? '19.0';
  const store = new ModelStore({ seed: opts.seed !== false, serverVersion: version });
  const stats: SandboxStats = { calls: 0, byMethod: {}, authentications: 0 };
  let faults: ActiveFault[] = [];
  // the first other user is the seeded res.users 6; more get fresh users
  const users: SandboxUser[] = (opts.users ?? [INTEGRATION_USER]).map((u, n) => {
    const uid = n === 0 ? 6 : store.create('res.users', { login: u.login, partner_id: store.create('res.partner', { name: u.login }) });
    if (n === 0 && u.login !== 'integration') store.write('res.users', [6], { login: u.login });
    return { ...u, uid };
  });
  // each user's API key, as res.users.apikeys lists it (readable by its own user)
  const in90Days = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 19).replace('T', ' ');
  const keyRow = (uid: number, name: string, expires: string | false) =>
    store.create('res.users.apikeys', { name, user_id: uid, scope: 'rpc', ...(store.personality.apiKeyExpiry ? { expiration_date: expires } : {}) });
  keyRow(2, 'sandbox', false);
  for (const u of users) keyRow(u.uid, u.login, u.admin ? (u.apiKeyExpires ?? false) : (u.apiKeyExpires ?? in90Days));

  const xmlEnv: XmlRpcEnv = {
    users,
    store,
    database,
    login,
    password,
    apiKey,
    version,
    versionInfo: versionInfo(version),
    onAuthenticate: () => {
      stats.authentications++;
    },
  };

  const countCall = (model: string, method: string): void => {
    stats.calls++;
    const key = `${model}.${method}`;
    stats.byMethod[key] = (stats.byMethod[key] ?? 0) + 1;
  };

  /** Every matching fault is consumed; latency adds up, the first terminal one decides. */
  const takeFaults = (model: string, method: string): { latency: number; terminal?: FaultSpec; after?: FaultSpec; late?: number } => {
    let latency = 0;
    let late: number | undefined;
    let terminal: FaultSpec | undefined;
    let after: FaultSpec | undefined;
    for (const f of faults) {
      if (f.remaining <= 0) continue;
      if (f.spec.model !== undefined && f.spec.model !== model) continue;
      if (f.spec.method !== undefined && f.spec.method !== method) continue;
      if (f.skip > 0) {
        f.skip--;
        continue;
      }
      f.remaining--;
      latency += f.spec.latencyMs ?? 0;
      if (f.spec.commitLateMs) late = Math.max(late ?? 0, f.spec.commitLateMs);
      if (!terminal && (f.spec.drop || f.spec.httpStatus || f.spec.serializationFailure)) terminal = f.spec;
      else if (!after && f.spec.loseAnswer) after = f.spec;
    }
    faults = faults.filter((f) => f.remaining > 0);
    return { latency, terminal, after, late };
  };

  type Outcome = HttpAnswer | 'drop';

  /** Faults that act after the call committed: the answer is dropped or held back. */
  const loseAnswer = async (spec: FaultSpec | undefined, answer: Outcome): Promise<Outcome> => {
    if (!spec?.loseAnswer || answer === 'drop') return answer;
    if (spec.loseAnswer === 'drop') return 'drop';
    // unref'd: a held answer never keeps a test process alive
    await new Promise((r) => setTimeout(r, spec.loseAnswerDelayMs ?? 60_000).unref());
    return answer;
  };

  /** Applies faults for a model call; returns an answer when the fault replaces the real one. */
  const withFaults = async (model: string, method: string, serialization: () => HttpAnswer): Promise<HttpAnswer | 'drop' | { after?: FaultSpec; stamp?: string }> => {
    countCall(model, method);
    const { latency, terminal, after, late } = takeFaults(model, method);
    const stamp = late ? store.now() : undefined;
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    if (late) await new Promise((r) => setTimeout(r, late));
    if (!terminal) return stamp ? { after, stamp } : { after };
    if (terminal.drop) return 'drop';
    if (terminal.httpStatus) return proxyPage(terminal.httpStatus);
    return serialization();
  };

  const handleJson2 = async (req: http.IncomingMessage, path: string, body: string): Promise<Outcome> => {
    if (!store.personality.json2) return htmlAnswer(404, ODOO_404);
    const m = /^\/json\/2\/([^/]+)\/([^/]+)$/.exec(path);
    if (!m || req.method !== 'POST') return json2NotFound();
    const model = decodeURIComponent(m[1]);
    const method = decodeURIComponent(m[2]);
    const faulted = await withFaults(model, method, () => errorAnswer(serializationFailure()));
    if (!isPassThrough(faulted)) return faulted;
    const env = { store, database, apiKey, users };
    const request = { model, method, headers: req.headers, body };
    let answer: Outcome;
    try {
      answer = store.withNow(faulted.stamp, () => callJson2(env, request, prepareJson2(env, request)));
    } catch (err) {
      answer = errorAnswer(asOdooError(err));
    }
    return loseAnswer(faulted.after, answer);
  };

  const handleXmlRpc = async (req: http.IncomingMessage, service: string, legacy: boolean, body: string): Promise<Outcome> => {
    if (req.method !== 'POST') {
      return htmlAnswer(405, '<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n');
    }
    const fault = (err: unknown): HttpAnswer => xmlAnswer(errorFault(asOdooError(err), legacy));
    let call: { method: string; params: unknown[] };
    try {
      call = parseMethodCall(body);
    } catch (err) {
      const msg = err instanceof XmlParseError ? err.message : 'syntax error';
      return xmlAnswer(faultXml(1, `Traceback (most recent call last):\n  File "sandbox/xmlrpc/client.py", line 1, in loads\nxml.parsers.expat.ExpatError: ${msg}\n`));
    }
    let after: FaultSpec | undefined;
    let answer: Outcome;
    try {
      let result: unknown;
      if (service === 'common') result = commonService(xmlEnv, call.method, call.params);
      else if (service === 'db') result = dbService(xmlEnv, call.method, call.params);
      else if (service === 'object') {
        const unpacked = unpackObjectCall(call.method, call.params);
        const faulted = await withFaults(unpacked.model, unpacked.method, () => fault(serializationFailure()));
        if (!isPassThrough(faulted)) return faulted;
        after = faulted.after;
        result = store.withNow(faulted.stamp, () => objectService(xmlEnv, unpacked));
      } else throw new OdooError('builtins.KeyError', 'builtin', `'${service}'`);
      // marshalling happens after commit: a None result faults but its effects stay
      answer = xmlAnswer(responseXml(result));
    } catch (err) {
      answer = fault(err);
    }
    return loseAnswer(after, answer);
  };

  const route = async (req: http.IncomingMessage, body: string): Promise<Outcome> => {
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    if ((path === '/web/version' || path === '/json/version') && store.personality.webVersion) {
      if (req.method === 'GET' || req.method === 'HEAD') return jsonAnswer({ version_info: versionInfo(version), version });
      return htmlAnswer(400, '<!doctype html>\n<html lang=en>\n<title>400 Bad Request</title>\n<h1>Bad Request</h1>\n<p>Session expired (invalid CSRF token)</p>\n');
    }
    if (path === '/json/2' || path.startsWith('/json/2/')) return handleJson2(req, path, body);
    const x = /^\/xmlrpc\/(2\/)?([^/]+)$/.exec(path);
    if (x) return handleXmlRpc(req, x[2], !x[1], body);
    return htmlAnswer(404, ODOO_404);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      route(req, Buffer.concat(chunks).toString('utf8'))
        .then((answer) => {
          if (answer === 'drop') {
            req.socket.destroy();
            return;
          }
          const payload = Buffer.from(answer.body, 'utf8');
          res.writeHead(answer.status, { ...answer.headers, 'Content-Length': String(payload.length) });
          res.end(req.method === 'HEAD' ? undefined : payload);
        })
        .catch((err: unknown) => {
          const answer = errorAnswer(asOdooError(err));
          if (!res.headersSent) res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
        });
    });
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${address.port}`,
    database,
    login,
    password,
    apiKey,
    users,
    store,
    stats,
    inject(fault: FaultSpec) {
      faults.push({ spec: { ...fault }, remaining: fault.times ?? Infinity, skip: fault.skip ?? 0 });
    },
    clearFaults() {
      faults = [];
    },
    resetStats() {
      stats.calls = 0;
      stats.authentications = 0;
      for (const k of Object.keys(stats.byMethod)) delete stats.byMethod[k];
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function isPassThrough(v: unknown): v is { after?: FaultSpec; stamp?: string } {
  return typeof v === 'object' && v !== null && !('status' in v);
}

function asOdooError(err: unknown): OdooError {
  if (err instanceof OdooError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new OdooError('builtins.Exception', 'builtin', msg);
}
