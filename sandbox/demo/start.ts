/**
 * `npm start`: the whole thing on one machine. For each outside system that
 * no environment variable points at (standins.ts), a local stand-in starts
 * and says so; then Node-RED starts with settings.js (the package as an
 * installed module, the flows of flows/) and the stand-ins' addresses in its
 * environment. Ctrl-C stops Node-RED, then the stand-ins.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isConfigured, standIns, type RunningStandIn } from './standins';

const ROOT = [path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..', '..', '..')].find((d) => fs.existsSync(path.join(d, 'settings.js'))) ?? process.cwd();

function log(line: string): void {
  process.stdout.write(`[start] ${line}\n`);
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const userDir = path.resolve(env.NODE_RED_USER_DIR || path.join(ROOT, '.node-red'));
  env.NODE_RED_USER_DIR = userDir;
  // the plant flow's MQTT session is persistent (QoS 1 events wait at the broker while Node-RED restarts): it needs a client id that stays
  if (!env.MQTT_CLIENT_ID) env.MQTT_CLIENT_ID = `odoo-supply-${os.hostname().replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const workDir = path.join(userDir, 'stand-ins');
  fs.mkdirSync(workDir, { recursive: true });
  const running: RunningStandIn[] = [];
  const stopAll = async (): Promise<void> => {
    for (const r of running.reverse()) await r.stop().catch(() => undefined);
  };

  log('systems the flows talk to:');
  try {
    for (const s of standIns) {
      if (isConfigured(s, process.env)) { // what the user set, not what an earlier stand-in provides
        log(`  ${s.system}: the real one (${s.envVars[0]} is set; ${s.envVars.join(', ')})`);
        continue;
      }
      log(`  ${s.system}: LOCAL STAND-IN, ${s.what}`);
      const r = await s.start({ env, workDir, log: (l) => log(`    ${l}`) });
      running.push(r);
      Object.assign(env, r.env);
      for (const d of r.describe) log(`    ${d}`);
      log(`    to use a real ${s.system}, set ${s.envVars.join(', ')}`);
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  const port = env.PORT || '1880';
  log(`Node-RED: editor at http://${env.NODE_RED_HOST || '127.0.0.1'}:${port}/ , flows from ${path.relative(process.cwd(), env.NODE_RED_FLOWS_DIR || path.join(ROOT, 'flows')) || '.'}`);
  const red = require.resolve('node-red/red.js', { paths: [ROOT] });
  const child = spawn(process.execPath, [red, '-s', path.join(ROOT, 'settings.js')], { cwd: ROOT, env, stdio: 'inherit' });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping Node-RED, then the stand-ins`);
    child.kill('SIGINT');
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));
  const code = await new Promise<number>((resolve) => child.once('exit', (c, sig) => resolve(c ?? (sig ? 0 : 1))));
  // a stand-in that does not close in time must not keep the terminal
  setTimeout(() => process.exit(stopping ? 0 : code), 5000).unref();
  await stopAll();
  process.exit(stopping ? 0 : code);
}

main().catch((err: unknown) => {
  process.stderr.write(`[start] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
