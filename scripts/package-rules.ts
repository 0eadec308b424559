/**
 * The Flow Library scorecard rules that need no network (node-red-dev's
 * P01, P03, P04, P05, D01; P06/P07/N01/N02 need the runtime and are checked
 * by check-package.ts), plus what a packed module must hold for Node-RED to
 * show its nodes (FILES). Each finding names its rule.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface PackageJson {
  name: string;
  version: string;
  license?: string;
  repository?: string | { type?: string; url?: string };
  bugs?: string | { url?: string; email?: string };
  keywords?: string[];
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  files?: string[];
  'node-red'?: { version?: string; nodes?: Record<string, string> };
}

export interface Finding {
  rule: string;
  ok: boolean;
  text: string;
  detail?: string;
}

// each one is a well-kept library doing what it does well (parsing, SSH, PostgreSQL, cron); the cap keeps the install small
const MAX_DEPENDENCIES = 10;

function finding(rule: string, ok: boolean, text: string, detail?: string): Finding {
  return ok ? { rule, ok, text } : { rule, ok, text, detail };
}

/** A version range npm resolves from the registry: not a tag, URL, path or wildcard. */
export function isRegistryRange(range: string): boolean {
  const r = range.trim();
  if (!r || r === '*' || r === 'latest' || r === 'x') return false;
  if (/^(file:|link:|git|github:|https?:|npm:|workspace:)|\//.test(r)) return false;
  return /^[\^~<>=v\d\s|.*xX-]+$/.test(r.replace(/-[0-9A-Za-z.-]+/g, ''));
}

/** npm's own name rules, and the Flow Library's naming rule (P04). */
export function nameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length > 214) problems.push('longer than 214 characters');
  if (name !== name.toLowerCase()) problems.push('has upper-case letters');
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/.test(name)) problems.push('is not URL-safe (letters, digits, - . _ and one @scope/)');
  const bare = name.replace(/^@[^/]+\//, '');
  if (!name.startsWith('@') && /^node-?red/.test(bare) && !/^node-?red-contrib-/.test(bare)) {
    problems.push('an unscoped name starting with node-red must start with node-red-contrib-');
  }
  return problems;
}

export function scorecard(pkg: PackageJson, tarballFiles: string[], dir: string): Finding[] {
  const out: Finding[] = [];
  const has = new Set(tarballFiles);

  const license = pkg.license?.trim() ?? '';
  const licenseFile = /^SEE LICEN[CS]E IN (.+)$/i.exec(license)?.[1];
  out.push(finding('P01', !!license && (!licenseFile || has.has(licenseFile)), `licence declared (${license || 'none'})`, licenseFile ? `${licenseFile} is not in the package` : 'package.json has no "license"'));
  out.push(finding('P01', tarballFiles.some((f) => /^LICEN[CS]E(\.\w+)?$/i.test(f)), 'a LICENSE file is in the package', 'no LICENSE file in the tarball'));

  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const bugs = typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs?.url ?? pkg.bugs?.email;
  out.push(finding('P03', !!(repo || bugs), `repository or bugs given (${repo ?? bugs ?? 'none'})`, 'package.json has neither "repository" nor "bugs"'));

  const problems = nameProblems(pkg.name ?? '');
  out.push(finding('P04', problems.length === 0, `name "${pkg.name}" follows npm's and the Flow Library's naming rules`, problems.join('; ')));

  out.push(finding('P05', !!pkg.keywords?.includes('node-red'), 'keyword "node-red" present', 'add "node-red" to "keywords"'));
  out.push(finding('P06', !!pkg['node-red']?.version, `node-red.version declared (${pkg['node-red']?.version ?? 'none'})`, 'add "node-red": { "version": ">=x.y.z" }'));
  out.push(finding('P07', !!pkg.engines?.node, `engines.node declared (${pkg.engines?.node ?? 'none'})`, 'add "engines": { "node": ">=20" }'));

  const deps = Object.entries(pkg.dependencies ?? {});
  out.push(finding('D01', deps.length <= MAX_DEPENDENCIES, `${deps.length} runtime dependencies (at most ${MAX_DEPENDENCIES})`, deps.map(([n]) => n).join(', ')));
  const unranged = deps.filter(([, r]) => !isRegistryRange(r));
  out.push(finding('D01', unranged.length === 0, 'every dependency is a registry version range', unranged.map(([n, r]) => `${n}@${r}`).join(', ')));
  const bundlesRuntime = deps.filter(([n]) => n === 'node-red' || n.startsWith('@node-red/'));
  out.push(finding('D01', bundlesRuntime.length === 0, 'node-red itself is not a runtime dependency', bundlesRuntime.map(([n]) => n).join(', ')));

  const sets = Object.entries(pkg['node-red']?.nodes ?? {});
  out.push(finding('FILES', sets.length > 0, `node-red.nodes declares ${sets.length} node sets`, 'no "node-red": { "nodes": {...} }'));
  for (const [set, file] of sets) {
    const js = path.posix.normalize(file);
    const base = js.replace(/\.js$/, '');
    const d = path.posix.dirname(js);
    const stem = path.posix.basename(base);
    out.push(finding('FILES', has.has(js), `${set}: runtime ${js} is in the package`, 'add it to "files"'));
    out.push(finding('FILES', has.has(`${base}.html`), `${set}: editor ${base}.html is in the package`, `${base}.html is missing from the tarball: check "files"`));
    const catalog = `${d}/locales/en-US/${stem}.json`;
    out.push(finding('FILES', has.has(catalog), `${set}: message catalog ${catalog} is in the package`, `${catalog} is missing from the tarball: check "files"`));
    const help = `${d}/locales/en-US/${stem}.html`;
    out.push(finding('FILES', has.has(help), `${set}: help ${help} is in the package`, `${help} is missing from the tarball: check "files"`));
    // anything built beside the node (icons, other locales) that did not make it into the tarball
    const local = path.join(dir, d);
    const left: string[] = [];
    const walk = (abs: string, rel: string) => {
      if (!fs.existsSync(abs)) return;
      for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
        const r = `${rel}/${e.name}`;
        if (e.isDirectory()) walk(path.join(abs, e.name), r);
        else if (!/\.(map|d\.ts)$/.test(e.name) && !has.has(r)) left.push(r);
      }
    };
    for (const sub of ['locales', 'icons']) walk(path.join(local, sub), `${d}/${sub}`);
    out.push(finding('FILES', left.length === 0, `${set}: every locale and icon file beside it is in the package`, `not in the tarball: ${left.join(', ')}`));
  }
  const examples = tarballFiles.filter((f) => /^examples\/.+\.json$/.test(f));
  out.push(finding('N02', examples.length > 0, `${examples.length} example flows in the package`, 'no examples/*.json in the tarball'));
  out.push(finding('FILES', has.has('README.md'), 'README.md is in the package', 'no README.md'));
  return out;
}
