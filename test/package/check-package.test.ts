/**
 * `npm run check:package` on the package as built, and on copies of it with a
 * defect a user would hit: a node's html left out of `files`, a node's
 * message catalog left out of `files`, an example naming a node type nobody
 * provides. Each run packs, installs the tarball into a clean user dir,
 * starts Node-RED and opens the editor in headless Chromium (`npm run build` first).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const CHECK = path.join(ROOT, 'dist', 'scripts', 'check-package.js');

function check(dir: string): { code: number | null; out: string; failures: string[] } {
  const r = spawnSync(process.execPath, [CHECK, '--dir', dir], { encoding: 'utf8', timeout: 240_000, env: { ...process.env, NODE_RED_SPEC: '', NODE_SPEC: '', NODE_BIN: '' } });
  const out = `${r.stdout}\n${r.stderr}`;
  return { code: r.status, out, failures: out.split('\n').filter((l) => l.startsWith('  FAIL ')) };
}

/** The files `npm pack` reads, copied into a temp dir, so package.json and examples can be broken there. */
function copyPackage(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-package-copy-'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  for (const entry of [...pkg.files, 'package.json']) {
    const from = path.join(ROOT, entry);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, entry), { recursive: true });
  }
  return dir;
}

describe('npm run check:package', () => {
  beforeAll(() => {
    if (!fs.existsSync(CHECK)) throw new Error('dist/scripts/check-package.js is missing: run npm run build first');
  });

  it('passes on the package as built, every node type, help, catalog, icon and example checked', () => {
    const r = check(ROOT);
    expect(r.failures).toEqual([]);
    expect(r.code).toBe(0);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
    for (const type of Object.keys(pkg['node-red'].nodes)) {
      expect(r.out).toContain(`ok   EDITOR ${type}: registered in the editor`);
      expect(r.out).toContain(`ok   I18N ${type}: edit dialog shows no raw message key`);
      expect(r.out).toContain(`ok   HELP ${type}: help text loads in the editor`);
    }
    expect(r.out).toMatch(/ok {3}EXAMPLES Import > Examples > \S+ lists all \d+ examples/);
    expect(r.out).toMatch(/check-package: \d+ passed, 0 failed/);
  }, 300_000);

  describe('on a package with a node html and a message catalog left out of files, and an example naming an unknown node type', () => {
    let dir: string;
    let r: ReturnType<typeof check>;
    beforeAll(() => {
      dir = copyPackage();
      const file = path.join(dir, 'package.json');
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { files: string[] };
      pkg.files.push('!dist/nodes/odoo-read/odoo-read.html', '!dist/nodes/odoo-write/locales/en-US/odoo-write.json');
      fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
      fs.writeFileSync(
        path.join(dir, 'examples', '99 Teleport stock.json'),
        JSON.stringify([
          { id: 'c1', type: 'comment', name: 'uses a node type nobody provides', info: 'x', x: 100, y: 40, wires: [] },
          { id: 't1', type: 'odoo-teleport', name: 'teleport', x: 100, y: 100, wires: [] },
        ]),
      );
      r = check(dir);
    }, 300_000);
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('fails, exit code 1, with the failed rules named on the last line', () => {
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/check-package: \d+ passed, [1-9]\d* failed \(rules: .*FILES.*\)/);
    });

    it('names the html missing from the tarball, and the editor then has no odoo-read', () => {
      expect(r.failures).toContainEqual(expect.stringMatching(/FAIL FILES odoo-read: editor dist\/nodes\/odoo-read\/odoo-read\.html is in the package — .*missing from the tarball/));
      expect(r.failures).toContainEqual(expect.stringMatching(/FAIL HTML odoo-read: the editor API serves its definition/));
      expect(r.failures).toContainEqual(expect.stringMatching(/FAIL EDITOR odoo-read: registered in the editor/));
    });

    it('names the catalog missing from the tarball, and shows the raw keys the odoo-write dialog then displays', () => {
      expect(r.failures).toContainEqual(expect.stringMatching(/FAIL FILES odoo-write: message catalog dist\/nodes\/odoo-write\/locales\/en-US\/odoo-write\.json is in the package/));
      expect(r.failures).toContainEqual(expect.stringMatching(/FAIL I18N odoo-write: message catalog en-US has a section per type/));
      expect(r.failures).toContainEqual(expect.stringMatching(/FAIL I18N odoo-write: edit dialog shows no raw message key — .*odoo-write\.label\./));
    });

    it('names the example and the unknown node type', () => {
      expect(r.failures).toContainEqual(expect.stringMatching(/FAIL EXAMPLES example "99 Teleport stock" uses only node types this Node-RED knows — unknown node type "odoo-teleport"/));
    });

    it('still passes what is intact: odoo-config and canonical-map', () => {
      expect(r.failures.filter((l) => /odoo-config|canonical-map/.test(l))).toEqual([]);
    });
  });
});
