/**
 * Checks of versioned flow files (`npm run lint:flows`): each problem names
 * the file, the node and what to do. A folder of flows (flows/) is checked as
 * one set, since its files refer to each other (tabs to config.json); an
 * example is checked on its own.
 */
import { FlowFileError, mergeFlowFiles, parseFlowFile, type FlowFile, type FlowNode } from './files';

export type LintRule = 'LOAD' | 'TYPE' | 'WIRE' | 'CONFIG' | 'ERROR_OUTPUT' | 'SECRET' | 'PATH' | 'INFO';

export interface LintProblem {
  rule: LintRule;
  file: string;
  node?: string;
  message: string;
}

export interface LintOptions {
  /** Every node type this Node-RED knows (core + this package); `subflow:<id>` of subflows in the set are added. */
  knownTypes: Set<string>;
  /** Absolute paths that must never appear (e.g. this checkout's own location). */
  forbiddenPaths?: string[];
}

/** Nodes that talk to Odoo or SFTP, whose second output carries the errors: it must go somewhere (retry-gate, dead-letter). */
export function hasErrorOutput(node: FlowNode): boolean {
  switch (node.type) {
    case 'odoo-read':
    case 'odoo-write':
    case 'supplier-sftp':
      return true;
    case 'canonical-map':
      // to-odoo looks records up in Odoo; to-canonical's second output is the rows that do not fit, checked all the same
      return true;
    default:
      return false;
  }
}

/** Properties of this package's nodes that name a config node. */
const CONFIG_REFS: Record<string, string[]> = {
  'odoo-read': ['server'],
  'odoo-write': ['server'],
  'canonical-map': ['server'],
  'supplier-sftp': ['server'],
};

const SECRET_KEY = /(^|_)(password|passwd|pass|secret|token|apikey|api_key|api-key|accesskey|access_key|privatekey|private_key|passphrase|clientsecret|client_secret)$/i;
const ENV_REF = /^\s*(\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$env\(["'][A-Za-z_][A-Za-z0-9_]*["']\))\s*$/;
const SECRET_VALUES: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bBearer\s+[A-Za-z0-9._~+/-]{16,}/, 'a bearer token'],
  [/\bBasic\s+[A-Za-z0-9+/]{16,}={0,2}/, 'basic-auth credentials'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, 'a JSON web token'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key'],
  [/\b(gh[pousr]_[A-Za-z0-9]{30,}|xox[abp]-[A-Za-z0-9-]{10,}|sk-[A-Za-z0-9]{20,})\b/, 'an API token'],
  [/(password|passwd|api[_-]?key|secret|token)["']?\s*[:=]\s*["'][^"'\s$]{6,}["']/i, 'a secret literal in code'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"']+:[^\s/@"'$]+@/i, 'a password inside a URL'],
];
const DEV_PATH = /(^|[\s"'`=(:,;[])((\/home|\/Users|\/root|\/var\/folders|\/private\/var)\/[^\s"'`]+|\/tmp\/[^\s"'`]+|[A-Za-z]:\\(Users|Documents and Settings)\\[^\s"'`]*)/;

/** HTML the editor's Markdown keeps as HTML; anything else in angle brackets is a placeholder the reader would never see. */
const HTML_TAGS = new Set(['a', 'b', 'br', 'code', 'dd', 'del', 'details', 'div', 'dl', 'dt', 'em', 'h1', 'h2', 'h3', 'h4', 'hr', 'i', 'img', 'kbd', 'li', 'ol', 'p', 'pre', 'span', 'strong', 'sub', 'summary', 'sup', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'u', 'ul']);

/** `<site>`-like placeholders outside code spans and code blocks of a Markdown text. */
export function hiddenPlaceholders(markdown: string): string[] {
  const prose = markdown
    .replace(/```[\s\S]*?```/g, '')
    // an indented code block (4 spaces or a tab after a blank line or at the start)
    .replace(/(^|\n\s*\n)((?: {4}|\t)[^\n]*(?:\n(?: {4}|\t)[^\n]*)*)/g, '$1')
    .replace(/`[^`\n]*`/g, '');
  return [...new Set([...prose.matchAll(/<([A-Za-z][\w-]*)>/g)].filter((m) => !HTML_TAGS.has((m[1] as string).toLowerCase())).map((m) => m[0]))];
}

function describe(node: FlowNode): string {
  return `${node.type}${node.name ? ` "${String(node.name)}"` : ''}`;
}

/** Every string inside a value, with its property path. */
function* strings(value: unknown, at: string): Generator<[string, string]> {
  if (typeof value === 'string') yield [at, value];
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* strings(value[i], `${at}[${i}]`);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* strings(v, at ? `${at}.${k}` : k);
}

/** Checks one set of nodes (a folder's files together, or one example); `fileOf` names the file each node came from. */
export function lintNodes(nodes: FlowNode[], fileOf: (n: FlowNode) => string, opts: LintOptions): LintProblem[] {
  const problems: LintProblem[] = [];
  const add = (rule: LintRule, node: FlowNode, message: string): void => void problems.push({ rule, file: fileOf(node), node: node.id, message: `node ${node.id} (${describe(node)}): ${message}` });
  const ids = new Map(nodes.map((n) => [n.id, n]));
  const known = new Set(opts.knownTypes);
  for (const n of nodes) if (n.type === 'subflow') known.add(`subflow:${n.id}`);

  for (const node of nodes) {
    if (!known.has(node.type)) add('TYPE', node, `unknown node type "${node.type}": not a Node-RED core node, not one of this package's, not a subflow of these flows (a third-party node must not be used)`);
    if (node.z && !ids.has(node.z)) add('WIRE', node, `its tab or subflow "${node.z}" (z) does not exist`);
    if (node.g && !ids.has(String(node.g))) add('WIRE', node, `its group "${String(node.g)}" (g) does not exist`);
    const wires = node.wires;
    if (wires !== undefined && !Array.isArray(wires)) add('WIRE', node, '"wires" is not a list of outputs');
    if (Array.isArray(wires)) {
      wires.forEach((out, i) => {
        for (const target of Array.isArray(out) ? out : []) {
          if (!ids.has(String(target))) add('WIRE', node, `output ${i + 1} is wired to "${String(target)}", which does not exist`);
        }
      });
    }
    if (/^link (in|out|call)$/.test(node.type) && Array.isArray(node.links)) {
      for (const target of node.links) if (!ids.has(String(target))) add('WIRE', node, `links to "${String(target)}", which does not exist`);
    }
    for (const prop of CONFIG_REFS[node.type] ?? []) {
      const ref = node[prop];
      if (typeof ref === 'string' && ref && !ids.has(ref)) add('CONFIG', node, `"${prop}" names config node "${ref}", which does not exist (shared config nodes are in flows/config.json)`);
    }
    if (hasErrorOutput(node) && node.d !== true) {
      const errorOut = Array.isArray(wires) ? wires[1] : undefined;
      if (!Array.isArray(errorOut) || errorOut.length === 0) add('ERROR_OUTPUT', node, 'its error output (output 2) is not wired: wire it to a retry-gate (transient failures) and on to a dead-letter, so no failure is lost');
    }
    if (typeof node.info === 'string') {
      const hidden = hiddenPlaceholders(node.info);
      if (hidden.length) add('INFO', node, `its description (info) has ${hidden.join(', ')} outside a code span: the editor renders Markdown and takes it for an HTML tag, so the reader sees nothing there; write \`${hidden[0]}\` or &lt;…&gt;`);
    }
    if (node.credentials !== undefined) add('SECRET', node, 'has "credentials" in the file: credentials belong in the encrypted credentials file of the user dir; take secrets from environment variables');
    for (const [at, value] of strings(node, '')) {
      if (at === 'credentials' || at.startsWith('credentials.')) continue;
      const key = at.split(/[.[]/).pop() ?? at;
      const typed = node[`${key}Type`] ?? node[`${key}type`];
      if (SECRET_KEY.test(key) && value.trim() && !ENV_REF.test(value) && typed !== 'env') {
        add('SECRET', node, `"${at}" holds a literal value: use \${ENV_VAR} (or the node's "from env" option) so no secret is committed`);
        continue;
      }
      for (const [re, what] of SECRET_VALUES) {
        if (re.test(value)) {
          add('SECRET', node, `"${at}" contains what looks like ${what}: take it from an environment variable`);
          break;
        }
      }
      // this checkout's own path first: it may itself be under /tmp or /home
      const own = (opts.forbiddenPaths ?? []).find((p) => p && value.includes(p));
      const dev = own ? undefined : value.match(DEV_PATH);
      if (own) add('PATH', node, `"${at}" contains "${own}", this machine's own path: use a relative path or an environment variable`);
      else if (dev) add('PATH', node, `"${at}" contains the absolute path "${dev[2]}" of a developer's machine: use a path relative to the user dir, or an environment variable`);
    }
  }
  return problems;
}

/** Parses each file; problems for files that do not load, and the files that do. */
export function loadForLint(files: Array<{ file: string; text: string }>): { loaded: FlowFile[]; problems: LintProblem[] } {
  const loaded: FlowFile[] = [];
  const problems: LintProblem[] = [];
  for (const { file, text } of files) {
    try {
      loaded.push({ file, nodes: parseFlowFile(file, text) });
    } catch (err) {
      problems.push({ rule: 'LOAD', file, message: err instanceof FlowFileError ? err.message.slice(file.length + 2) : String(err) });
    }
  }
  return { loaded, problems };
}

/** A folder of flows as one set (every file loads; ids unique across files; wires across files resolve). */
export function lintFolder(files: Array<{ file: string; text: string }>, opts: LintOptions): LintProblem[] {
  const { loaded, problems } = loadForLint(files);
  let nodes: FlowNode[];
  try {
    nodes = mergeFlowFiles(loaded);
  } catch (err) {
    const e = err as FlowFileError;
    problems.push({ rule: 'LOAD', file: e.file ?? '?', message: e.message.slice((e.file ?? '').length + 2) });
    return problems;
  }
  const fileOf = new Map<FlowNode, string>();
  for (const f of loaded) for (const n of f.nodes) fileOf.set(n, f.file);
  const owner = new Map<string, string>();
  for (const f of loaded) for (const n of f.nodes) if (!owner.has(n.id)) owner.set(n.id, f.file);
  return [...problems, ...lintNodes(nodes, (n) => fileOf.get(n) ?? owner.get(n.id) ?? '?', opts)];
}

/** Each file on its own (examples: one import each). */
export function lintEach(files: Array<{ file: string; text: string }>, opts: LintOptions): LintProblem[] {
  return files.flatMap((f) => lintFolder([f], opts));
}
