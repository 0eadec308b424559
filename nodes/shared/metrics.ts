import { CONTENT_TYPE, nodeMeter, scrape, type NodeMeter } from '../../lib/metrics';
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
