/// <reference lib="dom" />
/**
 * "Check access" in the odoo-config dialog, as an analyst sees it: the deployed
 * flow writes products as the sandbox's integration user, who lacks Products /
 * Create; the dialog names the refused operation, the node and the group.
 * Needs `npm run build` and Chromium (see test/helpers/editor.ts).
 */
import { startSandbox, type Sandbox } from '../../sandbox/odoo/server';
import { startEditor, type Editor } from '../helpers/editor';

jest.setTimeout(60_000);

const KEY_ENV = 'ZZT_UI_ACCESS_KEY';

describe('Check access in the odoo-config dialog', () => {
  let sandbox: Sandbox;
  let editor: Editor;

  beforeAll(async () => {
    sandbox = await startSandbox();
    const user = sandbox.users[0]!;
    user.groups = user.groups.filter((g) => g !== 'product.group_product_manager');
    process.env[KEY_ENV] = user.apiKey;
    editor = await startEditor({}, [
      { id: 'tab1', type: 'tab', label: 'Products' },
      { id: 'cfg1', type: 'odoo-config', name: 'sandbox', url: sandbox.url, database: sandbox.database, login: user.login, protocol: 'auto', secretKind: 'apikey', timeout: 10, concurrency: 2, secretEnv: KEY_ENV },
      { id: 'w1', z: 'tab1', type: 'odoo-write', name: 'new products', server: 'cfg1', operation: 'create', model: 'product.template', batchSize: 200, batchWindow: 50, x: 300, y: 120, wires: [[], []] },
      { id: 'r1', z: 'tab1', type: 'odoo-read', name: 'suppliers', server: 'cfg1', operation: 'search_read', model: 'res.partner', domain: '[]', domainType: 'json', x: 300, y: 200, wires: [[], []] },
    ]);
  });

  afterAll(async () => {
    await editor?.close();
    await sandbox?.close();
    delete process.env[KEY_ENV];
  });

  it('lists the refused operation with the node needing it and the group that grants it', async () => {
    const { page } = editor;
    await editor.open(['odoo-write', 'odoo-read']);
    await editor.openNode('w1', '#node-input-operation');
    await page.click('#node-input-btn-server-edit');
    await page.locator('#odoo-config-access').waitFor({ state: 'visible' });
    await page.click('#odoo-config-access');
    const result = page.locator('#odoo-config-access-result.odoo-supply-failed, #odoo-config-access-result.odoo-supply-ok');
    await result.waitFor({ state: 'visible', timeout: 15_000 });
    await editor.shot('config-dialog-check-access');
    expect(await result.getAttribute('class')).toContain('odoo-supply-failed');
    const refused = (await page.locator('#odoo-config-access-result .odoo-supply-refused').allInnerTexts()).map((t) => t.trim());
    expect(refused).toEqual([expect.stringMatching(/product\.template create \(new products\)[\s\S]*Products\/Create/)]);
    // what is granted is listed too
    expect(await result.innerText()).toMatch(/res\.partner read/);
    expect(editor.pageErrors).toEqual([]);
    await editor.closeWith('#node-config-dialog-cancel');
    await editor.closeWith('#node-dialog-cancel');
  });
});
