/// <reference lib="dom" />
/**
 * The Node-RED editor in headless Chromium, for browser tests: a real Node-RED
 * runtime with this package installed from dist/ (`npm run build` first) and a
 * Chromium binary (CHROMIUM_PATH, default /usr/bin/chromium; .ci/run installs
 * Debian's). Screenshots go to UI_SCREENSHOTS (default <tmp>/odoo-supply-ui),
 * never into the repository.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNodeRed, type Runtime } from './runtime';

export type Page = import('playwright-core').Page;
type Browser = import('playwright-core').Browser;

const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = process.env.UI_SCREENSHOTS ?? path.join(os.tmpdir(), 'odoo-supply-ui');

export interface Editor {
  runtime: Runtime;
  page: Page;
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** console.error lines, with the URL they came from. */
  consoleErrors: string[];
  /** Opens the editor and waits until these node types are in the palette. */
  open(types: string[]): Promise<void>;
  /** Puts nodes on the active workspace as an import would (`z` is filled in for nodes that have `x`). */
  importNodes(nodes: Array<Record<string, unknown>>): Promise<void>;
  /** Double-clicks a node and waits until its dialog shows `ready` and has taken the focus. */
  openNode(id: string, ready: string): Promise<void>;
  /** Clicks a dialog button (Done, Cancel, Add…) and waits until its dialog has closed. */
  closeWith(button: string): Promise<void>;
  /** Closes dialogs a failed step left open, so the next test starts from the workspace. */
  closeDialogs(): Promise<void>;
  deploy(): Promise<void>;
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** `flows`: what flows.json holds when Node-RED starts (as a user's saved flows). */
export async function startEditor(settings: Record<string, unknown> = {}, flows?: unknown[]): Promise<Editor> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  if (!fs.existsSync(path.join(ROOT, 'dist', 'nodes', 'odoo-read', 'odoo-read.html'))) {
    throw new Error('dist/ has no editor files: run `npm run build` first');
  }
  fs.mkdirSync(SHOTS, { recursive: true });
  const runtime = await startNodeRed({
    logging: { console: { level: process.env.NODE_RED_TEST_LOG ?? 'warn' } },
    telemetry: { enabled: false },
    editorTheme: { tours: false, palette: { catalogues: [] }, projects: { enabled: false } },
    ...settings,
  }, flows);
  return attachEditor(runtime);
}

/**
 * Headless Chromium on a Node-RED that is already running (e.g. a child
 * process started as the README says); `close()` closes the browser and then
 * `runtime.close()`.
 */
export async function attachEditor(runtime: Runtime): Promise<Editor> {
  if (!fs.existsSync(CHROMIUM)) {
    await runtime.close();
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  }
  fs.mkdirSync(SHOTS, { recursive: true });
  let browser: Browser | undefined;
  try {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  } catch (err) {
    await runtime.close();
    throw err;
  }
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(10_000);
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${m.text()} @ ${m.location().url}`);
  });
  page.on('dialog', (d) => void d.accept());

  const closeWith = async (button: string) => {
    await page.click(button);
    await page.locator(button).waitFor({ state: 'detached' });
  };

  return {
    runtime,
    page,
    pageErrors,
    consoleErrors,
    async open(types) {
      await page.goto(`${runtime.url}/`);
      await page.waitForFunction(
        (list) => {
          const w = window as unknown as { RED?: { nodes?: { getType?(t: string): unknown } } };
          return list.every((t) => !!w.RED?.nodes?.getType?.(t) && !!document.querySelector(`.red-ui-palette-node[data-palette-type="${t}"]`));
        },
        types,
        { timeout: 20_000 },
      );
    },
    async importNodes(nodes) {
      await page.evaluate((list) => {
        const R = (window as unknown as { RED: any }).RED;
        const z = R.workspaces.active();
        R.view.importNodes(
          list.map((n) => (n.x !== undefined && n.z === undefined ? { ...n, z } : n)),
          { generateIds: false, touchImport: true, notify: false, applyNodeDefaults: true },
        );
      }, nodes);
    },
    async openNode(id, ready) {
      await page.dblclick(`g[id="${id}"] rect.red-ui-flow-node`);
      await page.locator(ready).waitFor({ state: 'visible' });
      // the tray focuses its first element once its opening animation ends: type only after that
      await page.waitForFunction(() => !!document.activeElement?.closest('.red-ui-tray'));
    },
    closeWith,
    async closeDialogs() {
      for (const cancel of ['#node-config-dialog-cancel', '#node-dialog-cancel']) {
        if (await page.locator(cancel).isVisible()) await closeWith(cancel);
      }
    },
    async deploy() {
      await page.click('#red-ui-header-button-deploy');
      await page.waitForFunction(() => !(window as unknown as { RED: { nodes: { dirty(): boolean } } }).RED.nodes.dirty());
    },
    async shot(name) {
      const file = path.join(SHOTS, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await browser?.close().catch(() => undefined);
      await runtime.close().catch(() => undefined);
    },
  };
}
