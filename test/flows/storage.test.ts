/**
 * The flows storage module (lib/flows/storage.ts) in a real Node-RED runtime,
 * deploying through the admin API as the editor does: saving what was loaded
 * gives the same bytes, a one-node change is a one-line diff in one file, a
 * restart loses nothing, credentials never land under flows/, and files in the
 * older layout (a tab file holding its config node) still load.
 */
import fs from 'node:fs';
import path from 'node:path';
import { flowsStorage } from '../../lib/flows/storage';
import { FlowFileError, readFlows, serialize, splitFlows, writeFlows, type FlowNode } from '../../lib/flows/files';
import { adminRequest, startNodeRed, type Runtime } from '../helpers/runtime';
import { ROOT, tempDir } from '../helpers/child';

jest.setTimeout(60_000);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const localfilesystem = require('@node-red/runtime/lib/storage/localfilesystem');

type Files = Record<string, string>;
function snapshot(dir: string): Files {
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
  );
}
/** Files whose bytes differ, with the lines that differ (the layout keeps line numbers aligned for an edit in place). */
function changes(a: Files, b: Files): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[f] === b[f]) continue;
    const la = (a[f] ?? '').split('\n');
    const lb = (b[f] ?? '').split('\n');
    const lines: string[] = [];
    for (let i = 0; i < Math.max(la.length, lb.length); i++) if (la[i] !== lb[i]) lines.push(`${la[i] ?? ''} -> ${lb[i] ?? ''}`);
    out[f] = lines;
  }
  return out;
}

/** The committed flow files, and the ids of the shared config nodes in config.json. */
const COMMITTED = fs.readdirSync(path.join(ROOT, 'flows')).filter((f) => f.endsWith('.json')).sort();
const COMMITTED_CONFIG = (JSON.parse(fs.readFileSync(path.join(ROOT, 'flows', 'config.json'), 'utf8')) as FlowNode[]).map((n) => n.id);

describe('flows storage: one file per tab + config.json', () => {
  const tmp = tempDir('nr-storage-');
  const flowsDir = path.join(tmp.dir, 'flows');
  const userDir = path.join(tmp.dir, 'user');
  let rt: Runtime | undefined;

  const start = async (): Promise<Runtime> => {
    rt = await startNodeRed({
      userDir,
      nodesDir: [ROOT],
      storageModule: flowsStorage({ base: localfilesystem, dir: flowsDir }),
      credentialSecret: 'storage-test-secret',
    });
    return rt;
  };
  const stop = async (): Promise<void> => {
    await rt?.close();
    rt = undefined;
  };
  const getFlows = async (): Promise<{ rev: string; flows: FlowNode[] }> => {
    const r = await adminRequest(rt!, 'GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
    expect(r.status).toBe(200);
    return r.json;
  };
  const deploy = async (flows: FlowNode[]): Promise<void> => {
    // Node-RED answers a deploy before the flows have started again: wait for that, or the signal
    // arrives during the next test's start and that start looks done before its flows are loaded
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const restarted = new Promise<void>((resolve) => require('node-red').events.once('flows:started', () => resolve()));
    const r = await adminRequest(rt!, 'POST', '/flows', { flows }, { 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' });
    expect(r).toMatchObject({ status: 200 });
    await restarted;
  };

  beforeAll(async () => {
    fs.cpSync(path.join(ROOT, 'flows'), flowsDir, { recursive: true });
    // the committed tabs, disabled: this is about their files, and their nodes (SFTP pollers, MQTT sessions, intake routes) must not run here
    writeFlows(flowsDir, readFlows(flowsDir).map((n) => (n.type === 'tab' ? { ...n, disabled: true } : n)));
    fs.mkdirSync(userDir);
    await start();
  });

  afterAll(async () => {
    await stop();
    tmp.remove();
  });

  it('loads the committed flows, and saving them unchanged gives the same bytes', async () => {
    const before = snapshot(flowsDir);
    const { flows } = await getFlows();
    expect(flows.map((n) => n.id).sort()).toEqual(readFlows(path.join(ROOT, 'flows')).map((n) => n.id).sort());
    await deploy(flows);
    expect(snapshot(flowsDir)).toEqual(before);
    // every committed file already is in the layout the module writes
    for (const [file, text] of Object.entries(before)) expect(serialize(JSON.parse(text))).toBe(text);
    expect(Object.keys(before)).toEqual(COMMITTED);
    expect(COMMITTED).toEqual(expect.arrayContaining(['config.json', 'supplier-price-sync.json', 'plant-inventory.json']));
  });

  it('a one-node change is a one-line diff in one file', async () => {
    const before = snapshot(flowsDir);
    const { flows } = await getFlows();
    const write = flows.find((n) => n.type === 'odoo-write')!;
    write.name = 'Upsert vendor prices (renamed)';
    await deploy(flows);
    const diff = changes(before, snapshot(flowsDir));
    const file = Object.keys(before).find((f) => (JSON.parse(before[f]) as FlowNode[]).some((n) => n.id === write.id))!;
    expect(Object.keys(diff)).toEqual([file]);
    expect(diff[file]).toHaveLength(1);
    expect(diff[file][0]).toMatch(/"name": "[^"]*",? -> +"name": "Upsert vendor prices \(renamed\)"/);
  });

  it('a new tab is a new file, its shared server goes to config.json, its secret stays out of flows/, and a restart loses nothing', async () => {
    const { flows } = await getFlows();
    const secret = 'sk-storage-test-7f3a9c';
    flows.push(
      { id: 'tab-2', type: 'tab', label: 'Plant inventory (Demo)', disabled: false, info: '', env: [] },
      { id: 'n-2', type: 'comment', z: 'tab-2', name: 'counts from the plants', info: '', x: 200, y: 60, wires: [] },
      { id: 'n-3', type: 'odoo-write', z: 'tab-2', name: 'stock', server: 'cfg-2', operation: 'msg', model: '', keyFields: '', method: '', batchSize: 200, batchWindow: 50, context: '', x: 200, y: 120, wires: [[], []] },
      { id: 'cfg-2', type: 'odoo-config', name: 'second Odoo', url: 'http://127.0.0.1:9', database: 'x', login: 'y', protocol: 'auto', secretKind: 'apikey', timeout: 30, concurrency: 4, context: '', secretEnv: '', credentials: { secret } },
    );
    await deploy(flows);
    const files = snapshot(flowsDir);
    expect(Object.keys(files).sort()).toEqual([...COMMITTED, 'plant-inventory-demo.json'].sort());
    expect(JSON.parse(files['plant-inventory-demo.json']).map((n: FlowNode) => n.id)).toEqual(['tab-2', 'n-2', 'n-3']);
    expect(JSON.parse(files['config.json']).map((n: FlowNode) => n.id)).toEqual(['cfg-2', ...COMMITTED_CONFIG].sort());
    for (const text of Object.values(files)) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('"credentials"');
    }
    // the credential is kept, encrypted, in the user dir
    const cred = fs.readFileSync(path.join(userDir, 'flows_cred.json'), 'utf8');
    expect(cred).not.toContain(secret);
    expect(JSON.parse(cred)).toHaveProperty('$');

    await stop();
    await start();
    const after = await getFlows();
    const byId = (l: FlowNode[]) => Object.fromEntries(l.map((n) => [n.id, n]));
    const expected = byId(flows.map(({ credentials: _c, ...n }) => n as FlowNode));
    expect(byId(after.flows)).toEqual(expected);
    const c = await adminRequest(rt!, 'GET', '/credentials/odoo-config/cfg-2');
    expect(c.json).toMatchObject({ has_secret: true });
    // and saving after the restart changes no byte
    await deploy(after.flows);
    expect(snapshot(flowsDir)).toEqual(files);
  });

  it('a renamed tab moves to its new file name; a deleted tab removes its file', async () => {
    const { flows } = await getFlows();
    flows.find((n) => n.id === 'tab-2')!.label = 'Plant counts';
    await deploy(flows);
    expect(Object.keys(snapshot(flowsDir)).sort()).toEqual([...COMMITTED, 'plant-counts.json'].sort());
    await deploy(flows.filter((n) => n.id !== 'tab-2' && n.z !== 'tab-2'));
    expect(Object.keys(snapshot(flowsDir)).sort()).toEqual(COMMITTED);
  });

  it('leaves a file that appeared after the flows were loaded (a git pull) alone at the next deploy', async () => {
    const pulled = [{ id: 'pulled-tab', type: 'tab', label: 'Pulled', disabled: false, info: '', env: [] }];
    fs.writeFileSync(path.join(flowsDir, 'pulled.json'), JSON.stringify(pulled));
    const { flows } = await getFlows();
    await deploy(flows);
    expect(JSON.parse(fs.readFileSync(path.join(flowsDir, 'pulled.json'), 'utf8'))).toEqual(pulled);
    // after a restart it is one of the flows
    await stop();
    await start();
    expect((await getFlows()).flows.map((n) => n.id)).toContain('pulled-tab');
    const again = (await getFlows()).flows.filter((n) => n.id !== 'pulled-tab');
    await deploy(again);
    expect(fs.existsSync(path.join(flowsDir, 'pulled.json'))).toBe(false);
  });

  it('puts subflows and their nodes, and config nodes without a tab, in config.json; groups and tab-scoped config nodes with their tab', () => {
    const files = splitFlows([
      { id: 't', type: 'tab', label: 'A tab' },
      { id: 'sf', type: 'subflow', name: 'enrich', in: [], out: [] },
      { id: 'sfn', type: 'function', z: 'sf', func: 'return msg;', wires: [] },
      { id: 'inst', type: 'subflow:sf', z: 't', wires: [] },
      { id: 'grp', type: 'group', z: 't', nodes: ['inst'] },
      { id: 'cfgT', type: 'mqtt-broker', z: 't', broker: '${MQTT_URL}' },
      { id: 'cfgG', type: 'odoo-config', url: '${ODOO_URL}' },
      { id: 'orphan', type: 'debug', z: 'gone', wires: [] },
    ]);
    expect(Object.fromEntries([...files].map(([f, ns]) => [f, ns.map((n) => n.id).sort()]))).toEqual({
      'a-tab.json': ['cfgT', 'grp', 'inst', 't'],
      'config.json': ['cfgG', 'orphan', 'sf', 'sfn'],
    });
    expect(serialize(files.get('config.json')!)).toMatch(/^\[\n  \{\n    "id": "sf",\n    "type": "subflow"/);
  });

  it('loads a file in the older layout (tab and its config node in one file) and splits it at the next save', async () => {
    await stop();
    fs.rmSync(flowsDir, { recursive: true });
    fs.mkdirSync(flowsDir);
    const old = [
      { id: 'old-tab', type: 'tab', label: 'Old layout', disabled: false, info: '', env: [] },
      { id: 'old-w', type: 'odoo-write', name: 'w', server: 'old-cfg', operation: 'create', model: 'res.partner', keyFields: '', method: '', batchSize: 200, batchWindow: 50, context: '', x: 300, y: 80, wires: [[], []], z: 'old-tab' },
      { id: 'old-cfg', type: 'odoo-config', name: 'o', url: '${ODOO_URL}', database: '', login: '', protocol: 'auto', secretKind: 'apikey', timeout: '30', concurrency: '4', context: '', secretEnv: 'ODOO_API_KEY' },
    ];
    fs.writeFileSync(path.join(flowsDir, 'old-layout.json'), JSON.stringify(old, null, 2));
    // a second old file repeating the same shared config node is fine
    fs.writeFileSync(path.join(flowsDir, 'other.json'), JSON.stringify([old[2]], null, 2));
    await start();
    const { flows } = await getFlows();
    expect(flows.map((n) => n.id).sort()).toEqual(['old-cfg', 'old-tab', 'old-w']);
    await deploy(flows);
    const files = snapshot(flowsDir);
    expect(Object.keys(files).sort()).toEqual(['config.json', 'old-layout.json']);
    expect(JSON.parse(files['config.json'])).toEqual([expect.objectContaining({ id: 'old-cfg' })]);
    expect(JSON.parse(files['old-layout.json']).map((n: FlowNode) => n.id)).toEqual(['old-tab', 'old-w']);
  });

  it('refuses to load a folder with a broken file or two different nodes under one id, naming the file', () => {
    const dir = path.join(tmp.dir, 'broken');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'a.json'), '[{"id": "x", "type": "comment"}]');
    fs.writeFileSync(path.join(dir, 'b.json'), '[{"id": "x", "type": "comment", "name": "other"}]');
    expect(() => readFlows(dir)).toThrow(/b\.json: node x is also in a\.json/);
    fs.writeFileSync(path.join(dir, 'b.json'), '[{"id": "y", "type": "comment"},');
    expect(() => readFlows(dir)).toThrow(FlowFileError);
    expect(() => readFlows(dir)).toThrow(/^b\.json: not JSON/);
  });
});
