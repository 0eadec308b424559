/**
 * Jest globalSetup: when the tests run against a real Odoo (ODOO_URL), ask it
 * its version once, with the package's own probe, so the contract suite can
 * list the routes that server offers (JSON-2 only from 19) before it starts.
 * Workers inherit the environment set here.
 */
import { OdooClient } from '../../lib/odoo/client';

export default async function globalSetup(): Promise<void> {
  const env = process.env;
  if (!env.ODOO_URL || env.ODOO_SERVER_VERSION) return;
  const client = new OdooClient({ url: env.ODOO_URL, secret: 'version-probe-needs-no-secret', timeoutMs: 10_000 });
  try {
    env.ODOO_SERVER_VERSION = await client.serverVersion();
  } finally {
    client.close();
  }
}
