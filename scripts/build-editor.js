// Bundles each node's typed editor code (nodes/<type>/editor/index.ts and what it imports, e.g.
// nodes/shared/editor/*, nodes/<type>/migrations.ts) into one script and writes the shipped
// dist/nodes/<type>/<type>.html: that script, then the node's markup-only nodes/<type>/<type>.html.
// Type-checking is tsc's job (tsconfig.editor.json); esbuild only strips types and bundles.
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const src = path.join(root, 'nodes');
const dest = path.join(root, 'dist', 'nodes');

/** Node types with editor code to bundle: an editor/index.ts, or a migrations.ts the editor must apply too. */
function editorEntries(dir = src) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'shared')
    .filter((e) => fs.existsSync(path.join(dir, e.name, 'editor', 'index.ts')) || fs.existsSync(path.join(dir, e.name, 'migrations.ts')))
    .map((e) => e.name);
}

function bundle(type) {
  const markupFile = path.join(src, type, `${type}.html`);
  if (!fs.existsSync(markupFile)) throw new Error(`nodes/${type}/${type}.html is missing`);
  const markup = fs.readFileSync(markupFile, 'utf8');
  const typed = fs.existsSync(path.join(src, type, 'editor', 'index.ts'));
  if (typed && /<script[^>]*type=["']text\/javascript["']/i.test(markup)) {
    throw new Error(`nodes/${type}/${type}.html has a JavaScript <script>: editor code belongs in nodes/${type}/editor/*.ts`);
  }
  const imports = [];
  // the runtime's migration steps, applied in the editor as flows load (nodes/shared/editor/migrate.ts)
  if (fs.existsSync(path.join(src, type, 'migrations.ts'))) {
    imports.push(
      "import { registerEditorMigrations } from './nodes/shared/editor/migrate';",
      `import { migrations } from './nodes/${type}/migrations';`,
      `registerEditorMigrations(${JSON.stringify(type)}, migrations);`,
    );
  }
  if (typed) imports.push(`import './nodes/${type}/editor/index';`);
  const out = esbuild.buildSync({
    stdin: { contents: imports.join('\n'), resolveDir: root, sourcefile: `${type}-editor.ts`, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2019'],
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  // "</script" inside the bundle would end the tag early
  const code = out.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
  fs.mkdirSync(path.join(dest, type), { recursive: true });
  const banner = `<!-- built by scripts/build-editor.js from nodes/${type}/${type}.html${typed ? `, nodes/${type}/editor/*.ts` : ''} and nodes/${type}/migrations.ts -->\n`;
  fs.writeFileSync(path.join(dest, type, `${type}.html`), `${banner}<script type="text/javascript">\n${code}</script>\n\n${markup}`);
  return type;
}

if (require.main === module) {
  for (const type of editorEntries()) bundle(type);
}

module.exports = { bundle, editorEntries };
