import { classifyError, configError } from '../../lib/errors';
import { acknowledge } from '../../lib/util/acks';
import { expandEnv } from '../../lib/util/env';
import { LocalDeadLetterStore } from '../../lib/resilience/dead-letter/local-store';
import { PgDeadLetterStore } from '../../lib/resilience/dead-letter/pg-store';
import { DeadLetterService, type ApiAnswer } from '../../lib/resilience/dead-letter/service';
import { dataFile, parseDeadLetterOptions } from '../../lib/resilience/options';
import { migratedOptions } from '../shared/migrate';
import { migrations } from './migrations';
import type { Done, Node, NodeDef, NodeMessage, RED, Request, Response } from '../shared/red';
import { meterOf } from '../shared/metrics';
import { nodeLog } from '../shared/log';
import { deadLetterByCode, deadLetterDepth } from '../../lib/metrics';

interface Handle {
  node: Node & { z?: string };
  service?: DeadLetterService;
  problem?: Error;
  ready?: Promise<void>;
}

/** Deployed dead-letter nodes by id, for the admin API (one map however often the module is initialised). */
const nodes = new Map<string, Handle>();

export = function (RED: RED) {
  const reply = (res: Response, a: ApiAnswer) => {
    const { set, send } = res;
    if (a.lines && set && send) {
      set.call(res, 'Content-Type', 'application/x-ndjson');
      res.status(a.status);
      send.call(res, a.lines.map((l) => `${l}\n`).join(''));
    } else res.status(a.status).json(a.body);
  };
  const route = (fn: (s: DeadLetterService, req: Request) => Promise<ApiAnswer>) => (req: Request, res: Response) => {
    const h = nodes.get(req.params.node ?? '');
    if (!h) return reply(res, { status: 404, body: { error: `no deployed dead-letter node with id ${JSON.stringify(req.params.node)}` } });
    (h.ready ?? Promise.resolve()).then(() => {
      if (!h.service) throw new Error(`dead-letter store is unavailable: ${h.problem?.message ?? 'the node is closing'}`);
      return fn(h.service, req);
    }).then(
      (a) => reply(res, a),
      (err: Error) => reply(res, { status: 503, body: { error: err.message } }),
    );
  };
  const read = RED.auth.needsPermission('dead-letter.read');
  const write = RED.auth.needsPermission('dead-letter.write');
  RED.httpAdmin.get('/dead-letter/nodes', read, (_req, res) => {
    res.json([...nodes.values()].map((h) => ({ id: h.node.id, name: h.node.name ?? '', z: h.node.z, store: h.service?.store.kind, problem: h.problem?.message })));
  });
  RED.httpAdmin.get('/dead-letter/:node/entries', read, route((s, req) => s.apiList(req.query)));
  RED.httpAdmin.get('/dead-letter/:node/entries/:entry', read, route((s, req) => s.apiGet(req.params.entry ?? '')));
  RED.httpAdmin.get('/dead-letter/:node/export', read, route((s, req) => s.apiExport(req.query)));
  RED.httpAdmin.post('/dead-letter/:node/replay', write, route((s, req) => s.apiReplay(req.body)));
  RED.httpAdmin.post('/dead-letter/:node/discard', write, route((s, req) => s.apiDiscard(req.body)));

  function DeadLetter(this: Node & { z?: string }, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migratedOptions(this, def, migrations);
    const node = this;
    const handle: Handle = { node };
    nodes.set(node.id, handle);
    let closing = false;
    const meter = meterOf(node);
    const labels = { id: node.id, name: node.name ?? '' };
    const counts = () => (handle.service ? handle.service.store.counts() : Promise.resolve(undefined));
    const unregister = [
      deadLetterDepth.add(async () => {
        const by = Object.entries((await counts())?.bySource ?? {});
        // an empty store is a depth of 0 (source ""), not a store that is not there
        return by.length ? by.map(([source, n]) => [{ ...labels, source }, n]) : [[{ ...labels, source: '' }, 0]];
      }),
      deadLetterByCode.add(async () => Object.entries((await counts())?.byCode ?? {}).map(([code, n]) => [{ ...labels, code }, n])),
    ];
    const timers: { status?: NodeJS.Timeout; retention?: NodeJS.Timeout; hourly?: NodeJS.Timeout } = {};

    const showStatus = () => {
      timers.status = undefined;
      handle.service?.store.counts().then(
        (c) => !closing && node.status({ fill: c.total ? 'yellow' : 'green', shape: 'dot', text: RED._('dead-letter.status.depth', { count: c.total }) }),
        (err: Error) => !closing && node.status({ fill: 'red', shape: 'ring', text: RED._('dead-letter.status.unavailable') }) && node.warn(err.message),
      );
    };
    const retain = () => {
      timers.retention = undefined;
      handle.service?.retain().catch((err: Error) => node.warn(`retention failed: ${err.message}`));
    };

    let ready: Promise<void> = Promise.resolve();
    try {
      const o = parseDeadLetterOptions(def);
      const url = node.credentials?.databaseUrl ? expandEnv(node.credentials.databaseUrl) : process.env.DEAD_LETTER_DATABASE_URL || process.env.ODOO_SUPPLY_DATABASE_URL;
      if (o.store === 'postgres' && !url) throw configError('store "postgres" needs a database URL (credential, or the DEAD_LETTER_DATABASE_URL or ODOO_SUPPLY_DATABASE_URL environment variable)');
      const opening = o.store === 'postgres' ? PgDeadLetterStore.open({ connection: url as string, queue: o.queue ?? node.id }) : LocalDeadLetterStore.open(dataFile(RED.settings ?? {}, 'dead-letter', node.id));
      ready = opening.then(
        (store) => {
          if (closing) return store.close();
          handle.service = new DeadLetterService(store, { ...o, ...(node.z ? { flow: node.z } : {}) }, {
            replay: (msg) => node.send(msg),
            log: nodeLog(RED, node),
            changed: () => {
              timers.status ??= setTimeout(showStatus, 300);
            },
          });
          retain();
          // age-based retention also when nothing new arrives
          timers.hourly = setInterval(() => void handle.service?.retain().catch((err: Error) => node.warn(`retention failed: ${err.message}`)), 3_600_000);
          showStatus();
          return undefined;
        },
        (err: Error) => {
          handle.problem = err;
          node.error(`dead-letter store cannot be opened: ${err.message}`);
          node.status({ fill: 'red', shape: 'ring', text: RED._('dead-letter.status.unavailable') });
        },
      );
      handle.ready = ready;
    } catch (err) {
      handle.problem = classifyError(err);
      node.error(`dead-letter configuration is invalid: ${handle.problem.message}`);
      node.status({ fill: 'red', shape: 'ring', text: RED._('dead-letter.status.invalid') });
    }

    node.on('input', async (msg: NodeMessage, _send: unknown, done: Done) => {
      meter.received++;
      await ready;
      if (!handle.service) {
        done(configError(`dead-letter is not working, the message was not kept: ${handle.problem?.message ?? 'unknown problem'}`));
        return;
      }
      try {
        await handle.service.accept(msg);
        // kept: an MQTT message it came from may be acknowledged now
        acknowledge(msg);
        meter.ok++;
        timers.retention ??= setTimeout(retain, 1000);
        done();
      } catch (err) {
        // not durable, so not accepted: the error (and the message) go to Catch nodes
        done(new Error(`dead letter not kept: ${(err as Error).message}`));
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      unregister.forEach((u) => u());
      clearTimeout(timers.status);
      clearTimeout(timers.retention);
      clearInterval(timers.hourly);
      if (nodes.get(node.id) === handle) nodes.delete(node.id);
      ready.then(() => handle.service?.close()).then(() => done(), () => done());
    });
  }
  RED.nodes.registerType('dead-letter', DeadLetter, { credentials: { databaseUrl: { type: 'password' } } });
};
