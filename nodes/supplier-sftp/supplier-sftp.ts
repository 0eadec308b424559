import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifyError, configError, type IntegrationError } from '../../lib/errors';
import { JsonlLedger, PgLedger, type FileLedger } from '../../lib/sftp/ledger';
import { sharedDatabaseUrl } from '../../lib/util/pg';
import { supplierSftpConfig, type SupplierSftpConfig } from '../../lib/sftp/options';
import { SupplierPoller } from '../../lib/sftp/poller';
import { startSchedule, type Scheduled } from '../../lib/sftp/schedule';
import { upload, uploadName } from '../../lib/sftp/upload';
import { errorOutputWired, sendError } from '../shared/outputs';
import { meterOf } from '../shared/metrics';
import type { Done, Node, NodeDef, NodeMessage, RED, Send } from '../shared/red';
import type { SftpServerNode } from '../shared/sftp-server';
import { migratedOptions } from '../shared/migrate';
import { migrations } from './migrations';

const INSTANCE = `${os.hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.-]/g, '_');

export = function (RED: RED & { settings?: { userDir?: string } }) {
  function SupplierSftp(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migratedOptions(this, def, migrations);
    const node = this;
    let cfg: SupplierSftpConfig | undefined;
    let problem: IntegrationError | undefined;
    try {
      cfg = supplierSftpConfig(def);
    } catch (err) {
      problem = classifyError(err);
    }
    const server = def.server ? (RED.nodes.getNode(String(def.server)) as SftpServerNode | null) : null;
    if (!problem && !server) problem = configError(RED._('supplier-sftp.errors.noServer'));
    if (problem || !cfg || !server) {
      node.error(RED._('supplier-sftp.errors.invalid', { message: problem?.message }));
      node.status({ fill: 'red', shape: 'ring', text: RED._('supplier-sftp.status.invalid') });
      node.on('input', (msg: NodeMessage, send: Send, done: Done) => sendError(node, def, msg, problem, send, done));
      return;
    }
    const config = cfg;
    server.register(node);
    const source = { id: node.id, type: node.type, ...(node.name ? { name: node.name } : {}) };
    let poller: SupplierPoller | undefined;
    let ledger: FileLedger | undefined;
    let ledgerReady: Promise<unknown> = Promise.resolve();
    let closed = false;
    let schedule: Scheduled | undefined;

    const meter = meterOf(node);
    // a problem message starts here (an entry point): it gets a correlation id, the file's when it had one
    const fail = (error: IntegrationError, file?: unknown, correlationId: string = randomUUID()) => {
      meter.failed++;
      const msg: NodeMessage = { payload: file ?? null, ...(file ? { file } : {}), correlationId, error: error.toMsgError(source) };
      if (errorOutputWired(def)) node.send([null, msg]);
      else node.error(error.message, msg);
    };

    if (config.mode === 'poll') {
      try {
        const databaseUrl = sharedDatabaseUrl();
        let shared: FileLedger | undefined;
        if (config.ledger && databaseUrl) {
          // several instances: one ledger in PostgreSQL, kept apart per node id (the same on every instance running the flow)
          const opened = PgLedger.open({ connection: databaseUrl, scope: node.id });
          ledgerReady = opened;
          shared = {
            get: (key) => opened.then((l) => l.get(key)),
            record: (e) => opened.then((l) => l.record(e)),
            close: () => opened.then((l) => l.close(), () => undefined),
          };
          opened.catch((err) => fail(classifyError(err)));
        }
        if (config.ledger) ledger = shared ?? new JsonlLedger(path.join(RED.settings?.userDir ?? path.join(os.homedir(), '.node-red'), 'odoo-supply', `sftp-ledger-${node.id}.jsonl`));
        poller = new SupplierPoller(server.connection(), { ...config.poll, instance: INSTANCE, supplier: node.name || String(def.dir) }, ledger, {
          file(file, data) {
            meter.ok++;
            const correlationId = randomUUID();
            node.send([{ _msgid: randomUUID(), payload: data, file, correlationId, topic: file.name }, null]);
            if (config.settle === 'emit') poller?.settle(file.claim).catch((err) => fail(classifyError(err), file, correlationId));
          },
          problem: (error, file) => fail(error, file),
          notice: (text) => node.log(text),
        });
      } catch (err) {
        const e = classifyError(err);
        node.error(RED._('supplier-sftp.errors.invalid', { message: e.message }));
        node.status({ fill: 'red', shape: 'ring', text: RED._('supplier-sftp.status.invalid') });
        return;
      }
      const p = poller;
      const runPoll = () =>
        p.poll().then(
          (r) => node.status({ fill: r.problems.length ? 'yellow' : 'green', shape: 'dot', text: RED._('supplier-sftp.status.polled', { files: r.emitted, skipped: r.skippedUnchanged, waiting: p.waiting }) }),
          (err) => {
            const e = classifyError(err);
            node.status({ fill: 'red', shape: 'ring', text: e.code.toLowerCase() });
            if (!e.transient) fail(e);
          },
        );
      // with the shared ledger, polling starts once PostgreSQL is reached (a claimed file would otherwise wait for its claim to expire)
      ledgerReady.then(
        () => {
          if (!closed) schedule = startSchedule(config.schedule, runPoll);
        },
        () => node.status({ fill: 'red', shape: 'ring', text: 'unavailable' }),
      );
    }

    node.on('input', async (msg: NodeMessage, send: Send, done: Done) => {
      meter.received++;
      try {
        if (config.mode === 'poll' && poller) {
          const claim = (msg.file as { claim?: unknown } | undefined)?.claim;
          if (typeof claim === 'string' && poller.holds(claim)) {
            // the flow's outcome for one file: error → error folder, otherwise archive
            const error = msg.error as IntegrationError | undefined;
            await poller.settle(claim, error && typeof error.message === 'string' ? error : undefined);
          } else await poller.poll();
          done();
          return;
        }
        const name = uploadName(msg);
        const data = Buffer.isBuffer(msg.payload) ? msg.payload : Buffer.from(typeof msg.payload === 'string' ? msg.payload : JSON.stringify(msg.payload));
        const uploaded = await upload(server.connection(), data, name, config.upload);
        node.status({ fill: 'green', shape: 'dot', text: RED._('supplier-sftp.status.uploaded', { name: uploaded.name }) });
        meter.ok++;
        send([{ ...msg, sftp: uploaded }, null]);
        done();
      } catch (err) {
        sendError(node, def, msg, err, send, done);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      schedule?.stop();
      server.deregister(node);
      Promise.resolve(ledgerReady.catch(() => undefined))
        .then(() => ledger?.close())
        .finally(() => done());
    });
  }
  RED.nodes.registerType('supplier-sftp', SupplierSftp);
};
