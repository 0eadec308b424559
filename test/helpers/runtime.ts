import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { readFlows } from '../../lib/flows/files';

const ROOT = path.resolve(__dirname, '..', '..');
const CREDENTIAL_SECRET = 'test-only-credential-secret';

/** Node-RED's own format of flows_cred.json: aes-256-ctr with the SHA-256 of credentialSecret, the IV in hex before the base64. */
function encryptCredentials(secret: string, credentials: unknown): { $: string } {
  const key = crypto.createHash('sha256').update(secret).digest();
  const iv = crypto.randomBytes(16);
  const cipher = crypto.createCipheriv('aes-256-ctr', key, iv);
  return { $: iv.toString('hex') + cipher.update(JSON.stringify(credentials), 'utf8', 'base64') + cipher.final('base64') };
}

export interface Runtime {
  url: string;
  userDir: string;
  close(): Promise<void>;
}

/**
 * A real Node-RED runtime with its admin API, loading this package from dist/
 * as an installed module (run `npm run build` first), like a user's install.
 */
export async function startNodeRed(extra: Record<string, unknown> = {}, flows?: unknown[], credentials?: Record<string, Record<string, string>>): Promise<Runtime> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'nodes', 'odoo-config', 'odoo-config.js'))) throw new Error('dist/ is missing: run npm run build first');
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-odoo-'));
  fs.mkdirSync(path.join(userDir, 'node_modules'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string };
  fs.symlinkSync(ROOT, path.join(userDir, 'node_modules', pkg.name), 'dir');
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, dependencies: { [pkg.name]: '*' } }));
  if (flows) fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  // credentials of the flows' nodes, encrypted as Node-RED keeps them (flows_cred.json), so a flow starts with its secrets
  if (credentials) fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(encryptCredentials(String(extra.credentialSecret ?? CREDENTIAL_SECRET), credentials)));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require('express');
  const app = express();
  const server = http.createServer(app);
  const settings = {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: CREDENTIAL_SECRET,
    httpAdminRoot: '/',
    httpNodeRoot: '/api',
    uiHost: '127.0.0.1',
    logging: { console: { level: process.env.NODE_RED_TEST_LOG ?? 'off' } },
    editorTheme: { tours: false, projects: { enabled: false } },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    ...extra,
  };
  RED.init(server, settings);
  app.use(settings.httpAdminRoot, RED.httpAdmin);
  app.use(settings.httpNodeRoot, RED.httpNode);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // flows start after start() resolves; tests talk to them, so wait for the runtime's own signal
  const started = new Promise<void>((resolve) => RED.events.once('flows:started', () => resolve()));
  await RED.start();
  await started;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    userDir,
    close: async () => {
      await RED.stop();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

export async function adminRequest(rt: Runtime, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${rt.url}${p}`, { method, headers: { 'Content-Type': 'application/json', ...headers }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/**
 * The committed flows (flows/), or only the named tabs with the shared config
 * nodes: a test of one flow must not start the others (the plant flow would
 * join the MQTT share group of a broker on the machine and take its share).
 */
export function repositoryFlows(tabs?: string[]): unknown[] {
  const all = readFlows(path.join(ROOT, 'flows'));
  if (!tabs) return all;
  return all.filter((n) => (n.type === 'tab' ? tabs.includes(n.id) : n.z ? tabs.includes(String(n.z)) : true));
}
