import { classify, IntegrationError } from '../errors';
import { HttpPool, HttpResponse } from './http';
import { CallParams, Transport } from './transport';

export interface Json2Options {
  baseUrl: URL;
  database?: string;
  apiKey: string;
  timeoutMs: number;
  pool: HttpPool;
}

/** Odoo ≥19 external API: `POST /json/2/<model>/<method>` with a bearer API key and named arguments. */
export class Json2Transport implements Transport {
  readonly protocol = 'json2' as const;

  constructor(private readonly opts: Json2Options) {}

  async execute(model: string, method: string, params: CallParams): Promise<unknown> {
    const url = new URL(`json/2/${encodeURIComponent(model)}/${encodeURIComponent(method)}`, this.opts.baseUrl);
    const body: Record<string, unknown> = {};
    if (params.ids) body.ids = params.ids;
    Object.assign(body, params.kwargs ?? {});
    if (params.context && Object.keys(params.context).length > 0) body.context = params.context;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      Accept: 'application/json',
      Authorization: `bearer ${this.opts.apiKey}`,
    };
    if (this.opts.database) headers['X-Odoo-Database'] = this.opts.database;
    const res = await this.opts.pool.request(url, { method: 'POST', headers, body: JSON.stringify(body), timeoutMs: this.opts.timeoutMs });
    return parseJson2Response(res, `${model}.${method}`);
  }
}

export function parseJson2Response(res: HttpResponse, what: string): unknown {
  let parsed: unknown;
  let isJson = true;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    isJson = false;
  }
  if (res.status >= 200 && res.status < 300) {
    if (!isJson) throw notOdoo(`${what}: the server answered ${res.status} but not with JSON; is this an Odoo ≥19 server?`, res.status);
    return parsed;
  }
  const retryAfter = headerValue(res.headers['retry-after']);
  if (isJson && parsed && typeof parsed === 'object' && 'name' in parsed && 'message' in parsed) {
    const o = parsed as { name: unknown; message: unknown; debug?: unknown };
    throw classify({
        message: String(o.message),
        status: res.status,
        odooException: String(o.name),
        ...(retryAfter ? { retryAfter } : {}),
        details: { operation: what },
      });
  }
  if (res.status === 404 && /No database is selected/.test(res.body)) {
    throw new IntegrationError({ message: `${what}: the database named in the configuration does not exist on this Odoo server or is excluded by its --db-filter`, code: 'CONFIG', transient: false, status: 404 });
  }
  if (res.status === 404) throw notOdoo(`${what}: no JSON-2 endpoint (HTTP 404); is this an Odoo ≥19 server, and is the URL its root?`, 404);
  throw classify({
    message: `${what}: HTTP ${res.status}${res.body ? `: ${res.body.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`,
    status: res.status,
    ...(retryAfter ? { retryAfter } : {}),
  });
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function notOdoo(message: string, status?: number): IntegrationError {
  return new IntegrationError({ message, code: 'NOT_ODOO', transient: false, ...(status !== undefined ? { status } : {}) });
}
