// `npm run sandbox`: a local Odoo 19 look-alike for demos and manual testing.
import { startSandbox, type FaultSpec, type SandboxOptions } from './server';

function parseArgs(argv: string[]): SandboxOptions {
  const opts: SandboxOptions = { port: 8069 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port':
        opts.port = Number(value());
        break;
      case '--host':
        opts.host = value();
        break;
      case '--database':
      case '--db':
        opts.database = value();
        break;
      case '--login':
        opts.login = value();
        break;
      case '--password':
        opts.password = value();
        break;
      case '--api-key':
        opts.apiKey = value();
        break;
      case '--server-version':
        opts.serverVersion = value();
        break;
      case '--no-seed':
        opts.seed = false;
        break;
      case '--help':
      case '-h':
        process.stdout.write(
          'Usage: node dist/sandbox/odoo/cli.js [--port 8069] [--host 127.0.0.1] [--database sandbox]\n' +
            '       [--login admin] [--password admin] [--api-key KEY] [--server-version 19.0] [--no-seed]\n',
        );
        process.exit(0);
      default:
        throw new Error(`unknown option ${arg}`);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  const sandbox = await startSandbox(parseArgs(process.argv.slice(2)));
  process.stdout.write(
    [
      'Odoo sandbox listening',
      `  url:      ${sandbox.url}`,
      `  database: ${sandbox.database}`,
      `  login:    ${sandbox.login}`,
      `  password: ${sandbox.password}`,
      `  api key:  ${sandbox.apiKey}`,
      '',
    ].join('\n'),
  );
  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  // a parent process (a benchmark) may inject faults over the IPC channel: {inject: FaultSpec}
  if (process.send) {
    process.on('message', (m: { inject?: FaultSpec; id?: number }) => {
      if (m?.inject) sandbox.inject(m.inject);
      process.send?.({ injected: m?.id });
    });
    process.channel?.unref();
  }
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
