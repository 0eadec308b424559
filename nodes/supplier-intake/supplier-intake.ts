import type { IncomingMessage, ServerResponse } from 'node:http';
import { badInput, classifyError, IntegrationError } from '../../lib/errors';
import { handleStatus, handleUpload, requestBase, type IntakeRoute } from '../../lib/intake/http';
import { parseIntakeOptions, uploadPath, type IntakeOptions } from '../../lib/intake/options';
import { outcomeOf } from '../../lib/intake/outcome';
import { acquireStore, releaseStore, type IntakeStore, type UploadRecord } from '../../lib/intake/store';
import { tokenList } from '../../lib/intake/tokens';
import { dataFile } from '../../lib/resilience/options';
import { expandEnv } from '../../lib/util/env';
import { migratedOptions } from '../shared/migrate';
import { meterOf } from '../shared/metrics';
import { sendError } from '../shared/outputs';
import type { Done, Node, NodeDef, NodeMessage, RED, Send } from '../shared/red';
import { migrations } from './migrations';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
type App = { post(p: string, h: Handler): void; get(p: string, h: Handler): void; _router?: { stack: Layer[] }; router?: { stack: Layer[] } };
type Layer = { route?: { path: string } };
type Runtime = RED & { httpNode?: App; events?: { on(e: string, f: () => void): void; removeListener(e: string, f: () => void): void } };

/** Routes in use in this runtime: two nodes cannot take the same supplier and document. */
const routes = new Set<string>();

export = function (RED: Runtime) {
  function SupplierIntake(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migratedOptions(this, def, migrations);
    const node = this;
    let options: IntakeOptions;
    try {
      options = parseIntakeOptions(def);
    } catch (err) {
      const problem = classifyError(err);
      node.error(RED._('supplier-intake.errors.invalid', { message: problem.message }));
      node.status({ fill: 'red', shape: 'ring', text: RED._('supplier-intake.status.invalid') });
      node.on('input', (msg: NodeMessage, send: Send, done: Done) => sendError(node, def, msg, problem, send, done));
      return;
    }
    const o = options;
    const meter = meterOf(node);
    let store: IntakeStore | Error = new Error('the upload store is opening');
    let closing = false;
    const opened = acquireStore(dataFile(RED.settings ?? {}, 'intake', 'uploads'), { retentionMs: o.retentionMs }).then(
      (s) => {
        if (closing) return releaseStore(s);
        store = s;
        if (s.recovery.tornBytes) node.warn(RED._('supplier-intake.errors.torn', { bytes: s.recovery.tornBytes }));
        return undefined;
      },
      (err: Error) => {
        store = err;
        node.error(RED._('supplier-intake.errors.noStore', { message: err.message }));
        node.status({ fill: 'red', shape: 'ring', text: RED._('supplier-intake.status.noStore') });
      },
    );
    const path = uploadPath(o.supplier, o.document);
    const root = String(RED.settings?.httpNodeRoot ?? '/').replace(/\/+$/, '');
    const msgOf = (rec: UploadRecord, base: NodeMessage = {}): NodeMessage => ({
      ...base,
      _msgid: rec.id,
      payload: (store as IntakeStore).bodyOf(rec),
      correlationId: rec.correlationId,
      topic: `${rec.supplier}/${rec.document}`,
      intake: { id: rec.id, supplier: rec.supplier, document: rec.document, via: rec.via, receivedAt: rec.receivedAt, ...(rec.contentType ? { contentType: rec.contentType } : {}), ...(o.http ? { statusUrl: `${o.publicUrl ? expandEnv(o.publicUrl) : ''}${root}${path}/uploads/${rec.id}` } : {}) },
      ...(rec.file && !base.file ? { file: rec.file } : {}),
    });
    const dispatch = async (rec: UploadRecord, base?: NodeMessage) => {
      if (store instanceof Error || !(await store.dispatched(rec.id, o.maxDispatches))) return;
      node.send([msgOf(rec, base), null]);
      meter.ok++;
      node.status({ fill: 'green', shape: 'dot', text: RED._('supplier-intake.status.accepted', { id: rec.id.slice(0, 8) }) });
    };

    if (o.mode === 'receive') {
      if (o.http) {
        if (routes.has(path)) node.error(RED._('supplier-intake.errors.duplicateRoute', { path }));
        else if (RED.httpNode) {
          routes.add(path);
          const route: IntakeRoute = {
            supplier: o.supplier,
            document: o.document,
            maxBytes: o.maxBytes,
            tokens: () => tokenList(node.credentials?.token, process.env[o.tokenEnv]),
            store: () => opened.then(() => store),
            statusUrl: (req, id) => `${(o.publicUrl && expandEnv(o.publicUrl)) || requestBase(req)}${root}${path}/uploads/${id}`,
            accepted: (rec) => {
              meter.received++;
              void dispatch(rec).catch((err: Error) => node.warn(`[${rec.correlationId}] ${err.message}`));
            },
            log: (text) => node.warn(text),
          };
          RED.httpNode.post(path, (req, res) => void handleUpload(route, req, res));
          RED.httpNode.get(`${path}/uploads/:id`, (req, res) => void handleStatus(route, req, res, String((req as unknown as { params: { id: string } }).params.id)));
          if (!tokenList(node.credentials?.token, process.env[o.tokenEnv]).length) node.warn(RED._('supplier-intake.errors.noToken', { env: o.tokenEnv }));
        }
      }
      // what was accepted before a restart and never finished goes through the flow again, once the flows run
      const resend = () =>
        void opened.then(async () => {
          if (closing || store instanceof Error) return;
          const left = store.unfinished(o.supplier, o.document);
          if (left.length) node.log(RED._('supplier-intake.log.resend', { count: left.length }));
          for (const rec of left) await dispatch(rec);
        });
      if (RED.events) {
        const onStarted = () => {
          RED.events?.removeListener('flows:started', onStarted);
          resend();
        };
        RED.events.on('flows:started', onStarted);
        node.on('close', () => RED.events?.removeListener('flows:started', onStarted));
      } else setTimeout(resend, 100);
    }

    node.on('input', async (msg: NodeMessage, send: Send, done: Done) => {
      meter.received++;
      await opened;
      try {
        if (store instanceof Error) throw new IntegrationError({ message: `the upload store is not available: ${store.message}`, code: 'UNAVAILABLE', transient: true, applied: 'no' });
        if (o.mode === 'outcome') {
          const id = (msg.intake as { id?: unknown } | undefined)?.id;
          const rec = typeof id === 'string' ? await store.record(id, outcomeOf(msg)) : undefined;
          if (rec) node.status({ fill: rec.state === 'done' ? 'green' : rec.state === 'processing' ? 'blue' : 'yellow', shape: 'dot', text: RED._(`supplier-intake.state.${rec.state}`) });
          send([msg, null]);
          meter.ok++;
          done();
          return;
        }
        // a file from another input (supplier-sftp, file-in): kept like an upload before the flow goes on
        const body = Buffer.isBuffer(msg.payload) ? msg.payload : typeof msg.payload === 'string' ? Buffer.from(msg.payload, 'utf8') : undefined;
        if (!body) throw badInput('msg.payload must be the file (a Buffer or text)');
        const file = msg.file && typeof msg.file === 'object' ? Object.fromEntries(Object.entries(msg.file).filter(([k]) => k !== 'claim')) : undefined;
        const rec = await store.accept({ supplier: o.supplier, document: o.document, via: 'message', body, ...(typeof msg.correlationId === 'string' ? { correlationId: msg.correlationId } : {}), ...(file ? { file } : {}) });
        await store.dispatched(rec.id, o.maxDispatches);
        send([msgOf(rec, msg), null]);
        meter.ok++;
        done();
      } catch (err) {
        sendError(node, def, msg, err, send, done);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      if (o.mode === 'receive' && o.http && routes.has(path)) {
        routes.delete(path);
        const stack = (RED.httpNode?._router ?? RED.httpNode?.router)?.stack;
        if (stack) for (let i = stack.length - 1; i >= 0; i--) if (stack[i]?.route?.path.startsWith(path)) stack.splice(i, 1);
      }
      opened.then(() => (store instanceof Error ? undefined : releaseStore(store))).then(() => done(), () => done());
    });
  }
  RED.nodes.registerType('supplier-intake', SupplierIntake, { credentials: { token: { type: 'password' } } });
};
