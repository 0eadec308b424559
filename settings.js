/**
 * Node-RED settings that run this package from a checkout:
 *   npm run build && npx node-red -s settings.js      (or `npm start`: with local stand-ins)
 *
 * - The package loads as an installed module (nodesDir names the checkout,
 *   whose package.json has a `node-red` section), so its message catalogs,
 *   icons and Import > Examples work as after `npm install`.
 * - Flows are the files in flows/ (one per tab, config.json for shared config
 *   nodes and subflows): Deploy in the editor writes them back (see
 *   lib/flows/storage.ts). Credentials stay encrypted in the user dir.
 * - Environment: NODE_RED_USER_DIR (default .node-red/), NODE_RED_FLOWS_DIR
 *   (default flows/), NODE_RED_CREDENTIAL_SECRET, NODE_RED_HOST (default
 *   127.0.0.1), PORT (default 1880), NODE_RED_ADMIN_USER and
 *   NODE_RED_ADMIN_PASSWORD_HASH (a bcrypt hash: `npx node-red admin hash-pw`),
 *   NODE_RED_LOG_LEVEL (default info). Secrets of the flows come from the
 *   environment too: see README "Environment variables".
 */
'use strict';
const fs = require('fs');
const path = require('path');

const storageFile = path.join(__dirname, 'dist', 'lib', 'flows', 'storage.js');
if (!fs.existsSync(storageFile)) throw new Error('dist/ is missing: run `npm run build` first');
const { flowsStorage } = require(storageFile);
// Node-RED's own file storage, from the node-red running these settings
function nodeRedDir() {
  const main = require.main && require.main.filename;
  if (main) {
    try {
      if (require(path.join(path.dirname(main), 'package.json')).name === 'node-red') return path.dirname(main);
    } catch {
      // not started by node-red's red.js: use the checkout's
    }
  }
  return path.dirname(require.resolve('node-red/package.json', { paths: [__dirname] }));
}
const localfilesystem = require(require.resolve('@node-red/runtime/lib/storage/localfilesystem', { paths: [nodeRedDir()] }));

const userDir = path.resolve(process.env.NODE_RED_USER_DIR || path.join(__dirname, '.node-red'));
const flowsDir = path.resolve(process.env.NODE_RED_FLOWS_DIR || path.join(__dirname, 'flows'));

module.exports = {
  uiHost: process.env.NODE_RED_HOST || '127.0.0.1',
  uiPort: Number(process.env.PORT || 1880),
  userDir,
  // the credentials file (flows_cred.json) is named after it; the flows themselves are in flowsDir
  flowFile: 'flows.json',
  nodesDir: [__dirname],
  storageModule: flowsStorage({ base: localfilesystem, dir: flowsDir }),
  // encrypts flows_cred.json; unset, Node-RED generates a key and keeps it in the user dir
  credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET || undefined,
  adminAuth: process.env.NODE_RED_ADMIN_PASSWORD_HASH
    ? {
        type: 'credentials',
        users: [{ username: process.env.NODE_RED_ADMIN_USER || 'admin', password: process.env.NODE_RED_ADMIN_PASSWORD_HASH, permissions: '*' }],
      }
    : undefined,
  logging: { console: { level: process.env.NODE_RED_LOG_LEVEL || 'info', metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false }, tours: false },
  // no update-check dialog and nothing sent out from a development checkout
  telemetry: { enabled: false },
  externalModules: { autoInstall: false },
  functionExternalModules: false,
  exportGlobalContextKeys: false,
};
