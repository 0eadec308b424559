/// <reference lib="dom" />
/**
 * Node-RED started exactly as the README says, from this checkout
 * (`npx node-red -s settings.js` after `npm run build`), as a child process,
 * then the editor in headless Chromium: the package's dialogs show translated
 * labels (no raw message keys), Import > Examples lists the package, the
 * editor is bound to 127.0.0.1 only. The user dir and the flows folder are
 * temp copies (NODE_RED_USER_DIR, NODE_RED_FLOWS_DIR): the checkout's flows/
 * is never written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { attachEditor, type Editor, type Page } from '../helpers/editor';
import { freePort, ROOT, run, tempDir, type Child } from '../helpers/child';

jest.setTimeout(120_000);

const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; 'node-red': { nodes: Record<string, string> } };
const TYPES = Object.keys(PKG['node-red'].nodes);
// a raw catalog key looks like "<type>.<section>.<key>"
const RAW_KEY = new RegExp(`\\b(?:${TYPES.join('|')})\\.[A-Za-z][\\w-]*(?:\\.[\\w-]+)+`, 'g');

function lanAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

describe('settings.js: `npx node-red -s settings.js` from a checkout', () => {
  let child: Child;
  let editor: Editor;
  let page: Page;
  let port: number;
  const tmp = tempDir('nr-settings-');

  beforeAll(async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'lib', 'flows', 'storage.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    fs.cpSync(path.join(ROOT, 'flows'), path.join(tmp.dir, 'flows'), { recursive: true });
    port = await freePort();
    child = run('npx', ['node-red', '-s', 'settings.js'], {
      env: {
        ...process.env,
        PORT: String(port),
        NODE_RED_USER_DIR: path.join(tmp.dir, 'user'),
        NODE_RED_FLOWS_DIR: path.join(tmp.dir, 'flows'),
        NODE_RED_CREDENTIAL_SECRET: 'settings-test-secret',
        NODE_RED_HOST: '',
      },
    });
    await child.waitFor(/Started flows/, 90_000);
    editor = await attachEditor({
      url: `http://127.0.0.1:${port}`,
      userDir: path.join(tmp.dir, 'user'),
      close: async () => {
        await child.stop();
      },
    });
    page = editor.page;
  });

  afterAll(async () => {
    await editor?.close();
    await child?.stop();
    tmp.remove();
  });

  afterEach(() => editor?.closeDialogs());

  it('serves the editor on 127.0.0.1 only and loads the package as a module (not from nodesDir files)', async () => {
    expect(child.log()).toContain(`Server now running at http://127.0.0.1:${port}/`);
    const lan = lanAddress();
    if (lan) await expect(fetch(`http://${lan}:${port}/`)).rejects.toThrow();
    const nodes = (await (await fetch(`http://127.0.0.1:${port}/nodes`, { headers: { Accept: 'application/json' } })).json()) as Array<{ module: string; types: string[] }>;
    const ours = nodes.filter((n) => n.module === PKG.name).flatMap((n) => n.types).sort();
    expect(ours).toEqual([...TYPES].sort());
    const catalog = (await (await fetch(`http://127.0.0.1:${port}/locales/${PKG.name}/odoo-config?lng=en-US`)).json()) as Record<string, any>;
    expect(catalog['odoo-config'].label.url).toBe('URL');
  });

  it('shows translated labels in the dialogs of the committed flow (odoo-write, canonical-map, odoo-config)', async () => {
    await editor.open(TYPES.filter((t) => !['odoo-config', 'sftp-server'].includes(t)));
    await editor.shot('settings-opened');
    const textOf = (sel: string) =>
      page.evaluate((s) => {
        const el = document.querySelector(s);
        if (!el) return '';
        const parts: string[] = [el.textContent ?? ''];
        el.querySelectorAll('[placeholder],[title]').forEach((e) => parts.push(e.getAttribute('placeholder') ?? '', e.getAttribute('title') ?? ''));
        el.querySelectorAll('option').forEach((o) => parts.push(o.textContent ?? ''));
        return parts.join('\n');
      }, sel);

    await page.evaluate(() => (window as any).RED.workspaces.show('flow-supplier-price-sync'));
    await editor.openNode('sps-write', '#node-input-operation');
    const write = await textOf('.red-ui-tray:last-of-type');
    await editor.shot('settings-odoo-write');
    expect(write.match(RAW_KEY)).toBeNull();
    expect(write).toContain('Batch window (ms)');
    const options = await page.locator('#node-input-operation option').allTextContents();
    expect(options).toContain('upsert by key fields');

    // its server, in the config dialog
    await page.click('#node-input-btn-server-edit');
    await page.locator('#node-config-input-url').waitFor({ state: 'visible' });
    const config = await textOf('.red-ui-tray:last-of-type');
    expect(config.match(RAW_KEY)).toBeNull();
    expect(config).toContain('Test connection');
    await editor.closeWith('#node-config-dialog-cancel');
    await editor.closeWith('#node-dialog-cancel');

    await editor.openNode('sps-plan', '#node-input-direction');
    const map = await textOf('.red-ui-tray:last-of-type');
    await editor.shot('settings-canonical-map');
    expect(map.match(RAW_KEY)).toBeNull();
    expect(await page.locator('#node-input-direction option').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/\w/)]));
    expect(await page.locator('#node-input-direction option').evaluateAll((os) => os.every((o) => (o.textContent ?? '').trim().length > 0))).toBe(true);
    await editor.closeWith('#node-dialog-cancel');
    expect(editor.pageErrors).toEqual([]);
  });

  it('lists the package and its examples under Import > Examples', async () => {
    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    await page.click('#red-ui-clipboard-dialog-import-tabs .red-ui-tab:has-text("Examples")');
    const tab = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await tab.waitFor({ state: 'visible' });
    const folder = tab.locator('.red-ui-treeList-label', { has: page.locator('.red-ui-treeList-label-text', { hasText: PKG.name }) });
    await folder.first().waitFor({ state: 'visible' });
    await folder.first().click();
    const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    await page.waitForFunction(
      (first) => Array.from(document.querySelectorAll('#red-ui-clipboard-dialog-import-tab-examples .red-ui-treeList-label-text')).some((e) => e.textContent === first),
      examples[0],
    );
    const listed = await tab.locator('.red-ui-treeList-label-text').allTextContents();
    await editor.shot('settings-import-examples');
    expect(listed).toEqual(expect.arrayContaining(examples));
    await page.click('#red-ui-clipboard-dialog-cancel');
  });
});
