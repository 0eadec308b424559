/**
 * Drill `sftp-drop`: the supplier's SFTP server drops connections while price lists are
 * downloaded and purchase orders uploaded. A real OpenSSH sshd sits behind a TCP proxy
 * (sandbox/sftp/fault-proxy.ts) that resets each connection after a random number of bytes
 * past its SSH login (--drop-bytes on average from the server, --drop-up-bytes to it), wherever the cut falls: inside a file's data,
 * a listing, a rename or its answer. The committed flows run unchanged in Node-RED:
 * flows/supplier-price-sync.json takes --files ACME price lists of --rows rows each from the
 * SFTP folder into Odoo's vendor prices; flows/po-publish.json uploads one file per confirmed
 * purchase order (--uploads) to the supplier's inbox. After the last file and order, the
 * drops go on for --drop-seconds, then stop, and the drill waits (up to --settle-seconds)
 * for every file to be accounted for.
 *
 *   price list  applied        every row is a vendor price in Odoo with its price and quantity
 *               dead_lettered  in the poller's error folder or a dead-letter store
 *               lost           neither (still claimed, half applied, or gone)
 *               duplicates     vendor prices beyond one per row, a file taken into the flow
 *                              twice (two intake records), archived twice
 *   upload      applied        one complete file under its final name in the inbox
 *               dead_lettered  in the flow's dead-letter store (upload failed for good)
 *               lost           neither
 *               duplicates     the same order's file twice (another name), a temporary
 *                              `.part` file left behind
 *
 *   npm run drill -- sftp-drop --json [--files 40] [--rows 6] [--uploads 20] [--po-lines 10]
 *       [--drop-bytes 8000] [--drop-up-bytes 4000] [--drop-seconds 10] [--settle-seconds 120] [--seed 11]
 */
import { OdooClient } from '../../lib/odoo/client';
import { decodeFile } from '../../lib/canonical/file';
import fs from 'node:fs';
import path from 'node:path';
import { deadLetters, drillRuntime, option, sleep, type DeadLetter, type DrillResult } from './harness';
import { startFaultProxy } from '../../sandbox/sftp/fault-proxy';
import { ACME_DIR, acmePriceList, intakeRecords, remoteNames, supplierFlows, supplierWorld, vendorPrices } from './supplier';

export async function run(): Promise<DrillResult> {
  const files = option('files', 40);
  const rows = option('rows', 6);
  const uploads = option('uploads', 20);
  const dropBytes = option('drop-bytes', 8000);
  const dropUpBytes = option('drop-up-bytes', 4000);
  const poLines = option('po-lines', 10);
  const dropS = option('drop-seconds', 10);
  const settleS = option('settle-seconds', 120);
  const w = await supplierWorld(rows);
  const proxy = await startFaultProxy({ target: { host: w.sshd.host, port: w.sshd.port }, skipBytes: { down: option('skip-bytes', 3200), up: option('skip-up-bytes', 2200) }, meanBytes: { down: dropBytes, up: dropUpBytes }, seed: option('seed', 11) });
  proxy.pause();
  const rt = await drillRuntime(supplierFlows('supplier-price-sync', 'po-publish'), w.env(proxy.port));
  const client = new OdooClient({ url: w.sandbox.url, database: w.sandbox.database, secret: w.sandbox.apiKey, protocol: 'json2' });
  try {
    // odoo-changes takes "now" at its first poll: orders confirmed after it are the drill's
    await sleep(2500);
    proxy.resume();
    const t0 = Date.now();
    const lists = Array.from({ length: files }, (_x, i) => acmePriceList(i + 1, w.products));
    const s = w.sandbox.store;
    const partner = s.search('res.partner', [['ref', '=', 'SUP-ACME']])[0];
    const product = (code: string) => s.search('product.product', [['default_code', '=', code]])[0];
    const orders: number[] = [];
    // files and orders arrive over a few seconds, interleaved
    const steps = Math.max(files, uploads);
    for (let k = 0; k < steps; k++) {
      const f = lists[k];
      if (f) w.sshd.put(`${w.sshd.home}/${ACME_DIR}/${f.name}`, f.data, new Date(Date.now() - 60_000));
      if (k < uploads) {
        const lines = Array.from({ length: poLines }, (_y, l) =>
          l % 2 === 0
            ? [0, 0, { product_id: product('FAS-BOLT-M8'), product_qty: k + 1 + l, price_unit: 6.9, product_uom_id: 1, name: 'Hex Bolt M8x40' }]
            : [0, 0, { product_id: product('PKG-TAPE-50'), product_qty: 12 + l, price_unit: 1.05, product_uom_id: 1, name: 'Packing Tape' }],
        );
        const ids = await client.create('purchase.order', [{ partner_id: partner, order_line: lines }]);
        await client.call('purchase.order', 'button_confirm', { ids });
        orders.push(...ids);
      }
      await sleep(100);
    }
    const names = new Map(orders.map((id) => [id, String(s.read('purchase.order', id, ['name'])[0]?.name)]));
    const inbox = () => remoteNames(w, 'inbox').filter((n) => n !== '.keep');

    /** Where each price list and each order stands now. */
    const account = async () => {
      const dead: DeadLetter[] = [];
      for (const node of ['sps-dead', 'sps-wdead', 'pp-dl', 'pp-problems']) dead.push(...(await deadLetters(rt, node)));
      const deadText = dead.map((d) => JSON.stringify(d.msg));
      const errorDir = remoteNames(w, `${ACME_DIR}/error`);
      const archived = remoteNames(w, `${ACME_DIR}/archive`);
      const claimed = remoteNames(w, `${ACME_DIR}/.processing`);
      const waiting = remoteNames(w, ACME_DIR).filter((n) => n.endsWith('.csv'));
      const intake = intakeRecords(rt).filter((r) => r.via === 'message');
      const price = lists.map((f) => {
        const base = f.name.replace(/\.csv$/, '');
        const v = vendorPrices(w, f.expected);
        const inError = errorDir.some((n) => n.startsWith(`${base}.`));
        const inDead = deadText.some((t) => t.includes(`"${f.name}"`));
        return {
          name: f.name,
          applied: v.matching === f.expected.length,
          partly: v.matching > 0 && v.matching < f.expected.length,
          dead: inError || inDead,
          extraRows: v.extra,
          intakes: intake.filter((r) => r.file?.name === f.name).length,
          archives: archived.filter((n) => n.startsWith(`${base}.`)).length,
          claimed: claimed.some((n) => n.endsWith(`~${f.name}`)),
          waiting: waiting.includes(f.name),
        };
      });
      const present = inbox();
      const up = orders.map((id) => {
        const po = names.get(id) as string;
        const mine = present.filter((n) => n.startsWith(`PO_${po}_`) || n.startsWith(`.PO_${po}_`));
        const final = `PO_${po}_R1.csv`;
        let complete = false;
        if (mine.includes(final)) {
          const text = decodeFile(fs.readFileSync(path.join(w.sshd.home, 'inbox', final)), { encoding: 'windows-1252' }).text;
          const lines = text.split('\r\n');
          // header, the order's lines, and the line end after the last
          complete = lines.length === poLines + 2 && lines[poLines + 1] === '' && lines[0]?.startsWith('Bestellnr;Revision;') === true && lines.slice(1, poLines + 1).every((l) => l.startsWith(`${po};1;SUP-ACME;`) && l.split(';').length === 13);
        }
        return {
          po,
          applied: complete,
          dead: deadText.some((t) => t.includes(`PO_${po}_`)),
          extra: mine.filter((n) => n !== final).length,
          temps: mine.filter((n) => n.startsWith('.')).length,
        };
      });
      return { price, up, dead, errorDir, claimed };
    };

    await sleep(dropS * 1000);
    const cutsWhileDropping = proxy.cuts.length;
    proxy.pause();
    const dropMs = Date.now() - t0;
    const until = Date.now() + settleS * 1000;
    let a = await account();
    const done = () => a.price.every((p) => p.applied || p.dead) && a.up.every((u) => u.applied || u.dead);
    while (!done() && Date.now() < until) {
      await sleep(500);
      a = await account();
    }
    // anything late (a second copy, a second application) has time to show
    await sleep(3000);
    a = await account();
    if (process.env.DRILL_DEBUG) {
      for (const d of a.dead) process.stderr.write(`dead: ${d.error.code} ${d.error.message}\n`);
      for (const p of a.price.filter((x) => !x.applied || x.intakes !== 1 || x.archives !== 1)) process.stderr.write(`price: ${JSON.stringify(p)}\n`);
      for (const u of a.up.filter((x) => !x.applied || x.extra)) process.stderr.write(`upload: ${JSON.stringify(u)}\n`);
      process.stderr.write(`cuts: ${JSON.stringify(proxy.cuts)}\n`);
    }
    const priceApplied = a.price.filter((p) => p.applied).length;
    const priceDead = a.price.filter((p) => !p.applied && p.dead).length;
    const priceLost = a.price.filter((p) => !p.applied && !p.dead).length;
    const priceDup = a.price.reduce((n, p) => n + p.extraRows + Math.max(0, p.intakes - 1) + Math.max(0, p.archives - 1), 0);
    const upApplied = a.up.filter((u) => u.applied).length;
    const upDead = a.up.filter((u) => !u.applied && u.dead).length;
    const upLost = a.up.filter((u) => !u.applied && !u.dead).length;
    const upDup = a.up.reduce((n, u) => n + u.extra, 0);
    return {
      sent: files + uploads,
      applied: priceApplied + upApplied,
      dead_lettered: priceDead + upDead,
      lost: priceLost + upLost,
      duplicates: priceDup + upDup,
      seconds: Math.round((Date.now() - t0) / 100) / 10,
      price_lists: { sent: files, rows: files * rows, applied: priceApplied, dead_lettered: priceDead, lost: priceLost, partly_applied: a.price.filter((p) => p.partly).length, duplicate_rows: a.price.reduce((n, p) => n + p.extraRows, 0), taken_twice: a.price.filter((p) => p.intakes > 1).length, archived_twice: a.price.filter((p) => p.archives > 1).length, still_claimed: a.claimed.length, in_error_folder: a.errorDir.length },
      uploads: { sent: uploads, applied: upApplied, dead_lettered: upDead, lost: upLost, twice: a.up.filter((u) => u.extra - u.temps > 0).length, temp_files_left: a.up.reduce((n, u) => n + u.temps, 0) },
      connections: proxy.connections,
      drops: cutsWhileDropping,
      drops_down: proxy.cuts.filter((c) => c.direction === 'down').length,
      drops_up: proxy.cuts.filter((c) => c.direction === 'up').length,
      drop_seconds: Math.round(dropMs / 100) / 10,
      dead_letter_reasons: [...new Set(a.dead.map((d) => `${d.error.code ?? ''}: ${String(d.error.message).slice(0, 120)}`))].slice(0, 5),
    };
  } finally {
    client.close();
    await rt.close();
    await proxy.close();
    await w.close();
  }
}
