/**
 * `npm run bench -- <name> [--json]`. Each benchmark measures its baseline in
 * the same run, so the shared, noisy machine affects both sides alike.
 */
const BENCHES: Record<string, () => Promise<Record<string, unknown>>> = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'odoo-write': () => require('./odoo-write').run(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'odoo-read': () => require('./odoo-read').run(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'canonical-map': () => require('./canonical-map').run({ json: true }),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'supplier-sftp': () => require('./supplier-sftp').run(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'canonical-stream': () => require('./canonical-stream').run(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'retry-gate': () => require('./retry-gate').run(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'exactly-once': () => require('./exactly-once').run(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'odoo-changes': () => require('./odoo-changes').run(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'supplier-intake': () => require('./supplier-intake').run(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'plant-inventory': () => require('./plant-inventory').run(),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  scale: () => require('./scale').run(),
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  // `--rate 2000`: the value of an option is no benchmark name
  const names = args.filter((a, i) => !a.startsWith('--') && !/^--(rate|events|seconds|baseline-events|timeout-seconds)$/.test(args[i - 1] ?? ''));
  if (names.length === 0 || names.some((n) => !BENCHES[n])) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [--json]\n`);
    process.exit(2);
  }
  for (const name of names) {
    const result = await (BENCHES[name] as () => Promise<Record<string, unknown>>)();
    process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${name}: ${Object.entries(result).map(([k, v]) => `${k}=${String(v)}`).join(' ')}\n`);
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
