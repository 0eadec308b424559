/// <reference lib="dom" />
/**
 * The editor as an analyst sees it: a real Node-RED 4 runtime with this
 * package installed, the sandbox Odoo, and headless Chromium. Needs `npm run
 * build` first (Node-RED loads the package from dist/) and a Chromium binary
 * (CHROMIUM_PATH, default /usr/bin/chromium; .ci/run installs Debian's).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { configNodeSchema, readNodeSchema, writeNodeSchema } from '../../lib/odoo/options';
import { startSandbox } from '../../sandbox/odoo/server';

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
type Page = import('playwright-core').Page;
type Browser = import('playwright-core').Browser;

const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.UI_SCREENSHOTS ?? path.join(os.tmpdir(), 'odoo-supply-ui');

jest.setTimeout(60_000);

describe('Odoo nodes in the Node-RED editor', () => {
  let sandbox: Sandbox;
  let userDir: string;
  let server: http.Server;
  let RED: { init(s: http.Server, settings: object): void; start(): Promise<void>; stop(): Promise<void>; httpAdmin: http.RequestListener };
  let browser: Browser;
  let page: Page;
  let editorUrl: string;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
    if (!fs.existsSync(path.join(ROOT, 'dist', 'nodes', 'odoo-read', 'odoo-read.html'))) {
      throw new Error('dist/ has no editor files: run `npm run build` first');
    }
    fs.mkdirSync(SHOTS, { recursive: true });
    sandbox = await startSandbox({});

    // Install the package the way a user does: a module in <userDir>/node_modules.
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'odoo-supply-ui-'));
    fs.mkdirSync(path.join(userDir, 'node_modules'));
    fs.symlinkSync(ROOT, path.join(userDir, 'node_modules', 'node-red-contrib-odoo-supply'), 'dir');
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'ui-test', private: true, dependencies: { 'node-red-contrib-odoo-supply': '*' } }));

    RED = require('node-red');
    server = http.createServer((req, res) => RED.httpAdmin(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    RED.init(server, {
      userDir,
      flowFile: 'flows.json',
      credentialSecret: 'ui-test',
      httpAdminRoot: '/',
      httpNodeRoot: '/api',
      uiPort: port,
      logging: { console: { level: 'warn' } },
      telemetry: { enabled: false },
      editorTheme: { tours: false, palette: { catalogues: [] }, projects: { enabled: false } },
    });
    await RED.start();
    editorUrl = `http://127.0.0.1:${port}/`;

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} @ ${m.location().url}`);
    });
    page.on('dialog', (d) => void d.accept());
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await RED?.stop().catch(() => undefined);
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await sandbox?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

  /** Clicks a dialog button (Done, Cancel, Add…) and waits until its dialog has closed. */
  async function closeWith(button: string) {
    await page.click(button);
    await page.locator(button).waitFor({ state: 'detached' });
  }

  afterEach(async () => {
    // a failed step can leave dialogs open: close them so the next test starts from the workspace
    for (const cancel of ['#node-config-dialog-cancel', '#node-dialog-cancel']) {
      if (await page.locator(cancel).isVisible()) await closeWith(cancel);
    }
  });

  async function openNode(id: string) {
    await page.dblclick(`g[id="${id}"] rect.red-ui-flow-node`);
    await page.locator('#node-input-operation').waitFor({ state: 'visible' });
    // the tray focuses its first element once its opening animation ends: type only after that
    await page.waitForFunction(() => !!document.activeElement?.closest('.red-ui-tray'));
  }

  async function testConnection(): Promise<{ ok: boolean; text: string }> {
    await page.click('#odoo-config-test');
    const result = page.locator('#odoo-config-test-result.odoo-supply-ok, #odoo-config-test-result.odoo-supply-failed');
    await result.waitFor({ state: 'visible', timeout: 15_000 });
    return { ok: (await result.getAttribute('class'))!.includes('odoo-supply-ok'), text: (await result.innerText()).trim() };
  }

  it('loads the palette without errors', async () => {
    await page.goto(editorUrl);
    await page.waitForFunction(
      () => {
        const w = window as unknown as { RED?: { nodes?: { getType?(t: string): unknown } } };
        return !!w.RED?.nodes?.getType?.('odoo-write') && !!document.querySelector('.red-ui-palette-node[data-palette-type="odoo-read"]');
      },
      null,
      { timeout: 20_000 },
    );
    expect(await page.locator('.red-ui-palette-node[data-palette-type="odoo-write"]').count()).toBe(1);
    expect(await page.locator('.red-ui-palette-node[data-palette-type="odoo-read"] .red-ui-palette-label').innerText()).toBe('odoo read');
    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((e) => /odoo/i.test(e))).toEqual([]);
  });

  it('adds a server from the read node; "Test connection" names the protocol and the Odoo version', async () => {
    await page.evaluate(() => {
      const R = (window as unknown as { RED: any }).RED;
      R.view.importNodes([{ id: 'uiread1', type: 'odoo-read', z: R.workspaces.active(), x: 260, y: 140, wires: [[], []] }], {
        generateIds: false,
        touchImport: true,
        notify: false,
        applyNodeDefaults: true,
      });
    });
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
    await page.click('#red-ui-header-button-deploy');
    await page.waitForFunction(() => !(window as unknown as { RED: { nodes: { dirty(): boolean } } }).RED.nodes.dirty());
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
