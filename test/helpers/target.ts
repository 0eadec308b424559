import type { Sandbox } from '../../sandbox/odoo/server';
import { odooVersion, type OdooVersion } from '../../lib/odoo/versions';
import type { ServerConfig } from './red';

/**
 * Where contract tests send their calls: a real Odoo when ODOO_URL is set
 * (ODOO_DB, ODOO_LOGIN, ODOO_API_KEY and/or ODOO_PASSWORD; its version is asked
 * once by test/helpers/global-setup.ts), else the sandbox in each personality
 * it has (Odoo 19.0 and 17.0), started in this process, and as 19.0 once more
 * as its least-privilege integration user.
 */
export interface TargetSpec {
  label: string;
  real: boolean;
  /** The version the server reports; decides its routes and field names. */
  serverVersion: string;
  /** Sandbox only: run as its least-privilege `integration` user, fixtures made by the admin. */
  asIntegrationUser?: boolean;
}

export interface Target {
  real: boolean;
  url: string;
  database: string;
  login: string;
  apiKey?: string;
  password?: string;
  version: OdooVersion;
  /**
   * Who makes the records a test needs before it starts (suppliers, products:
   * master data a least-privilege integration user may not create), from
   * ODOO_FIXTURE_LOGIN and ODOO_FIXTURE_PASSWORD; unset: the tested login.
   */
  fixtureLogin?: { login: string; password: string };
  sandbox?: Sandbox;
  close(): Promise<void>;
}

/** Versions the sandbox can pretend to be; each runs the whole contract suite. */
export const SANDBOX_VERSIONS = ['19.0', '17.0'] as const;

export function targets(env: Record<string, string | undefined> = process.env): TargetSpec[] {
  if (env.ODOO_URL) {
    if (!env.ODOO_SERVER_VERSION) throw new Error('ODOO_SERVER_VERSION is unset: the contract suite asks the server in test/helpers/global-setup.ts (jest globalSetup)');
    return [{ label: `Odoo ${env.ODOO_SERVER_VERSION} at ${env.ODOO_URL} as ${env.ODOO_LOGIN ?? 'admin'}`, real: true, serverVersion: env.ODOO_SERVER_VERSION }];
  }
  return [
    ...SANDBOX_VERSIONS.map((v) => ({ label: `sandbox ${v}`, real: false, serverVersion: v })),
    // the sandbox's access rules are 19's (Purchase / User, Inventory / User, Products / Create)
    { label: 'sandbox 19.0 as integration', real: false, serverVersion: '19.0', asIntegrationUser: true },
  ];
}

/** Starts `spec`; without one, the first target (the real server, or the sandbox as 19.0). */
export async function startTarget(spec: TargetSpec = targets()[0] as TargetSpec, env: Record<string, string | undefined> = process.env): Promise<Target> {
  const version = odooVersion(spec.serverVersion);
  if (spec.real) {
    const t: Target = { real: true, url: env.ODOO_URL ?? '', database: env.ODOO_DB ?? '', login: env.ODOO_LOGIN ?? 'admin', version, close: async () => undefined };
    if (env.ODOO_API_KEY) t.apiKey = env.ODOO_API_KEY;
    if (env.ODOO_PASSWORD) t.password = env.ODOO_PASSWORD;
    if (env.ODOO_FIXTURE_LOGIN && env.ODOO_FIXTURE_PASSWORD) t.fixtureLogin = { login: env.ODOO_FIXTURE_LOGIN, password: env.ODOO_FIXTURE_PASSWORD };
    return t;
  }
  const { startSandbox } = await import('../../sandbox/odoo/server');
  const sandbox = await startSandbox({ serverVersion: spec.serverVersion });
  const base = { real: false, url: sandbox.url, database: sandbox.database, version, sandbox, close: () => sandbox.close() };
  const user = spec.asIntegrationUser ? sandbox.users.find((u) => u.login === 'integration') : undefined;
  if (spec.asIntegrationUser && !user) throw new Error('the sandbox has no integration user');
  if (user) return { ...base, login: user.login, apiKey: user.apiKey, password: user.password, fixtureLogin: { login: sandbox.login, password: sandbox.password } };
  return { ...base, login: sandbox.login, apiKey: sandbox.apiKey, password: sandbox.password };
}

export interface Route {
  label: string;
  protocol: 'json2' | 'xmlrpc';
  secretKind: 'apikey' | 'password';
}

/** Every protocol/secret pair the target offers: JSON-2 only where the version has it, and only with the secrets given. */
export function routes(spec: TargetSpec, env: Record<string, string | undefined> = process.env): Route[] {
  const v = odooVersion(spec.serverVersion);
  const out: Route[] = [];
  if (!spec.real || env.ODOO_API_KEY) {
    if (v.json2) out.push({ label: 'json2', protocol: 'json2', secretKind: 'apikey' });
    out.push({ label: 'xmlrpc with api key', protocol: 'xmlrpc', secretKind: 'apikey' });
  }
  if (!spec.real || env.ODOO_PASSWORD) out.push({ label: 'xmlrpc with password', protocol: 'xmlrpc', secretKind: 'password' });
  return out;
}

/** Every (target, route) pair, for describe.each. */
export function cases(env: Record<string, string | undefined> = process.env): Array<{ label: string; target: TargetSpec; route: Route }> {
  return targets(env).flatMap((target) => routes(target, env).map((route) => ({ label: `${target.label} over ${route.label}`, target, route })));
}

export function serverFor(t: Target, r: Route): ServerConfig {
  const secret = r.secretKind === 'apikey' ? t.apiKey : t.password;
  if (!secret) throw new Error(`no ${r.secretKind} for ${r.label}`);
  return { url: t.url, database: t.database, login: t.login, secret, protocol: r.protocol, secretKind: r.secretKind };
}

/** The connection fixtures are made with: the fixture login over XML-RPC, else the route's own. */
export function fixtureServerFor(t: Target, r: Route): ServerConfig {
  if (!t.fixtureLogin) return serverFor(t, r);
  return { url: t.url, database: t.database, login: t.fixtureLogin.login, secret: t.fixtureLogin.password, protocol: 'xmlrpc', secretKind: 'password' };
}

/** A prefix that marks this run's test records, so they can be found and removed. */
export function runPrefix(tag: string): string {
  return `ZZT-${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}
