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

/** One keep-alive agent pair per Odoo connection, so the TCP (and TLS) handshake is paid once. */
export class HttpPool {
  readonly httpAgent: http.Agent;
  readonly httpsAgent: https.Agent;

  constructor(maxSockets: number) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
  }

  agentFor(url: URL): http.Agent {
    return url.protocol === 'https:' ? this.httpsAgent : this.httpAgent;
  }

  request(url: URL, opts: HttpOptions): Promise<HttpResponse> {
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<HttpResponse>((resolve, reject) => {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(opts.body));
      const req = lib.request(url, { method: opts.method ?? 'GET', headers, agent: this.agentFor(url) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => reject(classifyError(err)));
      });
      req.setTimeout(opts.timeoutMs, () => {
        req.destroy(timeoutError(opts.timeoutMs, url));
      });
      req.on('error', (err) => reject(classifyError(err)));
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
