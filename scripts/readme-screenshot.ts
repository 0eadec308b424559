/**
 * The README's screenshot, taken as a user would see it: `npm start` on a
 * free port (local stand-ins, flows from a temp copy of flows/), the ACME
 * sample price list posted to its route with the token npm start printed, the SFTP samples taken, then the editor in headless
 * Chromium (Debian's, CHROMIUM_PATH) with the node statuses showing what
 * happened. Writes docs/editor.png.
 *
 *   npm run build && node dist/scripts/readme-screenshot.js [out.png]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = [path.resolve(__dirname, '..'), path.resolve(__dirname, '..', '..')].find((d) => fs.existsSync(path.join(d, 'settings.js')))!;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs', 'editor.png'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-shot-'));
  fs.cpSync(path.join(ROOT, 'flows'), path.join(tmp, 'flows'), { recursive: true });
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), NODE_RED_USER_DIR: path.join(tmp, 'user'), NODE_RED_FLOWS_DIR: path.join(tmp, 'flows') };
  for (const k of Object.keys(env)) if (/^(ODOO_|MQTT_|SUPPLIER_SFTP_)/.test(k)) delete env[k];
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.js')], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const { chromium } = await import('playwright-core');
  let browser: import('playwright-core').Browser | undefined;
  try {
    for (let i = 0; !/Started flows/.test(log); i++) {
      if (i > 900 || child.exitCode !== null) throw new Error(`Node-RED did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const page = await browser.newPage({ viewport: { width: 1440, height: 520 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => !!(window as any).RED?.workspaces?.active?.() && document.querySelectorAll('.red-ui-flow-node').length > 3, undefined, { timeout: 30_000 });
    // the supplier price sync tab, while the sample price lists on the SFTP stand-in are taken (polled every 5 s, two polls) and applied
    await page.evaluate(() => (window as any).RED.workspaces.show('flow-supplier-price-sync'));
    const csv = fs.readFileSync(path.join(ROOT, 'mappings', 'acme-tools.price-list.sample.csv'));
    const token = /SUPPLIER_TOKEN_ACME_TOOLS=(\S+)/.exec(log)?.[1];
    const res = await fetch(`http://127.0.0.1:${port}/suppliers/acme-tools/price-list`, { method: 'POST', headers: { 'Content-Type': 'text/csv', Authorization: `Bearer ${token}` }, body: csv });
    if (res.status >= 300) throw new Error(`the upload was answered ${res.status}`);
    await page.waitForTimeout(12_000);
    // the debug sidebar shows the messages the flow sent
    await page.click('#red-ui-tab-debug-link-button').catch(() => undefined);
    // the whole tab in view
    await page.evaluate(() => {
      const R = (window as any).RED;
      R.actions.invoke('core:toggle-palette', false);
      for (let i = 0; i < 3; i++) R.actions.invoke('core:zoom-out');
    });
    await page.mouse.move(700, 600);
    await page.waitForTimeout(800);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out });
    process.stdout.write(`${out}: ${fs.statSync(out).size} bytes\n`);
  } finally {
    await browser?.close().catch(() => undefined);
    try {
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      // gone
    }
    await new Promise((r) => setTimeout(r, 2000));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
