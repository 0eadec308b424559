/**
 * `npm run lint:flows`: checks the versioned flows (flows/, as one set) and
 * the examples (examples/, each on its own): every file loads, every node
 * type is known (Node-RED core or this package), every wire and config
 * reference resolves, every Odoo/SFTP node's error output is wired, no
 * secret values, no absolute paths of a developer's machine. Exits 1 when
 * anything is wrong, naming file, node and what to do.
 *
 *   node dist/scripts/lint-flows.js [--format] [--set <dir>]... [--each <dir|file>]...
 *   (default: --set flows --each examples)
 *
 * --format first rewrites each --set folder in the layout the storage module
 * writes (what a Deploy would write): for flow files written by hand or by
 * an older layout, e.g. after a merge.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readFlows, writeFlows } from '../lib/flows/files';
import { lintEach, lintFolder, type LintProblem } from '../lib/flows/lint';

const ROOT = [path.resolve(__dirname, '..'), path.resolve(__dirname, '..', '..')].find((d) => fs.existsSync(path.join(d, 'package.json')) && fs.existsSync(path.join(d, 'nodes')))!;

/** Types the installed Node-RED registers (read from its core nodes' editor files), and the flow structure types. */
export function coreTypes(): Set<string> {
  const types = new Set(['tab', 'subflow', 'group', 'junction', 'global-config']);
  const nodesPkg = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [ROOT] }));
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.html')) for (const m of fs.readFileSync(p, 'utf8').matchAll(/RED\.nodes\.registerType\(\s*['"]([^'"]+)['"]/g)) types.add(m[1]);
    }
  };
  walk(path.join(nodesPkg, 'core'));
  return types;
}

export function packageTypes(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  return Object.keys(pkg['node-red'].nodes);
}

function jsonFiles(p: string): string[] {
  if (!fs.existsSync(p)) return [];
  if (fs.statSync(p).isFile()) return [p];
  return fs
    .readdirSync(p, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? jsonFiles(path.join(p, e.name)) : e.name.endsWith('.json') ? [path.join(p, e.name)] : []));
}

export function lintPaths(sets: string[], each: string[]): { problems: LintProblem[]; files: number; nodes: number } {
  const knownTypes = new Set([...coreTypes(), ...packageTypes()]);
  const opts = { knownTypes, forbiddenPaths: [ROOT, process.cwd()].filter((p) => p.length > 1) };
  const read = (files: string[]) => files.map((f) => ({ file: path.relative(process.cwd(), f) || f, text: fs.readFileSync(f, 'utf8') }));
  const problems: LintProblem[] = [];
  let files = 0;
  let nodes = 0;
  const count = (list: Array<{ text: string }>) => {
    files += list.length;
    for (const f of list) {
      try {
        const d = JSON.parse(f.text);
        if (Array.isArray(d)) nodes += d.length;
      } catch {
        // counted as a LOAD problem
      }
    }
  };
  for (const dir of sets) {
    const list = read(jsonFiles(dir));
    count(list);
    problems.push(...lintFolder(list, opts));
  }
  for (const p of each) {
    const list = read(jsonFiles(p));
    count(list);
    problems.push(...lintEach(list, opts));
  }
  return { problems, files, nodes };
}

function main(argv: string[]): number {
  const sets: string[] = [];
  const each: string[] = [];
  let format = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--format') format = true;
    else if (argv[i] === '--set') sets.push(argv[++i]);
    else if (argv[i] === '--each') each.push(argv[++i]);
    else {
      process.stderr.write(`lint:flows: unknown argument ${argv[i]}\nusage: lint-flows [--set <dir>]... [--each <dir|file>]...\n`);
      return 2;
    }
  }
  if (!sets.length && !each.length) {
    sets.push(path.join(ROOT, 'flows'));
    each.push(path.join(ROOT, 'examples'));
  }
  if (format) {
    for (const dir of sets) {
      const { written, removed } = writeFlows(dir, readFlows(dir));
      process.stdout.write(`lint:flows: ${path.relative(process.cwd(), dir) || dir}: ${written.length ? `rewrote ${written.join(', ')}` : 'already in the layout'}${removed.length ? `; removed ${removed.join(', ')} (its nodes moved)` : ''}\n`);
    }
  }
  const { problems, files, nodes } = lintPaths(sets, each);
  for (const p of problems) process.stdout.write(`${p.file}: [${p.rule}] ${p.message}\n`);
  const bad = new Set(problems.map((p) => p.file)).size;
  process.stdout.write(problems.length ? `lint:flows: ${problems.length} problem(s) in ${bad} of ${files} file(s)\n` : `lint:flows: ${files} file(s), ${nodes} node(s): no problems\n`);
  return problems.length ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
