// Builds dist/ (npm run build) when it is missing or older than the sources: a fresh clone has none.
// `node scripts/ensure-built.js` from npm scripts, or require('./ensure-built')().
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
// the build's marker: written by the last step of `npm run build`
const marker = path.join(root, 'dist', '.built');

function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (/\.(ts|js|html|json)$/.test(e.name)) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

function ensureBuilt() {
  const sources = Math.max(...['lib', 'nodes', 'sandbox', 'scripts', 'bench'].filter((d) => fs.existsSync(path.join(root, d))).map((d) => newest(path.join(root, d))));
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= sources) return;
  process.stdout.write('[build] dist/ is missing or older than the sources: npm run build\n');
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
}

// the last step of `npm run build`
function mark() {
  fs.mkdirSync(path.dirname(marker), { recursive: true });
  fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
}

module.exports = ensureBuilt;
if (require.main === module) {
  if (process.argv[2] === '--mark') mark();
  else ensureBuilt();
}
