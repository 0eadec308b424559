/**
 * Change capture under load: 4 writers (4 connections, as 4 Odoo users would
 * be) make 5,000 changes to purchase orders (creates and edits, in batches of
 * 10), some through long transactions that commit after later ones (the
 * sandbox holds their commit back; on a real Odoo a create of 200 orders in
 * one call takes seconds). A feed polls meanwhile. Then every order's final
 * version is looked up: missed, duplicates, lag from commit to hand-on; and,
 * once the overlap has passed, the Odoo calls of an idle feed.
 *
 * BENCH_CHANGES (5000), BENCH_POLL_MS (1000), BENCH_OVERLAP_MS (30000),
 * BENCH_LATE_EVERY (every n-th call of a writer is a long transaction, 25),
 * BENCH_LATE_MS (sandbox: how late it commits, 2000), BENCH_IDLE_S (20).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OdooClient } from '../lib/odoo/client';
import { ChangeFeed, type Change } from '../lib/odoo/changes';
import { ChangeWatcher } from '../lib/odoo/changes-options';
import { benchTarget } from './target';

const env = process.env;
const CHANGES = Number(env.BENCH_CHANGES ?? 5000);
const WRITERS = 4;
const BATCH = 10;
const POLL_MS = Number(env.BENCH_POLL_MS ?? 1000);
const OVERLAP_MS = Number(env.BENCH_OVERLAP_MS ?? 30_000);
const LATE_EVERY = Number(env.BENCH_LATE_EVERY ?? 25);
const LATE_MS = Number(env.BENCH_LATE_MS ?? 2000);
const IDLE_S = Number(env.BENCH_IDLE_S ?? 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function p99(values: number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] as number;
}

export async function run(): Promise<Record<string, unknown>> {
  const target = await benchTarget();
  const connect = () => new OdooClient({ url: target.url, database: target.database, login: target.login, secret: target.secret, secretKind: target.secretKind, protocol: target.secretKind === 'apikey' ? 'auto' : 'xmlrpc', timeoutMs: 120_000 });
  const checker = connect();
  const reader = connect();
  const writers = Array.from({ length: WRITERS }, connect);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-changes-'));
  const prefix = `BENCH-chg-${Date.now().toString(36)}`;
  try {
    const [partner] = await checker.search('res.partner', { domain: [], limit: 1, order: 'id' });
    /** When each order's latest change returned (committed), by id. */
    const committed = new Map<number, number[]>();
    const seenVersions = new Set<string>();
    const lags: number[] = [];
    let emitted = 0;
    let duplicates = 0;
    const handOn = (changes: Change[]) => {
      const at = Date.now();
      for (const c of changes) {
        emitted++;
        const key = `${c.id}|${c.writeDate}|${String(c.record.partner_ref)}`;
        if (seenVersions.has(key)) duplicates++;
        seenVersions.add(key);
        const times = (committed.get(c.id) ?? []).filter((t) => t <= at);
        if (times.length) lags.push(at - (times[times.length - 1] as number));
      }
    };
    const feed = await ChangeFeed.open(reader, { model: 'purchase.order', domain: [['origin', '=like', `${prefix}%`]], fields: ['origin', 'partner_ref'], start: { from: 'now' }, overlapMs: OVERLAP_MS, pageSize: 500 }, path.join(dir, 'feed.journal'), handOn);
    const failures: string[] = [];
    const watcher = new ChangeWatcher(feed, POLL_MS, { failed: (e) => failures.push(e.message), polled: () => undefined });
    watcher.start();
    await sleep(POLL_MS + 200);

    let changes = 0;
    let lateCommits = 0;
    const started = Date.now();
    const share = Math.ceil(CHANGES / WRITERS);
    await Promise.all(
      writers.map(async (c, w) => {
        const mine: number[] = [];
        let made = 0;
        for (let call = 1; made < share; call++) {
          const late = call % LATE_EVERY === 0;
          const edit = mine.length >= BATCH && call % 2 === 0;
          let ids: number[];
          if (late && target.real) {
            // a long transaction on a real Odoo: one create of many orders, all stamped at its start
            const n = Math.min(200, share - made);
            ids = await c.create('purchase.order', Array.from({ length: n }, (_, i) => ({ partner_id: partner, origin: `${prefix}-w${w}-L${call}-${i}` })));
          } else {
            if (late) await target.inject?.({ model: 'purchase.order', method: edit ? 'write' : 'create', commitLateMs: LATE_MS, times: 1 });
            if (edit) {
              ids = mine.slice(-BATCH * 3).sort(() => Math.random() - 0.5).slice(0, Math.min(BATCH, share - made));
              await c.write('purchase.order', ids, { partner_ref: `${prefix}-w${w}-c${call}` });
            } else {
              const n = Math.min(BATCH, share - made);
              ids = await c.create('purchase.order', Array.from({ length: n }, (_, i) => ({ partner_id: partner, origin: `${prefix}-w${w}-${call}-${i}` })));
            }
          }
          if (late) lateCommits++;
          const at = Date.now();
          for (const id of ids) committed.set(id, [...(committed.get(id) ?? []), at]);
          if (!edit) mine.push(...ids);
          made += ids.length;
          changes += ids.length;
        }
      }),
    );
    const writeMs = Date.now() - started;

    // every order's final version, then wait (at most the overlap and a bit) until each was handed on
    const finalVersions = async () => (await checker.searchRead('purchase.order', { domain: [['origin', '=like', `${prefix}%`]], fields: ['write_date', 'partner_ref'] })).map((r) => `${r.id}|${String(r.write_date)}|${String(r.partner_ref)}`);
    const final = await finalVersions();
    const deadline = Date.now() + OVERLAP_MS + 10_000;
    while (final.some((v) => !seenVersions.has(v)) && Date.now() < deadline) await sleep(200);
    const missedVersions = final.filter((v) => !seenVersions.has(v));
    const missed = missedVersions.length;
    if (env.BENCH_DEBUG) {
      for (const v of missedVersions.slice(0, 10)) {
        const id = v.split('|')[0] as string;
        process.stderr.write(`missed ${v}; sent for it: ${[...seenVersions].filter((k) => k.startsWith(`${id}|`)).join(', ') || 'nothing'}; committed at ${(committed.get(Number(id)) ?? []).map((t) => new Date(t).toISOString()).join(', ')}\n`);
      }
    }

    // idle: once the newest change is older than the overlap, the window is empty
    await sleep(OVERLAP_MS + 2 * POLL_MS);
    const calls0 = feed.stats.calls;
    const polls0 = feed.stats.polls;
    await sleep(IDLE_S * 1000);
    const idleCalls = feed.stats.calls - calls0;
    const idlePolls = feed.stats.polls - polls0;
    await watcher.stop();

    if (target.real) {
      const mine = await checker.search('purchase.order', { domain: [['origin', '=like', `${prefix}%`]] });
      for (let i = 0; i < mine.length; i += 1000) await checker.unlink('purchase.order', mine.slice(i, i + 1000)).catch(() => undefined);
    }
    return {
      changes,
      emitted,
      missed,
      duplicates,
      lag_p99_ms: p99(lags),
      odoo_calls_idle_per_min: Math.round((idleCalls * 60) / IDLE_S),
      polls_idle_per_min: Math.round((idlePolls * 60) / IDLE_S),
      orders: final.length,
      late_commits: lateCommits,
      writers: WRITERS,
      write_ms: writeMs,
      poll_ms: POLL_MS,
      overlap_ms: OVERLAP_MS,
      poll_failures: failures.length,
      target: target.real ? 'odoo' : 'sandbox',
    };
  } finally {
    for (const c of [checker, reader, ...writers]) c.close();
    target.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
