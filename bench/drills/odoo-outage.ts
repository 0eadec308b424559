/**
 * Drill `odoo-outage`: Odoo goes away for --outage-seconds (default 60) during a supplier
 * price sync and a plant event stream, then comes back. Both committed flows run unchanged
 * in one Node-RED: flows/plant-inventory.json takes the plant's events (duplicates and late
 * events among them) from MQTT, flows/supplier-price-sync.json takes --files ACME price lists
 * (--rows rows each) from a real OpenSSH sshd's folder, dropped one every few seconds from
 * before the outage until well into it. Whatever a retry gate gave up on during the outage
 * is in a dead-letter store; the operator's replay (admin API) after the outage brings it to
 * Odoo. Every event must end applied once, every price list row a vendor price once.
 *
 * Which Odoo:
 *   - the sandbox (default), in its own process: every model call answers 503 (an nginx
 *     page, Retry-After: 1) during the outage;
 *   - a real Odoo when ODOO_URL is set (ODOO_DB, ODOO_LOGIN, ODOO_API_KEY: the flows' user;
 *     the products, locations and partner the drill makes with a prefix of its own run are
 *     made by ODOO_FIXTURE_LOGIN / ODOO_FIXTURE_PASSWORD when set, e.g. an admin beside a
 *     least-privilege flow user, else by the flows' user): ODOO_RESTART_CMD is run once through `sh -c` with
 *     ODOO_OUTAGE_SECONDS in its environment and must stop Odoo, wait that long and start it
 *     again (e.g. `docker stop odoo && sleep $ODOO_OUTAGE_SECONDS && docker start odoo`).
 *     The outage reported is the time Odoo did not answer, as the drill saw it.
 *
 *   npm run drill -- odoo-outage --json [--outage-seconds 60] [--events 2800] [--rate 40]
 *       [--files 10] [--rows 5]
 *
 * sent / applied / dead_lettered / lost / duplicates add up both parts: plant events (a quant
 * that ends off what the simulator sent counts as lost or duplicate) and price lists (applied
 * when every row is a vendor price with its price and quantity; a duplicate is a vendor price
 * beyond one per row).
 */
import { spawn } from 'node:child_process';
import { OdooClient } from '../../lib/odoo/client';
import { startEmbeddedBroker } from '../../sandbox/plant/broker';
import { plantMasterData, startPlantStandIn } from '../../sandbox/plant/simulator';
import { seedPlantMasterData } from '../../sandbox/plant/seed';
import { seedDemo, sections } from '../../sandbox/demo/seed';
import { deadLetters, drillRuntime, drillSandbox, endSession, option, plantFlows, replayAll, settle, sleep, snapshot, waitConnected, type DrillResult } from './harness';
import { ACME_DIR, ACME_TOKEN, acmePriceList, matchPrices, sftpEnv, supplierFlows, supplierSshd, type ExpectedPrice } from './supplier';

interface VendorPrice {
  product_code: string;
  price: number;
  min_qty: number;
}

/** The Odoo a drill takes away and gives back. */
interface OutageOdoo {
  kind: 'sandbox' | 'real';
  env: Record<string, string>;
  /** Starts the outage; resolves once it has begun. */
  down(seconds: number): Promise<void>;
  /** Ends the outage (sandbox) or waits for the restart command to have ended it (real); resolves when Odoo answers. */
  up(): Promise<void>;
  /** `<product code>@<location barcode>` → on-hand quantity of the drill's products. */
  onHand(): Promise<Record<string, number>>;
  /** ACME's vendor prices of the drill's products. */
  vendorPrices(): Promise<VendorPrice[]>;
  close(): Promise<void>;
}

const SUPPLIER_REF = 'ACME-TOOLS';

async function sandboxOdoo(sites: number, products: number, prefix: string): Promise<OutageOdoo> {
  const sandbox = await drillSandbox(sites, products, prefix);
  await sandbox.seedIntake();
  return {
    kind: 'sandbox',
    env: { ODOO_URL: sandbox.url, ODOO_DB: sandbox.database, ODOO_LOGIN: sandbox.login, ODOO_API_KEY: sandbox.apiKey },
    down: () => sandbox.inject({ httpStatus: 503 }),
    up: () => sandbox.clearFaults(),
    onHand: () => sandbox.onHand(),
    vendorPrices: () => sandbox.vendorPrices(SUPPLIER_REF, 'DR-'),
    close: () => sandbox.close(),
  };
}

/** Whether Odoo answers at all (its version route, no login). */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('web/version', url.endsWith('/') ? url : `${url}/`), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(2000) });
    return res.status < 500;
  } catch {
    return false;
  }
}

/** The drill's own reads of a real Odoo just back from a restart: tried again for up to 60 s while it refuses connections. */
async function patiently<T>(what: string, read: () => Promise<T>): Promise<T> {
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      return await read();
    } catch (err) {
      const e = err as { transient?: boolean; message?: string };
      if (!e.transient || Date.now() > until) throw new Error(`reading ${what} from Odoo: ${e.message ?? String(err)}`);
      await sleep(1000);
    }
  }
}

async function realOdoo(sites: number, products: number, prefix: string): Promise<OutageOdoo> {
  const env = process.env;
  const cmd = env.ODOO_RESTART_CMD;
  if (!cmd) throw new Error('with ODOO_URL set, odoo-outage needs ODOO_RESTART_CMD: a shell command that stops Odoo, waits $ODOO_OUTAGE_SECONDS and starts it again');
  if (!env.ODOO_API_KEY && !env.ODOO_PASSWORD) throw new Error('with ODOO_URL set, odoo-outage needs ODOO_API_KEY (or ODOO_PASSWORD) of the flows\' user (and ODOO_FIXTURE_LOGIN / ODOO_FIXTURE_PASSWORD of one who may create products, locations and partners, when that user may not)');
  const url = env.ODOO_URL as string;
  const client = new OdooClient({ url, database: env.ODOO_DB, login: env.ODOO_LOGIN ?? 'admin', secret: (env.ODOO_API_KEY ?? env.ODOO_PASSWORD) as string, secretKind: env.ODOO_API_KEY ? 'apikey' : 'password', timeoutMs: 60_000 });
  // master data a least-privilege flow user may not create (stock locations) is made by the fixture login, as in the contract tests
  const fixtures = env.ODOO_FIXTURE_LOGIN && env.ODOO_FIXTURE_PASSWORD ? new OdooClient({ url, database: env.ODOO_DB, login: env.ODOO_FIXTURE_LOGIN, secret: env.ODOO_FIXTURE_PASSWORD, secretKind: 'password', timeoutMs: 60_000 }) : client;
  const version = await client.version();
  const data = plantMasterData({ sites, products, prefix });
  await seedPlantMasterData(fixtures, data, version);
  await seedDemo(fixtures, { sections: sections.filter((s) => s.name === 'suppliers') });
  if (fixtures !== client) fixtures.close();
  const productIds = new Map((await client.searchRead('product.product', { domain: [['default_code', 'in', data.products.map((p) => p.default_code)]], fields: ['default_code', 'product_tmpl_id'] })).map((p) => [p.id as number, p]));
  const locationIds = new Map((await client.searchRead('stock.location', { domain: [['barcode', 'in', data.locations.map((l) => l.barcode)]], fields: ['barcode'] })).map((l) => [l.id as number, String(l.barcode)]));
  const templates = [...new Set([...productIds.values()].map((p) => (p.product_tmpl_id as [number])[0]))];
  const [partner] = await client.search('res.partner', { domain: [['ref', '=', SUPPLIER_REF]], limit: 1 });
  let restart: Promise<number> | undefined;
  return {
    kind: 'real',
    env: { ODOO_URL: url, ...(env.ODOO_DB ? { ODOO_DB: env.ODOO_DB } : {}), ODOO_LOGIN: env.ODOO_LOGIN ?? 'admin', ...(env.ODOO_API_KEY ? { ODOO_API_KEY: env.ODOO_API_KEY } : { ODOO_PASSWORD: env.ODOO_PASSWORD as string }) },
    down: async (seconds) => {
      const child = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ODOO_OUTAGE_SECONDS: String(seconds) } });
      restart = new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code) => resolve(code ?? 1));
      });
      // the outage has begun when Odoo stops answering (or the command ended without stopping it)
      const until = Date.now() + 30_000;
      let ended = false;
      void restart.then(() => (ended = true), () => (ended = true));
      while ((await answers(url)) && !ended && Date.now() < until) await sleep(200);
      if (await answers(url)) throw new Error('ODOO_RESTART_CMD did not stop Odoo: it still answers');
    },
    up: async () => {
      const code = await restart;
      if (code !== 0) throw new Error(`ODOO_RESTART_CMD exited with ${code}`);
      const until = Date.now() + 300_000;
      while (!(await answers(url))) {
        if (Date.now() > until) throw new Error('Odoo did not answer within 300 s of ODOO_RESTART_CMD');
        await sleep(500);
      }
    },
    onHand: async () => {
      const out: Record<string, number> = {};
      const quants = await patiently('the quants', () => client.searchRead('stock.quant', { domain: [['location_id', 'in', [...locationIds.keys()]], ['product_id', 'in', [...productIds.keys()]]], fields: ['product_id', 'location_id', 'quantity'] }));
      for (const q of quants) {
        const p = productIds.get((q.product_id as [number])[0])?.default_code;
        const l = locationIds.get((q.location_id as [number])[0]);
        if (!p || !l) continue;
        const k = `${String(p)}@${l}`;
        out[k] = Math.round(((out[k] ?? 0) + Number(q.quantity)) * 1e6) / 1e6;
      }
      return out;
    },
    vendorPrices: async () => (partner === undefined ? [] : ((await patiently('the vendor prices', () => client.searchRead('product.supplierinfo', { domain: [['partner_id', '=', partner], ['product_tmpl_id', 'in', templates]], fields: ['product_code', 'price', 'min_qty'] }))) as unknown as VendorPrice[])),
    close: async () => {
      // a restart still under way (the drill failed in the middle) ends before the drill does
      await restart?.catch(() => undefined);
      client.close();
    },
  };
}

/** For each price list: are all its rows vendor prices, some of them, and how many vendor prices beyond one per row. */
function priceListState(found: VendorPrice[], expected: ExpectedPrice[]): { applied: boolean; partly: boolean; extra: number } {
  const { matching, extra } = matchPrices(found as unknown as Array<Record<string, unknown>>, expected);
  return { applied: matching === expected.length, partly: matching > 0 && matching < expected.length, extra };
}

const debug = (line: string) => {
  if (process.env.DRILL_DEBUG) process.stderr.write(`odoo-outage: ${new Date().toISOString()} ${line}\n`);
};

export async function run(): Promise<DrillResult> {
  const outageS = option('outage-seconds', 60);
  const rate = option('rate', 40);
  // the stream runs before, through and after the outage
  const events = option('events', Math.round(rate * (outageS + 10)));
  const files = option('files', 10);
  const rows = option('rows', 5);
  const sites = 3;
  const products = 200;
  const real = !!process.env.ODOO_URL;
  // a real Odoo keeps what earlier runs made: this run's products start at 0
  const prefix = real ? `DRILL${Date.now().toString(36).toUpperCase()}` : 'DRILL';
  const odoo = real ? await realOdoo(sites, products, prefix) : await sandboxOdoo(sites, products, prefix);
  const sshd = await supplierSshd().catch(async (err: unknown) => {
    await odoo.close();
    throw err;
  });
  const broker = await startEmbeddedBroker();
  const clientId = `drill-outage-${process.pid}`;
  const flows = [...plantFlows(`drill-${process.pid}`), ...supplierFlows('supplier-price-sync')];
  const unique = [...new Map(flows.map((n) => [n.id, n])).values()];
  const rt = await drillRuntime(unique, { ...odoo.env, MQTT_URL: broker.url, MQTT_CLIENT_ID: clientId, ...sftpEnv(sshd), SUPPLIER_TOKEN_ACME_TOOLS: ACME_TOKEN, SUPPLIER_TOKEN_IBERIA_PACKAGING: 'drill-iberia-token' });
  try {
    await waitConnected(rt);
    const t0 = Date.now();
    const sentIds = new Set<string>();
    const plant = startPlantStandIn({ mqttUrl: broker.url, sites, products, prefix, rate, events, duplicates: 0.05, outOfOrder: 0.05, seed: 13, onPublish: (id) => sentIds.add(id) });
    // the price lists name the plant's first products; one every few seconds, the first before the outage
    const codes = Array.from({ length: rows }, (_x, j) => `${prefix}-${String(j + 1).padStart(5, '0')}`);
    const lists = Array.from({ length: files }, (_x, i) => acmePriceList(i + 1, codes));
    const every = Math.max(500, Math.min(3000, (outageS * 1000 * 0.8) / files));
    let dropped = 0;
    const drop = () => {
      const f = lists[dropped++];
      if (f) sshd.put(`${sshd.home}/${ACME_DIR}/${f.name}`, f.data, new Date(Date.now() - 60_000));
    };
    drop();
    const dropper = setInterval(drop, every);
    // a few seconds of normal traffic, then the outage
    await sleep(Math.max(2000, Math.min(3000, (events / rate) * 100)));
    debug('outage begins');
    await odoo.down(outageS);
    debug('Odoo is down');
    const outageAt = Date.now();
    if (process.env.DRILL_SNAPSHOT) {
      // the operations page and the metrics in the middle of the outage
      await sleep((outageS * 1000) / 2);
      await snapshot(rt, process.env.DRILL_SNAPSHOT);
    }
    if (odoo.kind === 'sandbox') await sleep(Math.max(0, outageS * 1000 - (Date.now() - outageAt)));
    await odoo.up();
    debug('Odoo answers again');
    const outageMs = Date.now() - outageAt;
    const report = await plant.done;
    while (dropped < lists.length) await sleep(100);
    clearInterval(dropper);
    // what a gate gave up on waits for an operator: replay it once Odoo is back
    await sleep(3000);
    const supplierDead = async () => [...(await deadLetters(rt, 'sps-dead')), ...(await deadLetters(rt, 'sps-wdead'))];
    const deadDuring = (await deadLetters(rt)).length + (await supplierDead()).length;
    debug(`${deadDuring} dead letters: replaying`);
    await replayAll(rt);
    for (const node of ['sps-dead', 'sps-wdead']) await replayAll(rt, node);
    const s = await settle(rt, odoo, report, sentIds, 180_000);
    debug(`plant settled: ${s.applied} applied`);
    // every price list applied, or still dead after the replay
    const until = Date.now() + 120_000;
    let found = await odoo.vendorPrices();
    let state = lists.map((f) => priceListState(found, f.expected));
    let dead = await supplierDead();
    const deadName = (name: string) => dead.some((d) => d.state !== 'replayed' && JSON.stringify(d.msg).includes(`"${name}"`));
    while (!lists.every((f, i) => state[i]?.applied || deadName(f.name)) && Date.now() < until) {
      await sleep(1000);
      found = await odoo.vendorPrices();
      state = lists.map((f) => priceListState(found, f.expected));
      dead = await supplierDead();
    }
    const listsApplied = state.filter((x) => x.applied).length;
    const listsDead = lists.filter((f, i) => !state[i]?.applied && deadName(f.name)).length;
    const listsLost = lists.length - listsApplied - listsDead;
    const extraRows = state.reduce((n, x) => n + x.extra, 0);
    const plantLost = Math.max(s.lostEvents, s.quantsBelow);
    const plantDup = Math.max(s.doubleEvents, s.quantsAbove);
    return {
      sent: sentIds.size + lists.length,
      applied: s.applied + listsApplied,
      dead_lettered: deadDuring,
      lost: plantLost + listsLost,
      duplicates: plantDup + extraRows,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
      odoo: odoo.kind === 'real' ? `real (${process.env.ODOO_URL})` : 'sandbox',
      outage_seconds: Math.round(outageMs / 100) / 10,
      plant: { sent: sentIds.size, applied: s.applied, lost: plantLost, duplicates: plantDup, published: report.published, quants: Object.keys(report.expected).length, still_dead_after_replay: s.dead.filter((d) => d.state !== 'replayed' && !rt.appliedCounts.has(String(d.correlationId))).length },
      price_lists: { sent: lists.length, rows: lists.length * rows, applied: listsApplied, dead_lettered_after_replay: listsDead, lost: listsLost, partly_applied: state.filter((x) => x.partly).length, duplicate_rows: extraRows },
    };
  } finally {
    await rt.close();
    await endSession(broker.url, clientId).catch(() => undefined);
    await broker.close();
    await sshd.destroy();
    await odoo.close();
  }
}
