import { CONTENT_TYPE, nodeMeter, scrape, type NodeMeter } from '../../lib/metrics';
import { OperationsView } from '../../lib/operations';
import type { Node, RED, Request, Response } from './red';

const byNode = new WeakMap<Node, NodeMeter>();

/** The node's message counters (lib/metrics.ts): `received`, `ok`, `failed`, plain numbers. */
export function meterOf(node: Node): NodeMeter {
  let m = byNode.get(node);
  if (!m) {
    m = nodeMeter(node.type, node.id, node.name ?? '');
    byNode.set(node, m);
  }
  return m;
}

const served = new WeakSet<object>();

/**
 * `GET <httpAdminRoot>/odoo-supply/metrics`: the package's metrics in the Prometheus
 * text format, for a scraper holding a token with the `odoo-supply.read` permission
 * (any user with `read`). Registered once per runtime, whichever module asks first.
 */
export function serveMetrics(RED: RED): void {
  if (served.has(RED.httpAdmin)) return;
  served.add(RED.httpAdmin);
  serveOperations(RED);
  RED.httpAdmin.get('/odoo-supply/metrics', RED.auth.needsPermission('odoo-supply.read'), (_req: Request, res: Response) => {
    scrape().then(
      (text) => {
        res.set?.('Content-Type', CONTENT_TYPE);
        res.status(200);
        res.send?.(text);
      },
      (err: Error) => res.status(500).json({ error: err.message }),
    );
  });
}

/**
 * `GET <httpAdminRoot>/odoo-supply/operations`: what the editor's operations tab
 * shows (lib/operations.ts), as JSON, from the same registry values; nodes are
 * grouped by the flow tab they are deployed on.
 */
function serveOperations(RED: RED): void {
  const view = new OperationsView();
  RED.httpAdmin.get('/odoo-supply/operations', RED.auth.needsPermission('odoo-supply.read'), (_req: Request, res: Response) => {
    const tabOf = new Map<string, string>();
    RED.nodes.eachNode?.((def) => {
      if (typeof def.z === 'string') tabOf.set(def.id, def.z);
    });
    view.snapshot((id) => tabOf.get(id) ?? ((RED.nodes.getNode(id) as { z?: string } | null)?.z)).then(
      (snapshot) => res.status(200).json(snapshot),
      (err: Error) => res.status(500).json({ error: err.message }),
    );
  });
}
