/**
 * Change capture on the server itself: the sandbox by default, a real Odoo
 * with ODOO_URL (run it as admin and as the least-privilege integration user).
 * Concurrent writers, one long transaction that commits after later ones
 * (the sandbox holds its commit back; on a real Odoo it is one create of
 * hundreds of orders, which takes seconds), and a restart of the feed in the
 * middle: every version the writers left is handed on, none twice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OdooClient } from '../../lib/odoo/client';
import { Change, ChangeFeed } from '../../lib/odoo/changes';
import { runPrefix, startTarget, Target, targets, type TargetSpec } from '../helpers/target';

const specs = targets();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(specs.map((spec) => [spec.label, spec] as const))('%s', (_label, spec: TargetSpec) => {
  let target: Target;
  let fixtures: OdooClient;
  const clients: OdooClient[] = [];
  const prefix = runPrefix('chg');
  let partner: number;
  let dir: string;

  const connect = (): OdooClient => {
    const c = new OdooClient({ url: target.url, database: target.database, login: target.login, secret: (target.apiKey ?? target.password) as string, secretKind: target.apiKey ? 'apikey' : 'password', protocol: target.version.json2 ? 'json2' : 'xmlrpc', timeoutMs: 60_000 });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    target = await startTarget(spec);
    const first = connect();
    fixtures = target.fixtureLogin
      ? new OdooClient({ url: target.url, database: target.database, login: target.fixtureLogin.login, secret: target.fixtureLogin.password, secretKind: 'password', protocol: 'xmlrpc' })
      : first;
    if (fixtures !== first) clients.push(fixtures);
    [partner] = (await fixtures.create('res.partner', [{ name: `${prefix} vendor`, ref: prefix }])) as [number];
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'changes-contract-'));
  }, 60_000);
  afterAll(async () => {
    const mine = await fixtures.search('purchase.order', { domain: [['origin', '=like', `${prefix}%`]] }).catch(() => [] as number[]);
    if (target.real && mine.length) await fixtures.unlink('purchase.order', mine).catch(() => undefined);
    if (target.real) await fixtures.write('res.partner', [partner], { active: false }).catch(() => undefined);
    for (const c of clients) c.close();
    await target.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('concurrent writers, a long transaction committing after later ones, a restart in the middle: every version once, none missed', async () => {
    const file = path.join(dir, 'feed.journal');
    const got: Change[] = [];
    const options = { model: 'purchase.order', domain: [['origin', '=like', `${prefix}%`]], fields: ['origin', 'partner_ref', 'state'], start: { from: 'now' as const }, overlapMs: 60_000, pageSize: 200 };
    const reader = connect();
    let feed = await ChangeFeed.open(reader, options, file, (c) => got.push(...c));
    await feed.poll();
    let polling = true;
    let restarts = 0;
    const loop = (async () => {
      while (polling) {
        await feed.poll();
        await sleep(150);
      }
    })();

    // the long transaction: stamped now, committed seconds later, after the writers' first orders
    const longCount = target.real ? 600 : 20;
    if (target.sandbox) target.sandbox.inject({ model: 'purchase.order', method: 'create', commitLateMs: 3000, times: 1 });
    const longStart = Date.now();
    const long = connect().create('purchase.order', Array.from({ length: longCount }, (_, i) => ({ partner_id: partner, origin: `${prefix}-long-${i}` })));
    await sleep(target.real ? 1100 : 1100);
    const writers = [0, 1, 2].map(async (w) => {
      const c = connect();
      for (let i = 0; i < 12; i++) {
        const [id] = await c.create('purchase.order', [{ partner_id: partner, origin: `${prefix}-w${w}-${i}` }]);
        if (i % 2 === 0) {
          await sleep(50);
          await c.write('purchase.order', [id as number], { partner_ref: `${prefix}-w${w}-${i}-v2` });
        }
        await sleep(100);
      }
    });
    // a restart while they write: the feed is closed (its last record on disk) and opened again
    await sleep(1200);
    polling = false;
    await loop;
    await feed.close();
    feed = await ChangeFeed.open(reader, options, file, (c) => got.push(...c));
    restarts++;
    polling = true;
    const loop2 = (async () => {
      while (polling) {
        await feed.poll();
        await sleep(150);
      }
    })();
    await Promise.all(writers);
    const longIds = (await long) as number[];
    const longMs = Date.now() - longStart;
    // polls after the last commit: the late records are found in the overlap window
    await sleep(1500);
    polling = false;
    await loop2;
    await feed.poll();
    await feed.close();

    const final = await fixtures.searchRead('purchase.order', { domain: [['origin', '=like', `${prefix}%`]], fields: ['origin', 'partner_ref', 'state', 'write_date'] });
    expect(final).toHaveLength(longCount + 36);
    const versions = got.map((c) => `${c.id}@${c.writeDate}@${c.record.partner_ref}`);
    expect(new Set(versions).size).toBe(versions.length);
    const lastSent = new Map(got.map((c) => [c.id, c]));
    const missed = final.filter((r) => lastSent.get(r.id as number)?.writeDate !== r.write_date || lastSent.get(r.id as number)?.record.partner_ref !== r.partner_ref);
    expect(missed.map((r) => r.origin)).toEqual([]);
    // the long transaction did commit late: its records came after records stamped later than theirs
    const firstLong = got.findIndex((c) => longIds.includes(c.id));
    const longStamp = got[firstLong]!.writeDate;
    expect(got.slice(0, firstLong).some((c) => c.writeDate > longStamp)).toBe(true);
    expect(restarts).toBe(1);
    // eslint-disable-next-line no-console
    console.log(`${spec.label}: ${final.length} orders, ${got.length} versions handed on, long transaction ${longMs} ms, ${feed.stats.calls} calls after the restart`);
  }, 120_000);
});
