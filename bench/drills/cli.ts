/**
 * `npm run drill -- <name> [--json]`: a fault drill against the committed flows (the plant
 * flow; sftp-drop and bad-input's supplier files: the supplier price-list and PO flows). Prints
 * {"sent","applied","dead_lettered","lost","duplicates","seconds", …}; exits 1 when lost or
 * duplicates is not 0, 2 on a wrong name.
 */
import type { DrillResult } from './harness';

const DRILLS: Record<string, () => Promise<DrillResult>> = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'odoo-outage': () => require('./odoo-outage').run(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'bad-input': () => require('./bad-input').run(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'broker-restart': () => require('./broker-restart').run(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'sftp-drop': () => require('./sftp-drop').run(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'kill-instance': () => require('./kill-instance').run(),
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  // every option but --json takes a value: `--events 300` names no drill
  const names = args.filter((a, i) => !a.startsWith('--') && (i === 0 || !(args[i - 1] as string).startsWith('--') || args[i - 1] === '--json'));
  const name = names[0];
  if (!name || !DRILLS[name]) {
    process.stderr.write(`usage: npm run drill -- <${Object.keys(DRILLS).join('|')}> [--json] [options]\n`);
    process.exit(2);
  }
  const r = await (DRILLS[name] as () => Promise<DrillResult>)();
  process.stdout.write(json ? `${JSON.stringify(r)}\n` : `${name}: ${Object.entries(r).map(([k, v]) => `${k}=${String(v)}`).join(' ')}\n`);
  process.exit(r.lost === 0 && r.duplicates === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
