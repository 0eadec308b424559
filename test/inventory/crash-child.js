// A process applying inventory events for the crash test: `node crash-child.js <journal> <events.json> <odoo.json>`.
// It feeds every event of the file to lib/inventory (from dist/), prints `ACK <eventId>` once each is
// journaled, `BATCH <n>` as each batch is done, and `DRAINED` when nothing is left. The test kills it
// with SIGKILL and starts it again on the same journal.
'use strict';
const fs = require('fs');
const path = require('path');
const dist = path.resolve(__dirname, '..', '..', 'dist', 'lib');
const { StockEventsCore } = require(path.join(dist, 'inventory'));
const { OdooClient } = require(path.join(dist, 'odoo', 'client'));
const { LookupCache } = require(path.join(dist, 'odoo', 'lookup'));
const { OdooWriter } = require(path.join(dist, 'odoo', 'writer'));
const [journal, eventsFile, odooFile] = process.argv.slice(2);
const events = JSON.parse(fs.readFileSync(eventsFile, 'utf8'));
const odoo = JSON.parse(fs.readFileSync(odooFile, 'utf8'));
const out = (line) => process.stdout.write(`${line}\n`);
const client = new OdooClient({ url: odoo.url, database: odoo.database, login: odoo.login, secret: odoo.apiKey, protocol: 'json2' });
const target = { writer: new OdooWriter(client, { maxSize: 200, windowMs: 20 }), lookups: new LookupCache(client) };
(async () => {
  const core = await StockEventsCore.open(journal, () => target, { windowMs: 30, maxBatchEvents: 120, retryInitialMs: 50, retryMaxMs: 200 }, { applied: (s) => out(`BATCH ${s.batch}`) });
  // a steady stream, as a broker redelivering everything would send it
  for (let i = 0; i < events.length; i += 20) {
    await Promise.all(events.slice(i, i + 20).map((e) => core.accept(e).then(() => out(`ACK ${e.eventId}`))));
    await new Promise((r) => setTimeout(r, 5));
  }
  while (core.backlog) await new Promise((r) => setTimeout(r, 20));
  out('DRAINED');
  await core.close();
  client.close();
})().catch((err) => {
  out(`ERROR ${err.stack}`);
  process.exit(1);
});
