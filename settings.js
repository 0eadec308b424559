/**
 * Node-RED settings that run this package from a checkout:
 *   npm run build && npx node-red -s settings.js
 * Nodes load from dist/nodes; the versioned flows in flows/ (one file per tab)
 * are assembled into the runtime's flow file at start. Secrets come from the
 * environment, never from files: see README "Environment variables".
 */
'use strict';
const fs = require('fs');
const path = require('path');

const userDir = process.env.NODE_RED_USER_DIR || path.join(__dirname, '.node-red');
const flowFile = path.join(userDir, 'flows.json');

function assembleFlows() {
  const dir = path.join(__dirname, 'flows');
  if (process.env.NODE_RED_FLOWS_FROM_REPO === '0' || !fs.existsSync(dir)) return;
  const nodes = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(flowFile, JSON.stringify(nodes, null, 2), { mode: 0o600 });
}
assembleFlows();

module.exports = {
  uiHost: process.env.NODE_RED_HOST || '127.0.0.1',
  uiPort: Number(process.env.PORT || 1880),
  userDir,
  flowFile,
  nodesDir: [path.join(__dirname, 'dist', 'nodes')],
  // encrypts flows_cred.json; unset, Node-RED generates a key and keeps it in the user dir
  credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET || undefined,
  adminAuth: process.env.NODE_RED_ADMIN_PASSWORD_HASH
    ? {
        type: 'credentials',
        users: [{ username: process.env.NODE_RED_ADMIN_USER || 'admin', password: process.env.NODE_RED_ADMIN_PASSWORD_HASH, permissions: '*' }],
      }
    : undefined,
  flowFilePretty: true,
  logging: { console: { level: process.env.NODE_RED_LOG_LEVEL || 'info', metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false }, tours: false },
  functionExternalModules: false,
  exportGlobalContextKeys: false,
};
