/**
 * `npm run new-node` and `npm run new-schema` in a temp copy of the repository:
 * the generated node and canonical object build, type-check, pass their own
 * tests untouched, and the package with the new node passes check:package
 * (html, catalog, help, icon, example shipped and shown in the editor).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const SKIP = new Set(['node_modules', 'dist', '.git', 'coverage']);

function sh(cmd: string, args: string[], cwd: string, timeout = 300_000) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, NODE_RED_SPEC: '', NODE_SPEC: '', NODE_BIN: '' } });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('scaffolders in a temp copy of the repository', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scaffold-'));
    for (const e of fs.readdirSync(ROOT)) if (!SKIP.has(e)) fs.cpSync(path.join(ROOT, e), path.join(dir, e), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('new-node refuses a bad or existing type, naming the problem', () => {
    expect(sh('npm', ['run', '--silent', 'new-node', '--', 'Supplier_EDI'], dir).out).toMatch(/not a lower-case kebab-case node type/);
    expect(sh('npm', ['run', '--silent', 'new-node', '--', 'odoo-read'], dir).out).toMatch(/node type odoo-read exists already/);
    expect(sh('npm', ['run', '--silent', 'new-schema', '--', 'supplier-price'], dir).out).toMatch(/canonical object supplier-price exists already/);
  });

  it('new-node and new-schema write every file and register the node and the schema', () => {
    const node = sh('npm', ['run', '--silent', 'new-node', '--', 'supplier-edi'], dir);
    expect(node.code).toBe(0);
    for (const f of ['nodes/supplier-edi/supplier-edi.ts', 'nodes/supplier-edi/editor/index.ts', 'nodes/supplier-edi/supplier-edi.html', 'nodes/supplier-edi/migrations.ts', 'nodes/supplier-edi/locales/en-US/supplier-edi.json', 'nodes/supplier-edi/locales/en-US/supplier-edi.html', 'nodes/supplier-edi/icons/supplier-edi.svg', 'lib/supplier-edi/index.ts', 'test/nodes/supplier-edi.test.ts']) {
      expect(`${f}: ${fs.existsSync(path.join(dir, f))}`).toBe(`${f}: true`);
    }
    expect(fs.readFileSync(path.join(dir, 'nodes/supplier-edi/supplier-edi.html'), 'utf8')).not.toMatch(/text\/javascript/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))['node-red'].nodes['supplier-edi']).toBe('dist/nodes/supplier-edi/supplier-edi.js');
    expect(fs.readdirSync(path.join(dir, 'examples')).some((f) => f.includes('supplier-edi'))).toBe(true);
    const schema = sh('npm', ['run', '--silent', 'new-schema', '--', 'delivery-slot'], dir);
    expect(schema.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'schemas', 'delivery-slot@1.json'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'lib/canonical/schemas.ts'), 'utf8')).toMatch(/deliverySlotRegistration,\n\] as const;/);
  }, 300_000);

  it('the result builds and type-checks (runtime, tests, editor)', () => {
    const build = sh('npm', ['run', '--silent', 'build'], dir);
    expect(build.out.trim()).toBe('');
    expect(build.code).toBe(0);
    const types = sh('npm', ['run', '--silent', 'typecheck'], dir);
    expect(types.out.trim()).toBe('');
    expect(types.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'dist/nodes/supplier-edi/supplier-edi.html'), 'utf8')).toMatch(/registerType\("supplier-edi"/);
  }, 300_000);

  it("the generated tests pass untouched, with the examples and committed-schemas tests", () => {
    const r = sh(path.join(dir, 'node_modules', '.bin', 'jest'), ['--rootDir', dir, 'test/nodes/supplier-edi.test.ts', 'test/canonical/delivery-slot.schema.test.ts', 'test/canonical/schemas-committed.test.ts', 'test/nodes/examples.test.ts'], dir);
    expect(r.out).toMatch(/Tests: +\d+ passed, \d+ total/);
    expect(r.out).not.toMatch(/failed/);
    expect(r.code).toBe(0);
  }, 300_000);

  it('the package with the new node passes check:package', () => {
    const r = sh(process.execPath, [path.join(dir, 'dist', 'scripts', 'check-package.js'), '--dir', dir], dir);
    expect(r.out.split('\n').filter((l) => l.startsWith('  FAIL'))).toEqual([]);
    expect(r.out).toContain('ok   EDITOR supplier-edi: registered in the editor');
    expect(r.out).toContain('ok   I18N supplier-edi: edit dialog shows no raw message key');
    expect(r.out).toMatch(/ok {3}ICON supplier-edi: icon "supplier-edi.svg" is served/);
    expect(r.code).toBe(0);
  }, 300_000);
});
