import type { Sandbox } from '../../sandbox/odoo/server';
import type { ServerConfig } from './red';

/**
 * Where contract and node tests send their calls: a real Odoo when ODOO_URL is
 * set (ODOO_DB, ODOO_LOGIN, ODOO_API_KEY and/or ODOO_PASSWORD), else a sandbox
 * started in this process.
 */
export interface Target {
  real: boolean;
  url: string;
  database: string;
  login: string;
  apiKey?: string;
  password?: string;
  sandbox?: Sandbox;
  close(): Promise<void>;
}

export async function startTarget(): Promise<Target> {
  const env = process.env;
  if (env.ODOO_URL) {
    const t: Target = { real: true, url: env.ODOO_URL, database: env.ODOO_DB ?? '', login: env.ODOO_LOGIN ?? 'admin', close: async () => undefined };
    if (env.ODOO_API_KEY) t.apiKey = env.ODOO_API_KEY;
    if (env.ODOO_PASSWORD) t.password = env.ODOO_PASSWORD;
    return t;
  }
  const { startSandbox } = await import('../../sandbox/odoo/server');
  const sandbox = await startSandbox();
  return { real: false, url: sandbox.url, database: sandbox.database, login: sandbox.login, apiKey: sandbox.apiKey, password: sandbox.password, sandbox, close: () => sandbox.close() };
}

export interface Route {
  label: string;
  protocol: 'json2' | 'xmlrpc';
  secretKind: 'apikey' | 'password';
}

/** Every protocol/secret pair the target can be reached with; known before the target starts. */
export function routes(env: Record<string, string | undefined> = process.env): Route[] {
  const real = Boolean(env.ODOO_URL);
  const out: Route[] = [];
  if (!real || env.ODOO_API_KEY) {
    out.push({ label: 'json2', protocol: 'json2', secretKind: 'apikey' });
    out.push({ label: 'xmlrpc with api key', protocol: 'xmlrpc', secretKind: 'apikey' });
  }
  if (!real || env.ODOO_PASSWORD) out.push({ label: 'xmlrpc with password', protocol: 'xmlrpc', secretKind: 'password' });
  return out;
}

export function serverFor(t: Target, r: Route): ServerConfig {
  const secret = r.secretKind === 'apikey' ? t.apiKey : t.password;
  if (!secret) throw new Error(`no ${r.secretKind} for ${r.label}`);
  return { url: t.url, database: t.database, login: t.login, secret, protocol: r.protocol, secretKind: r.secretKind };
}

/** A prefix that marks this run's test records, so they can be found and removed. */
export function runPrefix(tag: string): string {
  return `ZZT-${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}
