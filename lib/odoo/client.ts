import { configError, IntegrationError } from '../errors';
import { Semaphore } from '../util/semaphore';
import { HttpPool } from './http';
import { Json2Transport, notOdoo, parseJson2Response } from './json2';
import { CallParams, Protocol, Transport } from './transport';
import { autoProtocol, groupCall, nameSearchKwargs, odooVersion, OdooVersion, parseServerVersion } from './versions';
import { rpcCall, XmlRpcTransport } from './xmlrpc';
import { searchReadPages } from './paging';
import { odooCalls } from '../metrics';

export { andAll } from './paging';

export type Domain = unknown[];
export type Context = Record<string, unknown>;
export type OdooRecord = Record<string, unknown> & { id?: number };

export interface OdooClientOptions {
  url: string;
  database?: string;
  login?: string;
  /** API key (preferred) or password. */
  secret: string;
  /** What `secret` is: JSON-2 only accepts API keys. Default `apikey`. */
  secretKind?: 'apikey' | 'password';
  protocol?: 'auto' | Protocol;
  timeoutMs?: number;
  /** Requests in flight at once on this connection. */
  concurrency?: number;
  /** Merged under every call's own context (lang, tz, allowed_company_ids). */
  context?: Context;
  /** Largest answer accepted, in bytes (default 256 MB); larger ones fail with TOO_LARGE. */
  maxResponseBytes?: number;
  log?: (message: string) => void;
}

export interface ConnectionInfo {
  protocol: Protocol;
  serverVersion: string;
  /** Why this protocol: shown in node status and logs. */
  reason: string;
}

export interface SearchOptions {
  domain?: Domain;
  fields?: string[];
  limit?: number;
  offset?: number;
  order?: string;
  context?: Context;
}

export interface LoadResult {
  ids: number[] | false;
  messages: Array<{ type: string; message: string; record?: number; rows?: { from: number; to: number }; field?: string }>;
}

export const DEFAULTS = { timeoutMs: 30_000, concurrency: 4, pageSize: 500 } as const;
/** Odoo's own default `limit` of `name_search`. */
const NAME_SEARCH_LIMIT = 100;

/**
 * The one Odoo client of the package: picks the protocol once, keeps the
 * connection alive, caps concurrent requests, and offers every operation the
 * nodes need. No Node-RED in here.
 */
export class OdooClient {
  readonly options: Readonly<Required<Pick<OdooClientOptions, 'timeoutMs' | 'concurrency' | 'protocol' | 'secretKind'>>> & OdooClientOptions;
  private readonly baseUrl: URL;
  private readonly pool: HttpPool;
  private readonly gate: Semaphore;
  private connecting: Promise<{ transport: Transport; info: ConnectionInfo }> | undefined;
  /** Model-method calls sent over this connection (benchmarks and status). */
  calls = 0;

  constructor(options: OdooClientOptions) {
    let baseUrl: URL;
    try {
      baseUrl = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    } catch {
      // never quote it: it may come from the environment and carry a user and password
      throw configError('the URL is not a valid URL (expected e.g. https://odoo.example.com)');
    }
    if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') throw configError(`URL must start with http:// or https://, got "${baseUrl.protocol}"`);
    this.baseUrl = baseUrl;
    this.options = {
      timeoutMs: DEFAULTS.timeoutMs,
      concurrency: DEFAULTS.concurrency,
      protocol: 'auto',
      secretKind: 'apikey',
      ...options,
    };
    this.pool = new HttpPool(this.options.concurrency, this.options.maxResponseBytes);
    this.gate = new Semaphore(this.options.concurrency);
  }

  /** Resolves the protocol (once) and, for XML-RPC, logs in. */
  async connect(): Promise<ConnectionInfo> {
    return (await this.connection()).info;
  }

  private connection(): Promise<{ transport: Transport; info: ConnectionInfo }> {
    if (!this.connecting) {
      this.connecting = this.open();
      this.connecting.catch(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private async open(): Promise<{ transport: Transport; info: ConnectionInfo }> {
    const { protocol, secretKind, database, login, secret } = this.options;
    let serverVersion: string;
    let chosen: Protocol;
    let reason: string;
    // the version decides the protocol (auto) and which grouping method exists
    serverVersion = await this.serverVersion();
    if (protocol === 'auto') {
      ({ protocol: chosen, reason } = autoProtocol(odooVersion(serverVersion), secretKind));
    } else {
      chosen = protocol;
      reason = `configured: ${protocol}`;
    }
    if (!secret) throw configError('no API key or password configured');
    let transport: Transport;
    if (chosen === 'json2') {
      const json2 = new Json2Transport({ baseUrl: this.baseUrl, apiKey: secret, timeoutMs: this.options.timeoutMs, pool: this.pool, ...(database ? { database } : {}) });
      // JSON-2 has no login: one cheap authenticated call proves the key (and database) before work starts
      await this.gate.run(() => json2.execute('res.users', 'search_count', { kwargs: { domain: [['id', '=', 0]] } }));
      transport = json2;
    } else {
      if (!database) throw configError('XML-RPC needs a database name');
      if (!login) throw configError('XML-RPC needs a login');
      const rpc = new XmlRpcTransport({ baseUrl: this.baseUrl, database, login, secret, timeoutMs: this.options.timeoutMs, pool: this.pool });
      await this.gate.run(() => rpc.authenticate());
      transport = rpc;
    }
    this.options.log?.(`Odoo ${this.baseUrl.origin} database "${database ?? '(default)'}": ${reason}`);
    return { transport, info: { protocol: chosen, serverVersion, reason } };
  }

  /** What the connected server's version changes (field names, methods): see versions.ts. */
  async version(): Promise<OdooVersion> {
    return odooVersion((await this.connection()).info.serverVersion);
  }

  /** Asks the server its version: `/web/version` (Odoo ≥18; 17 answers 404), else XML-RPC `version`. */
  async serverVersion(): Promise<string> {
    const url = new URL('web/version', this.baseUrl);
    let first: unknown;
    try {
      const res = await this.gate.run(() => this.pool.request(url, { method: 'GET', headers: { Accept: 'application/json' }, timeoutMs: this.options.timeoutMs }));
      if (res.status === 200) {
        const body = parseJson2Response(res, 'web/version') as { version?: unknown; version_info?: unknown };
        if (body && typeof body.version === 'string') return body.version;
      }
    } catch (err) {
      if (err instanceof IntegrationError && err.transient) throw err;
      first = err;
    }
    try {
      const info = (await this.gate.run(() => rpcCall(this.pool, new URL('xmlrpc/2/common', this.baseUrl), 'version', [], this.options.timeoutMs))) as { server_version?: unknown };
      if (info && typeof info.server_version === 'string') return info.server_version;
    } catch (err) {
      if (err instanceof IntegrationError && err.transient) throw err;
    }
    throw notOdoo(
      `${this.baseUrl.origin}${this.baseUrl.pathname} does not look like an Odoo server: neither /web/version nor /xmlrpc/2/common answered` +
        (first instanceof Error ? ` (${first.message})` : ''),
    );
  }

  /** Calls any public model method. `ids` makes it a record method call. */
  async call(model: string, method: string, params: CallParams = {}): Promise<unknown> {
    const { transport } = await this.connection();
    const context = { ...(this.options.context ?? {}), ...(params.context ?? {}) };
    this.calls++;
    const sent = params.kwargs ? { ...params, kwargs: withoutUndefined(params.kwargs) } : params;
    // latency includes the wait for a free connection: what the flow sees
    const started = performance.now();
    try {
      const answer = await this.gate.run(() => transport.execute(model, method, { ...sent, context }));
      odooCalls.observe({ model, method, outcome: 'ok' }, (performance.now() - started) / 1000);
      return answer;
    } catch (err) {
      odooCalls.observe({ model, method, outcome: 'error' }, (performance.now() - started) / 1000);
      throw err;
    }
  }

  searchRead(model: string, o: SearchOptions = {}): Promise<OdooRecord[]> {
    return this.call(model, 'search_read', { kwargs: searchKwargs(o, true), ...ctx(o.context) }) as Promise<OdooRecord[]>;
  }

  search(model: string, o: SearchOptions = {}): Promise<number[]> {
    return this.call(model, 'search', { kwargs: searchKwargs(o, false), ...ctx(o.context) }) as Promise<number[]>;
  }

  searchCount(model: string, domain: Domain = [], context?: Context): Promise<number> {
    return this.call(model, 'search_count', { kwargs: { domain }, ...ctx(context) }) as Promise<number>;
  }

  read(model: string, ids: number[], fields?: string[], context?: Context): Promise<OdooRecord[]> {
    return this.call(model, 'read', { ids, kwargs: fields && fields.length ? { fields } : {}, ...ctx(context) }) as Promise<OdooRecord[]>;
  }

  /**
   * Grouped totals. Odoo 19 deprecates `read_group` for `formatted_read_group`
   * (same `field:agg` aggregate syntax); older servers only have `read_group`.
   */
  async readGroup(model: string, o: { domain?: Domain; groupby: string[]; aggregates?: string[]; limit?: number; offset?: number; order?: string; context?: Context }): Promise<Record<string, unknown>[]> {
    const { method, kwargs } = groupCall(await this.version(), o);
    return this.call(model, method, { kwargs, ...ctx(o.context) }) as Promise<Record<string, unknown>[]>;
  }

  /**
   * Odoo's `name_search` has no offset: with one, it asks for `offset + limit`
   * (limit defaults to Odoo's 100) and drops the first `offset` answers.
   */
  async nameSearch(model: string, o: { name?: string; domain?: Domain; operator?: string; limit?: number; offset?: number; context?: Context } = {}): Promise<Array<[number, string]>> {
    const offset = o.offset ?? 0;
    const limit = o.limit !== undefined || offset ? (o.limit ?? NAME_SEARCH_LIMIT) + offset : undefined;
    const kwargs = nameSearchKwargs(await this.version(), { ...o, limit });
    const found = (await this.call(model, 'name_search', { kwargs, ...ctx(o.context) })) as Array<[number, string]>;
    return offset ? found.slice(offset) : found;
  }

  fieldsGet(model: string, attributes: string[] = ['string', 'type', 'required', 'readonly', 'relation'], context?: Context): Promise<Record<string, Record<string, unknown>>> {
    return this.call(model, 'fields_get', { kwargs: { attributes }, ...ctx(context) }) as Promise<Record<string, Record<string, unknown>>>;
  }

  /** Ids in the order of `valsList`, one per record. */
  create(model: string, valsList: OdooRecord[], context?: Context): Promise<number[]> {
    return this.call(model, 'create', { kwargs: { vals_list: valsList }, ...ctx(context) }).then((answer) => {
      const ids = Array.isArray(answer) ? (answer as number[]) : [answer as number];
      // some models merge records inside create (stock.quant in inventory mode): then ids no longer pair with records
      if (ids.length !== valsList.length) throw new IntegrationError({ message: `Odoo returned ${ids.length} ids for ${valsList.length} ${model} records`, code: 'VALIDATION', transient: false });
      return ids;
    });
  }

  write(model: string, ids: number[], vals: OdooRecord, context?: Context): Promise<boolean> {
    return this.call(model, 'write', { ids, kwargs: { vals }, ...ctx(context) }) as Promise<boolean>;
  }

  unlink(model: string, ids: number[], context?: Context): Promise<boolean> {
    return this.call(model, 'unlink', { ids, ...ctx(context) }) as Promise<boolean>;
  }

  /** Odoo's bulk import: creates or updates by external id (`id` column) in one call. */
  load(model: string, fields: string[], rows: string[][], context?: Context): Promise<LoadResult> {
    return this.call(model, 'load', { kwargs: { fields, data: rows }, ...ctx(context) }) as Promise<LoadResult>;
  }

  /**
   * Reads every matching record, one server-side page at a time (by id with
   * the default order, by offset with a custom one: see ./paging.ts).
   */
  async *pages(model: string, o: SearchOptions & { pageSize?: number } = {}): AsyncGenerator<OdooRecord[]> {
    for await (const page of searchReadPages(this, model, o)) yield page.records;
  }

  close(): void {
    this.pool.close();
    this.connecting = undefined;
  }
}

/**
 * A value without its `undefined` fields, at any depth (inside x2many
 * commands too); `undefined` in a list becomes `null`, as in JSON. Odoo has
 * no `undefined`: JSON-2 would drop the field, XML-RPC would send an empty
 * string. Every call goes through this; compare records with it too, so an
 * absent field never differs from what Odoo holds.
 */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : withoutUndefined(v))) as T;
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) out[k] = withoutUndefined(v);
  return out as T;
}

/** The major version of an Odoo version string: `19.0` → 19, `saas~19.1` (Odoo Online) → 19, `17.0+e` → 17; 0 when none. */
/** The major version in `19.0`, `saas~19.1+e`, `18.0-20250101` (see versions.ts, which knows what it changes). */
export function majorVersion(version: string): number {
  return parseServerVersion(version).major;
}

function ctx(context: Context | undefined): { context?: Context } {
  return context ? { context } : {};
}

function searchKwargs(o: SearchOptions, withFields: boolean): Record<string, unknown> {
  const kwargs: Record<string, unknown> = { domain: o.domain ?? [] };
  if (withFields && o.fields && o.fields.length) kwargs.fields = o.fields;
  if (o.limit !== undefined) kwargs.limit = o.limit;
  if (o.offset) kwargs.offset = o.offset;
  if (o.order) kwargs.order = o.order;
  return kwargs;
}
