import { OdooClient } from '../../lib/odoo/client';
import { clientOptionsFromConfig, CONNECTION_PROPS, testConnectionOptions } from '../../lib/odoo/options';
import { classifyError, IntegrationError } from '../../lib/errors';
import type { Node, NodeDef, NodeStatus, RED, Request, Response } from '../shared/red';
import type { OdooConfigNode } from '../shared/odoo-server';
import { migrations } from './migrations';
import { migratedOptions } from '../shared/migrate';
import { accessReport, type NodeDefinition } from '../../lib/odoo/access';
import { serveMetrics } from '../shared/metrics';
import { apiKeyExpiry, daysLeft, keyStatus, type KeyExpiry } from '../../lib/odoo/api-key';
import { apiKeyDaysLeft } from '../../lib/metrics';
import { KEY_WARN_DAYS } from '../../lib/odoo/options';


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
    const users = new Set<Node>();
    let client: OdooClient | undefined;
    let problem: IntegrationError | undefined;
    try {
      client = new OdooClient({ ...clientOptionsFromConfig(def, node.credentials?.secret), log: (m) => node.log(m) });
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
        if (s.message) node.warn(s.message);
      });
    let keyTimer: NodeJS.Timeout | undefined;
    node.connect = async () => {
      const info = await node.client().connect();
      broadcast({ fill: 'green', shape: 'dot', text: `${info.protocol} · Odoo ${info.serverVersion}` });
      const check = () => void checkKey(info).catch((err: unknown) => node.log(`API key expiry not known: ${classifyError(err).message}`));
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
          node.warn(`Cannot connect to Odoo: ${e.message}`);
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
      const finish = () => {
        clearTimeout(timer);
        client?.close();
        done();
      };
      const timer = setTimeout(finish, CLOSE_WAIT_MS);
      if (users.size === 0) finish();
      else lastUserGone = finish;
    });
  }

  RED.nodes.registerType('odoo-config', OdooConfig, { credentials: { secret: { type: 'password' } } });

  const fail = (res: Response, err: unknown) => {
    const e = classifyError(err);
    res.status(e.code === 'CONFIG' || e.code === 'BAD_INPUT' ? 400 : 502).json({ ok: false, error: e.toMsgError() });
  };

  /**
   * Editor "Test connection": the typed values, with the typed secret, or with the deployed node's secret
   * when URL, database and login are the ones it was deployed with (lib/odoo/options.ts decides).
   */
  RED.httpAdmin.post('/odoo-config/test', RED.auth.needsPermission('odoo-config.write'), (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const stored = typeof body.id === 'string' ? (RED.nodes.getNode(body.id) as OdooConfigNode | null) : null;
    const deployed = stored?.deployedProps ? { props: stored.deployedProps, secret: stored.credentials?.secret } : undefined;
    let probe: OdooClient;
    try {
      probe = new OdooClient(testConnectionOptions(body, deployed));
    } catch (err) {
      res.json({ ok: false, error: classifyError(err).toMsgError() });
      return;
    }
    probe
      .connect()
      .then((info) => res.json({ ok: true, ...info }))
      // a failed test is an answer, not an API failure: 200 with ok:false keeps the editor's console clean
      .catch((err: unknown) => res.json({ ok: false, error: classifyError(err).toMsgError() }))
      .finally(() => probe.close());
  });

  const withClient = (req: Request, res: Response, use: (c: OdooClient) => Promise<unknown>) => {
    const cfg = RED.nodes.getNode(req.params.id ?? '') as OdooConfigNode | null;
    if (!cfg || typeof cfg.client !== 'function') {
      res.status(404).json({ ok: false, error: { message: 'deploy this Odoo server configuration first', code: 'CONFIG', transient: false } });
      return;
    }
    Promise.resolve()
      .then(() => use(cfg.client()))
      .then((result) => res.json(result))
      .catch((err: unknown) => fail(res, err));
  };

  /** Model picker: technical names and labels, filtered by what the analyst typed. */
  RED.httpAdmin.get('/odoo-config/:id/models', RED.auth.needsPermission('odoo-config.read'), (req: Request, res: Response) => {
    const q = String(req.query.q ?? '');
    withClient(req, res, (c) =>
      c.searchRead('ir.model', { domain: q ? ['|', ['model', 'ilike', q], ['name', 'ilike', q]] : [], fields: ['model', 'name'], limit: 50, order: 'model asc' }),
    );
  });

  /** Check access: the rights the deployed nodes using this server need, asked of Odoo as its user. */
  RED.httpAdmin.get('/odoo-config/:id/access', RED.auth.needsPermission('odoo-config.read'), (req: Request, res: Response) => {
    const users: NodeDefinition[] = [];
    RED.nodes.eachNode?.((def) => {
      if (def.server === req.params.id && !def.d) users.push(def);
    });
    withClient(req, res, async (c) => ({ ...(await accessReport(c, users)), key: await apiKeyExpiry(c) }));
  });

  /** Field picker: fields_get of one model. */
  RED.httpAdmin.get('/odoo-config/:id/fields/:model', RED.auth.needsPermission('odoo-config.read'), (req: Request, res: Response) => {
    withClient(req, res, (c) => c.fieldsGet(req.params.model ?? ''));
  });
};
