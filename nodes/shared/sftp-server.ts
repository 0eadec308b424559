import type { SftpConnection } from '../../lib/sftp/connection';
import type { Node } from './red';

/** What supplier-sftp sees of its sftp-server config node. */
export interface SftpServerNode extends Node {
  /** The one shared connection; throws the configuration problem when the config is invalid. */
  connection(): SftpConnection;
  register(user: Node): void;
  deregister(user: Node): void;
}
