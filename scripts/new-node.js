#!/usr/bin/env node
// Scaffolds a node the way this repository builds nodes, and registers it in package.json:
//
//   npm run new-node -- <type>        e.g. npm run new-node -- supplier-edi
//
// nodes/<type>/<type>.ts            runtime: reads and validates options, wires input/close, status
// nodes/<type>/migrations.ts        options versions (lib/migrations.ts)
// nodes/<type>/editor/index.ts      typed editor code (+ editor/validate.ts), bundled into the html at build
// nodes/<type>/<type>.html          the dialog markup only
// nodes/<type>/locales/en-US/       message catalog (.json) and help in Node-RED's help style (.html)
// nodes/<type>/icons/<type>.svg
// lib/<type>/index.ts               the logic, framework-free
// test/nodes/<type>.test.ts         behaviour through the node, and the built node in a real Node-RED
// examples/NN <Type>.json           Import > Examples, with a Comment node
//
// The generated node checks that msg.payload has the fields named in its options: a starting
// point that builds, loads and passes its test untouched, to be replaced by the real logic.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(process.argv.includes('--root') ? process.argv[process.argv.indexOf('--root') + 1] : path.join(__dirname, '..'));
const type = process.argv.slice(2).filter((a, i, all) => a !== '--root' && all[i - 1] !== '--root')[0];

function fail(message) {
  console.error(`new-node: ${message}`);
  process.exit(1);
}
if (!type) fail('usage: npm run new-node -- <type>   (lower-case kebab-case, e.g. supplier-edi)');
if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(type)) fail(`"${type}" is not a lower-case kebab-case node type (e.g. supplier-edi)`);
if (type === 'shared') fail('"shared" is the folder of shared helpers');

const pkgFile = path.join(root, 'package.json');
const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
pkg['node-red'] = pkg['node-red'] || {};
pkg['node-red'].nodes = pkg['node-red'].nodes || {};
if (pkg['node-red'].nodes[type] || fs.existsSync(path.join(root, 'nodes', type))) fail(`node type ${type} exists already`);

const camel = type.replace(/-([a-z0-9])/g, (_m, c) => c.toUpperCase());
const Pascal = camel[0].toUpperCase() + camel.slice(1);
const words = type.replace(/-/g, ' ');
const Words = words[0].toUpperCase() + words.slice(1);
const vars = { type, camel, Pascal, words, Words };

const templates = path.join(__dirname, 'templates', 'node');
function fill(text) {
  return text.replace(/__(type|camel|Pascal|words|Words)__/g, (_m, k) => vars[k]);
}
const written = [];
function write(rel, text) {
  const file = path.join(root, rel);
  if (fs.existsSync(file)) fail(`${rel} exists already`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, fill(text));
  written.push(rel);
}
function walk(dir, rel = '') {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) walk(path.join(dir, e.name), r);
    else write(fill(r.replace(/\.tmpl$/, '')), fs.readFileSync(path.join(dir, e.name), 'utf8'));
  }
}
walk(templates);

// examples/NN <Words>.json, numbered after the last one
const exDir = path.join(root, 'examples');
fs.mkdirSync(exDir, { recursive: true });
const next = fs.readdirSync(exDir).map((f) => Number(/^(\d+) /.exec(f)?.[1] ?? 0)).reduce((a, b) => Math.max(a, b), 0) + 1;
const example = [
  { id: `${camel}-comment`, type: 'comment', name: `${Words}: checks that orders carry the fields a supplier needs`, info: `Press the inject buttons: a payload with \`orderRef\` and \`supplierCode\` leaves on output 1, one without \`supplierCode\` leaves on output 2 with \`msg.error\` naming the missing field.`, x: 280, y: 40, wires: [] },
  { id: `${camel}-ok`, type: 'inject', name: 'complete order', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', payload: '{"orderRef":"PO-1001","supplierCode":"ACME"}', payloadType: 'json', x: 130, y: 100, wires: [[`${camel}-node`]] },
  { id: `${camel}-bad`, type: 'inject', name: 'order without supplier', props: [{ p: 'payload' }], repeat: '', crontab: '', once: false, onceDelay: 0.1, topic: '', payload: '{"orderRef":"PO-1002"}', payloadType: 'json', x: 150, y: 160, wires: [[`${camel}-node`]] },
  { id: `${camel}-node`, type, name: '', version: 1, fields: 'orderRef, supplierCode', x: 380, y: 130, wires: [[`${camel}-passed`], [`${camel}-refused`]] },
  { id: `${camel}-passed`, type: 'debug', name: 'passed', active: true, tosidebar: true, console: false, tostatus: false, complete: 'payload', targetType: 'msg', statusVal: '', statusType: 'auto', x: 570, y: 100, wires: [] },
  { id: `${camel}-refused`, type: 'debug', name: 'refused', active: true, tosidebar: true, console: false, tostatus: false, complete: 'error', targetType: 'msg', statusVal: '', statusType: 'auto', x: 570, y: 160, wires: [] },
];
const exRel = `examples/${String(next).padStart(2, '0')} Check fields with ${type}.json`;
fs.writeFileSync(path.join(root, exRel), JSON.stringify(example, null, 2) + '\n');
written.push(exRel);

pkg['node-red'].nodes[type] = `dist/nodes/${type}/${type}.js`;
fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
written.push('package.json (node-red.nodes)');

console.log(`new-node: ${type}\n${written.map((w) => `  ${w}`).join('\n')}\nnext: npm run build && npx jest test/nodes/${type}.test.ts`);
