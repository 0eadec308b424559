/**
 * The local stand-ins `npm start` runs for every outside system that is not
 * configured: a sandbox Odoo seeded with the demo data, an embedded MQTT
 * broker, an SFTP server holding the sample supplier files. Each names the
 * environment variables that point the flows at the real system instead;
 * when they are set, that stand-in does not start.
 *
 * A list, in start order (later ones see the environment the earlier ones
 * set, e.g. a plant simulator the broker's MQTT_URL): add a system by adding
 * an entry to `standIns`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { OdooClient } from '../../lib/odoo/client';
import { startSandbox } from '../odoo/server';
import { startSftpStandIn } from '../sftp/standin';
import { startEmbeddedBroker } from '../plant/broker';
import { startPlantStandIn } from '../plant/simulator';
import { seedIntake } from './intake';
import { seedDemo } from './seed';

// sandbox/demo from the sources, dist/sandbox/demo once built
const repoRoot = [path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..', '..', '..')].find((d) => fs.existsSync(path.join(d, 'mappings'))) ?? process.cwd();

export interface StandInContext {
  /** The environment Node-RED will get: read it, and add what this stand-in provides in `env` of the result. */
  env: NodeJS.ProcessEnv;
  /** A folder of this run (under the Node-RED user dir) for the stand-ins' files. */
  workDir: string;
  log(line: string): void;
}

export interface RunningStandIn {
  /** Where it listens and what it holds, one line each, for the log. */
  describe: string[];
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface StandIn {
  /** The outside system it stands in for. */
  system: string;
  /** What runs instead of it. */
  what: string;
  /** The variables that point the flows at the real system (the first decides). */
  envVars: string[];
  start(ctx: StandInContext): Promise<RunningStandIn>;
}

export const odooStandIn: StandIn = {
  system: 'Odoo',
  what: 'the sandbox Odoo 19 emulator (in memory), seeded with the demo master data (sandbox/demo/seed.ts)',
  envVars: ['ODOO_URL', 'ODOO_DB', 'ODOO_LOGIN', 'ODOO_API_KEY'],
  async start(ctx) {
    const sandbox = await startSandbox({ port: Number(ctx.env.SANDBOX_ODOO_PORT ?? 0) });
    const odoo = new OdooClient({ url: sandbox.url, database: sandbox.database, login: sandbox.login, secret: sandbox.apiKey });
    try {
      // the intake flows' orders (P00042, P00043) and vendor codes, in the store itself
      seedIntake(sandbox.store);
      await seedDemo(odoo, { log: ctx.log });
    } finally {
      odoo.close();
    }
    return {
      describe: [`${sandbox.url}  database ${sandbox.database}, login ${sandbox.login}, API key ${sandbox.apiKey} (a sandbox key, not a secret)`],
      env: { ODOO_URL: sandbox.url, ODOO_DB: sandbox.database, ODOO_LOGIN: sandbox.login, ODOO_API_KEY: sandbox.apiKey },
      stop: () => sandbox.close(),
    };
  },
};

export const mqttStandIn: StandIn = {
  system: 'MQTT broker',
  what: 'an embedded broker (aedes, with $share groups), in this process',
  envVars: ['MQTT_URL'],
  async start(ctx) {
    const broker = await startEmbeddedBroker({ port: Number(ctx.env.SANDBOX_MQTT_PORT ?? 0) });
    return {
      describe: [broker.url],
      env: { MQTT_URL: broker.url },
      stop: () => broker.close(),
    };
  },
};

/** Sample supplier files on the SFTP stand-in: remote path -> file in the repository. */
export const SFTP_SAMPLES: Record<string, string> = {
  '/suppliers/acme-tools/price-lists/price-list.csv': 'mappings/acme-tools.price-list.sample.csv',
  '/suppliers/iberia-packaging/price-lists/price-list.csv': 'mappings/iberia-packaging.price-list.sample.csv',
  '/suppliers/iberia-packaging/asn/shipment-notice.json': 'mappings/iberia-packaging.shipment-notice.sample.json',
  '/suppliers/iberia-packaging/invoices/invoice.json': 'mappings/iberia-packaging.supplier-invoice.sample.json',
  '/suppliers/nordic-fasteners/acks/po-ack.json': 'mappings/nordic-fasteners.po-ack.sample.json',
};

export const sftpStandIn: StandIn = {
  system: 'Supplier SFTP',
  what: 'an SFTP server (ssh2, in this process; no sshd or root needed) holding the sample supplier files',
  envVars: ['SUPPLIER_SFTP_HOST', 'SUPPLIER_SFTP_PORT', 'SUPPLIER_SFTP_USER', 'SUPPLIER_SFTP_PASSWORD', 'SUPPLIER_SFTP_FINGERPRINT'],
  async start(ctx) {
    const root = path.join(ctx.workDir, 'sftp');
    fs.rmSync(root, { recursive: true, force: true });
    for (const [remote, file] of Object.entries(SFTP_SAMPLES)) {
      const target = path.join(root, ...remote.split('/'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(path.join(repoRoot, file), target);
    }
    const sftp = await startSftpStandIn({ root, port: Number(ctx.env.SANDBOX_SFTP_PORT ?? 0) });
    return {
      describe: [
        `sftp://${sftp.username}@${sftp.host}:${sftp.port}  password ${sftp.password} (made for this run), host key ${sftp.fingerprint}`,
        `files: ${Object.keys(SFTP_SAMPLES).join(', ')} (served from ${path.relative(process.cwd(), root) || root})`,
      ],
      env: {
        SUPPLIER_SFTP_HOST: sftp.host,
        SUPPLIER_SFTP_PORT: String(sftp.port),
        SUPPLIER_SFTP_USER: sftp.username,
        SUPPLIER_SFTP_PASSWORD: sftp.password,
        SUPPLIER_SFTP_FINGERPRINT: sftp.fingerprint,
        // a file is taken once two polls see it unchanged: poll the stand-in often, so the samples land within seconds
        ...(ctx.env.SUPPLIER_SFTP_POLL_SECONDS ? {} : { SUPPLIER_SFTP_POLL_SECONDS: '5' }),
        // po-publish uploads the purchase orders here
        ...(ctx.env.SUPPLIER_SFTP_INBOX ? {} : { SUPPLIER_SFTP_INBOX: '/suppliers/acme-tools/purchase-orders' }),
      },
      stop: () => sftp.close(),
    };
  },
};

export const plantStandIn: StandIn = {
  system: 'Plant systems',
  what: 'a plant simulator publishing inventory events (3 sites, 2,000 parts, 20 events/s, some duplicated and some late on purpose) on plant/<site>/inventory',
  envVars: ['MQTT_URL'],
  async start(ctx) {
    const url = ctx.env.MQTT_URL as string;
    const plant = startPlantStandIn({ mqttUrl: url, rate: Number(ctx.env.PLANT_RATE ?? 20), seconds: 365 * 86_400, log: ctx.log });
    return {
      describe: [`publishing to ${url} (PLANT_RATE=${Number(ctx.env.PLANT_RATE ?? 20)} events/s)`],
      env: {},
      stop: async () => {
        await plant.stop();
      },
    };
  },
};

/** The suppliers of the intake flows, and the variable of each one's upload token. */
export const SUPPLIER_TOKENS: Record<string, string> = {
  'acme-tools': 'SUPPLIER_TOKEN_ACME_TOOLS',
  'iberia-packaging': 'SUPPLIER_TOKEN_IBERIA_PACKAGING',
  'nordic-fasteners': 'SUPPLIER_TOKEN_NORDIC_FASTENERS',
};

export const tokensStandIn: StandIn = {
  system: 'Supplier upload tokens',
  what: 'a token per supplier, made for this run (printed below; the suppliers of a real deployment each get their own)',
  envVars: Object.values(SUPPLIER_TOKENS),
  async start() {
    const env = Object.fromEntries(Object.entries(SUPPLIER_TOKENS).map(([supplier, v]) => [v, `demo-${supplier}-${randomBytes(9).toString('base64url')}`]));
    return {
      describe: Object.entries(env).map(([v, t]) => `${v}=${t}`),
      env,
      stop: async () => undefined,
    };
  },
};

export const standIns: StandIn[] = [odooStandIn, mqttStandIn, sftpStandIn, plantStandIn, tokensStandIn];

/** A stand-in is skipped when the first of its variables is set (non-empty). */
export function isConfigured(s: StandIn, env: NodeJS.ProcessEnv): boolean {
  return !!env[s.envVars[0]];
}
