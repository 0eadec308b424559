/**
 * The one error classifier of the package. Every node and library module turns
 * whatever went wrong into an IntegrationError here, so `transient` is decided
 * in exactly one place (DESIGN.md: message and error conventions).
 */

export type ErrorCode =
  | 'NETWORK'
  | 'TIMEOUT'
  | 'HOST_NOT_FOUND'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'CONCURRENCY'
  | 'AUTH'
  | 'ACCESS'
  | 'MISSING_RECORD'
  | 'VALIDATION'
  | 'UNKNOWN_MODEL'
  | 'UNKNOWN_FIELD'
  | 'UNKNOWN_METHOD'
  | 'NOT_ODOO'
  | 'BAD_INPUT'
  | 'CONFIG'
  | 'TOO_LARGE'
  | 'HTTP_ERROR'
  | 'SERVER_ERROR'
  | 'INTERNAL';

export interface ErrorFacts {
  message: string;
  /** Node.js system error code (ECONNREFUSED …). */
  networkCode?: string;
  /** HTTP status of the answer, when there was one. */
  status?: number;
  /** Python exception path as Odoo reports it (`odoo.exceptions.ValidationError`). */
  odooException?: string;
  /** Retry-After header value, raw. */
  retryAfter?: string;
  details?: Record<string, unknown>;
}

/**
 * Whether a failed write may have reached Odoo's database:
 * - `no`: nothing was committed (refused before sending, an answer from Odoo
 *   saying it rolled back, 429/503 from a proxy, a serialization failure);
 * - `unknown`: the request was sent and its answer lost (timeout, reset), so
 *   Odoo may have committed it.
 * Reads and refusals before anything was sent are `no`.
 */
export type Applied = 'no' | 'unknown';

export interface MsgError {
  message: string;
  code: ErrorCode;
  transient: boolean;
  /** May the failed operation have been applied in Odoo? See {@link Applied}. */
  applied?: Applied;
  /**
   * True when sending the same message again cannot apply it twice (upserts,
   * writes of absolute values, creates carrying an idempotency key). A retry
   * node repeats a message whose `applied` is `unknown` only when this is true.
   */
  idempotent?: boolean;
  source?: { id: string; type: string; name?: string };
  status?: number;
  odooException?: string;
  retryAfterMs?: number;
  details?: Record<string, unknown>;
}

export class IntegrationError extends Error {
  readonly code: ErrorCode;
  readonly transient: boolean;
  applied?: Applied;
  idempotent?: boolean;
  readonly status?: number;
  readonly odooException?: string;
  readonly retryAfterMs?: number;
  readonly details?: Record<string, unknown>;

  constructor(init: Omit<MsgError, 'source'>) {
    super(init.message);
    this.name = 'IntegrationError';
    this.code = init.code;
    this.transient = init.transient;
    if (init.applied !== undefined) this.applied = init.applied;
    if (init.idempotent !== undefined) this.idempotent = init.idempotent;
    if (init.status !== undefined) this.status = init.status;
    if (init.odooException !== undefined) this.odooException = init.odooException;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.details !== undefined) this.details = init.details;
  }

  /** The structured `msg.error` of DESIGN.md. */
  toMsgError(source?: MsgError['source']): MsgError {
    const out: MsgError = { message: this.message, code: this.code, transient: this.transient };
    if (this.applied !== undefined) out.applied = this.applied;
    if (this.idempotent !== undefined) out.idempotent = this.idempotent;
    if (source) out.source = source;
    if (this.status !== undefined) out.status = this.status;
    if (this.odooException !== undefined) out.odooException = this.odooException;
    if (this.retryAfterMs !== undefined) out.retryAfterMs = this.retryAfterMs;
    if (this.details !== undefined) out.details = this.details;
    return out;
  }
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** PostgreSQL conflicts Odoo gives up retrying: the same call later usually succeeds. */
const CONCURRENCY_PATTERN =
  /SerializationFailure|TransactionRollbackError|DeadlockDetected|LockNotAvailable|could not serialize access|concurrent update|deadlock detected/i;

function exceptionShortName(path: string | undefined): string {
  if (!path) return '';
  const dot = path.lastIndexOf('.');
  return dot >= 0 ? path.slice(dot + 1) : path;
}

export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function decide(f: ErrorFacts): { code: ErrorCode; transient: boolean } {
  if (f.networkCode === 'ENOTFOUND') return { code: 'HOST_NOT_FOUND', transient: false };
  if (f.networkCode === 'TIMEOUT') return { code: 'TIMEOUT', transient: true };
  if (f.networkCode && TRANSIENT_NETWORK_CODES.has(f.networkCode)) return { code: 'NETWORK', transient: true };

  const text = `${f.odooException ?? ''} ${f.message}`;
  if (CONCURRENCY_PATTERN.test(text)) return { code: 'CONCURRENCY', transient: true };
  if (/database "[^"]*" does not exist/i.test(text)) return { code: 'CONFIG', transient: false };
  if (/psycopg2\.OperationalError|psycopg2\.errors\.AdminShutdown|connection to server .* failed/i.test(text)) {
    return { code: 'UNAVAILABLE', transient: true };
  }

  switch (exceptionShortName(f.odooException)) {
    case 'AccessDenied':
    case 'Unauthorized':
      return { code: 'AUTH', transient: false };
    case 'AccessError':
    case 'Forbidden':
      return { code: 'ACCESS', transient: false };
    case 'MissingError':
      return { code: 'MISSING_RECORD', transient: false };
    case 'KeyError':
      // Odoo's write() raises a bare KeyError naming the unknown field
      return { code: 'UNKNOWN_FIELD', transient: false };
    default:
      break;
  }
  // XML-RPC reports MissingError and ValidationError alike as a UserError fault: tell them apart by text
  if (/Record does not exist or has been deleted/i.test(f.message)) return { code: 'MISSING_RECORD', transient: false };
  if (/Invalid field|unknown field|has no field|Invalid field name/i.test(f.message)) return { code: 'UNKNOWN_FIELD', transient: false };
  if (/The method '[^']+' does not exist|Private methods .* cannot be called remotely|cannot be called remotely/i.test(f.message)) {
    return { code: 'UNKNOWN_METHOD', transient: false };
  }
  if (/Object .* doesn't exist|Unknown model|model .* (?:does not exist|not found)|Invalid model/i.test(f.message)) {
    return { code: 'UNKNOWN_MODEL', transient: false };
  }
  if (f.odooException) {
    const short = exceptionShortName(f.odooException);
    if (/ValidationError|UserError|RedirectWarning|ValueError|TypeError|KeyError|IntegrityError|NotNullViolation|UniqueViolation|CheckViolation|ForeignKeyViolation|InvalidTextRepresentation|BadRequest/.test(short)) {
      return { code: 'VALIDATION', transient: false };
    }
    if (short === 'NotFound') return { code: 'UNKNOWN_MODEL', transient: false };
  }

  if (f.status === 401) return { code: 'AUTH', transient: false };
  if (f.status === 403) return { code: 'ACCESS', transient: false };
  if (f.status === 429) return { code: 'RATE_LIMITED', transient: true };
  if (f.status === 502 || f.status === 503 || f.status === 504) return { code: 'UNAVAILABLE', transient: true };
  if (f.odooException) return { code: 'SERVER_ERROR', transient: false };
  if (f.status !== undefined && f.status >= 400) return { code: 'HTTP_ERROR', transient: false };
  return { code: 'INTERNAL', transient: false };
}

/** Connection never made: the request cannot have reached Odoo. */
const NOT_SENT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Whether the call may have been applied. An answer from Odoo means its
 * transaction ended (an error rolled it back); a gateway's 502/504 means the
 * proxy lost Odoo mid-request; a timeout or reset after sending is unknown.
 */
function appliedOf(f: ErrorFacts): 'no' | 'unknown' {
  if (f.status !== undefined) return f.status === 502 || f.status === 504 ? 'unknown' : 'no';
  if (f.networkCode === undefined) return 'no';
  return NOT_SENT_NETWORK_CODES.has(f.networkCode) ? 'no' : 'unknown';
}

/** Build an IntegrationError from facts gathered by a transport. */
export function classify(facts: ErrorFacts): IntegrationError {
  const { code, transient } = decide(facts);
  const init: Omit<MsgError, 'source'> = { message: facts.message, code, transient, applied: appliedOf(facts) };
  if (facts.status !== undefined) init.status = facts.status;
  if (facts.odooException) init.odooException = facts.odooException;
  const retryAfterMs = parseRetryAfter(facts.retryAfter);
  if (retryAfterMs !== undefined) init.retryAfterMs = retryAfterMs;
  if (facts.details) init.details = facts.details;
  return new IntegrationError(init);
}

/** Anything thrown anywhere becomes an IntegrationError; already classified errors pass through. */
export function classifyError(err: unknown): IntegrationError {
  if (err instanceof IntegrationError) return err;
  // duck-typed: errors from another realm (vm contexts, test sandboxes) fail instanceof Error
  if (typeof err === 'object' && err !== null && typeof (err as Error).message === 'string') {
    const e = err as Error & { code?: unknown; status?: unknown; cause?: unknown };
    const networkCode = typeof e.code === 'string' ? e.code : undefined;
    const facts: ErrorFacts = { message: e.message || String(err) };
    if (networkCode) facts.networkCode = networkCode;
    if (typeof e.status === 'number') facts.status = e.status;
    if (!networkCode && e.cause instanceof Error) {
      const causeCode = (e.cause as Error & { code?: unknown }).code;
      if (typeof causeCode === 'string') facts.networkCode = causeCode;
    }
    if (/socket hang up/i.test(facts.message) && !facts.networkCode) facts.networkCode = 'ECONNRESET';
    return classify(facts);
  }
  return classify({ message: typeof err === 'string' ? err : JSON.stringify(err) });
}

export function badInput(message: string, details?: Record<string, unknown>): IntegrationError {
  return new IntegrationError({ message, code: 'BAD_INPUT', transient: false, applied: 'no', ...(details ? { details } : {}) });
}

export function configError(message: string, details?: Record<string, unknown>): IntegrationError {
  return new IntegrationError({ message, code: 'CONFIG', transient: false, applied: 'no', ...(details ? { details } : {}) });
}

/**
 * A row Odoo's `load` refused: it reports errors in its answer instead of
 * raising, so its text is all there is. A serialization failure there (two
 * writers creating one external id at once) rolled the row back and is worth
 * retrying: the retry finds what the other writer created.
 */
export function classifyLoadMessage(message: string): IntegrationError {
  const text = `load refused row: ${message}`;
  if (CONCURRENCY_PATTERN.test(message)) return new IntegrationError({ message: text, code: 'CONCURRENCY', transient: true, applied: 'no', odooException: 'load' });
  const access = /not allowed to|AccessError/i.test(message);
  return new IntegrationError({ message: text, code: access ? 'ACCESS' : 'VALIDATION', transient: false, applied: 'no', odooException: 'load' });
}

/** The same error, saying what a write operation knows about its own effect. */
export function withEffect(err: IntegrationError, effect: { applied?: Applied; idempotent: boolean }): IntegrationError {
  const out = new IntegrationError({ ...err.toMsgError(), applied: effect.applied ?? err.applied ?? 'unknown', idempotent: effect.idempotent });
  if (err.stack) out.stack = err.stack;
  return out;
}

export type RetryVerdict = { retry: true } | { retry: false; reason: 'permanent' | 'unsafe' };

/**
 * The one rule deciding whether a failed message may be sent again (retry-gate,
 * dead-letter replay): only a transient failure, and only when it was not
 * applied or applying it again cannot double it.
 */
export function retryVerdict(error: Pick<MsgError, 'transient' | 'applied' | 'idempotent'>): RetryVerdict {
  if (!error.transient) return { retry: false, reason: 'permanent' };
  if (error.applied === 'unknown' && error.idempotent !== true) return { retry: false, reason: 'unsafe' };
  return { retry: true };
}
