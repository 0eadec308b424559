import { OdooClient } from '../../lib/odoo/client';
import { closeWriterOf } from '../../lib/odoo/writer';
import { clientOptionsFromConfig, CONNECTION_PROPS, KEY_WARN_DAYS } from '../../lib/odoo/options';
import { registerAdminApi } from './admin-api';
import { classifyError, IntegrationError } from '../../lib/errors';
import type { Node, NodeDef, NodeStatus, RED } from '../shared/red';
import type { OdooConfigNode } from '../shared/odoo-server';
import { migrations } from './migrations';
import { migratedOptions } from '../shared/migrate';
import { serveMetrics } from '../shared/metrics';
import { nodeLog } from '../shared/log';
import { apiKeyExpiry, daysLeft, keyStatus, type KeyExpiry } from '../../lib/odoo/api-key';
import { apiKeyDaysLeft } from '../../lib/metrics';


/** How often the API key's expiry is read again, so the warning comes as the days pass. */
const KEY_CHECK_MS = 12 * 3_600_000;

/** How long a closing server waits for its nodes to finish writing before it drops the connection (Node-RED allows 15 s). */
const CLOSE_WAIT_MS = 13_000;

export = function (RED: RED) {
  serveMetrics(RED);
  function OdooConfig(this: OdooConfigNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migratedOptions(this, def, migrations);
    const node = this;
    const log = nodeLog(RED, node);
    const users = new Set<Node>();
    let client: OdooClient | undefined;
    let problem: IntegrationError | undefined;
    try {
      client = new OdooClient({ ...clientOptionsFromConfig(def, node.credentials?.secret), log: (m) => log('info', m) });
    } catch (err) {
      problem = classifyError(err);
      node.error(`Odoo server configuration is invalid: ${problem.message}`);
    }

    // what the editor's Test connection compares against before it may use the stored secret
    node.deployedProps = Object.fromEntries(CONNECTION_PROPS.map((k) => [k, def[k]]));

    const broadcast = (status: NodeStatus) => users.forEach((u) => u.status(status));

    node.client = () => {
      if (!client) throw problem as IntegrationError;
      return client;
    };
    // the API key's expiry: in the status of every node using this server, and in the metrics
    let key: KeyExpiry | undefined;
    const warnDays = def.keyWarnDays === undefined || def.keyWarnDays === '' ? KEY_WARN_DAYS : Number(def.keyWarnDays);
    const unregisterKey = apiKeyDaysLeft.add(() => {
      const left = daysLeft(key);
      return left === undefined ? [] : [[{ server: node.id, name: node.name ?? '' }, left]];
    });
    const checkKey = (info: { protocol: string; serverVersion: string }) =>
      apiKeyExpiry(node.client()).then((k) => {
        key = k;
        node.keyExpiry = k;
        const s = keyStatus(k, warnDays);
        broadcast({ fill: s.warn ? 'yellow' : 'green', shape: s.warn ? 'ring' : 'dot', text: `${info.protocol} · Odoo ${info.serverVersion}${s.suffix}` });
        if (s.message) log('warn', s.message);
      });
    let keyTimer: NodeJS.Timeout | undefined;
    node.connect = async () => {
      const info = await node.client().connect();
      broadcast({ fill: 'green', shape: 'dot', text: `${info.protocol} · Odoo ${info.serverVersion}` });
      const check = () => void checkKey(info).catch((err: unknown) => log('info', `API key expiry not known: ${classifyError(err).message}`));
      check();
      keyTimer ??= setInterval(check, KEY_CHECK_MS).unref();
      return info;
    };
    node.register = (user) => {
      users.add(user);
      if (problem) {
        user.status({ fill: 'red', shape: 'ring', text: RED._('odoo-config.status.invalid') });
        return;
      }
      if (users.size === 1) {
        broadcast({ fill: 'yellow', shape: 'ring', text: RED._('odoo-config.status.connecting') });
        node.connect().catch((err: unknown) => {
          const e = classifyError(err);
          log('warn', `Cannot connect to Odoo: ${e.message}`);
          broadcast({ fill: 'red', shape: 'ring', text: e.code.toLowerCase() });
        });
      }
    };
    let lastUserGone: (() => void) | undefined;
    node.deregister = (user, done) => {
      users.delete(user);
      if (users.size === 0) lastUserGone?.();
      done();
    };
    node.on('close', (_removed: boolean, done: () => void) => {
      // users (odoo-write flushing its queue) still need the connection: close it after the last one leaves
      unregisterKey();
      clearInterval(keyTimer);
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        client?.close();
        // the writer's shared key lock (ODOO_SUPPLY_DATABASE_URL): its connection ends, its locks with it
        if (client) void closeWriterOf(client).then(done);
        else done();
      };
      const timer = setTimeout(finish, CLOSE_WAIT_MS);
      if (users.size === 0) finish();
      else lastUserGone = finish;
    });
  }

  RED.nodes.registerType('odoo-config', OdooConfig, { credentials: { secret: { type: 'password' } } });
  registerAdminApi(RED);
};
