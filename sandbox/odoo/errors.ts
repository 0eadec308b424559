// Python-shaped exceptions for the sandbox. Both transports derive their error
// answers from one OdooError, the way Odoo derives JSON-2 bodies and XML-RPC
// faults from one Python exception.

/** Where an exception sits in Odoo's class tree decides status and fault code. */
export type ExcFamily =
  | 'builtin' // ValueError, TypeError, ... -> 500 / fault 1
  | 'user' // UserError, ValidationError -> 422 / fault 2
  | 'missing' // MissingError (a UserError) -> 404 / fault 2
  | 'access' // AccessError -> 403 / fault 4
  | 'denied' // AccessDenied -> 403 / fault 3
  | 'http' // werkzeug HTTPException -> its own code
  | 'db'; // psycopg2 errors -> 500 / fault 1

export class OdooError extends Error {
  readonly pyName: string;
  readonly family: ExcFamily;
  readonly httpStatus: number;
  readonly pyArgs: unknown[];
  readonly headers: Record<string, string>;
  /** Body text of werkzeug errors rendered as HTML (415, nodb 404). */
  readonly html?: string;
  /** For IntegrityErrors: the bare database message that load() reports, and where it happened. */
  sqlText?: string;
  sqlModel?: string;
  sqlField?: string;

  constructor(
    pyName: string,
    family: ExcFamily,
    message: string,
    opts: { status?: number; args?: unknown[]; headers?: Record<string, string>; html?: string } = {},
  ) {
    super(message);
    this.name = 'OdooError';
    this.pyName = pyName;
    this.family = family;
    this.httpStatus = opts.status ?? defaultStatus(family);
    this.pyArgs = opts.args ?? [message];
    this.headers = opts.headers ?? {};
    this.html = opts.html;
  }

  /** Short class name as Python prints it in the last traceback line. */
  get pyShortName(): string {
    return this.pyName.startsWith('builtins.') ? this.pyName.slice('builtins.'.length) : this.pyName;
  }

  get xmlrpcFaultCode(): number {
    switch (this.family) {
      case 'access':
        return 4;
      case 'denied':
        return 3;
      case 'user':
      case 'missing':
        return 2;
      default:
        return 1;
    }
  }

  /** Last line of a Python traceback for this exception. */
  get tracebackTail(): string {
    if (this.family === 'http') {
      return `${this.pyName}: ${this.httpStatus} ${HTTP_REASON[this.httpStatus] ?? ''}: ${this.message}`;
    }
    return this.message === '' ? this.pyShortName : `${this.pyShortName}: ${this.message}`;
  }

  /** A traceback-like text; clients only look at the last line, like Odoo's own UI does. */
  traceback(where = 'call_kw'): string {
    const tail = this.tracebackTail;
    return (
      'Traceback (most recent call last):\n' +
      `  File "sandbox/odoo/service/model.py", line 1, in ${where}\n` +
      `    (sandbox emulator; no Python frames)\n` +
      `${tail}${tail.endsWith('\n') ? '' : '\n'}`
    );
  }
}

function defaultStatus(family: ExcFamily): number {
  switch (family) {
    case 'user':
      return 422;
    case 'missing':
      return 404;
    case 'access':
    case 'denied':
      return 403;
    default:
      return 500;
  }
}

export const HTTP_REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const WERKZEUG_NAME: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  415: 'UnsupportedMediaType',
  422: 'UnprocessableEntity',
};

// ---- builders ---------------------------------------------------------------

export const valueError = (msg: string): OdooError => new OdooError('builtins.ValueError', 'builtin', msg);
export const typeError = (msg: string): OdooError => new OdooError('builtins.TypeError', 'builtin', msg);
export const indexError = (msg: string): OdooError => new OdooError('builtins.IndexError', 'builtin', msg);
export const attributeError = (msg: string): OdooError => new OdooError('builtins.AttributeError', 'builtin', msg);
export const nameError = (msg: string): OdooError => new OdooError('builtins.NameError', 'builtin', msg);
export const overflowError = (msg: string): OdooError => new OdooError('builtins.OverflowError', 'builtin', msg);

export const userError = (msg: string): OdooError => new OdooError('odoo.exceptions.UserError', 'user', msg);
export const validationError = (msg: string): OdooError =>
  new OdooError('odoo.exceptions.ValidationError', 'user', msg);
export const accessError = (msg: string): OdooError => new OdooError('odoo.exceptions.AccessError', 'access', msg);
export const accessDenied = (msg = 'Access Denied'): OdooError =>
  new OdooError('odoo.exceptions.AccessDenied', 'denied', msg);

export function missingError(model: string, ids: number[], uid: number): OdooError {
  return new OdooError(
    'odoo.exceptions.MissingError',
    'missing',
    `Record does not exist or has been deleted.\n(Record: ${model}${pyTuple(ids)}, User: ${uid})`,
  );
}

export function httpError(status: number, description: string, headers: Record<string, string> = {}): OdooError {
  const cls = WERKZEUG_NAME[status] ?? 'HTTPException';
  return new OdooError(`werkzeug.exceptions.${cls}`, 'http', description, {
    status,
    args: [description, status],
    headers,
  });
}

/** What a client sees once Odoo has given up retrying a concurrent update. */
export function serializationFailure(): OdooError {
  return new OdooError(
    'psycopg2.errors.SerializationFailure',
    'db',
    'could not serialize access due to concurrent update\n',
  );
}

export function invalidTextRepresentation(pgType: string, value: string): OdooError {
  return new OdooError(
    'psycopg2.errors.InvalidTextRepresentation',
    'db',
    `invalid input syntax for type ${pgType}: "${value}"\n`,
  );
}

export function noDatabase(db: string): OdooError {
  return new OdooError(
    'psycopg2.OperationalError',
    'db',
    `connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database "${db}" does not exist\n`,
  );
}

/** ValidationError raised by Odoo's retrying() when PostgreSQL rejects a row. */
export function notNullViolation(field: { name: string; string: string }, modelDisplay: string, model: string): OdooError {
  return sqlValidation(notNullMessage(field, modelDisplay), model, field.name);
}

/** retrying() turns IntegrityErrors into ValidationError("The operation cannot be completed: ..."). */
export function sqlValidation(text: string, model: string, field?: string): OdooError {
  const err = validationError(`The operation cannot be completed: ${text}`);
  err.sqlText = text;
  err.sqlModel = model;
  err.sqlField = field;
  return err;
}

export function notNullMessage(field: { name: string; string: string }, modelDisplay: string): string {
  return (
    `Missing required value for the field '${field.string}' (${field.name}).\n` +
    `Model: ${modelDisplay}\n` +
    '- create/update: a mandatory field is not set\n' +
    '- delete: another model requires the record being deleted, you can archive it instead\n'
  );
}

export function foreignKeyMessage(modelDisplay: string, fieldDisplay: string): string {
  return (
    'Another model is using the record you are trying to delete.\n\n' +
    `The troublemaker is: ${modelDisplay}\n` +
    `Thanks to the following constraint: ${fieldDisplay}\n` +
    'How about archiving the record instead?'
  );
}

// ---- Python repr --------------------------------------------------------------

/** Marks an array that Python would print as a tuple. */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

export function pyTuple(items: unknown[]): string {
  return pyRepr(new PyTuple(items));
}

export function pyStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return out + quote;
}

/** Python repr() of a JSON-ish value, as it appears inside Odoo error messages. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
  if (typeof v === 'string') return pyStr(v);
  if (v instanceof PyTuple) {
    if (v.items.length === 1) return `(${pyRepr(v.items[0])},)`;
    return `(${v.items.map(pyRepr).join(', ')})`;
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pyStr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

/** Python's str() of a value, used where Odoo formats with %s. */
export function pyStrOf(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** Python repr of a float value: always shows a decimal point. */
export function pyFloat(n: number): string {
  if (!Number.isFinite(n)) return pyRepr(n);
  if (Number.isInteger(n)) return n.toFixed(1);
  return String(n);
}
