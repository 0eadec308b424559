#!/usr/bin/env node
// Scaffolds a canonical object:
//
//   npm run new-schema -- <name>        e.g. npm run new-schema -- delivery-slot
//
// lib/canonical/<name>.schema.ts   the zod schema (version 1) and its registration
// lib/canonical/schemas.ts         the registration added to BUILTIN_SCHEMAS (the registry entry)
// test/canonical/<name>.schema.test.ts
// schemas/<name>@1.json            the JSON Schema given to suppliers (npm run schemas: builds, then writes)
//
// --no-schemas skips the last step (then run `npm run schemas` yourself).
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const args = process.argv.slice(2);
const rootAt = args.indexOf('--root');
const root = path.resolve(rootAt >= 0 ? args[rootAt + 1] : path.join(__dirname, '..'));
const name = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--root')[0];
function fail(message) {
  console.error(`new-schema: ${message}`);
  process.exit(1);
}
if (!name) fail('usage: npm run new-schema -- <name>   (lower-case kebab-case, e.g. delivery-slot)');
if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) fail(`"${name}" is not a lower-case kebab-case name (e.g. delivery-slot)`);

const camel = name.replace(/-([a-z0-9])/g, (_m, c) => c.toUpperCase());
const Pascal = camel[0].toUpperCase() + camel.slice(1);
const Words = name[0].toUpperCase() + name.slice(1).replace(/-/g, ' ');
const fill = (t) => t.replace(/__(name|camel|Pascal|Words)__/g, (_m, k) => ({ name, camel, Pascal, Words })[k]);

const registryFile = path.join(root, 'lib', 'canonical', 'schemas.ts');
let registry = fs.readFileSync(registryFile, 'utf8');
if (new RegExp(`name: '${name}'`).test(registry)) fail(`canonical object ${name} exists already`);
const list = /export const BUILTIN_SCHEMAS = \[[\s\S]*?\n\](?: as const)?;/.exec(registry);
if (!list) fail('lib/canonical/schemas.ts has no `export const BUILTIN_SCHEMAS = [ ... ];` to add the entry to');

const written = [];
function write(rel, template) {
  const file = path.join(root, rel);
  if (fs.existsSync(file)) fail(`${rel} exists already`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, fill(fs.readFileSync(path.join(__dirname, 'templates', 'schema', template), 'utf8')));
  written.push(rel);
}
write(`lib/canonical/${name}.schema.ts`, 'schema.ts.tmpl');
write(`test/canonical/${name}.schema.test.ts`, 'schema.test.ts.tmpl');

// the import after the file's last import, the entry at the end of BUILTIN_SCHEMAS
const entry = `  ${camel}Registration,\n`;
const closing = list[0].lastIndexOf('\n]');
const updatedList = list[0].slice(0, closing + 1) + entry + list[0].slice(closing + 1);
registry = registry.replace(list[0], updatedList);
const imports = [...registry.matchAll(/^import .*;$/gm)];
const at = imports.length ? imports[imports.length - 1].index + imports[imports.length - 1][0].length : 0;
registry = `${registry.slice(0, at)}\nimport { ${camel}Registration } from './${name}.schema';${registry.slice(at)}`;
fs.writeFileSync(registryFile, registry);
written.push('lib/canonical/schemas.ts (BUILTIN_SCHEMAS)');

if (!args.includes('--no-schemas')) {
  execFileSync('npm', ['run', '--silent', 'schemas'], { cwd: root, stdio: 'inherit' });
  written.push(`schemas/${name}@1.json`);
}
console.log(`new-schema: ${name}@1\n${written.map((w) => `  ${w}`).join('\n')}\nnext: npx jest test/canonical/${name}.schema.test.ts`);
