/**
 * Drill `bad-input`: a plant stream of valid events with bad inputs mixed in on the same
 * topics: malformed JSON, the wrong schema (missing fields, an unknown kind, a quantity as
 * text), unknown products, oversized payloads (a 200 KB product reference, a 1 MB extra
 * field). Every valid event must be applied once; every bad input must be in the dead-letter
 * store (read through the admin API) with a reason a person can read, and nothing else.
 * In the same runtime, supplier price lists that do not fit their mapping (bench/drills/bad-files.ts:
 * wrong encodings, XML, empty, header only, comma-separated, a ZIP, another supplier's format)
 * go through flows/supplier-price-sync.json by HTTP upload and SFTP (the real sshd, when the
 * drill runs as root): each refused at the intake or dead-lettered with a reason naming the
 * problem, nothing of them in Odoo. They count in sent / dead_lettered / lost too.
 *
 *   npm run drill -- bad-input --json [--events 600] [--rate 100] [--bad 5]   (--bad: of each kind)
 *                                     [--plant-only]   (no supplier files)
 */
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../sandbox/plant/broker';
import { startPlantStandIn } from '../../sandbox/plant/simulator';
import type { Sshd } from '../../sandbox/sftp/sshd';
import { sendBadFiles, settleBadFiles } from './bad-files';
import { ACME_TOKEN, canRunSshd, sftpEnv, supplierFlows, supplierSshd } from './supplier';
import { deadLetters, drillRuntime, drillSandbox, endSession, option, plantFlows, settle, sleep, waitConnected, type DeadLetter, type DrillResult } from './harness';

type Kind = 'malformed-json' | 'wrong-schema' | 'unknown-product' | 'oversized';

/** The i-th bad input of a kind: its marker (found again in the dead-letter entry) and the bytes published. */
function badInput(kind: Kind, i: number, run: string): { marker: string; body: string } {
  const marker = `BAD-${run}-${kind}-${i}`;
  const valid = { eventId: marker, site: 'S1', location: 'DRILL-S1-STOCK', internalRef: 'DRILL-00001', kind: 'adjust', quantity: 1, uom: 'Units', occurredAt: new Date().toISOString() };
  switch (kind) {
    case 'malformed-json':
      return { marker, body: [`{"eventId":"${marker}","quantity":`, `{"eventId":"${marker}", site: S1}`, `eventId=${marker};qty=3`][i % 3] as string };
    case 'wrong-schema': {
      const variants = [
        (({ quantity: _q, ...rest }) => rest)(valid),
        { ...valid, kind: 'teleport' },
        { ...valid, quantity: 'three' },
        { ...valid, occurredAt: 'yesterday' },
      ];
      return { marker, body: JSON.stringify(variants[i % variants.length]) };
    }
    case 'unknown-product':
      return { marker, body: JSON.stringify({ ...valid, internalRef: `NO-SUCH-PART-${i}` }) };
    case 'oversized':
      return { marker, body: JSON.stringify(i % 2 ? { ...valid, internalRef: 'X'.repeat(200_000) } : { ...valid, note: 'N'.repeat(1_000_000) }) };
  }
}

/** The payload of a dead letter as text: what was not JSON is kept as its bytes ({type: 'Buffer', data}). */
function payloadText(e: DeadLetter): string {
  const p = e.msg.payload as { type?: string; data?: number[] } | string | undefined;
  if (p && typeof p === 'object' && p.type === 'Buffer' && Array.isArray(p.data)) return Buffer.from(p.data).toString('utf8');
  return typeof p === 'string' ? p : JSON.stringify(p ?? '');
}

export async function run(): Promise<DrillResult> {
  const events = option('events', 600);
  const rate = option('rate', 100);
  const perKind = option('bad', 5);
  const sites = 3;
  const products = 200;
  const prefix = 'DRILL';
  const suppliers = !process.argv.includes('--plant-only');
  const sandbox = await drillSandbox(sites, products, prefix);
  const broker = await startEmbeddedBroker();
  const clientId = `drill-bad-${process.pid}`;
  let sshd: Sshd | undefined;
  if (suppliers) {
    await sandbox.seedIntake();
    if (canRunSshd()) sshd = await supplierSshd();
  }
  // the plant flow, and the supplier price-list flow beside it (one cfg-odoo)
  const flows = [...plantFlows(`drill-${process.pid}`), ...(suppliers ? supplierFlows('supplier-price-sync') : [])].filter((n, i, all) => all.findIndex((m) => m.id === n.id) === i);
  const rt = await drillRuntime(flows, { MQTT_URL: broker.url, MQTT_CLIENT_ID: clientId, ODOO_URL: sandbox.url, ODOO_DB: sandbox.database, ODOO_LOGIN: sandbox.login, ODOO_API_KEY: sandbox.apiKey, SUPPLIER_TOKEN_ACME_TOOLS: ACME_TOKEN, ...(sshd ? sftpEnv(sshd) : {}) }, { http: suppliers });
  try {
    await waitConnected(rt);
    const t0 = Date.now();
    const files = suppliers ? await sendBadFiles(rt, sshd) : undefined;
    const sentIds = new Set<string>();
    const plant = startPlantStandIn({ mqttUrl: broker.url, sites, products, prefix, rate, events, duplicates: 0.05, outOfOrder: 0.05, seed: 7, onPublish: (id) => sentIds.add(id) });
    // the bad inputs, spread over the stream, from another publisher on the same topics
    const run = String(process.pid);
    const kinds: Kind[] = ['malformed-json', 'wrong-schema', 'unknown-product', 'oversized'];
    const bad = kinds.flatMap((k) => Array.from({ length: perKind }, (_x, i) => ({ kind: k, ...badInput(k, i, run) })));
    const pub = await mqtt.connectAsync(broker.url, { clientId: `drill-bad-pub-${run}`, clean: true });
    const gap = Math.max(10, ((events / rate) * 1000 * 0.8) / bad.length);
    for (const [i, b] of bad.entries()) {
      await pub.publishAsync(`plant/S${(i % sites) + 1}/inventory`, b.body, { qos: 1 });
      await sleep(gap);
    }
    await pub.endAsync();
    const report = await plant.done;
    const s = await settle(rt, sandbox, report, sentIds, 60_000);
    // the bad inputs may arrive after the last valid event: wait for them too
    let dead: DeadLetter[] = s.dead;
    const until = Date.now() + 30_000;
    const found = (d: DeadLetter[]) => bad.map((b) => d.filter((e) => payloadText(e).includes(b.marker)));
    while (found(dead).some((f) => f.length === 0) && Date.now() < until) {
      await sleep(250);
      dead = await deadLetters(rt);
    }
    const matches = found(dead);
    const missing = bad.filter((_b, i) => (matches[i] as DeadLetter[]).length === 0);
    const twice = matches.filter((m) => m.length > 1).length;
    // readable: a sentence naming the problem, not an empty or generic "error"
    const unreadable = matches.flat().filter((e) => !e.error?.message || e.error.message.length < 12 || /^(error|undefined|null|\[object Object\])$/i.test(e.error.message)).length;
    // entries that are neither a bad input nor anything the drill expected (a valid event parked)
    if (process.env.DRILL_DEBUG) for (const e of dead) process.stderr.write(`${JSON.stringify(e).slice(0, 400)}\n`);
    const strays = dead.filter((e) => !bad.some((b) => payloadText(e).includes(b.marker))).length;
    const sup = files ? await settleBadFiles(rt, sandbox, files.files, files.sent, 30_000) : undefined;
    const reasons: Record<string, string> = {};
    bad.forEach((b, i) => {
      const e = (matches[i] as DeadLetter[])[0];
      if (e && !reasons[b.kind]) reasons[b.kind] = `${e.error.code ?? ''}: ${String(e.error.message).slice(0, 160)}`;
    });
    return {
      sent: sentIds.size + bad.length + (sup ? sup.sent + sup.controls : 0),
      applied: s.applied + (sup?.controls_applied ?? 0),
      dead_lettered: dead.length + (sup ? sup.dead_lettered + sup.refused_at_intake : 0),
      lost: Math.max(s.lostEvents, s.quantsBelow) + missing.length + (sup ? sup.missing.length + sup.controls - sup.controls_applied : 0),
      duplicates: Math.max(s.doubleEvents, s.quantsAbove) + twice + (sup?.twice ?? 0),
      seconds: Math.round((Date.now() - t0) / 100) / 10,
      valid_events: sentIds.size,
      bad_inputs: bad.length,
      bad_inputs_missing: missing.map((b) => b.marker),
      // a bad input Odoo took as a valid event
      bad_inputs_applied: bad.filter((b) => rt.appliedCounts.has(b.marker)).map((b) => b.marker),
      unreadable_reasons: unreadable,
      stray_dead_letters: strays,
      reasons,
      ...(sup ? { supplier_files: sup } : {}),
    };
  } finally {
    await rt.close();
    await sshd?.destroy();
    await endSession(broker.url, clientId).catch(() => undefined);
    await broker.close();
    await sandbox.close();
  }
}
