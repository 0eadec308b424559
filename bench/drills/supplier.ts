/**
 * What the supplier drills share (sftp-drop, the supplier part of bad-input): the sandbox
 * Odoo in this process, seeded with the demo suppliers and products (sandbox/demo/intake.ts)
 * and the drill's own products; a real OpenSSH sshd (sandbox/sftp/sshd.ts: root and
 * openssh-server, as the SFTP tests); the committed supplier flows with their config nodes;
 * ACME price lists the drill writes and reads back from Odoo's vendor prices.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { seedIntake } from '../../sandbox/demo/intake';
import { startSshd, type Sshd } from '../../sandbox/sftp/sshd';
import { decode } from '../../lib/resilience/journal';
import type { DrillRuntime } from './harness';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Committed flow files and the config nodes of flows/config.json they use. */
export function supplierFlows(...names: string[]): Array<Record<string, unknown>> {
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', `${f}.json`), 'utf8')) as Array<Record<string, unknown>>;
  const flows = names.flatMap(read);
  const used = new Set(flows.flatMap((n) => [n.server, n.broker]).filter(Boolean));
  return [...read('config').filter((n) => used.has(n.id)), ...flows];
}

export const ACME_DIR = 'suppliers/acme-tools/price-lists';
export const IBERIA_DIR = 'suppliers/iberia-packaging/price-lists';
export const ACME_TOKEN = 'drill-acme-token';

export interface SupplierWorld {
  sandbox: Sandbox;
  sshd: Sshd;
  acme: number;
  /** default_code of the drill's products, one per row of a price list */
  products: string[];
  /** The environment of the flows (Odoo, SFTP through `sftpPort`, tokens). */
  env(sftpPort: number): Record<string, string>;
  close(): Promise<void>;
}

/** True when this process can start the real sshd (root, openssh-server installed). */
export function canRunSshd(): boolean {
  return process.getuid?.() === 0 && fs.existsSync('/usr/sbin/sshd');
}

/** The real sshd with the supplier folders the flows poll and upload to. */
export async function supplierSshd(): Promise<Sshd> {
  if (!canRunSshd()) throw new Error('the supplier drills run a real OpenSSH sshd with a throw-away user: they need root and openssh-server (as the SFTP tests; .ci/run has both)');
  const sshd = await startSshd();
  for (const d of [ACME_DIR, IBERIA_DIR, 'inbox']) sshd.put(`${sshd.home}/${d}/.keep`, '');
  return sshd;
}

/** The flows' SFTP environment for this sshd, reached on `port` (the sshd's own, or a proxy's). */
export function sftpEnv(sshd: Sshd, port = sshd.port): Record<string, string> {
  return {
    SUPPLIER_SFTP_HOST: '127.0.0.1',
    SUPPLIER_SFTP_PORT: String(port),
    SUPPLIER_SFTP_USER: sshd.user,
    SUPPLIER_SFTP_FINGERPRINT: sshd.fingerprint,
    SUPPLIER_SFTP_KEY: sshd.privateKey,
    SUPPLIER_SFTP_POLL_SECONDS: '1',
    SUPPLIER_SFTP_INBOX: `${sshd.home}/inbox`,
  };
}

export async function supplierWorld(rows: number): Promise<SupplierWorld> {
  if (!canRunSshd()) throw new Error('the supplier drills run a real OpenSSH sshd with a throw-away user: they need root and openssh-server (as the SFTP tests; .ci/run has both)');
  const sandbox = await startSandbox();
  const demo = seedIntake(sandbox.store);
  const products = Array.from({ length: rows }, (_x, j) => `DRILL_SFTP_${String(j + 1).padStart(3, '0')}`);
  for (const code of products) sandbox.store.create('product.product', { name: `Drill part ${code}`, default_code: code, type: 'consu', uom_id: 1, categ_id: 1 });
  let sshd: Sshd;
  try {
    sshd = await supplierSshd();
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  return {
    sandbox,
    sshd,
    acme: demo.partners['ACME-TOOLS'],
    products,
    env: (sftpPort) => ({
      ODOO_URL: sandbox.url,
      ODOO_DB: sandbox.database,
      ODOO_LOGIN: sandbox.login,
      ODOO_API_KEY: sandbox.apiKey,
      ...sftpEnv(sshd, sftpPort),
      SUPPLIER_TOKEN_ACME_TOOLS: ACME_TOKEN,
      SUPPLIER_TOKEN_IBERIA_PACKAGING: 'drill-iberia-token',
    }),
    close: async () => {
      await sshd.destroy();
      await sandbox.close();
    },
  };
}

export const ACME_HEADER = 'Art.-Nr.;Bezeichnung;Unsere Nr.;Preis;Währung;MinMenge;Einheit;Lieferzeit (Tage);Gültig ab;Gültig bis;Rabatt %';

/** One vendor price a price list row must become. */
export interface ExpectedPrice {
  code: string;
  product: string;
  minQty: number;
  price: number;
}

/**
 * The i-th ACME price list: one row per drill product, each its own vendor price
 * (upsert key: supplier, product, minimum quantity, start date; the minimum quantity is the
 * file's own, so no two files share a key). Descriptions are long enough that a file's
 * data is most of what crosses the wire.
 */
export function acmePriceList(i: number, products: string[]): { name: string; data: Buffer; expected: ExpectedPrice[] } {
  const expected = products.map((product, j) => ({ code: `DR-${i}-${j}`, product, minQty: 1000 + i, price: Math.round((1 + i + (j + 1) / 100) * 100) / 100 }));
  const lines = expected.map((e, j) => `${e.code};Bohrer-Set ${i}/${j} für Holz, Metall und Stein, mit Koffer und Ersatzspitzen (Drill ${String(i).padStart(4, '0')});${e.product};${e.price.toFixed(2).replace('.', ',')};EUR;${e.minQty};Stk;5;01.01.2026;31.12.2026;`);
  return { name: `drill-${String(i).padStart(4, '0')}.csv`, data: Buffer.from(`${ACME_HEADER}\r\n${lines.join('\r\n')}\r\n`, 'utf8'), expected };
}

/** ACME's vendor prices in Odoo with these product codes: how many rows each code has, and whether one of them has the expected price and quantity. */
export function vendorPrices(w: SupplierWorld, expected: ExpectedPrice[]): { rows: number; matching: number; extra: number } {
  const s = w.sandbox.store;
  const codes = expected.map((e) => e.code);
  const found = s.read('product.supplierinfo', s.search('product.supplierinfo', [['partner_id', '=', w.acme], ['product_code', 'in', codes]]), ['product_code', 'price', 'min_qty']);
  return { rows: found.length, ...matchPrices(found, expected) };
}

/** Of the expected rows, how many have a vendor price with their price and quantity, and how many vendor prices there are beyond one per row. */
export function matchPrices(found: Array<Record<string, unknown>>, expected: ExpectedPrice[]): { matching: number; extra: number } {
  let matching = 0;
  let extra = 0;
  for (const e of expected) {
    const mine = found.filter((f) => f.product_code === e.code);
    if (mine.some((f) => Math.abs(Number(f.price) - e.price) < 1e-6 && Number(f.min_qty) === e.minQty)) matching++;
    extra += Math.max(0, mine.length - 1);
  }
  return { matching, extra };
}

/** Every upload record the intake store holds (the journal under the runtime's user dir), latest version of each. */
export function intakeRecords(rt: DrillRuntime): Array<{ id: string; via: string; state: string; file?: { name?: string }; error?: { message: string; code?: string } }> {
  const file = path.join(rt.userDir, 'odoo-supply', 'intake-uploads.journal');
  if (!fs.existsSync(file)) return [];
  const latest = new Map<string, any>();
  for (const r of decode(fs.readFileSync(file)).records) {
    if (r.v === undefined) latest.delete(r.k);
    else latest.set(r.k, r.v);
  }
  return [...latest.values()];
}

/** Names in a remote folder of the sshd (home-relative). */
export function remoteNames(w: SupplierWorld, dir: string): string[] {
  return w.sshd.ls(`${w.sshd.home}/${dir}`);
}
