import http from 'node:http';
import https from 'node:https';
import { classify, classifyError, IntegrationError } from '../errors';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/** Default cap on one answer's size: generous for pages of thousands of records, short of exhausting memory. */
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** One keep-alive agent pair per Odoo connection, so the TCP (and TLS) handshake is paid once. */
export class HttpPool {
  readonly httpAgent: http.Agent;
  readonly httpsAgent: https.Agent;

  constructor(
    maxSockets: number,
    /** Larger answers fail with TOO_LARGE instead of filling memory. */
    readonly maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES,
  ) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
  }

  agentFor(url: URL): http.Agent {
    return url.protocol === 'https:' ? this.httpsAgent : this.httpAgent;
  }

  /**
   * One request. `timeoutMs` is a deadline for the whole exchange (connect,
   * send, the complete answer), not an idle timeout: an answer that trickles
   * in byte by byte still ends then.
   */
  request(url: URL, opts: HttpOptions): Promise<HttpResponse> {
    const lib = url.protocol === 'https:' ? https : http;
    const max = this.maxResponseBytes;
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const finish = (err: IntegrationError | undefined, value?: HttpResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (err) {
          // the socket is given up: its half-read answer must never reach the next request
          req.destroy();
          reject(err);
        } else resolve(value as HttpResponse);
      };
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(opts.body));
      const req = lib.request(url, { method: opts.method ?? 'GET', headers, agent: this.agentFor(url) }, (res) => {
        const declared = Number(res.headers['content-length']);
        if (declared > max) return finish(tooLargeError(max, url, declared));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > max) finish(tooLargeError(max, url));
          else chunks.push(c);
        });
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => finish(classifyError(err)));
        res.on('close', () => {
          if (!res.complete) finish(classify({ message: `the connection to ${url.origin} closed before the answer was complete`, networkCode: 'ECONNRESET' }));
        });
      });
      const deadline = setTimeout(() => finish(timeoutError(opts.timeoutMs, url)), opts.timeoutMs);
      req.on('error', (err) => finish(classifyError(err)));
      if (opts.body !== undefined) req.write(opts.body);
      req.end();
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

export function timeoutError(ms: number, url: URL): IntegrationError {
  return classify({ message: `Odoo did not answer within ${ms} ms (${url.origin}${url.pathname})`, networkCode: 'TIMEOUT' });
}

function tooLargeError(max: number, url: URL, declared?: number): IntegrationError {
  const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
  return new IntegrationError({
    message: `Odoo's answer is larger than the maximum answer size of ${mb(max)}${declared ? ` (${mb(declared)})` : ''} (${url.origin}${url.pathname}); read fewer records or fields per page, or raise "Max answer (MB)" of the Odoo server`,
    code: 'TOO_LARGE',
    transient: false,
    // Odoo finished the call before answering: a write was applied, its result is unknown
    applied: 'unknown',
    details: { maxResponseBytes: max },
  });
}
