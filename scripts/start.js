#!/usr/bin/env node
// `npm start`: builds dist/ when it is missing or older than the sources (a fresh clone has none),
// then runs the launcher (sandbox/demo/start.ts): local stand-ins for what is not configured, then Node-RED.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const launcher = path.join(root, 'dist', 'sandbox', 'demo', 'start.js');

function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (/\.(ts|html|json)$/.test(e.name)) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

const sources = Math.max(...['lib', 'nodes', 'sandbox', 'scripts'].map((d) => newest(path.join(root, d))));
if (!fs.existsSync(launcher) || fs.statSync(launcher).mtimeMs < sources) {
  process.stdout.write('[start] building dist/ (npm run build)\n');
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
  // the launcher is the build's marker: newer than every source from now on
  const now = new Date();
  fs.utimesSync(launcher, now, now);
}
require(launcher);
