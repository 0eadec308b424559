/// <reference lib="dom" />
/**
 * Config migrations in the editor: Node-RED starts on a flows.json saved by
 * the previous release (no options version; odoo-config without secretEnv,
 * odoo-read without a domain). The editor shows every node migrated, and the
 * next deploy saves the migrated options. Needs `npm run build` and Chromium.
 */
import fs from 'node:fs';
import path from 'node:path';
import { currentVersion } from '../../lib/migrations';
import { startEditor, type Editor } from '../helpers/editor';
import { migrations as configMigrations } from '../../nodes/odoo-config/migrations';
import { migrations as readMigrations } from '../../nodes/odoo-read/migrations';
import { migrations as writeMigrations } from '../../nodes/odoo-write/migrations';
import { migrations as mapMigrations } from '../../nodes/canonical-map/migrations';

jest.setTimeout(60_000);

const CURRENT: Record<string, number> = {
  'odoo-config': currentVersion(configMigrations),
  'odoo-read': currentVersion(readMigrations),
  'odoo-write': currentVersion(writeMigrations),
  'canonical-map': currentVersion(mapMigrations),
};

const MAPPING = fs.readFileSync(path.resolve(__dirname, '..', '..', 'mappings', 'acme-tools.price-list.json'), 'utf8');

/** As the release before versioned options saved it (nodes/<type>/migrations.ts, step 1). */
const SAVED_BY_PREVIOUS_RELEASE = [
  { id: 'tab1', type: 'tab', label: 'old flow' },
  { id: 'cfg', type: 'odoo-config', name: 'old server', url: 'http://127.0.0.1:9', database: 'old', login: 'integration', protocol: 'auto', secretKind: 'apikey', timeout: 30, concurrency: 4, context: '' },
  { id: 'read', type: 'odoo-read', z: 'tab1', x: 200, y: 80, name: 'suppliers', server: 'cfg', operation: 'search_read', model: 'res.partner', fields: 'name', groupby: '', aggregates: '', limit: '', offset: '', order: '', pageSize: 500, output: 'all', context: '', wires: [[], []] },
  { id: 'write', type: 'odoo-write', z: 'tab1', x: 200, y: 160, name: 'partners', server: 'cfg', operation: 'create', model: 'res.partner', keyFields: '', method: '', batchSize: 200, batchWindow: 50, context: '', wires: [[], []] },
  { id: 'map', type: 'canonical-map', z: 'tab1', x: 200, y: 240, name: 'prices', direction: 'to-canonical', mapping: MAPPING, schema: '', server: '', output: 'grouped', cacheTtl: '300', wires: [[], []] },
];

describe('config migrations in the editor', () => {
  let editor: Editor;
  beforeAll(async () => {
    editor = await startEditor({}, SAVED_BY_PREVIOUS_RELEASE);
    await editor.open(['odoo-read', 'odoo-write', 'canonical-map']);
    // the deployed flow is in the editor once its last node is
    await editor.page.waitForFunction(() => ['cfg', 'read', 'write', 'map'].every((id) => !!(window as any).RED.nodes.node(id)));
  });
  afterAll(() => editor?.close());

  it('shows each node of an old flow at the current options version, with the fields the steps fill in', async () => {
    const nodes = await editor.page.evaluate(() => {
      const R = (window as any).RED;
      return ['cfg', 'read', 'write', 'map'].map((id) => {
        const n = R.nodes.node(id);
        return { id, type: n?.type, version: n?.version, secretEnv: n?.secretEnv, maxResponseMb: n?.maxResponseMb, domain: n?.domain, domainType: n?.domainType, changed: !!n?.changed, defaultVersion: R.nodes.getType(n?.type)?.defaults?.version?.value };
      });
    });
    for (const n of nodes) {
      expect({ id: n.id, version: n.version, defaultVersion: n.defaultVersion }).toEqual({ id: n.id, version: CURRENT[n.type!], defaultVersion: CURRENT[n.type!] });
    }
    expect(nodes.find((n) => n.id === 'cfg')).toMatchObject({ secretEnv: '', maxResponseMb: 256 });
    expect(nodes.find((n) => n.id === 'read')).toMatchObject({ domain: '[]', domainType: 'json' });
    expect(editor.pageErrors).toEqual([]);
  });

  it('a node added from the palette starts at the current version', async () => {
    const version = await editor.page.evaluate(() => {
      const R = (window as any).RED;
      R.view.importNodes([{ id: 'fresh', type: 'odoo-write', server: 'cfg', model: 'res.partner', x: 400, y: 80, z: R.workspaces.active(), wires: [] }], { generateIds: false, notify: false, applyNodeDefaults: true });
      return R.nodes.node('fresh')?.version;
    });
    expect(version).toBe(CURRENT['odoo-write']);
  });

  it('the next deploy writes the migrated options to flows.json', async () => {
    // an analyst's next change, then Deploy (full: every node is sent with its current options)
    await editor.page.evaluate(() => (window as any).RED.nodes.dirty(true));
    await editor.deploy();
    const saved = JSON.parse(fs.readFileSync(path.join(editor.runtime.userDir, 'flows.json'), 'utf8')) as Array<Record<string, unknown>>;
    const byId = Object.fromEntries(saved.map((n) => [n.id, n]));
    expect(byId.cfg).toMatchObject({ version: CURRENT['odoo-config'], secretEnv: '', maxResponseMb: 256 });
    expect(byId.read).toMatchObject({ version: CURRENT['odoo-read'], domain: '[]', domainType: 'json' });
    expect(byId.write).toMatchObject({ version: CURRENT['odoo-write'] });
    expect(byId.map).toMatchObject({ version: CURRENT['canonical-map'] });
  });
});
