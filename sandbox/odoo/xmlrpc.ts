import type { SandboxUser } from './access';
// XML-RPC as Odoo speaks it: Python's xmlrpc.client unmarshalling on the way
// in (nil accepted, dates become "YYYY-MM-DD HH:MM:SS" strings), Odoo's
// marshaller on the way out (no nil, Python float reprs, Python's layout).
import { accessDenied, noDatabase, OdooError, overflowError, pyRepr, typeError } from './errors';
import { execute } from './methods';
import type { ModelStore } from './store';

// ---- decoding ---------------------------------------------------------------------

type Token = { kind: 'open' | 'close' | 'empty'; name: string } | { kind: 'text'; text: string };

const TOKEN_RE = /<!\[CDATA\[([\s\S]*?)\]\]>|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>|<\s*(\/?)\s*([A-Za-z_][\w.:-]*)[^>]*?(\/?)\s*>|([^<]+)/g;

export class XmlParseError extends Error {}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_m, e: string) => {
    switch (e) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10));
    }
  });
}

function tokenize(xml: string): Token[] {
  const tokens: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN_RE.exec(xml))) {
    if (m[1] !== undefined) tokens.push({ kind: 'text', text: m[1] });
    else if (m[3] !== undefined) {
      const name = m[3].includes(':') ? m[3].slice(m[3].indexOf(':') + 1) : m[3];
      tokens.push({ kind: m[2] ? 'close' : m[4] ? 'empty' : 'open', name });
    } else if (m[5] !== undefined) tokens.push({ kind: 'text', text: decodeEntities(m[5]) });
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private skipSpace(): void {
    while (this.i < this.tokens.length) {
      const t = this.tokens[this.i];
      if (t.kind === 'text' && !t.text.trim()) this.i++;
      else break;
    }
  }

  private expect(kind: 'open' | 'close', name: string): void {
    this.skipSpace();
    const t = this.tokens[this.i++];
    if (!t || t.kind !== kind || t.name !== name) throw new XmlParseError(`expected <${kind === 'close' ? '/' : ''}${name}>`);
  }

  private peek(): Token | undefined {
    this.skipSpace();
    return this.tokens[this.i];
  }

  private text(): string {
    let out = '';
    while (this.i < this.tokens.length && this.tokens[this.i].kind === 'text') out += (this.tokens[this.i++] as { text: string }).text;
    return out;
  }

  methodCall(): { method: string; params: unknown[] } {
    this.expect('open', 'methodCall');
    this.expect('open', 'methodName');
    const method = this.text().trim();
    this.expect('close', 'methodName');
    const params: unknown[] = [];
    const t = this.peek();
    if (t && t.kind === 'open' && t.name === 'params') {
      this.i++;
      for (;;) {
        const n = this.peek();
        if (n && n.kind === 'open' && n.name === 'param') {
          this.i++;
          params.push(this.value());
          this.expect('close', 'param');
        } else break;
      }
      this.expect('close', 'params');
    } else if (t && t.kind === 'empty' && t.name === 'params') this.i++;
    this.expect('close', 'methodCall');
    return { method, params };
  }

  value(): unknown {
    const first = this.peek();
    // <value/> is an empty string, as Python's xmlrpc.client (and so Odoo) reads it
    if (first && first.kind === 'empty' && first.name === 'value') {
      this.i++;
      return '';
    }
    this.expect('open', 'value');
    const raw = this.text();
    const t = this.tokens[this.i];
    if (t && t.kind === 'close' && t.name === 'value') {
      this.i++;
      return raw;
    }
    this.skipSpace();
    const tag = this.tokens[this.i++];
    if (!tag || (tag.kind !== 'open' && tag.kind !== 'empty')) throw new XmlParseError('bad value');
    let v: unknown;
    if (tag.kind === 'empty') v = tag.name === 'nil' ? null : tag.name === 'string' ? '' : tag.name === 'array' ? [] : tag.name === 'struct' ? {} : null;
    else v = this.typed(tag.name);
    this.expect('close', 'value');
    return v;
  }

  private typed(name: string): unknown {
    switch (name) {
      case 'array': {
        const out: unknown[] = [];
        const t = this.peek();
        if (t && t.kind === 'empty' && t.name === 'data') this.i++;
        else {
          this.expect('open', 'data');
          for (;;) {
            const n = this.peek();
            if (n && (n.kind === 'open' || n.kind === 'empty') && n.name === 'value') out.push(this.value());
            else break;
          }
          this.expect('close', 'data');
        }
        this.expect('close', 'array');
        return out;
      }
      case 'struct': {
        const out: Record<string, unknown> = {};
        for (;;) {
          const n = this.peek();
          if (!(n && n.kind === 'open' && n.name === 'member')) break;
          this.i++;
          this.expect('open', 'name');
          const key = this.text();
          this.expect('close', 'name');
          out[key] = this.value();
          this.expect('close', 'member');
        }
        this.expect('close', 'struct');
        return out;
      }
      case 'nil':
        this.expect('close', 'nil');
        return null;
      default: {
        const text = this.text();
        this.expect('close', name);
        return scalar(name, text);
      }
    }
  }
}

function scalar(type: string, text: string): unknown {
  switch (type) {
    case 'string':
      return text;
    case 'int':
    case 'i1':
    case 'i2':
    case 'i4':
    case 'i8':
    case 'biginteger': {
      const n = Number.parseInt(text.trim(), 10);
      if (Number.isNaN(n)) throw new XmlParseError(`invalid literal for int() with base 10: ${pyRepr(text)}`);
      return n;
    }
    case 'boolean':
      if (text.trim() === '1') return true;
      if (text.trim() === '0') return false;
      throw new XmlParseError('bad boolean value');
    case 'double':
    case 'float':
    case 'bigdecimal':
      return Number(text.trim());
    case 'dateTime.iso8601': {
      const m = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})/.exec(text.trim());
      if (!m) throw new XmlParseError(`time data ${pyRepr(text)} does not match format '%Y%m%dT%H:%M:%S'`);
      return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
    }
    case 'base64':
      return Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      throw new XmlParseError(`unknown tag ${pyRepr(type)}`);
  }
}

/** The encodings Python's expat (Odoo's XML-RPC parser) reads natively; others only work for single-byte text. */
const EXPAT_ENCODINGS = new Set(['utf-8', 'utf-16', 'iso-8859-1', 'us-ascii']);

export function parseMethodCall(xml: string): { method: string; params: unknown[] } {
  // as the real server: a declaration such as encoding="utf8" is not expat's UTF-8, and any non-ASCII text then fails to parse
  const declared = /^<\?xml[^>]*\bencoding=["']([^"']+)["']/.exec(xml)?.[1];
  if (declared && !EXPAT_ENCODINGS.has(declared.toLowerCase())) {
    // eslint-disable-next-line no-control-regex
    const at = xml.search(/[^\x00-\x7f]/);
    if (at >= 0) {
      const line = xml.slice(0, at).split('\n');
      throw new XmlParseError(`not well-formed (invalid token): line ${line.length}, column ${(line[line.length - 1] ?? '').length}`);
    }
  }
  return new Parser(tokenize(xml)).methodCall();
}

// ---- encoding ---------------------------------------------------------------------------

/** A float that must go out as <double> even when it has no fractional part. */
export class PyFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

function escapeXml(s: string): string {
  return s.replace(CONTROL, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Python's repr() of a float. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [mant, exp] = n.toExponential().split('e');
    const sign = exp.startsWith('-') ? '-' : '+';
    const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  if (Number.isInteger(n)) return `${n}.0`;
  return String(n);
}

function dump(v: unknown, out: string[]): void {
  if (v === null || v === undefined) throw typeError('cannot marshal None unless allow_none is enabled');
  if (v instanceof PyFloat) {
    out.push(`<value><double>${pyFloatRepr(v.value)}</double></value>\n`);
  } else if (typeof v === 'boolean') {
    out.push(`<value><boolean>${v ? 1 : 0}</boolean></value>\n`);
  } else if (typeof v === 'number') {
    if (Number.isInteger(v)) {
      if (v > 2147483647 || v < -2147483648) throw overflowError('int exceeds XML-RPC limits');
      out.push(`<value><int>${v}</int></value>\n`);
    } else out.push(`<value><double>${pyFloatRepr(v)}</double></value>\n`);
  } else if (typeof v === 'string') {
    out.push(`<value><string>${escapeXml(v)}</string></value>\n`);
  } else if (Array.isArray(v)) {
    out.push('<value><array><data>\n');
    for (const x of v) dump(x, out);
    out.push('</data></array></value>\n');
  } else if (typeof v === 'object') {
    out.push('<value><struct>\n');
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out.push(`<member>\n<name>${escapeXml(k)}</name>\n`);
      dump(x, out);
      out.push('</member>\n');
    }
    out.push('</struct></value>\n');
  } else {
    throw typeError(`cannot marshal ${typeof v} objects`);
  }
}

export function responseXml(result: unknown): string {
  const out: string[] = ['<?xml version="1.0"?>\n<methodResponse>\n<params>\n<param>\n'];
  dump(result, out);
  out.push('</param>\n</params>\n\n</methodResponse>\n');
  return out.join('');
}

export function faultXml(code: number | string, message: string): string {
  const out: string[] = ['<?xml version="1.0"?>\n<methodResponse>\n<fault>\n'];
  dump({ faultCode: code, faultString: message }, out);
  out.push('</fault>\n\n</methodResponse>\n');
  return out.join('');
}

/** xmlrpc_handle_exception_int (/xmlrpc/2) or _string (legacy /xmlrpc). */
export function errorFault(err: OdooError, legacy: boolean): string {
  if (!legacy) {
    const code = err.xmlrpcFaultCode;
    return faultXml(code, code === 1 ? err.traceback('dispatch_rpc') : err.message);
  }
  switch (err.pyName) {
    case 'odoo.exceptions.MissingError':
      return faultXml(`warning -- MissingError\n\n${err.message}`, '');
    case 'odoo.exceptions.AccessError':
      return faultXml(`warning -- AccessError\n\n${err.message}`, '');
    case 'odoo.exceptions.AccessDenied':
      return faultXml('AccessDenied', err.message);
    default:
      if (err.family === 'user') return faultXml(`warning -- UserError\n\n${err.message}`, '');
      return faultXml(err.message, err.traceback('dispatch_rpc'));
  }
}

// ---- services ---------------------------------------------------------------------------------

export interface XmlRpcEnv {
  store: ModelStore;
  database: string;
  login: string;
  password: string;
  apiKey: string;
  versionInfo: unknown[];
  version: string;
  onAuthenticate: () => void;
  /** Other users (login, password or key): who they are, for access rights. */
  users?: SandboxUser[];
}

function otherUser(env: XmlRpcEnv, login: unknown, password: unknown): SandboxUser | undefined {
  return env.users?.find((u) => u.login === login && (u.password === password || u.apiKey === password));
}

function checkDb(env: XmlRpcEnv, db: unknown): void {
  if (db !== env.database) throw noDatabase(String(db));
}

function credentialsOk(env: XmlRpcEnv, login: unknown, password: unknown): boolean {
  return login === env.login && (password === env.password || password === env.apiKey);
}

export function commonService(env: XmlRpcEnv, method: string, params: unknown[]): unknown {
  switch (method) {
    case 'version':
      return {
        server_version: env.version,
        server_version_info: env.versionInfo,
        server_serie: env.version,
        protocol_version: 1,
      };
    case 'authenticate':
    case 'login': {
      const [db, login, password] = params;
      const expected = method === 'login' ? 3 : 4;
      if (params.length !== expected) {
        throw typeError(`exp_${method}() ${params.length < expected ? 'missing' : 'takes'} ${argCountText(expected, params.length)}`);
      }
      env.onAuthenticate();
      checkDb(env, db);
      return credentialsOk(env, login, password) ? env.store.uid : (otherUser(env, login, password)?.uid ?? false);
    }
    case 'about':
      return params[0] ? ['See http://openerp.com', env.version] : 'See http://openerp.com';
    default:
      throw new OdooError('builtins.Exception', 'builtin', `Method not found: ${method}`);
  }
}

function argCountText(expected: number, given: number): string {
  return given < expected
    ? `${expected - given} required positional argument${expected - given === 1 ? '' : 's'}`
    : `${expected} positional arguments but ${given} were given`;
}

export function dbService(env: XmlRpcEnv, method: string, params: unknown[]): unknown {
  switch (method) {
    case 'list':
      return [env.database];
    case 'server_version':
      return env.version;
    case 'db_exist':
      return params[0] === env.database;
    default:
      throw new OdooError('builtins.KeyError', 'builtin', pyRepr(`exp_${method}`));
  }
}

export interface ObjectCall {
  model: string;
  method: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** Unpack execute / execute_kw params the way odoo.service.model.dispatch does. */
export function unpackObjectCall(method: string, params: unknown[]): ObjectCall & { db: unknown; uid: unknown; password: unknown } {
  if (params.length < 5) throw new OdooError('builtins.ValueError', 'builtin', `not enough values to unpack (expected at least 5, got ${params.length})`);
  const [db, uid, password, model, methodName, ...rest] = params;
  let args: unknown[];
  let kwargs: Record<string, unknown>;
  if (method === 'execute') {
    args = rest;
    kwargs = {};
  } else if (method === 'execute_kw') {
    const pair = rest.length === 1 ? [rest[0], {}] : rest;
    if (pair.length !== 2) {
      throw new OdooError(
        'builtins.ValueError',
        'builtin',
        pair.length > 2 ? 'too many values to unpack (expected 2)' : `not enough values to unpack (expected 2, got ${pair.length})`,
      );
    }
    // Python unpacks `*args`: a dict gives its keys, a scalar is not iterable
    const raw = pair[0];
    if (Array.isArray(raw)) args = raw;
    else if (raw && typeof raw === 'object') args = Object.keys(raw);
    else if (typeof raw === 'string') args = [...raw];
    else throw new OdooError('builtins.TypeError', 'builtin', `odoo.service.model.call_kw() argument after * must be an iterable, not ${raw === null ? 'NoneType' : typeof raw === 'number' ? 'int' : 'bool'}`);
    kwargs = (pair[1] as Record<string, unknown>) ?? {};
  } else {
    throw new OdooError('builtins.NameError', 'builtin', `Method not available ${method}`);
  }
  return { db, uid, password, model: String(model), method: String(methodName), args, kwargs };
}

/** The object service after faults were handled: auth, then the model call. */
export function objectService(env: XmlRpcEnv, call: ReturnType<typeof unpackObjectCall>): unknown {
  const uid = call.uid === false ? 0 : Number(call.uid);
  if (!Number.isInteger(uid)) throw new OdooError('builtins.ValueError', 'builtin', `invalid literal for int() with base 10: ${pyRepr(call.uid)}`);
  if (!call.password) throw accessDenied();
  checkDb(env, call.db);
  if (uid <= 0) throw accessDenied();
  if (!env.store.raw('res.users', uid) || env.store.raw('res.users', uid)?.active === false) {
    throw new OdooError(
      'odoo.exceptions.MissingError',
      'missing',
      `Record does not exist or has been deleted.\n(Record: res.users(${uid},), User: ${uid})`,
    );
  }
  const user = uid === env.store.uid ? undefined : env.users?.find((u) => u.uid === uid && (u.password === call.password || u.apiKey === call.password));
  if (!user && (uid !== env.store.uid || (call.password !== env.password && call.password !== env.apiKey))) throw accessDenied();
  const kwargs = { ...call.kwargs };
  const context = (kwargs.context as Record<string, unknown>) ?? {};
  delete kwargs.context;
  return execute(env.store, {
    model: call.model,
    method: call.method,
    transport: 'xmlrpc',
    args: call.args,
    kwargs,
    context: context && typeof context === 'object' ? context : {},
    readOpts: { floatBox: (n) => new PyFloat(n) },
    ...(user ? { user } : {}),
  });
}
