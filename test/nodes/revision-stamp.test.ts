/**
 * revision-stamp through the node: a new revision only when the content
 * changed, numbers kept across a redeploy; with ODOO_SUPPLY_DATABASE_URL (a real
 * PostgreSQL, DEAD_LETTER_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test)
 * the numbers another instance stamped go on; and the built package in a real
 * Node-RED (registered, editor and help served). Needs `npm run build` first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PgRevisionLedger } from '../../lib/resilience/revisions';
import { helper, until } from '../helpers/red';
import { adminRequest, startNodeRed, type Runtime } from '../helpers/runtime';
import revisionStampNode = require('../../nodes/revision-stamp/revision-stamp');
import { PG_URL, sql } from '../helpers/pg';

/** The node's last status text (the test helper spies on every node's status). */
const lastStatus = (n: any): string | undefined => n.status.getCalls().filter((c: any) => c.thisValue === n).at(-1)?.args[0]?.text;
let dataDir: string;
async function load(id = 'n1') {
  await helper.load([revisionStampNode] as any, [
    { id, type: 'revision-stamp', z: 'f1', wires: [['fresh'], ['same']] },
    { id: 'fresh', type: 'helper', z: 'f1' },
    { id: 'same', type: 'helper', z: 'f1' },
    { id: 'c1', type: 'catch', z: 'f1', scope: null, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
    { id: 'f1', type: 'tab' },
  ]);
  const got = { fresh: [] as any[], same: [] as any[], caught: [] as any[] };
  for (const k of ['fresh', 'same', 'caught'] as const) helper.getNode(k).on('input', (m: any) => got[k].push(m));
  return { n1: helper.getNode(id), got };
}

describe('revision-stamp', () => {
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'revision-stamp-'));
    helper.settings({ odooSupplyDataDir: dataDir });
  });
  afterAll(() => {
    helper.settings({});
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
  });

  it('revision 1, then nothing for the same content (key order aside), then 2 for a change; after a redeploy the numbers go on', async () => {
    const first = await load();
    first.n1.receive({ odoo: { id: 7 }, payload: { number: 'P7', qty: 1, unit: 'Units' } });
    first.n1.receive({ odoo: { id: 7 }, payload: { unit: 'Units', qty: 1, number: 'P7' } });
    first.n1.receive({ odoo: { id: 8 }, payload: { number: 'P8', qty: 1 } });
    first.n1.receive({ odoo: { id: 7 }, payload: { number: 'P7', qty: 2, unit: 'Units' } });
    await until(() => first.got.fresh.length + first.got.same.length === 4, 'four messages');
    expect(first.got.fresh.map((m) => [m.odoo.id, m.revision, m.previousRevision])).toEqual([[7, 1, 0], [8, 1, 0], [7, 2, 1]]);
    expect(first.got.same.map((m) => [m.odoo.id, m.revision])).toEqual([[7, 1]]);
    await helper.unload();
    const again = await load();
    again.n1.receive({ odoo: { id: 7 }, payload: { number: 'P7', qty: 2, unit: 'Units' } });
    again.n1.receive({ odoo: { id: 7 }, payload: { number: 'P7', qty: 3, unit: 'Units' } });
    await until(() => again.got.fresh.length + again.got.same.length === 2, 'two messages');
    expect(again.got.same.map((m) => m.revision)).toEqual([2]);
    expect(again.got.fresh.map((m) => m.revision)).toEqual([3]);
  });

  it('a message without the document fails to Catch nodes, naming the property', async () => {
    const { n1, got } = await load();
    n1.receive({ payload: { a: 1 } });
    await until(() => got.caught.length === 1, 'caught error');
    expect(got.caught[0].error.message).toMatch(/msg\.odoo\.id/);
  });

  describe('several instances (ODOO_SUPPLY_DATABASE_URL)', () => {
    const ID = 'rs-shared';
    const clear = () => sql(`DELETE FROM odoo_supply_revisions WHERE scope = $1`, [ID]).catch(() => undefined);
    const connections = async () => (await sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [`odoo-supply revisions ${ID}`]))[0].n as number;
    beforeEach(clear);
    afterEach(async () => {
      delete process.env.ODOO_SUPPLY_DATABASE_URL;
      await clear();
    });

    it('goes on from the numbers the instance that led before stamped; the rows are in PostgreSQL; the connections end with the node', async () => {
      // the instance that led the feed before the failover stamped PO 7 twice
      const before = new PgRevisionLedger({ connection: PG_URL, scope: ID });
      await before.stamp('7', { number: 'P7', qty: 1 });
      await before.stamp('7', { number: 'P7', qty: 2 });
      await before.close();
      process.env.ODOO_SUPPLY_DATABASE_URL = PG_URL;
      const { n1, got } = await load(ID);
      // the status says where the numbers live (the test helper's RED._ gives the message key)
      await until(() => lastStatus(n1) === 'revision-stamp.status.shared', 'the status of the shared ledger');
      // the failover hands on the last change again: unchanged, nothing sent twice
      n1.receive({ odoo: { id: 7 }, payload: { qty: 2, number: 'P7' } });
      n1.receive({ odoo: { id: 7 }, payload: { number: 'P7', qty: 3 } });
      n1.receive({ odoo: { id: 8 }, payload: { number: 'P8', qty: 1 } });
      await until(() => got.fresh.length + got.same.length === 3, 'three messages');
      expect(got.same.map((m) => [m.odoo.id, m.revision])).toEqual([[7, 2]]);
      expect(got.fresh.map((m) => [m.odoo.id, m.revision, m.previousRevision])).toEqual([[7, 3, 2], [8, 1, 0]]);
      expect(lastStatus(n1)).toBe('revision-stamp.status.shared');
      expect(await sql(`SELECT doc, revision FROM odoo_supply_revisions WHERE scope = $1 ORDER BY doc`, [ID])).toEqual([{ doc: '7', revision: 3 }, { doc: '8', revision: 1 }]);
      // the journal is not used
      expect(fs.existsSync(path.join(dataDir, `revision-stamp-${ID}.journal`))).toBe(false);
      expect(await connections()).toBeGreaterThan(0);
      await helper.unload();
      await until(async () => (await connections()) === 0, 'the pool ended with the node');
    });

    it('a database that does not answer: each message fails to Catch as transient, naming the server and not the password; once it answers the numbers go on', async () => {
      process.env.ODOO_SUPPLY_DATABASE_URL = 'postgres://odoo_supply:s3cret-pw@127.0.0.1:1/supply';
      const down = await load(ID);
      down.n1.receive({ odoo: { id: 7 }, payload: { number: 'P7', qty: 1 } });
      down.n1.receive({ odoo: { id: 7 }, payload: { number: 'P7', qty: 1 } });
      await until(() => down.got.caught.length === 2, 'two caught errors');
      for (const m of down.got.caught) {
        const e = m._error ?? m.error;
        expect(e).toMatchObject({ code: 'UNAVAILABLE', transient: true });
        expect(e.message).toContain('127.0.0.1:1/supply');
        expect(JSON.stringify(m)).not.toContain('s3cret-pw');
        expect(m.payload).toEqual({ number: 'P7', qty: 1 });
      }
      expect(down.got.fresh.length + down.got.same.length).toBe(0);
      await helper.unload();
      // the retried message, once the database answers: revision 1, nothing was lost
      process.env.ODOO_SUPPLY_DATABASE_URL = PG_URL;
      const up = await load(ID);
      up.n1.receive(down.got.caught[0]);
      await until(() => up.got.fresh.length === 1, 'the retried message');
      expect(up.got.fresh[0].revision).toBe(1);
    });
  });
});

describe('revision-stamp built, in a real Node-RED', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startNodeRed();
  });
  afterAll(() => rt?.close());

  it('is registered, and its editor definition and help are served', async () => {
    const sets = await adminRequest(rt, 'GET', '/nodes', undefined, { Accept: 'application/json' });
    const set = (sets.json as any[]).find((s) => s.types.includes('revision-stamp'));
    expect(set).toMatchObject({ enabled: true });
    expect(set.err).toBeUndefined();
    const html = await adminRequest(rt, 'GET', '/nodes', undefined, { Accept: 'text/html' });
    expect(html.text).toContain('data-template-name="revision-stamp"');
    expect(html.text).toContain('data-help-name="revision-stamp"');
    const catalog = await adminRequest(rt, 'GET', '/nodes/messages?lng=en-US', undefined, { Accept: 'application/json' });
    expect(catalog.json[set.id]?.['revision-stamp']?.status?.shared).toBe('__documents__ docs · __sent__ new · __unchanged__ same · PostgreSQL');
  });
});
