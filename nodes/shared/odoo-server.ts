import type { ConnectionInfo, OdooClient } from '../../lib/odoo/client';
import type { Node } from './red';

/** What odoo-read / odoo-write see of their odoo-config node. */
export interface OdooConfigNode extends Node {
  /** The shared client; throws the configuration problem when the config is invalid. */
  client(): OdooClient;
  connect(): Promise<ConnectionInfo>;
  register(user: Node): void;
  deregister(user: Node, done: () => void): void;
  /** The API key's expiry, once read after connecting (lib/odoo/api-key.ts). */
  keyExpiry?: import('../../lib/odoo/api-key').KeyExpiry;
  /** The connection properties as deployed (no secret). */
  deployedProps?: Record<string, unknown>;
}
