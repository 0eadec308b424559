/** The webhook route on Node-RED's HTTP node app (express 4 in Node-RED 4, express 5 in 5), and its removal. */
import type { IncomingMessage } from 'node:http';

export interface HookRequest extends IncomingMessage {
  query?: Record<string, unknown>;
  body?: unknown;
}
export interface HookResponse {
  status(code: number): HookResponse;
  json(body: unknown): void;
}
export interface HttpApp {
  post(path: string, handler: (req: HookRequest, res: HookResponse) => void): void;
  _router?: { stack: Array<{ route?: { path?: string; methods?: Record<string, boolean> } }> };
  router?: { stack: Array<{ route?: { path?: string; methods?: Record<string, boolean> } }> };
}

export function addRoute(app: HttpApp, path: string, handler: (req: HookRequest, res: HookResponse) => Promise<void>): void {
  app.post(path, (req, res) => {
    handler(req, res).catch(() => res.status(500).json({ error: 'internal error' }));
  });
}

/** Takes the node's route off the app, as Node-RED's own http-in node does on close. */
export function removeRoute(app: HttpApp, path: string): void {
  const stack = (app._router ?? app.router)?.stack;
  if (!stack) return;
  for (let i = stack.length - 1; i >= 0; i--) {
    const r = stack[i]?.route;
    if (r?.path === path && r.methods?.post) stack.splice(i, 1);
  }
}

/** The JSON body: parsed already by a body parser, or read here (at most 1 MB). */
export async function readJsonBody(req: HookRequest): Promise<unknown> {
  if (req.body !== undefined && !(typeof req.body === 'object' && req.body !== null && Object.keys(req.body).length === 0 && req.readable)) return req.body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1_000_000) throw new Error('webhook body is larger than 1 MB');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('webhook body is not JSON');
  }
}
