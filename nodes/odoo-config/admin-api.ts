/** odoo-config's admin endpoints (editor only, guarded by Node-RED permissions). */
import { OdooClient } from '../../lib/odoo/client';
import { testConnectionOptions } from '../../lib/odoo/options';
import { classifyError } from '../../lib/errors';
import { accessReport, type NodeDefinition } from '../../lib/odoo/access';
import { apiKeyExpiry } from '../../lib/odoo/api-key';
import type { RED, Request, Response } from '../shared/red';
import type { OdooConfigNode } from '../shared/odoo-server';

export function registerAdminApi(RED: RED): void {

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
}
