/**
 * Node-RED as its own process (`node-red/red.js`), this package installed in
 * its user dir like a user's install (run `npm run build` first). The user
 * dir outlives the process, so a test can stop Node-RED and start it again
 * on the same journals, as a restarted server would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

export interface RedProcess {
  child: ChildProcess;
  /** Everything it logged so far. */
  log(): string;
  /** Resolves when a log line matches. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  /** SIGINT (Node-RED stops its flows, then exits) or SIGKILL; resolves when it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A user dir with this package linked in and `flows` as its flow file; `settings` override the test settings (e.g. `httpNodeRoot`). */
export function userDirWith(flows: unknown[], settings: Record<string, unknown> = {}): string {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'nodes', 'odoo-config', 'odoo-config.js'))) throw new Error('dist/ is missing: run npm run build first');
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-proc-'));
  fs.mkdirSync(path.join(userDir, 'node_modules'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string };
  fs.symlinkSync(ROOT, path.join(userDir, 'node_modules', pkg.name), 'dir');
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, dependencies: { [pkg.name]: '*' } }));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = ${JSON.stringify({ uiPort: 0, uiHost: '127.0.0.1', flowFile: 'flows.json', credentialSecret: 'test-only-credential-secret', httpNodeRoot: false, logging: { console: { level: 'info' } }, editorTheme: { tours: false, projects: { enabled: false } }, externalModules: { autoInstall: false, palette: { allowInstall: false } }, ...settings })};\n`,
  );
  return userDir;
}

export async function startRedProcess(userDir: string, env: Record<string, string>): Promise<RedProcess> {
  const child = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) if (w.pattern.test(out)) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const p: RedProcess = {
    child,
    log: () => out,
    waitFor: (pattern, ms = 30_000) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(out)) return resolve();
        const timer = setTimeout(() => reject(new Error(`Node-RED did not log ${pattern} within ${ms} ms:\n${out.slice(-3000)}`)), ms);
        waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
        void exited.then(() => {
          clearTimeout(timer);
          if (!pattern.test(out)) reject(new Error(`Node-RED exited before logging ${pattern}:\n${out.slice(-3000)}`));
        });
      }),
    stop: async (signal = 'SIGINT') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  await p.waitFor(/Started flows/);
  return p;
}
