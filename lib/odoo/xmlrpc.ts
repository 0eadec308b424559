import { Readable } from 'node:stream';
import { classify, ErrorFacts, IntegrationError } from '../errors';
import { HttpPool } from './http';
import { notOdoo } from './json2';
import { CallParams, Transport } from './transport';
import { xmlrpcArguments } from './versions';

export interface XmlRpcOptions {
  baseUrl: URL;
  database: string;
  login: string;
  secret: string;
  timeoutMs: number;
  pool: HttpPool;
}

/* eslint-disable @typescript-eslint/no-require-imports */
// the xmlrpc package's own (de)serializer; the HTTP exchange goes through our pool, which owns timeouts and keep-alive
const Serializer = require('xmlrpc/lib/serializer') as { serializeMethodCall(method: string, params: unknown[], encoding?: string): string };
const Deserializer = require('xmlrpc/lib/deserializer') as new (encoding?: string) => {
  deserializeMethodResponse(stream: NodeJS.ReadableStream, cb: (err: unknown, value: unknown) => void): void;
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Odoo's Python exception names for the integer fault codes of `/xmlrpc/2` (odoo/addons/base/controllers/rpc.py). */
const FAULT_EXCEPTIONS: Record<number, string> = {
  2: 'odoo.exceptions.UserError',
  3: 'odoo.exceptions.AccessDenied',
  4: 'odoo.exceptions.AccessError',
};

/**
 * One XML-RPC call. The request goes through the connection's pool, so a
 * timeout destroys its socket instead of leaving it busy behind the deadline.
 */
export async function rpcCall(pool: HttpPool, url: URL, method: string, params: unknown[], timeoutMs: number): Promise<unknown> {
  // 'UTF-8', the XML name: Odoo's expat does not know 'utf8' and then refuses every non-ASCII character
  const body = Serializer.serializeMethodCall(method, params, 'UTF-8');
  const res = await pool.request(url, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8', Accept: 'text/xml' }, body, timeoutMs });
  const response = { statusCode: res.status, headers: res.headers as Record<string, string> };
  if (res.status >= 400 && !res.body.trimStart().startsWith('<?xml')) throw xmlRpcError({ message: `HTTP ${res.status}`, res: response }, method);
  return new Promise((resolve, reject) => {
    new Deserializer('utf8').deserializeMethodResponse(Readable.from([res.body]), (err, value) => {
      if (err) reject(xmlRpcError(Object.assign(err as object, { res: response }), method));
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
  private readonly common: URL;
  private readonly object: URL;
  private uid: Promise<number> | undefined;

  constructor(private readonly opts: XmlRpcOptions) {
    this.common = new URL('xmlrpc/2/common', opts.baseUrl);
    this.object = new URL('xmlrpc/2/object', opts.baseUrl);
  }

  /** Logs in once; concurrent first calls share the same attempt. */
  authenticate(): Promise<number> {
    if (!this.uid) {
      const { database, login, secret, timeoutMs, pool } = this.opts;
      this.uid = rpcCall(pool, this.common, 'authenticate', [database, login, secret, {}], timeoutMs).then((uid) => {
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
    const { args, kwargs } = xmlrpcArguments(method, params);
    if (params.context && Object.keys(params.context).length > 0) kwargs.context = params.context;
    const { database, secret, timeoutMs, pool } = this.opts;
    try {
      return await rpcCall(pool, this.object, 'execute_kw', [database, uid, secret, model, method, args, kwargs], timeoutMs);
    } catch (err) {
      // Odoo's XML-RPC cannot marshal None: the method ran and committed, only its empty answer failed.
      if (err instanceof IntegrationError && /cannot marshal None unless allow_none is enabled/.test(String(err.details?.traceback ?? err.message))) return null;
      throw err;
    }
  }
}
