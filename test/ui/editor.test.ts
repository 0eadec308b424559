/// <reference lib="dom" />
/**
 * The editor as an analyst sees it: a real Node-RED 4 runtime with this
 * package installed, the sandbox Odoo, and headless Chromium. Needs `npm run
 * build` first (Node-RED loads the package from dist/) and a Chromium binary
 * (CHROMIUM_PATH, default /usr/bin/chromium; .ci/run installs Debian's).
 */
import { configNodeSchema, readNodeSchema, writeNodeSchema } from '../../lib/odoo/options';
import { startSandbox } from '../../sandbox/odoo/server';
import { startEditor, type Editor, type Page } from '../helpers/editor';

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

jest.setTimeout(60_000);

describe('Odoo nodes in the Node-RED editor', () => {
  let sandbox: Sandbox;
  let editor: Editor;
  let page: Page;
  let pageErrors: string[];
  let consoleErrors: string[];

  beforeAll(async () => {
    sandbox = await startSandbox({});
    editor = await startEditor();
    ({ page, pageErrors, consoleErrors } = editor);
  });

  afterAll(async () => {
    await editor?.close();
    await sandbox?.close();
  });

  const shot = (name: string) => editor.shot(name);
  const closeWith = (button: string) => editor.closeWith(button);

  // a failed step can leave dialogs open: close them so the next test starts from the workspace
  afterEach(() => editor.closeDialogs());

  const openNode = (id: string) => editor.openNode(id, '#node-input-operation');

  async function testConnection(): Promise<{ ok: boolean; text: string }> {
    await page.click('#odoo-config-test');
    const result = page.locator('#odoo-config-test-result.odoo-supply-ok, #odoo-config-test-result.odoo-supply-failed');
    await result.waitFor({ state: 'visible', timeout: 15_000 });
    return { ok: (await result.getAttribute('class'))!.includes('odoo-supply-ok'), text: (await result.innerText()).trim() };
  }

  it('loads the palette without errors', async () => {
    await editor.open(['odoo-read', 'odoo-write']);
    expect(await page.locator('.red-ui-palette-node[data-palette-type="odoo-write"]').count()).toBe(1);
    expect(await page.locator('.red-ui-palette-node[data-palette-type="odoo-read"] .red-ui-palette-label').innerText()).toBe('odoo read');
    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((e) => /odoo/i.test(e))).toEqual([]);
  });

  it('adds a server from the read node; "Test connection" names the protocol and the Odoo version', async () => {
    await editor.importNodes([{ id: 'uiread1', type: 'odoo-read', x: 260, y: 140, wires: [[], []] }]);
    await openNode('uiread1');
    await page.click('#node-input-btn-server-add');
    await page.locator('#node-config-input-url').waitFor({ state: 'visible' });
    await page.fill('#node-config-input-url', sandbox.url);
    await page.fill('#node-config-input-database', sandbox.database);
    await page.fill('#node-config-input-login', sandbox.login);
    await page.fill('#node-config-input-secret', sandbox.apiKey);

    const good = await testConnection();
    await shot('config-dialog-ok');
    expect(good).toEqual({ ok: true, text: expect.stringMatching(/json2/) });
    expect(good.text).toMatch(/19\.0/);

    await closeWith('#node-config-dialog-ok');
    await closeWith('#node-dialog-ok');
    await editor.deploy();
  });

  it('offers product.product in the model picker once the server is deployed', async () => {
    await openNode('uiread1');
    await page.locator('#node-input-model').pressSequentially('product', { delay: 20 });
    const menu = page.locator('.red-ui-autoComplete-container');
    try {
      await menu.getByText('product.product', { exact: true }).first().waitFor({ state: 'visible' });
    } finally {
      await shot('read-dialog-model-picker');
    }

    await menu.getByText('product.product', { exact: true }).first().click();
    expect(await page.inputValue('#node-input-model')).toBe('product.product');

    // fields come from fields_get of the picked model
    await page.locator('#node-input-fields').pressSequentially('default', { delay: 20 });
    try {
      await menu.getByText('default_code', { exact: true }).first().waitFor({ state: 'visible' });
    } finally {
      await shot('read-dialog-field-picker');
    }
    await closeWith('#node-dialog-cancel');
  });

  it('tests the stored secret as is, and names the auth problem of a wrong key', async () => {
    await openNode('uiread1');
    await page.click('#node-input-btn-server-edit');
    await page.locator('#node-config-input-url').waitFor({ state: 'visible' });
    // the editor never receives a stored secret back, only a placeholder the runtime resolves
    expect(await page.inputValue('#node-config-input-secret')).toBe('__PWRD__');
    expect(await testConnection()).toEqual({ ok: true, text: expect.stringMatching(/json2/) });

    await page.fill('#node-config-input-secret', `${sandbox.apiKey}-wrong`);
    const bad = await testConnection();
    await shot('config-dialog-wrong-key');
    expect(bad.ok).toBe(false);
    expect(bad.text).toMatch(/AUTH/);
    expect(bad.text).toMatch(/API key|login|secret/i);
    await closeWith('#node-config-dialog-cancel');
    await closeWith('#node-dialog-cancel');
  });

  it('marks a node invalid exactly when the runtime\'s schema refuses its properties', async () => {
    const cases: Array<{ type: 'odoo-config' | 'odoo-read' | 'odoo-write'; props: Record<string, unknown> }> = [
      { type: 'odoo-config', props: { url: 'https://odoo.example.com' } },
      { type: 'odoo-config', props: { url: '' } },
      { type: 'odoo-config', props: { url: 'ftp://odoo.example.com' } },
      { type: 'odoo-config', props: { url: 'http://x', timeout: 0 } },
      { type: 'odoo-config', props: { url: 'http://x', timeout: 0.5 } },
      { type: 'odoo-config', props: { url: 'http://x', timeout: '601' } },
      { type: 'odoo-config', props: { url: 'http://x', concurrency: 33 } },
      { type: 'odoo-config', props: { url: 'http://x', concurrency: '2.5' } },
      { type: 'odoo-config', props: { url: 'http://x', context: '{"lang": "en_US"}' } },
      { type: 'odoo-config', props: { url: 'http://x', context: '["en_US"]' } },
      { type: 'odoo-config', props: { url: 'http://x', protocol: 'soap' } },
      { type: 'odoo-read', props: {} },
      { type: 'odoo-read', props: { model: 'product.product', fields: 'name, default_code' } },
      { type: 'odoo-read', props: { model: 'Product Product' } },
      { type: 'odoo-read', props: { operation: 'list' } },
      { type: 'odoo-read', props: { limit: 0 } },
      { type: 'odoo-read', props: { limit: '25', offset: '0' } },
      { type: 'odoo-read', props: { offset: -1 } },
      { type: 'odoo-read', props: { order: 'name asc, id desc' } },
      { type: 'odoo-read', props: { order: 'name; drop table' } },
      { type: 'odoo-read', props: { pageSize: 10_000 } },
      { type: 'odoo-read', props: { pageSize: 10_001 } },
      { type: 'odoo-read', props: { output: 'page' } },
      { type: 'odoo-read', props: { output: 'stream' } },
      { type: 'odoo-read', props: { context: '{bad json' } },
      { type: 'odoo-write', props: {} },
      { type: 'odoo-write', props: { operation: 'upsert', keyFields: '' } },
      { type: 'odoo-write', props: { operation: 'upsert', keyFields: ' , ' } },
      { type: 'odoo-write', props: { operation: 'upsert', keyFields: 'default_code' } },
      { type: 'odoo-write', props: { operation: 'call', method: '' } },
      { type: 'odoo-write', props: { operation: 'call', method: 'button_confirm' } },
      { type: 'odoo-write', props: { operation: 'call', method: '1st' } },
      { type: 'odoo-write', props: { operation: 'create', method: 'not a name' } },
      { type: 'odoo-write', props: { operation: 'msg' } },
      { type: 'odoo-write', props: { model: 'res.partner', batchSize: '200', batchWindow: '0' } },
      { type: 'odoo-write', props: { batchSize: 0 } },
      { type: 'odoo-write', props: { batchWindow: 60_001 } },
      { type: 'odoo-write', props: { batchWindow: 1.5 } },
    ];
    const schemas = { 'odoo-config': configNodeSchema, 'odoo-read': readNodeSchema, 'odoo-write': writeNodeSchema };
    const runtime = cases.map((c) => schemas[c.type].safeParse(c.props).success);

    const editor = await page.evaluate((list) => {
      const R = (window as unknown as { RED: any }).RED;
      const z = R.workspaces.active();
      let placed = 0;
      const nodes = list.map((c, i) => {
        if (c.type === 'odoo-config') return { id: `case${i}`, type: c.type, ...c.props };
        const at = placed++;
        return { id: `case${i}`, type: c.type, z, x: 140 + 260 * Math.floor(at / 14), y: 240 + 40 * (at % 14), server: 'casecfg', wires: [[], []], ...c.props };
      });
      R.view.importNodes([{ id: 'casecfg', type: 'odoo-config', url: 'https://odoo.example.com' }, ...nodes], { generateIds: false, touchImport: true, notify: false, applyNodeDefaults: true });
      return list.map((_c, i) => {
        const n = R.nodes.node(`case${i}`);
        R.editor.validateNode(n);
        return { valid: n.valid as boolean, errors: n.validationErrors as string[] };
      });
    }, cases);
    await shot('workspace-validation');

    const mismatches = cases
      .map((c, i) => ({ ...c, runtime: runtime[i], editor: editor[i]!.valid, errors: editor[i]!.errors }))
      .filter((r) => r.runtime !== r.editor);
    expect(mismatches).toEqual([]);
    // the editor says why, in the runtime's words
    expect(editor[26]!.errors.join(' ')).toMatch(/keyFields: upsert needs at least one key field/);
    expect(editor[29]!.errors.join(' ')).toMatch(/method: call needs a method name/);
  });

  it('ran without errors in the page', () => {
    expect(pageErrors).toEqual([]);
    // the failed connection test answers 4xx/5xx on purpose; anything else is a bug
    expect(consoleErrors.filter((e) => !(/Failed to load resource/.test(e) && /\/odoo-config\/test/.test(e)))).toEqual([]);
  });
});
