/**
 * Commands run as a user runs them from a checkout (`npx node-red -s
 * settings.js`, `npm start`), as child processes in their own process group:
 * their log is collected, `waitFor` waits for a line, `stop` ends the group
 * (TERM, then KILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  log(): string;
  /** Resolves with the first match of `re` in the log; rejects after `ms` or when the process exits first. */
  waitFor(re: RegExp, ms: number): Promise<RegExpMatchArray>;
  /** Ends the process group; resolves with the exit code (null when killed by a signal). */
  stop(graceMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Child {
  const proc = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const l of listeners) l();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (c) => {
      code = c;
      for (const l of listeners) l();
      resolve(c);
    });
  });
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-proc.pid!, signal);
    } catch {
      // already gone
    }
  };
  return {
    proc,
    exited,
    log: () => out,
    waitFor(re, ms) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = out.match(re);
          if (m) finish(() => resolve(m));
          else if (code !== undefined) finish(() => reject(new Error(`${cmd} exited (${code}) before ${re}; log:\n${out.slice(-4000)}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no ${re} within ${ms} ms; log:\n${out.slice(-4000)}`))), ms);
        const finish = (f: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(graceMs = 10_000) {
      if (code !== undefined) return code;
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), graceMs);
      const c = await exited;
      clearTimeout(timer);
      // children of the group that outlived the leader
      killGroup('SIGKILL');
      return c;
    },
  };
}

/** A temp folder (removed by the returned function). */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
