#!/usr/bin/env bash
# Compatibility check: Node-RED 5 (latest 5.x from the npm registry) on Node 22
# loads this package and runs a real flow against the sandbox Odoo.
#
#   npm ci && npm run build && test/compat/node-red-5.sh
#
# Everything goes into one temp dir that is removed on exit, with the sandbox
# and Node-RED processes this script started. Needs only node (≥20), npm and
# the npm registry. Ends with one line: "node-red-5: N passed, M failed".
#
# Overrides (environment):
#   NODE_RED_SPEC  version spec of node-red to install   (default 5)
#   NODE_SPEC      major/spec of Node.js for Node-RED     (default 22)
#   NODE22_BIN     use this node binary instead of installing one from npm
#   COMPAT_INSTALL_TIMEOUT  seconds per npm install       (default 300)
#   COMPAT_FLOW_TIMEOUT     seconds for the flow outputs  (default 60)
#   COMPAT_KEEP=1  keep the temp dir (printed) for inspection
set -euo pipefail
shopt -s lastpipe # tally at the end of a pipe counts in this shell

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODE_RED_SPEC="${NODE_RED_SPEC:-5}"
NODE_SPEC="${NODE_SPEC:-22}"
INSTALL_TIMEOUT="${COMPAT_INSTALL_TIMEOUT:-300}"
FLOW_TIMEOUT="${COMPAT_FLOW_TIMEOUT:-60}"
PKG_NAME="$(node -p 'require(process.argv[1]).name' "$ROOT/package.json")"
OUR_TYPES='odoo-config|odoo-read|odoo-write|canonical-map'

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "  ok   $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL $*"; }
# Reads "PASS text" / "FAIL text" lines (from the node checks below) into the counters.
tally() {
  local line
  while IFS= read -r line; do
    case "$line" in
      PASS\ *) pass "${line#PASS }" ;;
      FAIL\ *) fail "${line#FAIL }" ;;
      *) echo "       $line" ;;
    esac
  done
}
summary() { echo "node-red-5: $passed passed, $failed failed"; }
abort() {
  fail "$*"
  summary
  exit 1
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/nr5-compat.XXXXXX")"
SANDBOX_PID=""
NR_PID=""
stop_pid() { # pid: TERM, up to 10 s, then KILL
  local pid="$1" i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$NR_PID"
  stop_pid "$SANDBOX_PID"
  if [ "${COMPAT_KEEP:-}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started=$SECONDS
step() { echo "== $* ($((SECONDS - started)) s)"; }

[ -f "$ROOT/dist/nodes/odoo-config/odoo-config.js" ] && [ -f "$ROOT/dist/sandbox/odoo/cli.js" ] \
  || abort "dist/ is missing: run npm ci && npm run build first"

# ---------------------------------------------------------------- 1. Node 22
step "Node.js $NODE_SPEC"
if [ -n "${NODE22_BIN:-}" ]; then
  NODE22="$NODE22_BIN"
else
  # the platform package that the registry's `node` wrapper would fetch in its install
  # script, installed directly: no install script to run or be blocked
  NODE_PKG="$(node -p '(process.platform === "darwin" && process.arch === "arm64" ? "node-bin-" : "node-") + process.platform + "-" + process.arch')"
  mkdir -p "$WORK/node"
  echo '{"private":true}' >"$WORK/node/package.json"
  (cd "$WORK/node" && timeout "$INSTALL_TIMEOUT" npm install --no-audit --no-fund --no-save --loglevel=error "$NODE_PKG@$NODE_SPEC") \
    >"$WORK/node-install.log" 2>&1 || { cat "$WORK/node-install.log"; abort "npm install $NODE_PKG@$NODE_SPEC failed"; }
  NODE22="$WORK/node/node_modules/$NODE_PKG/bin/node"
fi
NODE22_VERSION="$("$NODE22" --version 2>/dev/null)" || abort "no runnable node at $NODE22"
NODE22_DIR="$(dirname "$NODE22")"
if "$NODE22" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 9) ? 0 : 1)'; then
  pass "Node.js $NODE22_VERSION for Node-RED (needs >= 22.9); sandbox on $(node --version)"
else
  abort "Node.js $NODE22_VERSION is below 22.9, which Node-RED 5 needs"
fi

# ------------------------------------------------------------ 1. Node-RED 5
step "node-red@$NODE_RED_SPEC"
NR_HOME="$WORK/node-red"
mkdir -p "$NR_HOME"
echo '{"private":true}' >"$NR_HOME/package.json"
# npm runs under Node 22, so engines and optional platform packages resolve for it
(cd "$NR_HOME" && PATH="$NODE22_DIR:$PATH" timeout "$INSTALL_TIMEOUT" npm install --no-audit --no-fund --loglevel=error "node-red@$NODE_RED_SPEC") \
  >"$WORK/node-red-install.log" 2>&1 || { cat "$WORK/node-red-install.log"; abort "npm install node-red@$NODE_RED_SPEC failed"; }
NR_VERSION="$(node -p 'require(process.argv[1]).version' "$NR_HOME/node_modules/node-red/package.json")"
case "$NR_VERSION" in
  5.*) pass "node-red $NR_VERSION installed" ;;
  *) fail "node-red $NR_VERSION installed, expected 5.x" ;;
esac

# ------------------------------------------------------------- sandbox Odoo
step "sandbox Odoo"
node "$ROOT/dist/sandbox/odoo/cli.js" --port 0 --host 127.0.0.1 >"$WORK/sandbox.log" 2>&1 &
SANDBOX_PID=$!
field() { sed -n "s/^ *$1: *//p" "$WORK/sandbox.log" | head -n 1; }
for _ in $(seq 1 200); do
  [ -n "$(field 'api key')" ] && break
  kill -0 "$SANDBOX_PID" 2>/dev/null || break
  sleep 0.1
done
ODOO_URL="$(field url)"
ODOO_DB="$(field database)"
ODOO_LOGIN="$(field login)"
ODOO_API_KEY="$(field 'api key')"
[ -n "$ODOO_URL" ] && [ -n "$ODOO_API_KEY" ] || { cat "$WORK/sandbox.log"; abort "the sandbox did not start"; }
echo "   sandbox $ODOO_URL database $ODOO_DB login $ODOO_LOGIN"
export ODOO_URL ODOO_DB ODOO_LOGIN ODOO_API_KEY

# -------------------------------------------------- 2. user dir, flow, settings
step "user dir and flow"
USER_DIR="$WORK/user"
OUT="$WORK/out"
mkdir -p "$USER_DIR/node_modules" "$OUT"
ln -s "$ROOT" "$USER_DIR/node_modules/$PKG_NAME"
PARTNER_NAME="Compat NR5 partner $$-$(date +%s)"
PORT="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
export COMPAT_ROOT="$ROOT" COMPAT_USER_DIR="$USER_DIR" COMPAT_OUT="$OUT" COMPAT_PARTNER_NAME="$PARTNER_NAME" COMPAT_PKG="$PKG_NAME" COMPAT_PORT="$PORT"

node - <<'JS'
const fs = require('fs');
const path = require('path');
const e = process.env;
const out = (f) => path.join(e.COMPAT_OUT, f);
fs.writeFileSync(path.join(e.COMPAT_USER_DIR, 'package.json'),
  JSON.stringify({ name: 'node-red-project', private: true, dependencies: { [e.COMPAT_PKG]: '*' } }, null, 2));

const z = 'compat';
const flow = [{ id: z, type: 'tab', label: 'compat' }];
let y = 0;
const add = (n) => { flow.push({ z, x: 200, y: (y += 60), ...n }); return n.id; };
/** function (one JSON line of what matters) → file (appended) */
const sink = (id, tag, file) => {
  add({ id: `${id}-fn`, type: 'function', name: tag, func: `msg.payload = JSON.stringify({ tag: ${JSON.stringify(tag)}, payload: msg.payload, odoo: msg.odoo, canonical: msg.canonical, error: msg.error, status: msg.status }); return msg;`, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires: [[`${id}-file`]] });
  add({ id: `${id}-file`, type: 'file', name: file, filename: out(file), filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', wires: [[]] });
  return `${id}-fn`;
};
const inject = (id, payload, to) => add({ id, type: 'inject', name: id, props: [{ p: 'payload' }], repeat: '', crontab: '', once: true, onceDelay: 0.5, topic: '', payload: JSON.stringify(payload), payloadType: 'json', wires: [[to]] });

flow.push({ id: 'cfg', type: 'odoo-config', name: 'sandbox', url: e.ODOO_URL, database: e.ODOO_DB, login: e.ODOO_LOGIN, protocol: 'auto', secretKind: 'apikey', timeout: 20, concurrency: 4, context: '' });
const errors = sink('errors', 'error', 'errors.jsonl');

// inject → odoo-read (suppliers) → read.jsonl
inject('inject-read', '', 'read');
add({ id: 'read', type: 'odoo-read', name: 'suppliers', server: 'cfg', operation: 'search_read', model: 'res.partner', fields: 'name,ref', domain: '[["supplier_rank", ">", 0]]', domainType: 'json', groupby: '', aggregates: '', limit: '', offset: '', order: 'id asc', pageSize: 500, output: 'all', context: '', wires: [[sink('read-out', 'read', 'read.jsonl')], [errors]] });

// inject (2 supplier CSV rows) → canonical-map to-canonical → mapped.jsonl
const row = (nr, name, ours, price) => ({ 'Art.-Nr.': nr, Bezeichnung: name, 'Unsere Nr.': ours, Preis: price, 'Währung': 'EUR', MinMenge: '1', Einheit: 'Stk', 'Lieferzeit (Tage)': '5', 'Gültig ab': '01.01.2026', 'Gültig bis': '31.12.2026', 'Rabatt %': '' });
inject('inject-rows', [row('A-1001', 'Schraubendreher-Set', 'fas-bolt-m8', '12,50'), row('A-1002', 'Wasserwaage', 'FAS-NUT-M8', '1.018,50')], 'map');
add({ id: 'map', type: 'canonical-map', name: 'acme', direction: 'to-canonical', mapping: fs.readFileSync(path.join(e.COMPAT_ROOT, 'mappings', 'acme-tools.price-list.json'), 'utf8'), schema: '', server: '', output: 'grouped', cacheTtl: '300', wires: [[sink('map-out', 'mapped', 'mapped.jsonl')], [errors]] });

// inject → odoo-write create res.partner → written.jsonl
inject('inject-partner', { name: e.COMPAT_PARTNER_NAME, ref: 'COMPAT-NR5' }, 'write');
add({ id: 'write', type: 'odoo-write', name: 'new partner', server: 'cfg', operation: 'create', model: 'res.partner', keyFields: '', method: '', batchSize: '200', batchWindow: '50', context: '', wires: [[sink('write-out', 'written', 'written.jsonl')], [errors]] });

// anything thrown or done(err) anywhere, and every status of our nodes
add({ id: 'catch', type: 'catch', name: 'all errors', scope: null, uncaught: false, wires: [[errors]] });
add({ id: 'status', type: 'status', name: 'our statuses', scope: ['read', 'map', 'write'], wires: [[sink('status-out', 'status', 'status.jsonl')]] });

fs.writeFileSync(path.join(e.COMPAT_USER_DIR, 'flows.json'), JSON.stringify(flow, null, 2));
// the secret stays a reference: the config node expands ${ODOO_API_KEY} itself
fs.writeFileSync(path.join(e.COMPAT_USER_DIR, 'flows_cred.json'), JSON.stringify({ cfg: { secret: '${ODOO_API_KEY}' } }, null, 2));
fs.writeFileSync(path.join(e.COMPAT_USER_DIR, 'settings.js'), `module.exports = ${JSON.stringify({
  uiHost: '127.0.0.1',
  uiPort: Number(e.COMPAT_PORT),
  flowFile: 'flows.json',
  credentialSecret: false,
  httpNodeRoot: false,
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { tours: false, projects: { enabled: false } },
  telemetry: { enabled: false, updateNotification: false },
  diagnostics: { enabled: false, ui: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
  functionExternalModules: false,
}, null, 2)};\n`);
JS
pass "user dir with $PKG_NAME symlinked to the checkout, flow with odoo-config, odoo-read, canonical-map, odoo-write"

# ------------------------------------------------ 3. Node-RED 5 on Node 22
step "Node-RED $NR_VERSION on Node.js $NODE22_VERSION, port $PORT"
NR_LOG="$WORK/node-red.log"
"$NODE22" "$NR_HOME/node_modules/node-red/red.js" -s "$USER_DIR/settings.js" -u "$USER_DIR" -p "$PORT" >"$NR_LOG" 2>&1 &
NR_PID=$!
nr_started=$SECONDS
produced() { [ -s "$OUT/read.jsonl" ] && [ -s "$OUT/mapped.jsonl" ] && [ -s "$OUT/written.jsonl" ]; }
while ! produced; do
  if ! kill -0 "$NR_PID" 2>/dev/null; then cat "$NR_LOG"; abort "Node-RED exited before the flow ran"; fi
  [ -s "$OUT/errors.jsonl" ] && sleep 1 && break # an error message: stop waiting, report below
  grep -q "Waiting for missing types" "$NR_LOG" 2>/dev/null && { fail "Node-RED is waiting for missing types"; break; }
  if ((SECONDS - nr_started >= FLOW_TIMEOUT)); then fail "flow outputs not all there after ${FLOW_TIMEOUT} s"; break; fi
  sleep 0.2
done
sleep 0.5 # trailing status messages
echo "   flow outputs after $((SECONDS - nr_started)) s"

# ----------------------------------------------------------------- checks
export COMPAT_NR_URL="http://127.0.0.1:$PORT" COMPAT_NR_VERSION="$NR_VERSION"
node - <<'JS' | tally
const fs = require('fs');
const path = require('path');
const e = process.env;
const ok = (cond, text, detail) => console.log(`${cond ? 'PASS' : 'FAIL'} ${text}${!cond && detail !== undefined ? ` — ${typeof detail === 'string' ? detail : JSON.stringify(detail)}` : ''}`);
const lines = (f) => { try { return fs.readFileSync(path.join(e.COMPAT_OUT, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)); } catch { return []; } };
const odoo = async (model, method, body) => {
  const res = await fetch(`${e.ODOO_URL}/json/2/${model}/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `bearer ${e.ODOO_API_KEY}`, 'X-Odoo-Database': e.ODOO_DB }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${model}/${method}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
};
const admin = async (p, accept = 'application/json') => {
  const res = await fetch(`${e.COMPAT_NR_URL}${p}`, { headers: { Accept: accept } });
  const text = await res.text();
  let json; try { json = JSON.parse(text); } catch { /* html */ }
  return { status: res.status, text, json };
};

(async () => {
  const types = ['odoo-config', 'odoo-read', 'odoo-write', 'canonical-map'];
  // our module as the Node-RED 5 runtime sees it
  const sets = await admin('/nodes');
  const ours = (sets.json || []).filter((s) => s.module === e.COMPAT_PKG);
  const loaded = ours.filter((s) => s.enabled && !s.err).flatMap((s) => s.types);
  ok(types.every((t) => loaded.includes(t)), `runtime loaded ${types.join(', ')} from ${e.COMPAT_PKG}`, ours.map((s) => ({ id: s.id, enabled: s.enabled, err: s.err, types: s.types })));
  // the editor side: every node .html the package ships is served by the editor API
  const html = await admin('/nodes', 'text/html');
  const withHtml = types.filter((t) => fs.existsSync(path.join(e.COMPAT_ROOT, 'dist', 'nodes', t, `${t}.html`)));
  const served = withHtml.filter((t) => new RegExp(`registerType\\(\\s*['"]${t}['"]`).test(html.text));
  ok(withHtml.length > 0 && served.length === withHtml.length, `editor API serves the definitions of ${withHtml.join(', ')}`, { served });
  const noHtml = types.filter((t) => !withHtml.includes(t));
  if (noHtml.length) console.log(`note: no editor .html in dist/nodes for ${noHtml.join(', ')} (not a Node-RED 5 matter: the editor cannot show these types)`);

  // odoo-read: the sandbox's suppliers, compared with the sandbox's own answer
  const expected = await odoo('res.partner', 'search_read', { domain: [['supplier_rank', '>', 0]], fields: ['name', 'ref'], order: 'id asc' });
  const read = lines('read.jsonl');
  const got = read[0]?.payload;
  ok(read.length === 1 && Array.isArray(got) && got.length > 0, `odoo-read sent one message with records (${Array.isArray(got) ? got.length : 'none'})`, read);
  if (Array.isArray(got)) {
    const names = (rs) => rs.map((r) => r.name).sort();
    ok(JSON.stringify(names(got)) === JSON.stringify(names(expected)), `odoo-read returned the sandbox's ${expected.length} suppliers by name`, { got: names(got), expected: names(expected) });
    ok(got.every((r) => typeof r.id === 'number' && 'name' in r && 'ref' in r), 'each record has id, name, ref', got[0]);
    ok(read[0].odoo?.model === 'res.partner' && read[0].odoo?.operation === 'search_read' && read[0].odoo?.count === got.length, 'msg.odoo says res.partner search_read with the count', read[0].odoo);
  }

  // canonical-map: supplier-price@1 objects
  const mapped = lines('mapped.jsonl');
  const prices = mapped[0]?.payload;
  ok(mapped.length === 1 && Array.isArray(prices) && prices.length === 2, 'canonical-map sent one message with 2 objects', mapped);
  if (Array.isArray(prices) && prices.length === 2) {
    ok(mapped[0].canonical?.id === 'supplier-price@1' && mapped[0].canonical?.schema === 'supplier-price', 'msg.canonical is supplier-price@1', mapped[0].canonical);
    const [a, b] = prices;
    ok(a.supplierCode === 'ACME-TOOLS' && a.supplierProductCode === 'A-1001' && a.internalRef === 'FAS-BOLT-M8' && a.price === 12.5 && a.currency === 'EUR' && a.uom === 'Units',
      'first row mapped (code, upper-cased ref, decimal comma price)', a);
    ok(b.supplierProductCode === 'A-1002' && b.price === 1018.5 && typeof b.validFrom === 'string' && b.validFrom.startsWith('2026-01-01'), 'second row mapped (thousands separator, German date)', b);
  }

  // odoo-write: the partner exists in the sandbox
  const written = lines('written.jsonl');
  const id = written[0]?.odoo?.ids;
  ok(written.length === 1 && typeof id === 'number' && written[0].odoo.model === 'res.partner' && written[0].odoo.operation === 'create', `odoo-write created res.partner id ${id}`, written);
  const count = await odoo('res.partner', 'search_count', { domain: [['name', '=', e.COMPAT_PARTNER_NAME]] });
  ok(count === 1, `sandbox has exactly one partner "${e.COMPAT_PARTNER_NAME}"`, `search_count = ${count}`);
  if (typeof id === 'number') {
    const [rec] = await odoo('res.partner', 'read', { ids: [id], fields: ['name', 'ref'] });
    ok(rec?.name === e.COMPAT_PARTNER_NAME && rec?.ref === 'COMPAT-NR5', 'the created record has the name and ref sent', rec);
  }

  // nothing on any error output, nothing caught
  const errors = lines('errors.jsonl');
  ok(errors.length === 0, 'no message on an error output or in the catch node', errors.map((m) => m.error));

  // statuses went through RED._ (translated text, not catalog keys)
  const statuses = lines('status.jsonl').map((m) => m.status);
  const texts = statuses.map((s) => `${s?.source?.type}: ${s?.text}`);
  console.log(`statuses: ${texts.join(' | ')}`);
  const last = (type) => statuses.filter((s) => s?.source?.type === type).pop();
  ok(/^\d+ records$/.test(last('odoo-read')?.text ?? ''), `odoo-read status "${last('odoo-read')?.text}" (translated)`, texts);
  ok(/^1 ok, 0 failed$/.test(last('canonical-map')?.text ?? ''), `canonical-map status "${last('canonical-map')?.text}" (translated)`, texts);
  ok(statuses.every((s) => !/^(odoo-config|odoo-read|odoo-write|canonical-map)\./.test(s?.text ?? '')), 'no untranslated status key', texts);

  // editor endpoints our nodes add to httpAdmin
  const schemas = await admin('/canonical-map/schemas');
  ok(schemas.status === 200 && Array.isArray(schemas.json) && schemas.json.some((s) => s.id === 'supplier-price@1'), 'GET /canonical-map/schemas lists supplier-price@1', schemas.text.slice(0, 300));
  const models = await admin('/odoo-config/cfg/models?q=partner');
  ok(models.status === 200 && Array.isArray(models.json) && models.json.some((m) => m.model === 'res.partner'), 'GET /odoo-config/cfg/models reaches the sandbox through the deployed config', models.text.slice(0, 300));
})().catch((err) => ok(false, 'checks ran', err.stack || String(err)));
JS

# ------------------------------------------- clean stop, then the log
step "stop Node-RED"
kill -TERM "$NR_PID" 2>/dev/null || true
stopped=""
for _ in $(seq 1 150); do kill -0 "$NR_PID" 2>/dev/null || { stopped=1; break; }; sleep 0.1; done
if [ -n "$stopped" ]; then
  wait "$NR_PID" 2>/dev/null || true
  NR_PID=""
  pass "Node-RED stopped on SIGTERM (close handlers ran)"
else
  fail "Node-RED still running 15 s after SIGTERM"
fi

grep -q "Node-RED version: v5\." "$NR_LOG" && pass "log: $(grep -o 'Node-RED version: v[^ ]*' "$NR_LOG" | head -n 1)" || fail "log does not show Node-RED version v5"
grep -q "Node.js  *version: $NODE22_VERSION" "$NR_LOG" && pass "log: Node.js version $NODE22_VERSION" || fail "log does not show Node.js $NODE22_VERSION"
grep -q "Started flows" "$NR_LOG" && pass "log: Started flows" || fail "log has no 'Started flows'"
if grep -q -e "Waiting for missing types" -e "missing types" "$NR_LOG"; then fail "log: $(grep -m1 'missing types' "$NR_LOG")"; else pass "log: no missing types"; fi
if grep -E "\[(error|warn)\] \[($OUR_TYPES)[]:]" "$NR_LOG"; then fail "log: [error]/[warn] lines from our nodes (above)"; else pass "log: no [error]/[warn] from $OUR_TYPES"; fi
if grep -F "] [$PKG_NAME/" "$NR_LOG"; then fail "log: Node-RED could not load part of $PKG_NAME (above)"; else pass "log: every node file of $PKG_NAME loaded"; fi
if grep -E "\[error\]" "$NR_LOG"; then fail "log: [error] lines (above)"; else pass "log: no [error] at all"; fi
if grep -q -e "Stopped flows" "$NR_LOG"; then pass "log: Stopped flows"; else fail "log has no 'Stopped flows'"; fi
# deprecation warnings Node 22 / Node-RED 5 print for our code: shown, not failed
grep -E "DeprecationWarning|\[DEP[0-9]+\]|deprecated" "$NR_LOG" | sed 's/^/   note: /' || true

if [ "$failed" -gt 0 ]; then
  echo "---- node-red.log"
  cat "$NR_LOG"
  echo "---- sandbox.log"
  cat "$WORK/sandbox.log"
fi
step "done"
summary
[ "$failed" -eq 0 ]
