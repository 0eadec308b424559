/**
 * odoo-changes on several instances: the feed's state in PostgreSQL
 * (DEAD_LETTER_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test;
 * .ci/run starts it), one leader at a time, the next one going on from the
 * recorded cursor. Against the sandbox Odoo: what reaches the flow is checked.
 */
import { Client } from 'pg';
import { OdooClient } from '../../lib/odoo/client';
import { Change, ChangeFeed } from '../../lib/odoo/changes';
import { PgFeedStore } from '../../lib/odoo/changes-store';
import { startSandbox, Sandbox } from '../../sandbox/odoo/server';

const PG_URL = process.env.DEAD_LETTER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TABLE = 'odoo_supply_feed_state_test';
let sandbox: Sandbox;
let client: OdooClient;
beforeAll(async () => {
  sandbox = await startSandbox();
  client = new OdooClient({ url: sandbox.url, database: sandbox.database, secret: sandbox.apiKey, protocol: 'json2' });
});
afterAll(async () => {
  client.close();
  await sandbox.close();
  const c = new Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await c.end();
});

const partner = (ref: string) => sandbox.store.create('res.partner', { name: ref, ref });

describe('change feed state in PostgreSQL', () => {
  it('one leader at a time; the next one goes on from the recorded cursor and hands nothing on twice', async () => {
    const scope = `feed-${Date.now().toString(36)}`;
    const got: Array<{ instance: string; change: Change }> = [];
    const open = (instance: string, store: PgFeedStore) =>
      ChangeFeed.open(client, { model: 'res.partner', fields: ['name', 'ref'], domain: [['ref', '=like', 'SHF-%']], start: { from: 'beginning' }, overlapMs: 30_000 }, store, (c) =>
        got.push(...c.map((change) => ({ instance, change }))),
      );
    const a = partner('SHF-a');
    const b = partner('SHF-b');
    const storeA = await PgFeedStore.tryLead({ connection: PG_URL, scope, table: TABLE });
    expect(storeA).toBeDefined();
    // the second instance stands by while the first leads
    expect(await PgFeedStore.tryLead({ connection: PG_URL, scope, table: TABLE })).toBeUndefined();
    const feedA = await open('A', storeA as PgFeedStore);
    await feedA.poll();
    expect(got.map((g) => [g.instance, g.change.id])).toEqual([['A', a], ['A', b]]);
    // A dies: its session ends, the lock with it (no feed.close: nothing more is recorded)
    await (storeA as PgFeedStore).close();
    const c = partner('SHF-c');
    const storeB = await PgFeedStore.tryLead({ connection: PG_URL, scope, table: TABLE });
    expect(storeB).toBeDefined();
    const feedB = await open('B', storeB as PgFeedStore);
    await feedB.poll();
    await feedB.poll();
    // a and b were handed on by A (inside the overlap window, they are read again, and not handed on again)
    expect(got.map((g) => [g.instance, g.change.id])).toEqual([['A', a], ['A', b], ['B', c]]);
    await feedB.close();
    // the next leader reads B's cursor from the table
    const storeC = await PgFeedStore.tryLead({ connection: PG_URL, scope, table: TABLE });
    expect((storeC as PgFeedStore).get('cursor')).toBe(feedB.cursorText);
    await storeC?.close();
  }, 30_000);

  it('a database it cannot reach is a transient UNAVAILABLE error', async () => {
    await expect(PgFeedStore.tryLead({ connection: 'postgres://x@127.0.0.1:1/test', scope: 's', table: TABLE })).rejects.toMatchObject({ code: 'UNAVAILABLE', transient: true });
  });
});
