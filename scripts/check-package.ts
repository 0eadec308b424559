/// <reference lib="dom" />
/**
 * The package as a user gets it: `npm pack` into a temp dir, the tarball
 * installed into a clean Node-RED user dir, Node-RED started on it, then
 * checked through the admin API and in headless Chromium. Also applies the
 * Flow Library scorecard rules that need no network. Every failure names its
 * rule. Node types, examples and files come from package.json and the
 * runtime, so a node added to `node-red.nodes` is covered without editing
 * this file.
 *
 *   npm run check:package [-- --dir <package dir>] [--keep]
 *
 * Environment:
 *   NODE_RED_SPEC  install this node-red version into the temp dir (e.g. 5);
 *                  default: the node-red of this checkout's node_modules
 *   NODE_SPEC      run Node-RED on this Node.js major from the npm registry (e.g. 22);
 *                  default: the node running this script
 *   NODE_BIN       run Node-RED on this node binary instead
 *   CHROMIUM_PATH  default /usr/bin/chromium
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { scorecard, type PackageJson, type Finding } from './package-rules';

type Page = import('playwright-core').Page;

const ROOT = path.resolve(__dirname, '..', '..');
const CORE_STRUCTURAL = new Set(['tab', 'subflow', 'group', 'junction']);

interface Options {
  dir: string;
  keep: boolean;
  nodeRedSpec?: string;
  nodeSpec?: string;
  nodeBin?: string;
  chromium: string;
}

function parseArgs(argv: string[]): Options {
  const opt: Options = {
    dir: ROOT,
    keep: false,
    nodeRedSpec: process.env.NODE_RED_SPEC || undefined,
    nodeSpec: process.env.NODE_SPEC || undefined,
    nodeBin: process.env.NODE_BIN || undefined,
    chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dir') opt.dir = path.resolve(argv[++i]);
    else if (a === '--keep') opt.keep = true;
    else if (a === '--node-red') opt.nodeRedSpec = argv[++i];
    else if (a === '--node') opt.nodeSpec = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  return opt;
}

class Report {
  passed = 0;
  failed = 0;
  readonly failures: Finding[] = [];
  add(f: Finding): void {
    if (f.ok) {
      this.passed++;
      console.log(`  ok   ${f.rule} ${f.text}`);
    } else {
      this.failed++;
      this.failures.push(f);
      console.log(`  FAIL ${f.rule} ${f.text}${f.detail ? ` — ${f.detail}` : ''}`);
    }
  }
  check(rule: string, ok: boolean, text: string, detail?: unknown): boolean {
    this.add({ rule, ok, text, detail: ok || detail === undefined ? undefined : typeof detail === 'string' ? detail : JSON.stringify(detail) });
    return ok;
  }
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 600_000): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A node binary of the asked major, from the registry's platform package (no install script). */
function installNode(spec: string, work: string): string {
  const pkg = `${process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin-' : 'node-'}${process.platform}-${process.arch}`;
  const dir = path.join(work, 'node');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true}');
  run('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error', `${pkg}@${spec}`], dir);
  return path.join(dir, 'node_modules', pkg, 'bin', 'node');
}

/** node-red installed into the temp dir with the Node-RED node first on PATH, or this checkout's. */
function nodeRedHome(spec: string | undefined, nodeBin: string, work: string): string {
  if (!spec) return path.dirname(require.resolve('node-red/package.json', { paths: [ROOT] }));
  const dir = path.join(work, 'node-red');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true}');
  const env = { ...process.env, PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH}` };
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `node-red@${spec}`], dir, env);
  return path.join(dir, 'node_modules', 'node-red');
}

async function waitFor(test: () => Promise<boolean>, ms: number, what: string, alive: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive()) throw new Error(`Node-RED exited while waiting for ${what}`);
    if (await test().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function get(url: string, accept = 'application/json'): Promise<{ status: number; text: string; json: any; type: string; bytes: number }> {
  const res = await fetch(url, { headers: { Accept: accept } });
  const buf = Buffer.from(await res.arrayBuffer());
  const text = buf.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, type: res.headers.get('content-type') ?? '', bytes: buf.length };
}

async function main(): Promise<number> {
  const opt = parseArgs(process.argv.slice(2));
  const report = new Report();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'check-package-'));
  let child: ChildProcess | undefined;
  let browser: import('playwright-core').Browser | undefined;
  const started = Date.now();
  const step = (s: string) => console.log(`== ${s} (${Math.round((Date.now() - started) / 1000)} s)`);
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(opt.dir, 'package.json'), 'utf8')) as PackageJson;

    // ------------------------------------------------------------- npm pack
    step(`npm pack ${pkg.name}@${pkg.version}`);
    const packDir = path.join(work, 'pack');
    fs.mkdirSync(packDir);
    // dist/ is built by the npm script before this runs; no second build here
    const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], opt.dir)) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const tarball = path.join(packDir, path.basename(packed[0].filename));
    const files = packed[0].files.map((f) => f.path);
    report.check('PACK', fs.existsSync(tarball), `npm pack wrote ${path.basename(tarball)} (${files.length} files)`);
    for (const f of scorecard(pkg, files, opt.dir)) report.add(f);

    // --------------------------------------------------- Node.js, Node-RED
    const nodeBin = opt.nodeBin ?? (opt.nodeSpec ? (step(`Node.js ${opt.nodeSpec}`), installNode(opt.nodeSpec, work)) : process.execPath);
    const nodeVersion = run(nodeBin, ['--version'], work).trim();
    if (opt.nodeRedSpec) step(`node-red@${opt.nodeRedSpec}`);
    const nrHome = nodeRedHome(opt.nodeRedSpec, nodeBin, work);
    const nrVersion = (JSON.parse(fs.readFileSync(path.join(nrHome, 'package.json'), 'utf8')) as { version: string }).version;
    const nrRequire = createRequire(path.join(nrHome, 'package.json'));
    const semver = nrRequire('semver') as { satisfies(v: string, range: string): boolean };
    const wantNr = pkg['node-red']?.version;
    report.check('P06', !!wantNr && semver.satisfies(nrVersion, wantNr), `node-red.version "${wantNr ?? ''}" admits the Node-RED under test (${nrVersion})`);
    const wantNode = pkg.engines?.node;
    report.check('P07', !!wantNode && semver.satisfies(nodeVersion.replace(/^v/, ''), wantNode), `engines.node "${wantNode ?? ''}" admits the Node.js under test (${nodeVersion})`);

    // ------------------------------------------------ install the tarball
    step('install the tarball into a clean user dir');
    const userDir = path.join(work, 'user');
    fs.mkdirSync(userDir);
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }, null, 2));
    const env = { ...process.env, PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH}` };
    run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error', tarball], userDir, env);
    const installed = path.join(userDir, 'node_modules', pkg.name);
    report.check('INSTALL', fs.existsSync(path.join(installed, 'package.json')), `npm install of the tarball put ${pkg.name} into the user dir`);
    const tree = JSON.parse(spawnSync('npm', ['ls', '--all', '--json'], { cwd: userDir, env, encoding: 'utf8' }).stdout || '{}') as { dependencies?: Record<string, any> };
    const bad: string[] = [];
    const walk = (deps: Record<string, any> | undefined) => {
      for (const [name, d] of Object.entries(deps ?? {})) {
        if (name === 'agent-base' && d.version && semver.satisfies(d.version, '<6.0.0')) bad.push(`${name}@${d.version}`);
        walk(d.dependencies);
      }
    };
    walk(tree.dependencies);
    report.check('D02', bad.length === 0, 'no package known to break Node-RED in the installed tree', bad.join(', '));

    // ------------------------------------------------------ start Node-RED
    const port = await freePort();
    step(`Node-RED ${nrVersion} on Node.js ${nodeVersion}, port ${port}`);
    fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify({
      uiHost: '127.0.0.1',
      uiPort: port,
      flowFile: 'flows.json',
      credentialSecret: false,
      httpNodeRoot: false,
      logging: { console: { level: 'info', metrics: false, audit: false } },
      editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
      telemetry: { enabled: false, updateNotification: false },
      diagnostics: { enabled: false, ui: false },
      externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    }, null, 2)};\n`);
    fs.writeFileSync(path.join(userDir, 'flows.json'), '[]');
    const logFile = path.join(work, 'node-red.log');
    const log = fs.openSync(logFile, 'w');
    child = spawn(nodeBin, [path.join(nrHome, 'red.js'), '-s', path.join(userDir, 'settings.js'), '-u', userDir, '-p', String(port)], { stdio: ['ignore', log, log], env });
    let exited = false;
    child.on('exit', () => (exited = true));
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await get(`${base}/settings`)).status === 200 && /Started flows/.test(fs.readFileSync(logFile, 'utf8')), 60_000, 'Node-RED to start', () => !exited);
    const logText = () => fs.readFileSync(logFile, 'utf8');

    // ---------------------------------------------------------- admin API
    step('admin API');
    const sets = ((await get(`${base}/nodes`)).json ?? []) as Array<{ id: string; name: string; types: string[]; enabled: boolean; module: string; err?: string }>;
    const ours = sets.filter((s) => s.module === pkg.name);
    const declared = Object.keys(pkg['node-red']?.nodes ?? {});
    for (const set of declared) {
      const s = ours.find((o) => o.name === set);
      report.check('LOAD', !!s && s.enabled && !s.err && s.types.length > 0, `node set ${set} loaded by the runtime (types: ${s?.types.join(', ') ?? 'none'})`, s ? s.err ?? 'no types' : 'not in GET /nodes');
    }
    const types = ours.flatMap((s) => s.types);
    const otherTypes = new Set(sets.filter((s) => s.module !== pkg.name).flatMap((s) => s.types));
    const clash = types.filter((t, i) => otherTypes.has(t) || types.indexOf(t) !== i);
    report.check('N01', clash.length === 0, `node type names are unique (${types.length} types)`, clash);
    const loadErrors = logText().split('\n').filter((l) => l.includes(`[${pkg.name}/`));
    report.check('LOAD', loadErrors.length === 0, `the log shows no load problem in ${pkg.name}`, loadErrors.join(' | '));

    const html = (await get(`${base}/nodes`, 'text/html')).text;
    for (const t of types) {
      const esc = t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      report.check('HTML', new RegExp(`registerType\\(\\s*['"]${esc}['"]`).test(html), `${t}: the editor API serves its definition`);
      report.check('HTML', new RegExp(`data-template-name=["']${esc}["']`).test(html), `${t}: the editor API serves its edit dialog`);
      report.check('HELP', new RegExp(`data-help-name=["']${esc}["']`).test(html), `${t}: the editor API serves its help`);
    }
    const catalogs = ((await get(`${base}/nodes/messages?lng=en-US`)).json ?? {}) as Record<string, Record<string, unknown>>;
    for (const s of ours) {
      const cat = catalogs[s.id];
      const missing = s.types.filter((t) => !cat || typeof cat[t] !== 'object');
      report.check('I18N', missing.length === 0, `${s.name}: message catalog en-US has a section per type`, `no catalog for ${missing.join(', ')} (namespace ${s.id})`);
    }

    const icons = ((await get(`${base}/icons`)).json ?? {}) as Record<string, string[]>;
    const examplesList = (await get(`${base}/library/examples/flows/`)).json as string[] | undefined;
    const exampleDir = (await get(`${base}/library/examples/flows/${encodeURIComponent(pkg.name)}`)).json as Array<string | { fn: string }> | undefined;
    const shipped = files.filter((f) => /^examples\/.+\.json$/.test(f)).map((f) => f.replace(/^examples\//, '').replace(/\.json$/, '')).sort();
    report.check('EXAMPLES', shipped.length > 0 && !!examplesList?.includes(pkg.name), `GET library/examples/flows lists ${pkg.name}`, examplesList);
    const served = (Array.isArray(exampleDir) ? exampleDir : []).flatMap((e) => (typeof e === 'object' && e.fn ? [e.fn] : [])).sort();
    const topLevel = shipped.filter((s) => !s.includes('/'));
    report.check('EXAMPLES', topLevel.every((s) => served.includes(s)), `the runtime serves the ${topLevel.length} examples in the tarball`, { served, shipped: topLevel });
    const exampleTypes = new Map<string, Set<string>>();
    const known = new Set([...types, ...otherTypes, ...CORE_STRUCTURAL]);
    for (const name of shipped) {
      const r = await get(`${base}/library/examples/flows/${encodeURIComponent(pkg.name)}/${name.split('/').map(encodeURIComponent).join('/')}`);
      const flow = Array.isArray(r.json) ? (r.json as Array<{ type?: string }>) : undefined;
      if (!report.check('EXAMPLES', r.status === 200 && !!flow, `example "${name}" is served as a flow`, `HTTP ${r.status}`)) continue;
      const used = new Set(flow!.map((n) => String(n.type)));
      exampleTypes.set(name, used);
      const unknown = [...used].filter((t) => !known.has(t) && !t.startsWith('subflow:'));
      report.check('EXAMPLES', unknown.length === 0, `example "${name}" uses only node types this Node-RED knows`, `unknown node type ${unknown.map((u) => `"${u}"`).join(', ')}`);
      report.check('EXAMPLES', used.has('comment'), `example "${name}" explains itself with a Comment node`);
    }

    // ------------------------------------------------------------ browser
    step('editor in headless Chromium');
    if (!fs.existsSync(opt.chromium)) throw new Error(`no Chromium at ${opt.chromium}: apt-get install chromium, or set CHROMIUM_PATH`);
    const { chromium } = (await import('playwright-core')) as typeof import('playwright-core');
    browser = await chromium.launch({ executablePath: opt.chromium, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(15_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/`);
    // the editor has loaded every node definition once it has opened the (empty) flow's workspace
    await page.waitForFunction(() => !!(window as any).RED?.nodes?.getType?.('inject') && !!(window as any).RED.workspaces?.active?.() && !(window as any).$('#red-ui-loading-progress').is(':visible'), undefined, { timeout: 30_000 });
    await page.waitForTimeout(500);
    // raw catalog keys look like "<type>.<section>.<key>"
    const rawKey = `(?:${types.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\.[A-Za-z][\\w-]*(?:\\.[\\w-]+)+`;
    const info = await page.evaluate((list) => {
      const R = (window as any).RED;
      return list.map((t: string) => {
        const d = R.nodes.getType(t);
        const icon = d ? (typeof d.icon === 'function' ? d.icon.call({ _def: d, type: t }) : d.icon) : undefined;
        return { type: t, registered: !!d, category: d?.category, icon, palette: !!document.querySelector(`.red-ui-palette-node[data-palette-type="${t}"]`) };
      });
    }, types);
    const configTypes = info.filter((i) => i.category === 'config').map((i) => i.type);
    for (const i of info) {
      report.check('EDITOR', i.registered, `${i.type}: registered in the editor`);
      if (i.category !== 'config') report.check('EDITOR', i.palette, `${i.type}: in the palette (category ${i.category})`);
      if (i.category !== 'config' || i.icon) {
        const icon = String(i.icon ?? '');
        const owner = Object.keys(icons).find((m) => icons[m].includes(icon));
        const isFontAwesome = icon.startsWith('font-awesome/');
        let ok = isFontAwesome;
        let detail = `icon "${icon}" is in no module's icon list`;
        if (owner) {
          const r = await get(`${base}/icons/${owner}/${encodeURIComponent(icon)}`, 'image/*');
          ok = r.status === 200 && r.bytes > 0 && /image\//.test(r.type);
          detail = `GET icons/${owner}/${icon}: HTTP ${r.status} ${r.type}`;
        }
        report.check('ICON', !!icon && ok, `${i.type}: icon "${icon}" is served${owner ? ` from ${owner}` : ''}`, detail);
      }
    }
    const rawRe = new RegExp(rawKey);
    const dialogText = (p: Page, root: string) =>
      p.evaluate((sel) => {
        const el = document.querySelector(sel);
        if (!el) return '';
        const parts: string[] = [el.textContent ?? ''];
        el.querySelectorAll('[placeholder],[title]').forEach((e) => parts.push(e.getAttribute('placeholder') ?? '', e.getAttribute('title') ?? ''));
        el.querySelectorAll('option').forEach((o) => parts.push(o.textContent ?? ''));
        return parts.join('\n');
      }, root);
    for (const i of info.filter((x) => x.registered)) {
      // help, as the info sidebar shows it
      const help = await page.evaluate((t) => {
        const R = (window as any).RED;
        const text = R.nodes.getNodeHelp(t);
        const div = document.createElement('div');
        div.innerHTML = text || '';
        return { text: div.textContent ?? '', sections: Array.from(div.querySelectorAll('h3')).map((h) => h.textContent) };
      }, i.type);
      report.check('HELP', help.text.trim().length > 40, `${i.type}: help text loads in the editor (${help.text.trim().length} chars)`);
      report.check('HELP', !rawRe.test(help.text), `${i.type}: help shows no raw message key`, help.text.match(rawRe)?.[0]);
      // the edit dialog with every option's label and placeholder translated
      const id = `check-${i.type.replace(/[^\w]/g, '_')}`;
      const opened = await page.evaluate(({ t, id, config }) => {
        const R = (window as any).RED;
        if (config) {
          R.editor.editConfig('', t, '_ADD_');
          return true;
        }
        R.view.importNodes([{ id, type: t, x: 200, y: 100, z: R.workspaces.active(), wires: [] }], { generateIds: false, notify: false, applyNodeDefaults: true });
        const n = R.nodes.node(id);
        if (!n) return false;
        R.editor.edit(n);
        return true;
      }, { t: i.type, id, config: i.category === 'config' });
      const tray = i.category === 'config' ? '#node-config-dialog-edit-form' : '#dialog-form';
      let text = '';
      if (opened) {
        await page.locator(tray).waitFor({ state: 'visible' }).catch(() => undefined);
        await page.waitForTimeout(300);
        text = await dialogText(page, '.red-ui-tray:last-of-type');
      }
      report.check('I18N', opened && text.trim().length > 0, `${i.type}: edit dialog opens`);
      const raw = text.match(new RegExp(rawKey, 'g')) ?? [];
      report.check('I18N', opened && raw.length === 0, `${i.type}: edit dialog shows no raw message key`, [...new Set(raw)].slice(0, 8).join(', '));
      for (const cancel of ['#node-config-dialog-cancel', '#node-dialog-cancel']) {
        if (await page.locator(cancel).isVisible()) {
          await page.click(cancel);
          await page.locator(cancel).waitFor({ state: 'detached' }).catch(() => undefined);
        }
      }
    }
    // N02: every non-config node is used by an example
    const inExamples = new Set([...exampleTypes.values()].flatMap((s) => [...s]));
    const regular = types.filter((t) => !configTypes.includes(t));
    const without = regular.filter((t) => !inExamples.has(t));
    report.check('N02', without.length === 0, `every non-config node (${regular.join(', ')}) is used in an example`, `no example uses ${without.join(', ')}`);

    // Import > Examples, as a user opens it
    await page.evaluate(() => (window as any).RED.actions.invoke('core:show-examples-import-dialog'));
    const tab = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await tab.waitFor({ state: 'visible' });
    const folder = tab.locator('.red-ui-treeList-label', { has: page.locator('.red-ui-treeList-label-text', { hasText: new RegExp(`^${pkg.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
    let listed: string[] = [];
    if (await folder.count()) {
      await folder.first().click();
      await page.waitForTimeout(500);
      listed = await tab.locator('.red-ui-treeList-label-text').allTextContents();
    }
    report.check('EXAMPLES', (await folder.count()) > 0, `Import > Examples shows a ${pkg.name} folder`);
    const notListed = topLevel.filter((s) => !listed.includes(s));
    report.check('EXAMPLES', notListed.length === 0, `Import > Examples > ${pkg.name} lists all ${topLevel.length} examples`, `not listed: ${notListed.join(', ')}`);
    await page.keyboard.press('Escape');

    report.check('EDITOR', pageErrors.length === 0, 'no uncaught error in the editor page', pageErrors.slice(0, 5).join(' | '));
    const errorLines = logText().split('\n').filter((l) => /\[error\]/.test(l));
    report.check('LOG', errorLines.length === 0, 'the Node-RED log has no [error] line', errorLines.slice(0, 5).join(' | '));
  } catch (err) {
    report.check('RUN', false, 'the check ran to the end', (err as Error).stack ?? String(err));
  } finally {
    await browser?.close().catch(() => undefined);
    if (child && child.exitCode === null) {
      const c = child;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    if (opt.keep) console.log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
  const rules = [...new Set(report.failures.map((f) => f.rule))];
  console.log(`check-package: ${report.passed} passed, ${report.failed} failed${rules.length ? ` (rules: ${rules.join(', ')})` : ''}`);
  return report.failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(2);
    },
  );
}
