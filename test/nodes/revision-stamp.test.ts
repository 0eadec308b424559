/**
 * revision-stamp through the node: a new revision only when the content
 * changed, numbers kept across a redeploy; and the built package in a real
 * Node-RED (registered, editor and help served). Needs `npm run build` first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { helper, until } from '../helpers/red';
import { adminRequest, startNodeRed, type Runtime } from '../helpers/runtime';
import revisionStampNode = require('../../nodes/revision-stamp/revision-stamp');

let dataDir: string;
async function load() {
  await helper.load([revisionStampNode] as any, [
    { id: 'n1', type: 'revision-stamp', z: 'f1', wires: [['fresh'], ['same']] },
    { id: 'fresh', type: 'helper', z: 'f1' },
    { id: 'same', type: 'helper', z: 'f1' },
    { id: 'c1', type: 'catch', z: 'f1', scope: null, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f1' },
    { id: 'f1', type: 'tab' },
  ]);
  const got = { fresh: [] as any[], same: [] as any[], caught: [] as any[] };
  for (const k of ['fresh', 'same', 'caught'] as const) helper.getNode(k).on('input', (m: any) => got[k].push(m));
  return { n1: helper.getNode('n1'), got };
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
  });
});
