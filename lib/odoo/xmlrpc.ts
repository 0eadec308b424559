import xmlrpc from 'xmlrpc';
import { classify, ErrorFacts, IntegrationError } from '../errors';
import { HttpPool, timeoutError } from './http';
import { notOdoo } from './json2';
import { CallParams, Transport } from './transport';

export interface XmlRpcOptions {
  baseUrl: URL;
  database: string;
  login: string;
  secret: string;
  timeoutMs: number;
  pool: HttpPool;
}

type RpcClient = ReturnType<typeof xmlrpc.createClient>;

/** Odoo's Python exception names for the integer fault codes of `/xmlrpc/2` (odoo/addons/base/controllers/rpc.py). */
const FAULT_EXCEPTIONS: Record<number, string> = {
  2: 'odoo.exceptions.UserError',
  3: 'odoo.exceptions.AccessDenied',
  4: 'odoo.exceptions.AccessError',
};

export function createRpcClient(baseUrl: URL, path: string, pool: HttpPool): RpcClient {
  const options = {
    host: baseUrl.hostname,
    port: Number(baseUrl.port) || (baseUrl.protocol === 'https:' ? 443 : 80),
    path: `${baseUrl.pathname.replace(/\/$/, '')}${path}`,
    agent: pool.agentFor(baseUrl),
  };
  return baseUrl.protocol === 'https:' ? xmlrpc.createSecureClient(options) : xmlrpc.createClient(options);
}

/** One XML-RPC call with a deadline; the xmlrpc package has none of its own. */
export function rpcCall(client: RpcClient, method: string, params: unknown[], timeoutMs: number, url: URL): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(timeoutError(timeoutMs, url));
    }, timeoutMs);
    client.methodCall(method, params, (err: unknown, value: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(xmlRpcError(err, method));
      else resolve(value);
    });
  });
}

/** Reads the exception class and message off the last line of a Python traceback. */
function lastTracebackLine(text: string): { exception?: string; message: string } {
  const lines = text.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines[lines.length - 1] ?? text;
  const m = /^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Denied|Failure|Violation|Missing\w*|NotFound|Unauthorized|Forbidden)):\s?(.*)$/s.exec(last);
  if (!m) return { message: last };
  const name = m[1] as string;
  return { exception: name.includes('.') ? name : `builtins.${name}`, message: (m[2] as string) || name };
}

export function xmlRpcError(err: unknown, method: string): IntegrationError {
  const e = err as { faultCode?: unknown; faultString?: unknown; code?: unknown; message?: string; res?: { statusCode?: number; headers?: Record<string, string> } };
  if (e.faultCode !== undefined) {
    const faultString = String(e.faultString ?? '');
    const code = Number(e.faultCode);
    const facts: ErrorFacts = { message: faultString, details: { faultCode: e.faultCode } };
    const known = FAULT_EXCEPTIONS[code];
    if (known) {
      facts.odooException = known;
    } else {
      const tb = lastTracebackLine(faultString);
      facts.message = tb.message;
      if (tb.exception) facts.odooException = tb.exception;
      facts.details = { faultCode: e.faultCode, traceback: faultString.slice(-2000) };
    }
    return classify(facts);
  }
  const status = e.res?.statusCode;
  if (status === 404) return notOdoo(`XML-RPC ${method}: no XML-RPC endpoint (HTTP 404); is the URL the root of an Odoo server?`, 404);
  if (status !== undefined && status >= 400) {
    const retryAfter = e.res?.headers?.['retry-after'];
    return classify({ message: `XML-RPC ${method}: HTTP ${status}`, status, ...(retryAfter ? { retryAfter } : {}) });
  }
  if (status !== undefined && typeof e.code !== 'string') {
    return notOdoo(`XML-RPC ${method}: the answer is not XML-RPC (${e.message ?? 'unreadable'}); is this an Odoo server?`, status);
  }
  return classify({ message: `XML-RPC ${method}: ${e.message ?? String(err)}`, ...(typeof e.code === 'string' ? { networkCode: e.code } : {}) });
}

/** Odoo's legacy external API: authenticate once on /xmlrpc/2/common, then execute_kw on /xmlrpc/2/object. */
export class XmlRpcTransport implements Transport {
  readonly protocol = 'xmlrpc' as const;
  private readonly common: RpcClient;
  private readonly object: RpcClient;
  private uid: Promise<number> | undefined;

  constructor(private readonly opts: XmlRpcOptions) {
    this.common = createRpcClient(opts.baseUrl, '/xmlrpc/2/common', opts.pool);
    this.object = createRpcClient(opts.baseUrl, '/xmlrpc/2/object', opts.pool);
  }

  /** Logs in once; concurrent first calls share the same attempt. */
  authenticate(): Promise<number> {
    if (!this.uid) {
      const { database, login, secret, timeoutMs, baseUrl } = this.opts;
      this.uid = rpcCall(this.common, 'authenticate', [database, login, secret, {}], timeoutMs, baseUrl).then((uid) => {
        if (typeof uid !== 'number' || uid <= 0) {
          throw classify({
            message: `Odoo rejected login "${login}" on database "${database}" (wrong login, password or API key)`,
            odooException: 'odoo.exceptions.AccessDenied',
          });
        }
        return uid;
      });
      this.uid.catch(() => {
        this.uid = undefined;
      });
    }
    return this.uid;
  }

  async execute(model: string, method: string, params: CallParams): Promise<unknown> {
    try {
      return await this.executeOnce(model, method, params);
    } catch (err) {
      // A uid can go stale (user re-created, database restored): Odoo then answers AccessDenied or
      // MissingError on res.users(<uid>,). Log in again once, then give up.
      if (err instanceof IntegrationError && this.uid && (err.code === 'AUTH' || (err.code === 'MISSING_RECORD' && /res\.users\(\d+,\)/.test(err.message)))) {
        this.uid = undefined;
        return this.executeOnce(model, method, params);
      }
      throw err;
    }
  }

  private async executeOnce(model: string, method: string, params: CallParams): Promise<unknown> {
    const uid = await this.authenticate();
    const args: unknown[] = params.ids ? [params.ids] : [];
    const kwargs: Record<string, unknown> = { ...(params.kwargs ?? {}) };
    // Odoo's execute_kw reads create's first positional argument (dict or list) to shape the answer
    if (method === 'create' && 'vals_list' in kwargs && !params.ids) {
      args.push(kwargs.vals_list);
      delete kwargs.vals_list;
    }
    if (params.context && Object.keys(params.context).length > 0) kwargs.context = params.context;
    const { database, secret, timeoutMs, baseUrl } = this.opts;
    try {
      return await rpcCall(this.object, 'execute_kw', [database, uid, secret, model, method, args, kwargs], timeoutMs, baseUrl);
    } catch (err) {
      // Odoo's XML-RPC cannot marshal None: the method ran and committed, only its empty answer failed.
      if (err instanceof IntegrationError && /cannot marshal None unless allow_none is enabled/.test(String(err.details?.traceback ?? err.message))) return null;
      throw err;
    }
  }
}
