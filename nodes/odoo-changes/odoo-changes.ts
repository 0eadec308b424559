import { randomUUID } from 'node:crypto';
import { classifyError, configError } from '../../lib/errors';
import { ChangeFeed, changeCorrelationId, odooTime, parseWebhook, type Change } from '../../lib/odoo/changes';
import { ChangeWatcher, parseChangesNodeOptions, webhookAuthorized, type ChangesNodeOptions } from '../../lib/odoo/changes-options';
import { changesCursorLag, changesEmitted, changesLastLag } from '../../lib/metrics';
import { leadWhenFree, type FeedStore } from '../../lib/odoo/changes-store';
import { dataFile } from '../../lib/resilience/options';
import { sharedDatabaseUrl } from '../../lib/util/pg';
import { migratedOptions } from '../shared/migrate';
import type { OdooConfigNode } from '../shared/odoo-server';
import type { Done, Node, NodeDef, NodeMessage, RED } from '../shared/red';
import { migrations } from './migrations';
import { addRoute, readJsonBody, removeRoute, type HttpApp } from './webhook';

export = function (RED: RED) {
  function OdooChanges(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migratedOptions(this, def, migrations);
    const node = this;
    const server = RED.nodes.getNode(String(def.server ?? '')) as OdooConfigNode | null;
    const source = { id: node.id, type: node.type, ...(node.name ? { name: node.name } : {}) };
    let options: ChangesNodeOptions | undefined;
    let watcher: ChangeWatcher | undefined;
    let closing = false;
    let route: string | undefined;
    let feedOf: ChangeFeed | undefined;
    const labels = () => ({ id: node.id, name: node.name ?? '', model: options?.feed.model ?? '' });
    const unmeter = [
      changesEmitted.add(() => (feedOf ? [[labels(), feedOf.stats.emitted]] : [])),
      changesCursorLag.add(() => (feedOf && odooTime(feedOf.cursorText) > 0 ? [[labels(), Math.max(0, (Date.now() - odooTime(feedOf.cursorText)) / 1000)]] : [])),
      changesLastLag.add(() => (feedOf?.stats.lastLagMs !== undefined ? [[labels(), feedOf.stats.lastLagMs / 1000]] : [])),
    ];
    // several instances (ODOO_SUPPLY_DATABASE_URL): one leads the feed, the others stand by
    const databaseUrl = sharedDatabaseUrl();
    let leadership: { resume(): void; stop(): void } | undefined;
    // an Odoo that is down fails every poll: output 2 hears when failing starts or its reason changes, not every poll
    let failing: string | undefined;
    const fail = (err: unknown) => {
      const e = classifyError(err);
      node.status({ fill: 'red', shape: 'ring', text: `${e.code.toLowerCase()}${e.transient ? ' (transient)' : ''}` });
      if (leadership && watcher && e.details?.store === 'postgres') {
        // the shared state cannot be written (its lock may be gone with the connection): step down, try to lead again
        const w = watcher;
        watcher = undefined;
        void w.stop().catch(() => undefined).then(() => leadership?.resume());
      }
      if (failing === e.code) return;
      failing = e.code;
      // a problem message starts here: it gets its own correlation id, as every change does
      node.send([null, { payload: undefined, correlationId: randomUUID(), error: e.toMsgError(source), odoo: { model: options?.feed.model } }]);
    };
    const handOn = (changes: Change[]) => {
      for (const c of changes) {
        // the same version handed on again (the feed is at least once across a crash) carries the same id
        node.send([{ payload: c.record, topic: `${c.model}/${c.id}`, correlationId: changeCorrelationId(c), odoo: { model: c.model, id: c.id, ids: [c.id], operation: c.action, writeDate: c.writeDate, source: c.source, lagMs: c.lagMs, ...(c.via ? { via: c.via } : {}) } }, null]);
      }
    };
    const showStatus = (feed: ChangeFeed) => {
      failing = undefined;
      const lag = feed.stats.lastLagMs === undefined ? '' : ` · lag ${(feed.stats.lastLagMs / 1000).toFixed(1)} s`;
      node.status({ fill: 'green', shape: 'dot', text: RED._('odoo-changes.status.watching', { cursor: feed.cursorText, lag, count: feed.stats.emitted }) });
    };

    try {
      options = parseChangesNodeOptions(def);
      if (!server) throw configError('no Odoo server configured');
      if (options.push && !node.credentials?.token) throw configError('push: set the webhook secret (Odoo signs nothing, so the secret is what keeps strangers out)');
    } catch (err) {
      options = undefined;
      node.error(RED._('odoo-changes.errors.invalid', { problem: classifyError(err).message }));
      node.status({ fill: 'red', shape: 'ring', text: RED._('odoo-changes.status.invalid') });
    }

    const start = async (store: string | FeedStore) => {
      const o = options as ChangesNodeOptions;
      const feed = await ChangeFeed.open((server as OdooConfigNode).client(), o.feed, store, handOn);
      if (closing) return feed.close();
      feedOf = feed;
      watcher = new ChangeWatcher(feed, o.intervalMs, { failed: fail, polled: showStatus });
      watcher.start();
      if (o.push && !route) {
        route = `/odoo-changes/${o.pushPath}`;
        addRoute((RED as unknown as { httpNode: HttpApp }).httpNode, route, async (req, res) => {
          if (!webhookAuthorized(node.credentials?.token, { query: req.query?.token, header: req.headers?.['x-odoo-changes-token'], authorization: req.headers?.authorization })) {
            res.status(401).json({ error: 'unauthorized' });
            return;
          }
          let hint;
          try {
            hint = parseWebhook(await readJsonBody(req), o.feed.model);
          } catch (err) {
            res.status(400).json({ error: (err as Error).message });
            return;
          }
          // Odoo waits 1 s for the answer and never retries: answer first, read after
          res.status(202).json({ accepted: hint.ids.length });
          // the feed this instance leads now (after a step-down and a new lead, not the one the route was added with)
          watcher?.feed.hint(hint.ids, hint.action).catch(fail);
        });
      }
      return undefined;
    };
    const ready: Promise<void> = !options || !server
      ? Promise.resolve()
      : (async () => {
          server.register(node);
          if (!databaseUrl) return start(dataFile(RED.settings ?? {}, 'odoo-changes', node.id));
          leadership = leadWhenFree({ connection: databaseUrl, scope: node.id }, { lead: start, standby: () => node.status({ fill: 'grey', shape: 'ring', text: 'standby: another instance leads' }), failed: fail });
          return undefined;
        })().catch((err) => {
          node.error(RED._('odoo-changes.errors.start', { problem: classifyError(err).message }));
          fail(err);
        });

    // any message polls now (the node polls on its own timer anyway)
    node.on('input', async (_msg: NodeMessage, _send: unknown, done: Done) => {
      await ready;
      if (!watcher) return done(leadership ? undefined : configError(RED._('odoo-changes.errors.notConfigured')));
      await watcher.pollNow();
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      for (const remove of unmeter) remove();
      leadership?.stop();
      if (route) removeRoute((RED as unknown as { httpNode: HttpApp }).httpNode, route);
      // the poll under way finishes and its record reaches the disk: nothing is handed on twice after a restart
      ready
        .then(() => watcher?.stop())
        .catch(() => undefined)
        .then(() => (server ? new Promise<void>((r) => server.deregister(node, r)) : undefined))
        .then(() => done(), () => done());
    });
  }
  RED.nodes.registerType('odoo-changes', OdooChanges, { credentials: { token: { type: 'password' } } });
};
