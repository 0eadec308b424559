import type { SandboxUser } from './access';
// Odoo 19 JSON-2: POST /json/2/<model>/<method>, bearer API key, named
// arguments, plain JSON results, errors as {name, message, arguments, context,
// debug} with the status Json2Dispatcher.handle_error picks.
import { httpError, OdooError } from './errors';
import { execute } from './methods';
import type { ModelStore } from './store';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export const NOT_FOUND_NODB = `<!DOCTYPE html>
<title>404 Not Found</title>
<h1>Not Found</h1>
<p>No database is selected and the requested URL was not found in the server-wide controllers.</p>
<p>Please verify the hostname, <a href=/web/login>login</a> and try again.</p>

<!-- Alternatively, use the X-Odoo-Database header. -->
`;

export function errorAnswer(err: OdooError): HttpAnswer {
  if (err.html !== undefined) {
    return { status: err.httpStatus, headers: { 'Content-Type': 'text/html; charset=utf-8', ...err.headers }, body: err.html };
  }
  const body = {
    name: err.pyName,
    message: err.message,
    arguments: err.pyArgs,
    context: {},
    debug: err.traceback('_serve_db'),
  };
  return { status: err.httpStatus, headers: { 'Content-Type': JSON_TYPE, ...err.headers }, body: JSON.stringify(body) };
}

export function jsonAnswer(value: unknown, status = 200): HttpAnswer {
  return { status, headers: { 'Content-Type': JSON_TYPE }, body: JSON.stringify(value === undefined ? null : value) };
}

/** The wording of Python's json.JSONDecodeError for the common cases. */
function pythonJsonError(text: string, err: unknown): string {
  const m = /position (\d+)/.exec(err instanceof Error ? err.message : '');
  let pos = m ? Number(m[1]) : 0;
  if (!m) {
    const firstBad = text.search(/\S/);
    pos = firstBad < 0 ? text.length : firstBad;
  }
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  const ch = text[pos];
  const prev = text.slice(0, pos).trimEnd().slice(-1);
  let what = 'Expecting value';
  if ((prev === '{' || prev === ',') && ch !== '"' && ch !== undefined) what = 'Expecting property name enclosed in double quotes';
  else if (text.trim() && pos >= text.trimEnd().length) what = "Expecting ',' delimiter";
  return `${what}: line ${line} column ${col} (char ${pos})`;
}

export interface Json2Request {
  model: string;
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Json2Env {
  store: ModelStore;
  database: string;
  apiKey: string;
  /** Other users' keys: who they are, for access rights. */
  users?: SandboxUser[];
}

/** Checks that come before the model call: database, media type, bearer key, body. */
export function prepareJson2(env: Json2Env, req: Json2Request): { kwargs: Record<string, unknown>; ids: unknown; context: Record<string, unknown>; user?: SandboxUser } {
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const db = header('x-odoo-database');
  if (db !== undefined && db !== env.database) throw new OdooError('werkzeug.exceptions.NotFound', 'http', 'Not Found', { status: 404, html: NOT_FOUND_NODB });
  const ctype = (header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (req.body.length && ctype !== 'application/json') {
    throw new OdooError('werkzeug.exceptions.UnsupportedMediaType', 'http', 'Unsupported Media Type', {
      status: 415,
      headers: { Accept: 'application/json' },
      html:
        '<!doctype html>\n<html lang=en>\n<title>415 Unsupported Media Type</title>\n<h1>Unsupported Media Type</h1>\n' +
        "<p>Request inferred type is compatible with [&#39;http&#39;] but &#39;/json/2/&lt;__model__&gt;/&lt;__method__&gt;&#39; is type=&#39;json2&#39;.<br><br>Please verify the Content-Type request header and try again.</p>\n",
    });
  }
  const auth = header('authorization');
  const m = auth ? /^bearer\s+(.+)$/i.exec(auth) : null;
  const bearer = { 'WWW-Authenticate': 'Bearer ' };
  if (!m) throw httpError(401, 'User not authenticated, use an API Key with a Bearer Authorization header.', bearer);
  const user = m[1] === env.apiKey ? undefined : env.users?.find((u) => u.apiKey === m[1]);
  if (m[1] !== env.apiKey && !user) throw httpError(401, 'Invalid apikey', bearer);
  let parsed: unknown = {};
  if (req.body.length) {
    try {
      parsed = JSON.parse(req.body);
    } catch (err) {
      throw httpError(400, `could not parse the body as json: ${pythonJsonError(req.body, err)}`);
    }
  }
  const params: Record<string, unknown> = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? { ...(parsed as Record<string, unknown>) } : {};
  const ids = params.ids;
  const context = params.context;
  delete params.ids;
  delete params.context;
  return {
    kwargs: params,
    ids,
    context: context && typeof context === 'object' && !Array.isArray(context) ? (context as Record<string, unknown>) : {},
    ...(user ? { user } : {}),
  };
}

export function callJson2(env: Json2Env, req: Json2Request, prepared: ReturnType<typeof prepareJson2>): HttpAnswer {
  const result = execute(env.store, {
    model: req.model,
    method: req.method,
    transport: 'json2',
    ids: prepared.ids,
    args: [],
    kwargs: prepared.kwargs,
    context: prepared.context,
    ...(prepared.user ? { user: prepared.user } : {}),
  });
  return jsonAnswer(result);
}

export function json2NotFound(): HttpAnswer {
  return errorAnswer(httpError(404, 'Did you mean POST /json/2/<model>/<method>?'));
}
