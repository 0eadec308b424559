/**
 * The supplier's side of the intake, on plain Node HTTP request/response
 * objects (Node-RED's express hands those over): POST an upload, GET its
 * status. Answers are JSON; a 202 is given only once the upload is on disk.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { classifyError } from '../errors';
import { intakeUploads, supplierLastSuccess } from '../metrics';
import { checkToken, presentedToken } from './tokens';
import { statusOf, type IntakeStore, type UploadRecord } from './store';

export interface IntakeRoute {
  supplier: string;
  document: string;
  maxBytes: number;
  /** The supplier's valid tokens, read at each request (a revoked token stops working without a redeploy of others). */
  tokens(): string[];
  /** The store (a request arriving while it opens waits for it), or why there is none (journal could not be opened). */
  store(): IntakeStore | Error | Promise<IntakeStore | Error>;
  /** Absolute status URL of an upload, from the request when no public URL is configured. */
  statusUrl(req: IncomingMessage, id: string): string;
  /** The upload is durable: hand it to the flow. */
  accepted(rec: UploadRecord): void;
  log?(text: string): void;
}

const CORRELATION = /^[A-Za-z0-9._:@-]{1,128}$/;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(text);
  return status;
}

/** 401 without a token, 403 with a wrong one; undefined when the request may go on. */
function refuse(route: IntakeRoute, req: IncomingMessage, res: ServerResponse): boolean {
  const check = checkToken(presentedToken(req.headers), route.tokens());
  if (check === 'ok') return false;
  if (check === 'missing') send(res, 401, { accepted: false, error: { code: 'AUTH', message: 'send your supplier token as "Authorization: Bearer <token>"' } }, { 'WWW-Authenticate': `Bearer realm="suppliers/${route.supplier}"` });
  else if (check === 'none-configured') send(res, 403, { accepted: false, error: { code: 'AUTH', message: `uploads from ${route.supplier} are not enabled (no token configured)` } });
  else send(res, 403, { accepted: false, error: { code: 'AUTH', message: 'this token is not valid for this supplier' } });
  return true;
}

/** Answers an upload and counts it, accepted (202) or refused, per supplier. */
export async function handleUpload(route: IntakeRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const status = await answerUpload(route, req, res);
  intakeUploads.inc({ supplier: route.supplier, document: route.document, outcome: status === 202 ? 'accepted' : 'refused' });
  if (status === 202) supplierLastSuccess.set({ supplier: route.supplier, channel: 'intake' }, Date.now() / 1000);
}

/** The request body, refusing (413) as soon as it grows past the limit. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  // Node-RED's editor app, when it shares the root path, parses JSON and form bodies of every request before us
  const parsed = req as IncomingMessage & { _body?: boolean; body?: unknown };
  if (parsed._body || parsed.readableEnded) {
    const b = parsed.body;
    const buf = Buffer.isBuffer(b) ? b : typeof b === 'string' ? Buffer.from(b, 'utf8') : b === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(b), 'utf8');
    return Promise.resolve(buf.length > maxBytes ? 'too-large' : buf);
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > maxBytes) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(over ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function answerUpload(route: IntakeRoute, req: IncomingMessage, res: ServerResponse): Promise<number> {
  if (refuse(route, req, res)) {
    req.resume();
    return 401;
  }
  let body: Buffer | 'too-large';
  try {
    body = await readBody(req, route.maxBytes);
  } catch (err) {
    return send(res, 400, { accepted: false, error: { code: 'BAD_INPUT', message: `the upload could not be read: ${(err as Error).message}` } });
  }
  if (body === 'too-large') {
    return send(res, 413, { accepted: false, error: { code: 'TOO_LARGE', message: `uploads to this route are limited to ${route.maxBytes} bytes` } }, { Connection: 'close' });
  }
  if (!body.length) {
    return send(res, 400, { accepted: false, error: { code: 'BAD_INPUT', message: 'the upload is empty' } });
  }
  const store = await route.store();
  if (store instanceof Error) {
    return send(res, 503, { accepted: false, durable: false, error: { code: 'UNAVAILABLE', message: `the upload was not stored (${store.message}); nothing was accepted, send it again later` } }, { 'Retry-After': '30' });
  }
  const header = req.headers['x-correlation-id'];
  const asked = Array.isArray(header) ? header[0] : header;
  let rec: UploadRecord;
  try {
    rec = await store.accept({ supplier: route.supplier, document: route.document, via: 'http', body, ...(req.headers['content-type'] ? { contentType: String(req.headers['content-type']) } : {}), ...(asked && CORRELATION.test(asked) ? { reference: asked } : {}) });
  } catch (err) {
    const e = classifyError(err);
    route.log?.(`upload from ${route.supplier} not stored: ${e.message}`);
    return send(res, 503, { accepted: false, durable: false, error: { code: 'UNAVAILABLE', message: 'the upload could not be stored durably; nothing was accepted, send it again later' } }, { 'Retry-After': '30' });
  }
  const statusUrl = route.statusUrl(req, rec.id);
  send(res, 202, { accepted: true, durable: true, stored: 'journal', id: rec.id, correlationId: rec.correlationId, ...(rec.reference ? { reference: rec.reference } : {}), size: rec.size, sha256: rec.sha256, state: rec.state, statusUrl }, { Location: statusUrl, 'X-Correlation-Id': rec.correlationId });
  route.accepted(rec);
  return 202;
}

export async function handleStatus(route: IntakeRoute, req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  if (refuse(route, req, res)) return;
  const store = await route.store();
  if (store instanceof Error) {
    send(res, 503, { error: { code: 'UNAVAILABLE', message: `the upload store is not available: ${store.message}` } }, { 'Retry-After': '30' });
    return;
  }
  const rec = store.get(id);
  // another supplier's (or route's) upload is as unknown as one that never was
  if (!rec || rec.supplier !== route.supplier || rec.document !== route.document) {
    send(res, 404, { error: { code: 'NOT_FOUND', message: `no upload ${id} for ${route.supplier}/${route.document}` } });
    return;
  }
  send(res, 200, statusOf(rec));
}

/** Base URL of a request as the supplier reached it. */
export function requestBase(req: IncomingMessage): string {
  const proto = String(req.headers['x-forwarded-proto'] ?? ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http')).split(',')[0];
  const host = String(req.headers['x-forwarded-host'] ?? req.headers.host ?? 'localhost').split(',')[0];
  return `${proto}://${host}`;
}
