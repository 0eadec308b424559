/**
 * The intake flows as committed (flows/config.json + one flow file), in a real
 * Node-RED runtime against the sandbox Odoo seeded with the demo master data,
 * the real-OpenSSH SFTP test server, and (where the flow publishes) a real
 * MQTT broker. Node-RED's durable files (journals) live in `dataDir`, which
 * outlives one runtime, so a test can restart Node-RED on them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { seedIntake, type IntakeDemo } from '../../sandbox/demo/intake';
import { startSshd, type Sshd } from '../helpers/sshd';
import { startNodeRed, type Runtime } from '../helpers/runtime';
import { until } from '../helpers/red';

const ROOT = path.resolve(__dirname, '..', '..');
export const sample = (f: string) => fs.readFileSync(path.join(ROOT, 'mappings', f));

export function flowFiles(...names: string[]): unknown[] {
  return ['config', ...names].flatMap((n) => JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', `${n}.json`), 'utf8')) as unknown[]);
}

export const TOKENS: Record<string, string> = {
  SUPPLIER_TOKEN_ACME_TOOLS: 'acme-test-token-1',
  SUPPLIER_TOKEN_IBERIA_PACKAGING: 'iberia-test-token-1',
  SUPPLIER_TOKEN_NORDIC_FASTENERS: 'nordic-test-token-1',
};

export interface Harness {
  sandbox: Sandbox;
  sshd: Sshd;
  demo: IntakeDemo;
  dataDir: string;
  rt: Runtime;
  /** Starts Node-RED on the flow (again), with the same durable files. */
  start(env?: Record<string, string>): Promise<Runtime>;
  stop(): Promise<void>;
  post(pathName: string, body: Buffer | string, token?: string, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  /** Polls the status URL until the upload is no longer received/processing. */
  finished(statusUrl: string, token: string, ms?: number): Promise<any>;
  close(): Promise<void>;
}

export async function harness(flow: string, env: Record<string, string> = {}): Promise<Harness> {
  const sandbox = await startSandbox();
  const demo = seedIntake(sandbox.store);
  const sshd = await startSshd();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-intake-data-'));
  const saved = { ...process.env };
  const h: Harness = {
    sandbox,
    sshd,
    demo,
    dataDir,
    rt: undefined as unknown as Runtime,
    async start(env = {}) {
      Object.assign(process.env, {
        ODOO_URL: sandbox.url,
        ODOO_DB: sandbox.database,
        ODOO_LOGIN: sandbox.login,
        ODOO_API_KEY: sandbox.apiKey,
        SUPPLIER_SFTP_HOST: sshd.host,
        SUPPLIER_SFTP_PORT: String(sshd.port),
        SUPPLIER_SFTP_USER: sshd.user,
        SUPPLIER_SFTP_FINGERPRINT: sshd.fingerprint,
        SUPPLIER_SFTP_KEY: sshd.privateKey,
        SUPPLIER_SFTP_POLL_SECONDS: '1',
        ...TOKENS,
        ...env,
      });
      h.rt = await startNodeRed({ odooSupplyDataDir: dataDir }, flowFiles(flow));
      return h.rt;
    },
    async stop() {
      await h.rt?.close();
    },
    async post(pathName, body, token, headers = {}) {
      const res = await fetch(`${h.rt.url}/api${pathName}`, { method: 'POST', headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers }, body: body as BodyInit });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, body: json, headers: res.headers };
    },
    async finished(statusUrl, token, ms = 20_000) {
      let last: any;
      await until(async () => {
        const res = await fetch(statusUrl, { headers: { Authorization: `Bearer ${token}` } });
        last = await res.json();
        return res.status === 200 && !['received', 'processing'].includes(last.state);
      }, `upload ${statusUrl} finished (last: ${JSON.stringify(last)?.slice(0, 300)})`, ms);
      return last;
    },
    async close() {
      await h.rt?.close().catch(() => undefined);
      await sshd.destroy();
      await sandbox.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    },
  };
  const base = env;
  const start = h.start;
  h.start = (more = {}) => start({ ...base, ...more });
  await h.start();
  return h;
}
