/**
 * Change capture against the sandbox Odoo: what a flow would miss or get twice
 * with `write_date > last seen`, and does not get here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OdooClient } from '../../lib/odoo/client';
import { Change, ChangeFeed, ChangeFeedOptions, changeCorrelationId, odooDatetime, parseWebhook } from '../../lib/odoo/changes';
import { startSandbox, Sandbox } from '../../sandbox/odoo/server';

let sandbox: Sandbox;
let client: OdooClient;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox();
  client = new OdooClient({ url: sandbox.url, database: sandbox.database, secret: sandbox.apiKey, protocol: 'json2' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'changes-'));
});
afterAll(async () => {
  client.close();
  await sandbox.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  sandbox.clearFaults();
  sandbox.store.freezeNow(undefined);
});

let n = 0;
async function feed(options: Partial<ChangeFeedOptions> & { tag: string }, file = path.join(dir, `${options.tag}-${++n}.journal`)) {
  const got: Change[] = [];
  const f = await ChangeFeed.open(client, { model: 'res.partner', fields: ['name', 'ref'], domain: [['ref', '=like', `${options.tag}-%`]], start: { from: 'beginning' }, overlapMs: 30_000, ...options }, file, (c) => got.push(...c));
  return { f, got, file };
}
const partner = (ref: string, name = ref) => sandbox.store.create('res.partner', { name, ref });
const keys = (got: Change[]) => got.map((c) => `${c.id}@${c.writeDate}`);

describe('ChangeFeed', () => {
  it('hands on each record once per version; an idle poll is one call', async () => {
    const a = partner('IDLE-a');
    const b = partner('IDLE-b');
    const { f, got } = await feed({ tag: 'IDLE' });
    await f.poll();
    expect(got.map((c) => c.id)).toEqual([a, b]);
    const before = sandbox.stats.calls;
    await f.poll();
    await f.poll();
    expect(sandbox.stats.calls - before).toBe(2);
    expect(got).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 1100));
    sandbox.store.write('res.partner', b, { name: 'IDLE-b renamed' });
    await f.poll();
    expect(got).toHaveLength(3);
    expect(got[2]).toMatchObject({ id: b, action: 'changed', source: 'poll', record: { name: 'IDLE-b renamed' } });
    await f.close();
  });

  it('a second version in the same second (Odoo sends seconds) is a new version', async () => {
    sandbox.store.freezeNow('2030-01-01 10:00:00');
    const a = partner('SAME-a');
    const { f, got } = await feed({ tag: 'SAME', overlapMs: 5_000 });
    await f.poll();
    sandbox.store.write('res.partner', a, { name: 'SAME-a v2' });
    await f.poll();
    await f.poll();
    expect(got.map((c) => c.record.name)).toEqual(['SAME-a', 'SAME-a v2']);
    await f.close();
  });

  it('a long transaction committed after later ones is handed on, though its write_date is behind the cursor', async () => {
    const { f, got } = await feed({ tag: 'LATE' });
    const early = partner('LATE-early');
    await f.poll();
    // stamped now, visible in 2.5 s: Odoo's write_date is the transaction's start
    sandbox.inject({ model: 'res.partner', method: 'create', commitLateMs: 2500, times: 1 });
    const late = client.create('res.partner', [{ name: 'LATE-late', ref: 'LATE-late' }]);
    await new Promise((r) => setTimeout(r, 1200));
    const after = partner('LATE-after');
    await f.poll();
    expect(got.map((c) => c.id)).toEqual([early, after]);
    const cursor = f.cursorText;
    const [lateId] = await late;
    await f.poll();
    expect(got.map((c) => c.id)).toEqual([early, after, lateId]);
    // the naive cursor would have skipped it
    expect(got[2]!.writeDate < cursor).toBe(true);
    await f.poll();
    expect(got).toHaveLength(3);
    await f.close();
  });

  it('pages through more records than a page within one second, none skipped at the edges, none twice', async () => {
    sandbox.store.freezeNow('2030-02-01 08:00:00');
    sandbox.store.createMany('res.partner', Array.from({ length: 230 }, (_, i) => ({ name: `EDGE-${i}`, ref: `EDGE-${i}` })));
    sandbox.store.freezeNow('2030-02-01 08:00:01');
    sandbox.store.createMany('res.partner', Array.from({ length: 70 }, (_, i) => ({ name: `EDGE-b${i}`, ref: `EDGE-b${i}` })));
    const { f, got } = await feed({ tag: 'EDGE', pageSize: 50 });
    await f.poll();
    expect(got).toHaveLength(300);
    expect(new Set(keys(got)).size).toBe(300);
    await f.poll();
    expect(got).toHaveLength(300);
    await f.close();
  });

  it('survives a restart: nothing twice, nothing missed, and changes made while it was down come once', async () => {
    partner('RST-1');
    const first = await feed({ tag: 'RST' });
    await first.f.poll();
    partner('RST-2');
    await first.f.poll();
    await first.f.close();
    const r3 = partner('RST-3');
    const again = await feed({ tag: 'RST' }, first.file);
    await again.f.poll();
    await again.f.poll();
    expect(first.got.map((c) => c.record.ref)).toEqual(['RST-1', 'RST-2']);
    expect(again.got.map((c) => c.id)).toEqual([r3]);
    await again.f.close();
  });

  it('starts from now: records before the start are not changes, later ones are', async () => {
    partner('NOW-old');
    const { f, got } = await feed({ tag: 'NOW', start: { from: 'now' } });
    await f.poll();
    expect(got).toEqual([]);
    const fresh = partner('NOW-new');
    await f.poll();
    expect(got.map((c) => c.id)).toEqual([fresh]);
    await f.close();
  });

  it('starts from a date: older records are never handed on', async () => {
    sandbox.store.freezeNow('2031-01-01 00:00:00');
    partner('DATE-old');
    sandbox.store.freezeNow('2031-03-01 00:00:00');
    const b = partner('DATE-new');
    const { f, got } = await feed({ tag: 'DATE', start: { from: 'date', date: '2031-02-01' } });
    await f.poll();
    expect(got.map((c) => c.id)).toEqual([b]);
    await f.close();
  });

  it('a hint (webhook) re-reads the record; the poll after it does not hand it on again, nor the poll a hint', async () => {
    const { f, got } = await feed({ tag: 'HINT' });
    await f.poll();
    const a = partner('HINT-a');
    await f.hint([a]);
    expect(got).toMatchObject([{ id: a, source: 'push', record: { name: 'HINT-a' } }]);
    await f.poll();
    await f.hint([a]);
    expect(got).toHaveLength(1);
    // a record outside the domain is not handed on, whatever the hint says
    await f.hint([partner('OTHER-x')]);
    expect(got).toHaveLength(1);
    await f.hint([a], 'deleted');
    await f.hint([a], 'deleted');
    expect(got.map((c) => c.action)).toEqual(['changed', 'deleted']);
    // a hint about a record that is gone (Odoo posts after the commit of the deletion) is a deletion, whatever the rule's name
    const b = partner('HINT-b');
    sandbox.store.unlink('res.partner', b);
    await f.hint([b]);
    expect(got.slice(2)).toMatchObject([{ id: b, action: 'deleted', source: 'push' }]);
    await f.close();
  });

  it('forgets versions that fell out of the window (bounded), and they never come back', async () => {
    sandbox.store.freezeNow(odooDatetime(Date.now() - 60_000));
    for (let i = 0; i < 20; i++) partner(`WIN-${i}`);
    sandbox.store.freezeNow(undefined);
    const { f, got } = await feed({ tag: 'WIN', overlapMs: 10_000 });
    await f.poll();
    expect(got).toHaveLength(20);
    // stamped a minute ago, before the last poll's window: never read again, so not kept
    expect(f.stats.tracked).toBe(0);
    partner('WIN-late');
    await f.poll();
    await f.poll();
    expect(got).toHaveLength(21);
    expect(f.stats.tracked).toBe(1);
    await f.close();
  });

  it('once nothing changed for the overlap, a poll is one call', async () => {
    sandbox.store.freezeNow(odooDatetime(Date.now() - 30_000));
    for (let i = 0; i < 120; i++) partner(`QUIET-${i}`);
    sandbox.store.freezeNow(undefined);
    const { f, got } = await feed({ tag: 'QUIET', overlapMs: 5_000, pageSize: 50 });
    await f.poll();
    expect(got).toHaveLength(120);
    const before = sandbox.stats.calls;
    await f.poll();
    expect(sandbox.stats.calls - before).toBe(1);
    await f.close();
  });

  it('a line written alone is reported as a change of its order (related), once per line version', async () => {
    const partnerId = sandbox.store.search('res.partner', [['ref', '=', 'SUP-ACME']])[0];
    const product = sandbox.store.search('product.product', [['default_code', '=', 'FAS-BOLT-M8']])[0];
    const po = sandbox.store.create('purchase.order', { partner_id: partnerId, origin: 'REL-1', order_line: [[0, 0, { product_id: product, product_qty: 1, price_unit: 1, product_uom_id: 1, name: 'x' }]] });
    const line = sandbox.store.search('purchase.order.line', [['order_id', '=', po]])[0] as number;
    const got: Change[] = [];
    const f = await ChangeFeed.open(client, { model: 'purchase.order', domain: [['origin', '=', 'REL-1']], fields: ['name'], start: { from: 'beginning' }, overlapMs: 30_000, related: [{ model: 'purchase.order.line', field: 'order_id' }] }, path.join(dir, 'rel.journal'), (c) => got.push(...c));
    await f.poll();
    expect(got.map((c) => c.id)).toEqual([po]);
    await new Promise((r) => setTimeout(r, 1100));
    const before = sandbox.store.read('purchase.order', po, ['write_date'])[0]!.write_date;
    sandbox.store.write('purchase.order.line', line, { product_qty: 5 });
    // the order itself did not change: write_date > cursor would never see this
    expect(sandbox.store.read('purchase.order', po, ['write_date'])[0]!.write_date).toBe(before);
    await f.poll();
    await f.poll();
    expect(got).toHaveLength(2);
    expect(got[1]).toMatchObject({ id: po, via: { model: 'purchase.order.line', ids: [line] } });
    await f.close();
  });

  it('a change carries a correlation id of its version: the same version again the same id, another version or record another', () => {
    const v1 = { model: 'purchase.order', id: 7, action: 'changed' as const, record: { id: 7, write_date: '2026-11-20 08:00:00', state: 'purchase' } };
    const id = changeCorrelationId(v1);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(changeCorrelationId({ ...v1, record: { state: 'purchase', write_date: '2026-11-20 08:00:00', id: 7 } })).toBe(id);
    const others = [
      { ...v1, record: { ...v1.record, state: 'done' } },
      { ...v1, record: { ...v1.record, write_date: '2026-11-20 08:00:01' } },
      { ...v1, id: 8, record: { ...v1.record, id: 8 } },
      { ...v1, action: 'deleted' as const, record: { id: 7 } },
      { ...v1, via: { model: 'purchase.order.line', ids: [70] } },
    ].map(changeCorrelationId);
    expect(new Set([id, ...others]).size).toBe(6);
  });

  it('reads Odoo 19 webhook bodies as hints, refuses others by name', () => {
    expect(parseWebhook({ _action: 'Send Webhook Notification(#3)', _id: 7, _model: 'res.partner', name: 'x' }, 'res.partner')).toEqual({ ids: [7], model: 'res.partner', action: 'changed' });
    expect(() => parseWebhook({ _id: 7, _model: 'res.users' }, 'res.partner')).toThrow(/res.users/);
    expect(() => parseWebhook({ name: 'x' }, 'res.partner')).toThrow(/_id/);
    expect(odooDatetime(Date.UTC(2030, 0, 2, 3, 4, 5))).toBe('2030-01-02 03:04:05');
  });
});
