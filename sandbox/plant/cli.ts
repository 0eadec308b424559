/**
 * npm run plant -- --sites 3 --products 2000 --rate 500 --seconds 60 --duplicates 0.05 --out-of-order 0.05
 *
 * Publishes to MQTT_URL (or --mqtt-url; default mqtt://127.0.0.1:1883) and prints the
 * report as JSON at the end: what it sent and the on-hand quantity Odoo must show per
 * product and location. `--seed-odoo` first creates the products and locations it names
 * in the Odoo of ODOO_URL / ODOO_DB / ODOO_LOGIN / ODOO_API_KEY.
 */
import { OdooClient } from '../../lib/odoo/client';
import { plantMasterData, startPlantStandIn, type PlantOptions } from './simulator';
import { seedPlantMasterData } from './seed';

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[a.slice(2)] = 'true';
    else out[a.slice(2)] = (i++, next);
  }
  return out;
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const num = (k: string) => {
    if (a[k] === undefined) return undefined;
    const n = Number(a[k]);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${k} needs a number ≥ 0, got ${a[k]}`);
    return n;
  };
  const known = new Set(['mqtt-url', 'sites', 'products', 'rate', 'seconds', 'events', 'duplicates', 'out-of-order', 'counts', 'prefix', 'seed', 'seed-odoo']);
  for (const k of Object.keys(a)) if (!known.has(k)) throw new Error(`unknown option --${k} (known: ${[...known].map((x) => `--${x}`).join(' ')})`);
  const o: PlantOptions = { mqttUrl: a['mqtt-url'] ?? process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883', log: (l) => process.stderr.write(`${l}\n`) };
  const map: Array<[string, keyof PlantOptions]> = [['sites', 'sites'], ['products', 'products'], ['rate', 'rate'], ['seconds', 'seconds'], ['events', 'events'], ['duplicates', 'duplicates'], ['out-of-order', 'outOfOrder'], ['counts', 'counts'], ['seed', 'seed']];
  for (const [k, p] of map) if (num(k) !== undefined) (o as unknown as Record<string, unknown>)[p] = num(k);
  if (a.prefix) o.prefix = a.prefix;
  if (a['seed-odoo'] === 'true') {
    const { ODOO_URL, ODOO_DB, ODOO_LOGIN, ODOO_API_KEY } = process.env;
    if (!ODOO_URL || !ODOO_DB || !ODOO_LOGIN || !ODOO_API_KEY) throw new Error('--seed-odoo needs ODOO_URL, ODOO_DB, ODOO_LOGIN and ODOO_API_KEY');
    const client = new OdooClient({ url: ODOO_URL, database: ODOO_DB, login: ODOO_LOGIN, secret: ODOO_API_KEY, protocol: 'auto' });
    const made = await seedPlantMasterData(client, plantMasterData(o), await client.version());
    process.stderr.write(`Odoo: ${made.products} products and ${made.locations} locations created\n`);
    client.close();
  }
  process.stderr.write(`publishing to ${o.mqttUrl}: plant/<site>/inventory …\n`);
  const run = startPlantStandIn(o);
  process.once('SIGINT', () => void run.stop());
  const report = await run.done;
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`plant: ${err.message}\n`);
  process.exit(1);
});
