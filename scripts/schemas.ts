/**
 * Writes every registered canonical object as JSON Schema, the contract given
 * to suppliers: `schemas/<name>@<version>.json` under the package root.
 *
 *   node dist/scripts/schemas.js [--out <dir>]
 */
import * as fs from 'fs';
import * as path from 'path';
import { listSchemas } from '../lib/canonical';

function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${__dirname}`);
    dir = up;
  }
  return dir;
}

/** Writes one file per schema into `outDir` and returns the paths written. */
export function writeSchemas(outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  return listSchemas().map((entry) => {
    const file = path.join(outDir, `${entry.id}.json`);
    fs.writeFileSync(file, JSON.stringify(entry.jsonSchema(), null, 2) + '\n');
    return file;
  });
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--out');
  const outDir = i >= 0 && args[i + 1] ? path.resolve(args[i + 1]) : path.join(packageRoot(), 'schemas');
  for (const file of writeSchemas(outDir)) console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
