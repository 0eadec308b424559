// Raw clients for the sandbox tests: plain http for JSON-2 and the xmlrpc
// package for XML-RPC, so the emulator is checked independently of lib/odoo.
import http from 'node:http';
import xmlrpc from 'xmlrpc';
import type { Sandbox } from '../../sandbox/odoo/server';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
  socketPort?: number;
}

export function request(
  sb: Sandbox,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent } = {},
): Promise<RawResponse> {
  const url = new URL(path, sb.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: opts.method ?? 'GET',
        headers: { ...(opts.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers },
        agent: opts.agent ?? false,
      },
      (res) => {
        let text = '';
        const socketPort = res.socket?.localPort;
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, socketPort });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** POST /json/2/<model>/<method> with the sandbox key (override with headers). */
export function json2(
  sb: Sandbox,
  model: string,
  method: string,
  body: unknown = {},
  opts: { headers?: Record<string, string>; agent?: http.Agent } = {},
): Promise<RawResponse> {
  return request(sb, `/json/2/${model}/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `bearer ${sb.apiKey}`, ...opts.headers },
    body: JSON.stringify(body),
    agent: opts.agent,
  });
}

export interface Fault {
  faultCode: number | string;
  faultString: string;
}

export function xmlrpcCall(sb: Sandbox, service: string, method: string, params: unknown[]): Promise<any> {
  const url = new URL(sb.url);
  const client = xmlrpc.createClient({ host: url.hostname, port: Number(url.port), path: `/xmlrpc/2/${service}` });
  return new Promise((resolve, reject) => {
    client.methodCall(method, params, (err: any, value: unknown) => (err ? reject(err) : resolve(value)));
  });
}

/** Resolves with the fault instead of rejecting, for assertions on fault codes. */
export async function xmlrpcFault(sb: Sandbox, service: string, method: string, params: unknown[]): Promise<Fault> {
  try {
    const value = await xmlrpcCall(sb, service, method, params);
    throw new Error(`expected a fault, got ${JSON.stringify(value)}`);
  } catch (err: any) {
    if (err.faultCode === undefined) throw err;
    return { faultCode: err.faultCode, faultString: err.faultString };
  }
}

export function executeKw(sb: Sandbox, model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}): Promise<any> {
  return xmlrpcCall(sb, 'object', 'execute_kw', [sb.database, 2, sb.password, model, method, args, kwargs]);
}

export function executeKwFault(sb: Sandbox, model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}): Promise<Fault> {
  return xmlrpcFault(sb, 'object', 'execute_kw', [sb.database, 2, sb.password, model, method, args, kwargs]);
}

/** Raw XML-RPC POST, for checking the exact bytes Odoo would send. */
export function xmlrpcRaw(sb: Sandbox, path: string, xml: string): Promise<RawResponse> {
  return request(sb, path, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: xml });
}
