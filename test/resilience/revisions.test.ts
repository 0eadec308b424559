/**
 * revision-stamp's ledger, both backends: the local journal and PostgreSQL (a real
 * server, DEAD_LETTER_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test;
 * .ci/run starts it). Then two PostgreSQL ledgers on one table, as two instances
 * of the flow: what is checked is the numbers they hand out and the rows in the table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { contentDigest, openRevisionStore, PgRevisionLedger, RevisionLedger, type RevisionStore, type Stamp } from '../../lib/resilience/revisions';
import { PG_URL, sql } from '../helpers/pg';

const TABLE = 'odoo_supply_revisions_test';
const unique = () => `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const dirs: string[] = [];
const open: RevisionStore[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
});
afterAll(async () => {
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
  const c = new Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await c.end();
});
const rows = async (scope: string) => {
  const c = new Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return (await c.query(`SELECT doc, revision, digest FROM ${TABLE} WHERE scope = $1 ORDER BY doc`, [scope])).rows as Array<{ doc: string; revision: number; digest: string }>;
  } finally {
    await c.end();
  }
};
const pg = (scope: string, connection = PG_URL) => {
  const l = new PgRevisionLedger({ connection, scope, table: TABLE });
  open.push(l);
  return l;
};

type Maker = () => () => Promise<RevisionStore>;
const makers: Array<[string, Maker]> = [
  ['local journal', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'revisions-'));
    dirs.push(dir);
    return async () => {
      const l = await RevisionLedger.open(path.join(dir, 'revisions.journal'));
      open.push(l);
      return l;
    };
  }],
  ['PostgreSQL', () => {
    const scope = unique();
    return async () => pg(scope);
  }],
];

describe.each(makers)('revision ledger: %s', (_name, make) => {
  it('1 for a new document, nothing for the same content (key order aside), the next number for each change; a restart goes on', async () => {
    const ledger = make();
    const a = await ledger();
    expect(await a.stamp('PO1', { qty: 1, unit: 'Units' })).toEqual({ changed: true, revision: 1, previous: 0 });
    expect(await a.stamp('PO1', { unit: 'Units', qty: 1 })).toEqual({ changed: false, revision: 1 });
    expect(await a.stamp('PO1', { qty: 2, unit: 'Units' })).toEqual({ changed: true, revision: 2, previous: 1 });
    // back to the first content: a change too (the supplier holds revision 2)
    expect(await a.stamp('PO1', { qty: 1, unit: 'Units' })).toEqual({ changed: true, revision: 3, previous: 2 });
    expect(await a.stamp('PO2', { qty: 1 })).toEqual({ changed: true, revision: 1, previous: 0 });
    expect(a.count).toBe(2);
    await a.close();
    const b = await ledger();
    expect(await b.stamp('PO1', { qty: 1, unit: 'Units' })).toEqual({ changed: false, revision: 3 });
    expect(b.count).toBe(2);
    expect(await b.stamp('PO1', { qty: 4, unit: 'Units' })).toEqual({ changed: true, revision: 4, previous: 3 });
    expect(await b.stamp('PO2', { qty: 1 })).toEqual({ changed: false, revision: 1 });
  });

  it('the message that made a revision, stamped again (its answer was lost), gets that revision again; another message with that content does not', async () => {
    const l = await make()();
    expect(await l.stamp('PO9', { qty: 1 }, 'corr-1')).toEqual({ changed: true, revision: 1, previous: 0 });
    expect(await l.stamp('PO9', { qty: 1 }, 'corr-1')).toEqual({ changed: true, revision: 1, previous: 0 });
    expect(await l.stamp('PO9', { qty: 1 }, 'corr-2')).toEqual({ changed: false, revision: 1 });
    expect(await l.stamp('PO9', { qty: 1 })).toEqual({ changed: false, revision: 1 });
  });

  it('stamps of one document in one instance keep their order, even when not awaited one by one', async () => {
    const l = await make()();
    const got = await Promise.all([{ v: 1 }, { v: 2 }, { v: 2 }, { v: 3 }].map((c) => l.stamp('PO5', c)));
    expect(got).toEqual([
      { changed: true, revision: 1, previous: 0 },
      { changed: true, revision: 2, previous: 1 },
      { changed: false, revision: 2 },
      { changed: true, revision: 3, previous: 2 },
    ]);
  });

  it('refuses to stamp once closed', async () => {
    const l = await make()();
    await l.close();
    await expect(l.stamp('x', 1)).rejects.toThrow(/closed/);
  });
});

describe('revision ledger: PostgreSQL shared by two instances', () => {
  const DOCS = 40;
  const ROUNDS = 8;
  const docs = Array.from({ length: DOCS }, (_, i) => `PO${String(i).padStart(3, '0')}`);

  it('the same new content reaching both at once: one new number, the other instance hears "unchanged" with that number', async () => {
    const scope = unique();
    const [a, b] = [pg(scope), pg(scope)];
    await Promise.all([a.prepare(), b.prepare()]);
    for (let r = 1; r <= ROUNDS; r++) {
      const got = await Promise.all(docs.flatMap((d) => [a.stamp(d, { d, r }), b.stamp(d, { r, d })]));
      for (let i = 0; i < DOCS; i++) {
        const pair = [got[2 * i], got[2 * i + 1]] as Stamp[];
        expect(pair.filter((s) => s.changed)).toEqual([{ changed: true, revision: r, previous: r - 1 }]);
        expect(pair.filter((s) => !s.changed)).toEqual([{ changed: false, revision: r }]);
      }
    }
    expect((await rows(scope)).map((x) => [x.doc, x.revision])).toEqual(docs.map((d) => [d, ROUNDS]));
  }, 60_000);

  it('different content reaching both at once: two numbers, never the same one twice', async () => {
    const scope = unique();
    const [a, b] = [pg(scope), pg(scope)];
    await Promise.all([a.prepare(), b.prepare()]);
    const last = new Map<string, string>();
    for (let r = 1; r <= ROUNDS; r++) {
      const got = await Promise.all(docs.flatMap((d) => [a.stamp(d, { d, r, from: 'a' }), b.stamp(d, { d, r, from: 'b' })]));
      for (let i = 0; i < DOCS; i++) {
        const [sa, sb] = [got[2 * i], got[2 * i + 1]] as Array<Stamp & { changed: true }>;
        expect([sa.changed, sb.changed]).toEqual([true, true]);
        expect([sa.revision, sb.revision].sort((x, y) => x - y)).toEqual([2 * r - 1, 2 * r]);
        expect(sa.previous).toBe(sa.revision - 1);
        last.set(docs[i], contentDigest({ d: docs[i], r, from: sa.revision > sb.revision ? 'a' : 'b' }));
      }
    }
    // the row holds the content of the highest number
    expect((await rows(scope)).map((x) => [x.doc, x.revision, x.digest])).toEqual(docs.map((d) => [d, 2 * ROUNDS, last.get(d)]));
  }, 60_000);

  it('a mix of same and changed content from both, unordered: numbers 1..n per document without gap or repeat, one per change', async () => {
    const scope = unique();
    const [a, b] = [pg(scope), pg(scope)];
    await Promise.all([a.prepare(), b.prepare()]);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // each instance gets each document's versions in order, some twice (a change handed on again), with 3 contents so versions repeat
    const plan = (d: string) => Array.from({ length: 40 }, (_, i) => ({ d, v: Math.floor(rnd() * 3), i })).flatMap((x) => (rnd() < 0.3 ? [x, x] : [x]));
    const runs: Array<Promise<Array<{ doc: string; digest: string; stamp: Stamp }>>> = [];
    const few = docs.slice(0, 6); // few documents, many versions: the two instances meet on one document often
    for (const l of [a, b]) {
      for (const d of few) {
        const versions = plan(d);
        runs.push(
          (async () => {
            const out: Array<{ doc: string; digest: string; stamp: Stamp }> = [];
            for (const x of versions) {
              if (rnd() < 0.2) await new Promise((r) => setTimeout(r, 1));
              const content = { d: x.d, v: x.v };
              out.push({ doc: d, digest: contentDigest(content), stamp: await l.stamp(d, content) });
            }
            return out;
          })(),
        );
      }
    }
    const all = (await Promise.all(runs)).flat();
    const table = new Map((await rows(scope)).map((x) => [x.doc, x]));
    expect(table.size).toBe(few.length);
    for (const d of few) {
      const mine = all.filter((x) => x.doc === d);
      const numbered = mine.filter((x) => x.stamp.changed).sort((x, y) => x.stamp.revision - y.stamp.revision);
      const n = table.get(d)?.revision ?? 0;
      // 1..n, each number handed out once
      expect(numbered.map((x) => x.stamp.revision)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      // each number is a change: never the same content under two consecutive numbers
      for (let i = 1; i < numbered.length; i++) expect(numbered[i].digest).not.toBe(numbered[i - 1].digest);
      // "unchanged" names the revision that has that content
      const contentOf = new Map(numbered.map((x) => [x.stamp.revision, x.digest]));
      for (const x of mine.filter((y) => !y.stamp.changed)) expect(contentOf.get(x.stamp.revision)).toBe(x.digest);
      expect(table.get(d)?.digest).toBe(numbered[numbered.length - 1].digest);
    }
  }, 60_000);

  it('a restart (a new ledger object) goes on from the table; another node (scope) numbers its own documents', async () => {
    const scope = unique();
    const other = unique();
    const a = pg(scope);
    await a.stamp('PO1', { qty: 1 });
    await a.stamp('PO1', { qty: 2 });
    expect(await pg(other).stamp('PO1', { qty: 2 })).toEqual({ changed: true, revision: 1, previous: 0 });
    await a.close();
    const again = pg(scope);
    await again.prepare();
    expect(again.count).toBe(1);
    expect(await again.stamp('PO1', { qty: 2 })).toEqual({ changed: false, revision: 2 });
    expect(await again.stamp('PO1', { qty: 3 })).toEqual({ changed: true, revision: 3, previous: 2 });
    expect((await rows(scope)).map((x) => [x.doc, x.revision])).toEqual([['PO1', 3]]);
    expect((await rows(other)).map((x) => [x.doc, x.revision])).toEqual([['PO1', 1]]);
  });

  it('its connections terminated by the server: no crash, a stamp fails as transient at most, its retry is numbered without gap', async () => {
    const scope = unique();
    const l = pg(scope);
    await l.stamp('PO1', { qty: 1 });
    const kill = () => sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`odoo-supply revisions ${scope}`]);
    await kill();
    // retried as retry-gate would: the same message, its correlation id kept (a stamp whose answer was lost is answered again)
    const retried = async (content: unknown, token: string): Promise<Stamp> => {
      for (let i = 0; ; i++) {
        try {
          return await l.stamp('PO1', content, token);
        } catch (err) {
          expect(err).toMatchObject({ code: 'UNAVAILABLE', transient: true });
          if (i > 3) throw err;
        }
      }
    };
    expect(await retried({ qty: 2 }, 'm2')).toEqual({ changed: true, revision: 2, previous: 1 });
    const during = Promise.all([retried({ qty: 3 }, 'm3'), kill()]);
    expect((await during)[0]).toEqual({ changed: true, revision: 3, previous: 2 });
    expect(await retried({ qty: 3 }, 'm4')).toEqual({ changed: false, revision: 3 });
    expect((await rows(scope)).map((x) => x.revision)).toEqual([3]);
  });

  it('a database it cannot reach: each stamp fails as transient UNAVAILABLE naming the server, not the password; nothing is numbered', async () => {
    const l = pg(unique(), 'postgres://odoo_supply:s3cret-pw@127.0.0.1:1/supply');
    const err = (await l.stamp('PO1', { qty: 1 }).catch((e: unknown) => e)) as { code: string; transient: boolean; message: string };
    expect(err).toMatchObject({ code: 'UNAVAILABLE', transient: true });
    expect(err.message).toContain('127.0.0.1:1/supply');
    expect(err.message).not.toContain('s3cret-pw');
    await expect(l.prepare()).rejects.toMatchObject({ code: 'UNAVAILABLE', transient: true });
  });

  it('is chosen by ODOO_SUPPLY_DATABASE_URL, the journal otherwise', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'revisions-'));
    dirs.push(dir);
    const file = path.join(dir, 'r.journal');
    const shared = await openRevisionStore({ file, scope: unique(), table: TABLE, env: { ODOO_SUPPLY_DATABASE_URL: PG_URL } });
    const local = await openRevisionStore({ file, scope: unique(), env: {} });
    open.push(shared, local);
    expect([shared.kind, local.kind]).toEqual(['postgres', 'journal']);
    expect(fs.existsSync(file)).toBe(true);
  });
});
