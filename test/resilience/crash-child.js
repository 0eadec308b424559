// A Node-RED process for the crash test: `node crash-child.js <userDir> <feed>`.
// It prints one line per event on stdout: PORT n, ACK i (the gate accepted a failed
// message, i.e. it is durable), DLACK i (a dead letter is durable), EMIT i (a retry
// reached the sink), READY. The test kills it with SIGKILL and starts it again.
'use strict';
const http = require('http');
const path = require('path');
const [userDir, feed] = process.argv.slice(2);
const RED = require(require.resolve('node-red', { paths: [path.resolve(__dirname, '..', '..')] }));
const express = require(require.resolve('express', { paths: [path.resolve(__dirname, '..', '..')] }));
const out = (line) => process.stdout.write(`${line}\n`);

const app = express();
const server = http.createServer(app);
RED.init(server, {
  userDir,
  flowFile: 'flows.json',
  credentialSecret: 'crash-test-only',
  httpAdminRoot: '/',
  httpNodeRoot: false,
  uiHost: '127.0.0.1',
  logging: { console: { level: 'off' } },
  editorTheme: { tours: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
});
app.use('/', RED.httpAdmin);
RED.hooks.add('onComplete', (ev) => {
  if (ev.error || !ev.msg || !ev.msg.payload) return;
  if (ev.node.id === 'gate') out(`ACK ${ev.msg.payload.i}`);
  if (ev.node.id === 'dl') out(`DLACK ${ev.msg.payload.i}`);
});
RED.hooks.add('onReceive', (ev) => {
  if (ev.destination.id === 'sink') out(`EMIT ${ev.msg.payload.i} ${ev.msg.retry ? ev.msg.retry.attempt : 0}`);
});
server.listen(0, '127.0.0.1', async () => {
  out(`PORT ${server.address().port}`);
  const started = new Promise((resolve) => RED.events.once('flows:started', resolve));
  await RED.start();
  await started;
  out('READY');
  if (feed === 'feed') {
    const gate = RED.nodes.getNode('gate');
    const dl = RED.nodes.getNode('dl');
    const error = { message: 'Service Unavailable', code: 'UNAVAILABLE', transient: true, applied: 'no', source: { id: 'w1', type: 'odoo-write' } };
    for (let i = 0; i < 20; i++) dl.receive({ payload: { i }, correlationId: `dl-${i}`, error: { ...error, transient: false, code: 'VALIDATION', message: `row ${i} is wrong` } });
    // a steady stream of failed messages until the test kills the process
    let i = 0;
    const tick = () => {
      for (let k = 0; k < 20; k++, i++) gate.receive({ payload: { i }, correlationId: `c-${i}`, error });
      setTimeout(tick, 2);
    };
    tick();
  }
});
