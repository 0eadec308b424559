/**
 * `npm run lint:flows` catches each defect it claims to: a good flow passes,
 * then one broken copy per defect fails with that defect's rule, naming the
 * file and the node; the committed flows/ and examples/ pass; the command
 * exits 1 on a broken folder and 0 on a good one.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { lintFolder, type LintProblem } from '../../lib/flows/lint';
import { coreTypes, lintPaths, packageTypes } from '../../scripts/lint-flows';
import { ROOT, tempDir } from '../helpers/child';

type N = Record<string, any> & { id: string; type: string };
const opts = { knownTypes: new Set([...coreTypes(), ...packageTypes()]), forbiddenPaths: [ROOT] };

/** A small correct flow: tab file + config.json, error output to retry-gate and dead-letter. */
function good(): { tab: N[]; config: N[] } {
  return {
    tab: [
      { id: 't1', type: 'tab', label: 'Prices', disabled: false, info: '', env: [] },
      { id: 'c1', type: 'comment', z: 't1', name: 'what this does', info: '', x: 100, y: 40, wires: [] },
      { id: 'in1', type: 'http in', z: 't1', name: '', url: '/suppliers/acme/price-list', method: 'post', upload: false, swaggerDoc: '', x: 100, y: 100, wires: [['w1']] },
      { id: 'w1', type: 'odoo-write', z: 't1', name: 'apply', server: 'o1', operation: 'upsert', model: 'product.supplierinfo', keyFields: 'partner_id', method: '', batchSize: 200, batchWindow: 50, context: '', x: 300, y: 100, wires: [['ok1'], ['g1']] },
      { id: 'g1', type: 'retry-gate', z: 't1', name: '', x: 500, y: 160, wires: [['w1'], ['dl1']] },
      { id: 'dl1', type: 'dead-letter', z: 't1', name: '', x: 700, y: 160, wires: [[]] },
      { id: 'ok1', type: 'debug', z: 't1', name: '', active: true, x: 500, y: 100, wires: [] },
      { id: 'l1', type: 'link out', z: 't1', name: '', mode: 'link', links: ['l2'], x: 700, y: 40, wires: [] },
      { id: 'l2', type: 'link in', z: 't1', name: '', links: ['l1'], x: 100, y: 200, wires: [[]] },
    ],
    config: [{ id: 'o1', type: 'odoo-config', name: 'Odoo', url: '${ODOO_URL}', database: '${ODOO_DB}', login: '${ODOO_LOGIN}', protocol: 'auto', secretKind: 'apikey', secretEnv: 'ODOO_API_KEY', timeout: '30', concurrency: '4', context: '' }],
  };
}

function lint(f: { tab: N[]; config: N[] }, tabText?: string): LintProblem[] {
  return lintFolder(
    [
      { file: 'flows/prices.json', text: tabText ?? JSON.stringify(f.tab) },
      { file: 'flows/config.json', text: JSON.stringify(f.config) },
    ],
    opts,
  );
}
const node = (f: { tab: N[]; config: N[] }, id: string): N => [...f.tab, ...f.config].find((n) => n.id === id)!;

describe('lint:flows', () => {
  it('passes a correct flow', () => {
    expect(lint(good())).toEqual([]);
  });

  const defects: Array<[string, (f: { tab: N[]; config: N[] }) => string | void, LintProblem['rule'], RegExp]> = [
    ['a file that is not JSON', () => '[{"id": "t1", "type": "tab"},', 'LOAD', /not JSON/],
    ['a file that is not a list of nodes', () => '{"id": "t1"}', 'LOAD', /not an array of nodes/],
    ['a node without a type', (f) => void delete (node(f, 'ok1') as Record<string, unknown>).type, 'LOAD', /node ok1 has no type/],
    ['an unknown (third-party) node type', (f) => void (node(f, 'ok1').type = 'ui_chart'), 'TYPE', /unknown node type "ui_chart"/],
    ['a wire to a node that does not exist', (f) => void (node(f, 'in1').wires = [['gone']]), 'WIRE', /output 1 is wired to "gone"/],
    ['a link to a node that does not exist', (f) => void (node(f, 'l1').links = ['gone']), 'WIRE', /links to "gone"/],
    ['a node on a tab that does not exist', (f) => void (node(f, 'ok1').z = 'nope'), 'WIRE', /tab or subflow "nope"/],
    ['a server that does not exist', (f) => void (node(f, 'w1').server = 'o2'), 'CONFIG', /"server" names config node "o2"/],
    ['an Odoo node with its error output not wired', (f) => void (node(f, 'w1').wires = [['ok1'], []]), 'ERROR_OUTPUT', /node w1 \(odoo-write "apply"\): its error output \(output 2\) is not wired/],
    ['an SFTP node with no error output at all', (f) => void f.tab.push({ id: 's1', type: 'supplier-sftp', z: 't1', server: '', mode: 'poll', dir: '/outbox', x: 1, y: 1, wires: [['ok1']] }), 'ERROR_OUTPUT', /node s1 \(supplier-sftp\): its error output/],
    ['credentials in the file', (f) => void (node(f, 'o1').credentials = { secret: 'x' }), 'SECRET', /has "credentials" in the file/],
    ['a literal password', (f) => void f.config.push({ id: 'sf', type: 'sftp-server', name: '', host: 'h', port: '22', username: 'u', password: 'hunter22' }), 'SECRET', /"password" holds a literal value/],
    ['a bearer token in an http request header', (f) => void f.tab.push({ id: 'h1', type: 'http request', z: 't1', method: 'GET', url: 'https://x', headers: [{ keyType: 'other', keyValue: 'Authorization', valueType: 'other', valueValue: 'Bearer abcdefghijklmnop0123456789' }], x: 1, y: 1, wires: [[]] }), 'SECRET', /looks like a bearer token/],
    ['a private key in a template', (f) => void f.tab.push({ id: 'tp', type: 'template', z: 't1', template: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn...', x: 1, y: 1, wires: [[]] }), 'SECRET', /looks like a private key/],
    ['an API key in function code', (f) => void f.tab.push({ id: 'fn', type: 'function', z: 't1', func: "msg.headers = { apiKey: 'abc123def456' };\nreturn msg;", outputs: 1, x: 1, y: 1, wires: [[]] }), 'SECRET', /secret literal in code/],
    ['a password in a URL', (f) => void (node(f, 'o1').url = 'https://bot:s3cretpw@erp.example.com'), 'SECRET', /password inside a URL/],
    ['a home-directory path', (f) => void f.tab.push({ id: 'fi', type: 'file in', z: 't1', filename: '/home/alice/prices.csv', x: 1, y: 1, wires: [[]] }), 'PATH', /absolute path "\/home\/alice\/prices\.csv"/],
    ['a Windows user path', (f) => void (node(f, 'c1').info = 'see C:\\Users\\bob\\flows.json'), 'PATH', /absolute path "C:\\Users\\bob\\flows\.json"/],
    ['this checkout\'s own path', (f) => void (node(f, 'c1').info = `mapping at ${ROOT}/mappings/acme.json`), 'PATH', /this machine's own path/],
    ['a placeholder the editor would eat in a description', (f) => void (node(f, 'c1').info = 'Files arrive in /suppliers/<supplier>/price-list, see `plant/<site>` and <b>bold</b>'), 'INFO', /has <supplier> outside a code span/],
    ['two different nodes with one id', (f) => void f.config.push({ ...node(f, 'ok1'), name: 'other' }), 'LOAD', /node ok1 is also in/],
  ];

  it.each(defects)('catches %s', (_what, breakIt, rule, message) => {
    const f = good();
    const text = breakIt(f);
    const problems = lint(f, typeof text === 'string' ? text : undefined);
    expect(problems.map((p) => p.rule)).toEqual([rule]);
    expect(problems[0].message).toMatch(message);
    expect(problems[0].file).toMatch(/^flows\/(prices|config)\.json$/);
  });

  it('accepts placeholders in code spans, fenced and indented code blocks, and HTML the editor keeps', () => {
    const f = good();
    node(f, 'c1').info = 'Route `/suppliers/<supplier>/price-list`, <b>bold</b> and <br>:\n\n    curl -H "Authorization: Bearer <token>" …\n\n```\nPO_<number>.csv\n```\n';
    expect(lint(f)).toEqual([]);
  });

  it('accepts secrets taken from the environment', () => {
    const f = good();
    f.config.push({ id: 'sf', type: 'sftp-server', name: '', host: '${SUPPLIER_SFTP_HOST}', port: '22', username: '${SUPPLIER_SFTP_USER}', password: '${SUPPLIER_SFTP_PASSWORD}', token: '', apiKey: 'API_KEY', apiKeyType: 'env' });
    expect(lint(f)).toEqual([]);
  });

  it('passes the committed flows/ and examples/', () => {
    const { problems, files } = lintPaths([path.join(ROOT, 'flows')], [path.join(ROOT, 'examples')]);
    expect(problems).toEqual([]);
    expect(files).toBeGreaterThan(3);
  });

  it('npm run lint:flows exits 1 naming the file, node and rule, and 0 on a good folder', () => {
    const tmp = tempDir('lint-flows-');
    try {
      const f = good();
      fs.mkdirSync(path.join(tmp.dir, 'flows'));
      fs.writeFileSync(path.join(tmp.dir, 'flows', 'config.json'), JSON.stringify(f.config));
      fs.writeFileSync(path.join(tmp.dir, 'flows', 'prices.json'), JSON.stringify(f.tab));
      const cli = path.join(ROOT, 'dist', 'scripts', 'lint-flows.js');
      expect(execFileSync(process.execPath, [cli, '--set', 'flows'], { cwd: tmp.dir, encoding: 'utf8' })).toMatch(/no problems/);
      node(f, 'w1').wires = [['ok1'], []];
      fs.writeFileSync(path.join(tmp.dir, 'flows', 'prices.json'), JSON.stringify(f.tab));
      let out = '';
      let status = 0;
      try {
        execFileSync(process.execPath, [cli, '--set', 'flows'], { cwd: tmp.dir, encoding: 'utf8' });
      } catch (err) {
        ({ stdout: out, status } = err as { stdout: string; status: number });
      }
      expect(status).toBe(1);
      expect(out).toContain('flows/prices.json: [ERROR_OUTPUT] node w1 (odoo-write "apply"): its error output (output 2) is not wired');
      expect(out).toMatch(/1 problem\(s\) in 1 of 2 file\(s\)/);
    } finally {
      tmp.remove();
    }
  });

  it('--format rewrites a folder in the older layout (config node inside the tab file) as a Deploy would', () => {
    const tmp = tempDir('lint-format-');
    try {
      const f = good();
      fs.mkdirSync(path.join(tmp.dir, 'flows'));
      fs.writeFileSync(path.join(tmp.dir, 'flows', 'prices.json'), JSON.stringify([...f.tab, ...f.config], null, 2));
      const cli = path.join(ROOT, 'dist', 'scripts', 'lint-flows.js');
      const out = execFileSync(process.execPath, [cli, '--format', '--set', 'flows'], { cwd: tmp.dir, encoding: 'utf8' });
      expect(out).toMatch(/rewrote config\.json, prices\.json/);
      expect(JSON.parse(fs.readFileSync(path.join(tmp.dir, 'flows', 'config.json'), 'utf8')).map((n: N) => n.id)).toEqual(['o1']);
      expect(JSON.parse(fs.readFileSync(path.join(tmp.dir, 'flows', 'prices.json'), 'utf8'))[0].id).toBe('t1');
      expect(execFileSync(process.execPath, [cli, '--format', '--set', 'flows'], { cwd: tmp.dir, encoding: 'utf8' })).toMatch(/already in the layout/);
    } finally {
      tmp.remove();
    }
  });
});
