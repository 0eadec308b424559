import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

export interface BenchTarget {
  url: string;
  database: string;
  login: string;
  secret: string;
  secretKind: 'apikey' | 'password';
  real: boolean;
  /** Sandbox only: a fault for its next matching calls (see sandbox/odoo/server.ts FaultSpec). */
  inject?(fault: Record<string, unknown>): Promise<void>;
  stop(): void;
}

/**
 * A real Odoo when ODOO_URL is set (ODOO_DB, ODOO_LOGIN, ODOO_API_KEY or
 * ODOO_PASSWORD), else the sandbox in a child process, so its work does not
 * share this process's CPU or memory with what is measured.
 */
export async function benchTarget(): Promise<BenchTarget> {
  const env = process.env;
  if (env.ODOO_URL) {
    return { url: env.ODOO_URL, database: env.ODOO_DB ?? '', login: env.ODOO_LOGIN ?? 'admin', secret: env.ODOO_API_KEY ?? env.ODOO_PASSWORD ?? '', secretKind: env.ODOO_API_KEY ? 'apikey' : 'password', real: true, stop: () => undefined };
  }
  const child: ChildProcess = fork(path.join(__dirname, '..', 'sandbox', 'odoo', 'cli.js'), ['--port', '0'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  // the sandbox prints "  url: …", "  database: …", "  login: …", "  api key: …"
  const info = await new Promise<Record<string, string>>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const fields = Object.fromEntries([...buf.matchAll(/^\s+([a-z ]+):\s+(\S+)\s*$/gm)].map((m) => [m[1] as string, m[2] as string]));
      if (fields.url && fields.database && fields.login && fields['api key']) resolve(fields);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  let asked = 0;
  const inject = (fault: Record<string, unknown>) =>
    new Promise<void>((resolve) => {
      const id = ++asked;
      const onReply = (m: { injected?: number }) => {
        if (m?.injected !== id) return;
        child.off('message', onReply);
        resolve();
      };
      child.on('message', onReply);
      child.send({ inject: fault, id });
    });
  return { url: info.url as string, database: info.database as string, login: info.login as string, secret: info['api key'] as string, secretKind: 'apikey', real: false, inject, stop: () => child.kill() };
}
