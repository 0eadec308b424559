import * as os from 'node:os';
import { classifyError, type IntegrationError } from '../../lib/errors';
import { SftpConnection } from '../../lib/sftp/connection';
import { serverOptionsFromConfig } from '../../lib/sftp/options';
import type { Node, NodeDef, NodeStatus, RED } from '../shared/red';
import type { SftpServerNode } from '../shared/sftp-server';
import { migratedOptions } from '../shared/migrate';
import { migrations } from './migrations';

export = function (RED: RED) {
  function SftpServer(this: SftpServerNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migratedOptions(this, def, migrations);
    const node = this;
    const users = new Set<Node>();
    let conn: SftpConnection | undefined;
    let problem: IntegrationError | undefined;
    try {
      conn = new SftpConnection(serverOptionsFromConfig(def, node.credentials ?? {}, os.homedir()), { warn: (m) => node.warn(m), log: (m) => node.log(m) });
    } catch (err) {
      problem = classifyError(err);
      node.error(RED._('sftp-server.errors.invalid', { message: problem.message }));
    }
    const broadcast = (s: NodeStatus) => users.forEach((u) => u.status(s));
    conn?.on('state', (state: string, error?: IntegrationError) => {
      if (state === 'connected') broadcast({ fill: 'green', shape: 'dot', text: RED._('sftp-server.status.connected') });
      else if (state === 'connecting') broadcast({ fill: 'yellow', shape: 'ring', text: RED._('sftp-server.status.connecting') });
      else if (state === 'waiting') {
        broadcast({ fill: 'red', shape: 'ring', text: error ? error.code.toLowerCase() : RED._('sftp-server.status.down') });
        if (error) node.warn(RED._('sftp-server.errors.connect', { message: error.message }));
      } else if (state === 'idle') broadcast({ fill: 'grey', shape: 'ring', text: RED._('sftp-server.status.idle') });
    });
    node.connection = () => {
      if (!conn) throw problem as IntegrationError;
      return conn;
    };
    node.register = (user) => {
      users.add(user);
      if (problem) user.status({ fill: 'red', shape: 'ring', text: RED._('sftp-server.status.invalid') });
    };
    node.deregister = (user) => {
      users.delete(user);
    };
    node.on('close', (_removed: boolean, done: () => void) => {
      Promise.resolve(conn?.close()).finally(() => done());
    });
  }
  RED.nodes.registerType('sftp-server', SftpServer, { credentials: { password: { type: 'password' }, privateKey: { type: 'password' }, passphrase: { type: 'password' } } });
};
