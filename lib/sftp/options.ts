/**
 * The editor's values for sftp-server and supplier-sftp, checked with zod at
 * deploy: a bad option is a clear message then, not a failed poll at night.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { configError } from '../errors';
import { expandEnv } from '../util/env';
import { describeIssues } from '../util/zod';
import type { SftpServerOptions } from './connection';
import { POLL_DEFAULTS, type PollOptions } from './poller';
import { checkSchedule, type Schedule } from './schedule';
import type { UploadOptions } from './upload';

// a number may be `${NAME}` (versioned flows: SUPPLIER_SFTP_POLL_SECONDS); an unset variable means the default
const num = (def: number, min: number, max: number) =>
  z.preprocess((v) => {
    const t = typeof v === 'string' ? expandEnv(v).trim() : v;
    return t === '' || t === undefined || t === null ? undefined : Number(t);
  }, z.number().min(min).max(max).default(def));
const list = z.preprocess((v) => (Array.isArray(v) ? v : String(v ?? '').split(',')).map((s) => String(s).trim()).filter(Boolean), z.array(z.string()));
const text = (def = '') => z.preprocess((v) => (v === undefined || v === null ? def : String(v).trim() || def), z.string());

const envName = z.preprocess((v) => (v === undefined || v === null ? '' : String(v).trim()), z.string().regex(/^([A-Za-z_][A-Za-z0-9_]*)?$/, 'must be an environment variable name like SUPPLIER_SFTP_PASSWORD'));

export const sftpServerSchema = z.object({
  host: z.string().trim().min(1, 'a host is required'),
  port: num(22, 1, 65535),
  username: z.string().trim().min(1, 'a user name is required'),
  hostKeyCheck: z.enum(['fingerprint', 'known_hosts', 'accept-any']).default('fingerprint'),
  fingerprint: text(),
  knownHosts: text(),
  algorithms: text(),
  keepalive: num(30, 0, 3600),
  timeout: num(20, 1, 600),
  /** Names of environment variables holding the secrets, for committed flows (credentials are never in flows/). */
  passwordEnv: envName,
  privateKeyEnv: envName,
  passphraseEnv: envName,
  /** A private key file on the Node-RED host (may be `${VAR}`). */
  privateKeyFile: text(),
});

export interface SftpCredentials {
  password?: string;
  privateKey?: string;
  passphrase?: string;
}

export function serverOptionsFromConfig(def: Record<string, unknown>, creds: SftpCredentials = {}, homeDir = '', env: Record<string, string | undefined> = process.env): SftpServerOptions {
  const p = sftpServerSchema.safeParse(def);
  if (!p.success) throw configError(describeIssues(p.error, def));
  const c = p.data;
  let hostKey: SftpServerOptions['hostKey'];
  if (c.hostKeyCheck === 'fingerprint') {
    const fps = c.fingerprint.split(/[\s,]+/).filter(Boolean);
    if (!fps.length) throw configError('host key: pin the server\'s SHA256 fingerprint (ssh-keygen -lf, or ssh-keyscan | ssh-keygen -lf -), use a known_hosts file, or explicitly accept any key');
    for (const fp of fps) if (!/^(SHA256:)?[A-Za-z0-9+/]{43}=?$/.test(fp)) throw configError(`host key fingerprint "${fp}" is not a SHA256 fingerprint like SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8`);
    hostKey = { mode: 'fingerprint', fingerprints: fps };
  } else if (c.hostKeyCheck === 'known_hosts') {
    hostKey = { mode: 'known_hosts', file: c.knownHosts || `${homeDir}/.ssh/known_hosts` };
  } else hostKey = { mode: 'accept-any' };
  let algorithms: SftpServerOptions['algorithms'];
  if (c.algorithms) {
    try {
      algorithms = JSON.parse(c.algorithms);
    } catch (err) {
      throw configError(`algorithms: not valid JSON (${(err as Error).message}); e.g. {"serverHostKey": ["ssh-rsa"], "kex": ["diffie-hellman-group14-sha1"]}`);
    }
  }
  // the node's credentials first; a committed flow names environment variables (or a key file) instead
  const fromEnv = (name: string) => (name && env[name] ? env[name] : undefined);
  const password = creds.password ? expandEnv(creds.password) : fromEnv(c.passwordEnv);
  let privateKey = creds.privateKey?.trim() ? creds.privateKey : fromEnv(c.privateKeyEnv);
  const keyFile = expandEnv(c.privateKeyFile, env);
  if (!privateKey && keyFile) {
    try {
      privateKey = fs.readFileSync(keyFile, 'utf8');
    } catch (err) {
      throw configError(`private key file ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const passphrase = creds.passphrase || fromEnv(c.passphraseEnv);
  if (!password && !privateKey) throw configError(`credentials: a password or a private key is required${c.passwordEnv || c.privateKeyEnv ? ` (environment variable ${[c.passwordEnv, c.privateKeyEnv].filter(Boolean).join(' / ')} is not set)` : ''}`);
  return {
    host: expandEnv(c.host),
    port: c.port,
    username: expandEnv(c.username),
    ...(password ? { password } : {}),
    ...(privateKey ? { privateKey } : {}),
    ...(passphrase ? { passphrase } : {}),
    hostKey,
    ...(algorithms ? { algorithms } : {}),
    keepaliveMs: c.keepalive * 1000,
    connectTimeoutMs: c.timeout * 1000,
    operationTimeoutMs: c.timeout * 1000,
  };
}

export const supplierSftpSchema = z.object({
  mode: z.enum(['poll', 'upload']).default('poll'),
  dir: z.string().trim().min(1, 'a remote folder is required'),
  include: list,
  exclude: list,
  depth: num(0, 0, 20),
  sort: z.enum(['name', 'mtime', 'size']).default('mtime'),
  order: z.enum(['asc', 'desc']).default('asc'),
  maxFiles: num(100, 1, 100_000),
  interval: num(60, 1, 86_400),
  schedule: z.enum(['interval', 'cron']).default('interval'),
  cron: text(),
  timezone: text(),
  readiness: z.enum(['stable', 'age', 'marker']).default('stable'),
  minAge: num(0, 0, 86_400),
  doneMarker: text('.done'),
  workDir: text(),
  afterSuccess: z.enum(['archive', 'delete']).default('archive'),
  archiveDir: text(),
  archiveName: text(POLL_DEFAULTS.archiveName),
  errorDir: text(),
  errorName: text(POLL_DEFAULTS.errorName),
  claimTimeout: num(3600, 10, 7 * 86_400),
  settle: z.enum(['report', 'emit']).default('report'),
  maxSize: num(64, 0.001, 4096),
  ledger: z.preprocess((v) => v !== false && v !== 'false', z.boolean()),
  exists: z.enum(['fail', 'overwrite', 'unique']).default('fail'),
  uploadMarker: text(),
});

export interface SupplierSftpConfig {
  mode: 'poll' | 'upload';
  intervalMs: number;
  /** when polls run: every `interval` seconds, or on `cron` in `timezone` (the machine's zone when empty) */
  schedule: Schedule;
  settle: 'report' | 'emit';
  ledger: boolean;
  poll: Omit<PollOptions, 'instance' | 'supplier'>;
  upload: UploadOptions;
}

export function supplierSftpConfig(def: Record<string, unknown>): SupplierSftpConfig {
  const p = supplierSftpSchema.safeParse(def);
  if (!p.success) throw configError(describeIssues(p.error, def));
  const c = p.data;
  const dir = c.dir.replace(/\/+$/, '') || '/';
  const under = (sub: string, given: string) => given || `${dir}/${sub}`;
  return {
    mode: c.mode,
    intervalMs: c.interval * 1000,
    schedule: checkSchedule(c.schedule === 'cron' ? { kind: 'cron', expression: c.cron, ...(c.timezone ? { timezone: c.timezone } : {}) } : { kind: 'interval', everyMs: c.interval * 1000 }),
    settle: c.settle,
    ledger: c.ledger,
    poll: {
      ...POLL_DEFAULTS,
      dir,
      include: c.include.length ? c.include : ['*'],
      exclude: c.exclude,
      depth: c.depth,
      sort: c.sort,
      order: c.order,
      maxFiles: c.maxFiles,
      stable: c.readiness === 'stable',
      minAgeMs: c.readiness === 'age' ? c.minAge * 1000 : 0,
      ...(c.readiness === 'marker' ? { doneMarker: c.doneMarker } : {}),
      workDir: under('.processing', c.workDir),
      afterSuccess: c.afterSuccess,
      archiveDir: under('archive', c.archiveDir),
      archiveName: c.archiveName,
      errorDir: under('error', c.errorDir),
      errorName: c.errorName,
      maxBytes: Math.round(c.maxSize * 1024 * 1024),
      claimTimeoutMs: c.claimTimeout * 1000,
    },
    upload: { dir, exists: c.exists, createDir: true, ...(c.uploadMarker ? { doneMarker: c.uploadMarker } : {}) },
  };
}
