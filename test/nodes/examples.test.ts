/** Import > Examples must work for every node: each example is a valid flow with a Comment, using only core nodes and ours. */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
const OUR_TYPES = Object.keys(pkg['node-red'].nodes);
const CORE_TYPES = ['inject', 'debug', 'comment', 'split', 'join', 'change', 'switch', 'function', 'catch', 'status', 'complete', 'link in', 'link out', 'template', 'delay', 'json', 'csv', 'http in', 'http response', 'mqtt in', 'mqtt out', 'mqtt-broker'];
const examples = fs
  .readdirSync(path.join(ROOT, 'examples'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, nodes: JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8')) as Array<Record<string, any>> }));

describe('examples', () => {
  it('exist for every non-config node of the package', () => {
    const used = new Set(examples.flatMap((e) => e.nodes.map((n) => n.type)));
    for (const type of OUR_TYPES.filter((t) => !t.endsWith('-config'))) expect(`${type}:${used.has(type)}`).toBe(`${type}:true`);
  });

  it('show every node registered in package.json (config nodes too) in an example that has a Comment node', () => {
    const commented = examples.filter((e) => e.nodes.some((n) => n.type === 'comment' && n.info));
    const used = new Set(commented.flatMap((e) => e.nodes.map((n) => n.type)));
    expect(OUR_TYPES.filter((t) => !used.has(t))).toEqual([]);
  });

  it.each(examples.map((e) => [e.file, e.nodes] as const))('%s is short, commented, wired to existing nodes, with known node types', (_file, nodes) => {
    expect(Array.isArray(nodes)).toBe(true);
    expect(nodes.some((n) => n.type === 'comment' && n.info)).toBe(true);
    const ids = new Set(nodes.map((n) => n.id));
    for (const n of nodes) {
      expect([...OUR_TYPES, ...CORE_TYPES]).toContain(n.type);
      for (const out of n.wires ?? []) for (const target of out) expect(ids.has(target)).toBe(true);
      if (n.server) expect(nodes.find((c) => c.id === n.server)?.type).toBe(n.type === 'supplier-sftp' ? 'sftp-server' : 'odoo-config');
    }
    expect(nodes.length).toBeLessThanOrEqual(12);
  });
});
