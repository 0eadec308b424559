// Puts each node's editor files (.html, locales/, icons/) beside its compiled .js in dist/nodes.
'use strict';
const fs = require('fs');
const path = require('path');

const src = path.join(__dirname, '..', 'nodes');
const dest = path.join(__dirname, '..', 'dist', 'nodes');

function copy(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, entry.name);
    const b = path.join(to, entry.name);
    if (entry.isDirectory()) {
      copy(a, b);
    } else if (!entry.name.endsWith('.ts')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(a, b);
    }
  }
}

copy(src, dest);
