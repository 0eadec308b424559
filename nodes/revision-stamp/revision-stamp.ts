import { badInput, classifyError, configError } from '../../lib/errors';
import { dataFile } from '../../lib/resilience/options';
import { openRevisionStore, PgRevisionLedger, type RevisionStore } from '../../lib/resilience/revisions';
import { migratedOptions } from '../shared/migrate';
import { sendError } from '../shared/outputs';
import type { Done, Node, NodeDef, NodeMessage, RED, Send } from '../shared/red';
import { migrations } from './migrations';

const PROP = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;
const get = (msg: NodeMessage, p: string): unknown => p.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), msg);

export = function (RED: RED) {
  function RevisionStamp(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migratedOptions(this, def, migrations);
    const node = this;
    const keyProp = String(def.key || 'odoo.id');
    const contentProp = String(def.content || 'payload');
    let ledger: RevisionStore | undefined;
    let problem: Error | undefined;
    let ready: Promise<void> = Promise.resolve();
    let closing = false;
    let sent = 0;
    let unchanged = 0;
    if (!PROP.test(keyProp) || !PROP.test(contentProp)) {
      problem = configError(`key and content are message properties like odoo.id and payload, got "${keyProp}", "${contentProp}"`);
      node.error(RED._('revision-stamp.errors.invalid', { problem: problem.message }));
      node.status({ fill: 'red', shape: 'ring', text: RED._('revision-stamp.status.invalid') });
    } else {
      // several instances (ODOO_SUPPLY_DATABASE_URL): the numbers live in PostgreSQL, scope = node id (the same on every instance)
      ready = openRevisionStore({ file: dataFile(RED.settings ?? {}, 'revision-stamp', node.id), scope: node.id }).then(
        async (l) => {
          if (closing) return l.close();
          ledger = l;
          if (l instanceof PgRevisionLedger) {
            // a database that does not answer yet: messages fail as transient and try it again
            const down = await l.prepare().then(() => undefined, (err: Error) => err);
            if (down) {
              node.warn(RED._('revision-stamp.errors.database', { problem: down.message }));
              node.status({ fill: 'red', shape: 'ring', text: RED._('revision-stamp.status.unavailable') });
              return undefined;
            }
          }
          showCounts('grey');
          return undefined;
        },
        (err: Error) => {
          problem = err;
          node.error(RED._('revision-stamp.errors.journal', { problem: err.message }));
          node.status({ fill: 'red', shape: 'ring', text: RED._('revision-stamp.status.noJournal') });
        },
      );
    }
    function showCounts(fill: 'grey' | 'green') {
      const l = ledger as RevisionStore;
      node.status({ fill, shape: 'dot', text: RED._(l.kind === 'postgres' ? 'revision-stamp.status.shared' : 'revision-stamp.status.counts', { documents: l.count, sent, unchanged }) });
    }

    node.on('input', async (msg: NodeMessage, send: Send, done: Done) => {
      await ready;
      try {
        if (!ledger) throw configError(`revision-stamp is not working: ${problem?.message ?? 'unknown problem'}`);
        const key = get(msg, keyProp);
        if ((typeof key !== 'string' || !key) && typeof key !== 'number') throw badInput(`msg.${keyProp} names the document and is missing`);
        const content = get(msg, contentProp);
        if (content === undefined) throw badInput(`msg.${contentProp} is the content and is missing`);
        const s = await ledger.stamp(String(key), content, typeof msg.correlationId === 'string' ? msg.correlationId : undefined);
        if (s.changed) sent++;
        else unchanged++;
        showCounts('green');
        if (s.changed) send([{ ...msg, revision: s.revision, previousRevision: s.previous }, null]);
        else send([null, { ...msg, revision: s.revision }]);
        done();
      } catch (err) {
        sendError(node, { ...def, wires: [] }, msg, classifyError(err), send, done);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      ready.then(() => ledger?.close()).then(() => done(), () => done());
    });
  }
  RED.nodes.registerType('revision-stamp', RevisionStamp);
};
