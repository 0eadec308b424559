/**
 * Every node's editor is typed code: nodes/<type>/editor/index.ts, a markup-only
 * nodes/<type>/<type>.html, and one bundled script in the shipped html
 * (`npm run build` first). Node types come from package.json.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
const types = Object.keys(pkg['node-red'].nodes);

describe.each(types)('%s editor', (type) => {
  const src = path.join(ROOT, 'nodes', type);
  it('is TypeScript under nodes/<type>/editor, with markup-only html', () => {
    expect(fs.existsSync(path.join(src, 'editor', 'index.ts'))).toBe(true);
    const html = fs.readFileSync(path.join(src, `${type}.html`), 'utf8');
    expect(html).not.toMatch(/<script[^>]*text\/javascript/);
    expect(html).toContain(`data-template-name="${type}"`);
  });
  it('ships as one html with the bundled script, its migrations and its dialog', () => {
    const shipped = fs.readFileSync(path.join(ROOT, 'dist', 'nodes', type, `${type}.html`), 'utf8');
    expect(shipped.match(/<script type="text\/javascript">/g)).toHaveLength(1);
    expect(shipped).toMatch(new RegExp(`registerType\\("${type}"`));
    expect(shipped).toMatch(new RegExp(`registerEditorMigrations\\("${type}"`));
    expect(shipped).toContain(`data-template-name="${type}"`);
  });
});
