/**
 * Versioned flows as reviewable files: one file per flow tab
 * (`flows/<tab-name>.json`: the tab, then its nodes) and `flows/config.json`
 * (config nodes shared by every tab, subflows and their nodes). Keys and nodes
 * are in a fixed order, so the same flows always give the same bytes and a
 * one-node change is a few-line diff in one file.
 *
 * Any file in the folder is an array of nodes, so files written by hand or by
 * an older layout (a tab file that also holds its config nodes) load as well;
 * the next save puts each node where this layout wants it.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  [key: string]: unknown;
}

export const CONFIG_FILE = 'config.json';

const FIRST_KEYS = ['id', 'type', 'z', 'g', 'name', 'label'];
const LAST_KEYS = ['x', 'y', 'w', 'h', 'wires'];
const LAST = new Set(LAST_KEYS);
const FIRST = new Set(FIRST_KEYS);

/** A node with its keys in the file order: id, type, z, g, name, label, the others alphabetically, then x, y, w, h, wires. */
export function orderKeys(node: FlowNode): FlowNode {
  const out: Record<string, unknown> = {};
  for (const k of FIRST_KEYS) if (k in node) out[k] = node[k];
  for (const k of Object.keys(node).sort()) if (!FIRST.has(k) && !LAST.has(k) && k !== 'credentials') out[k] = node[k];
  for (const k of LAST_KEYS) if (k in node) out[k] = node[k];
  return out as FlowNode;
}

function byId(a: FlowNode, b: FlowNode): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** What a file holds, as its bytes: the head nodes (tab or subflows) first, the rest by id. */
export function serialize(nodes: FlowNode[]): string {
  const head = nodes.filter((n) => n.type === 'tab' || n.type === 'subflow').sort(byId);
  const rest = nodes.filter((n) => n.type !== 'tab' && n.type !== 'subflow').sort(byId);
  return `${JSON.stringify([...head, ...rest].map(orderKeys), null, 2)}\n`;
}

/** `Supplier price lists` -> `supplier-price-lists`. */
export function slug(label: string): string {
  return label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}

/**
 * Which file each node goes to: file name -> nodes. A node belongs to the tab
 * its `z` names; a subflow's nodes, config nodes without a tab and nodes whose
 * tab does not exist go to config.json, so nothing is ever dropped.
 */
export function splitFlows(flows: FlowNode[]): Map<string, FlowNode[]> {
  const tabs = flows.filter((n) => n.type === 'tab').sort(byId);
  const fileOfTab = new Map<string, string>();
  const taken = new Set<string>([CONFIG_FILE]);
  for (const tab of tabs) {
    const base = slug(String(tab.label ?? '')) || slug(tab.id) || 'flow';
    let name = `${base}.json`;
    if (taken.has(name)) name = `${base}-${slug(tab.id) || 'tab'}.json`;
    for (let i = 2; taken.has(name); i++) name = `${base}-${i}.json`;
    taken.add(name);
    fileOfTab.set(tab.id, name);
  }
  const files = new Map<string, FlowNode[]>();
  const add = (file: string, node: FlowNode): void => {
    const list = files.get(file);
    if (list) list.push(node);
    else files.set(file, [node]);
  };
  for (const node of flows) {
    const tabFile = node.type === 'tab' ? fileOfTab.get(node.id) : node.z ? fileOfTab.get(node.z) : undefined;
    add(tabFile ?? CONFIG_FILE, node);
  }
  return files;
}

export interface FlowFile {
  file: string;
  nodes: FlowNode[];
}

export class FlowFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** Parses one flow file; a file that is not an array of nodes with string `id` and `type` is a FlowFileError. */
export function parseFlowFile(file: string, text: string): FlowNode[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new FlowFileError(file, `not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(data)) throw new FlowFileError(file, 'is not an array of nodes');
  data.forEach((n, i) => {
    if (!n || typeof n !== 'object' || Array.isArray(n)) throw new FlowFileError(file, `entry ${i} is not an object`);
    const node = n as Record<string, unknown>;
    if (typeof node.id !== 'string' || !node.id) throw new FlowFileError(file, `entry ${i} has no id`);
    if (typeof node.type !== 'string' || !node.type) throw new FlowFileError(file, `node ${node.id} has no type`);
  });
  return data as FlowNode[];
}

/** The flow files of a folder, by name. A missing folder has none. */
export function readFlowFiles(dir: string): FlowFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, nodes: parseFlowFile(file, fs.readFileSync(path.join(dir, file), 'utf8')) }));
}

/**
 * Every node of every file, once. The same node (same id, same content) in two
 * files is kept once (older layouts repeated a shared config node per tab);
 * two different nodes with one id is an error naming both files.
 */
export function mergeFlowFiles(files: FlowFile[]): FlowNode[] {
  const seen = new Map<string, { file: string; json: string }>();
  const out: FlowNode[] = [];
  for (const { file, nodes } of files) {
    for (const node of nodes) {
      const json = JSON.stringify(orderKeys(node));
      const before = seen.get(node.id);
      if (before) {
        if (before.json !== json) throw new FlowFileError(file, `node ${node.id} is also in ${before.file} with other content`);
        continue;
      }
      seen.set(node.id, { file, json });
      out.push(node);
    }
  }
  // tabs first, in file order, as Node-RED shows them
  return [...out.filter((n) => n.type === 'tab'), ...out.filter((n) => n.type !== 'tab')];
}

/** Every node in the folder's files. */
export function readFlows(dir: string): FlowNode[] {
  return mergeFlowFiles(readFlowFiles(dir));
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/**
 * Writes the flows into the folder, one file per tab and config.json; files
 * whose bytes would not change are left alone, and .json files no tab or
 * config node needs any more (a tab renamed or deleted) are removed, unless
 * `mayRemove` says no (a file that appeared after the flows were loaded).
 * Returns the names of the files written, removed and kept.
 */
export function writeFlows(dir: string, flows: FlowNode[], opts: { mayRemove?: (file: string) => boolean } = {}): { written: string[]; removed: string[]; kept: string[] } {
  fs.mkdirSync(dir, { recursive: true });
  const files = splitFlows(flows);
  const written: string[] = [];
  for (const [file, nodes] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const text = serialize(nodes);
    const target = path.join(dir, file);
    let current: string | undefined;
    try {
      current = fs.readFileSync(target, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    writeAtomic(target, text);
    written.push(file);
  }
  const removed: string[] = [];
  const kept: string[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (file.endsWith('.json') && !files.has(file)) {
      if (opts.mayRemove && !opts.mayRemove(file)) {
        kept.push(file);
        continue;
      }
      fs.rmSync(path.join(dir, file));
      removed.push(file);
    }
  }
  return { written, removed, kept };
}

/** One tab file of a flows folder with the shared config nodes (config.json) it names: what a test or bench of one flow loads. */
export function readTab(dir: string, file: string): FlowNode[] {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  const tab = parseFlowFile(file, text);
  const configFile = path.join(dir, CONFIG_FILE);
  const config = fs.existsSync(configFile) ? parseFlowFile(CONFIG_FILE, fs.readFileSync(configFile, 'utf8')) : [];
  return [...tab, ...config.filter((n) => text.includes(`"${n.id}"`))];
}
