/**
 * A Node-RED storage module (`storageModule` in settings.js) that keeps the
 * flows in a folder of reviewable files (see files.ts) and hands everything
 * else (credentials, settings, sessions, library) to Node-RED's own
 * localfilesystem storage in the user dir. Credentials stay there, encrypted
 * with `credentialSecret`: the flows folder never holds one.
 *
 * No import of node-red here: settings.js passes Node-RED's localfilesystem
 * module in as `base`.
 */
import { FlowNode, mergeFlowFiles, readFlowFiles, writeFlows } from './files';

/** The part of a Node-RED storage module this wraps. */
export interface StorageModule {
  init(settings: Record<string, unknown>, runtime?: unknown): Promise<unknown>;
  getFlows(): Promise<FlowNode[]>;
  saveFlows(flows: FlowNode[], user?: unknown): Promise<unknown>;
  getCredentials(): Promise<unknown>;
  saveCredentials(credentials: unknown): Promise<unknown>;
  getSettings?(): Promise<unknown>;
  saveSettings?(settings: unknown): Promise<unknown>;
  getSessions?(): Promise<unknown>;
  saveSessions?(sessions: unknown): Promise<unknown>;
  getLibraryEntry(type: string, path: string): Promise<unknown>;
  saveLibraryEntry(type: string, path: string, meta: unknown, body: unknown): Promise<unknown>;
  [key: string]: unknown;
}

export interface FlowsStorageOptions {
  /** Node-RED's localfilesystem storage module. */
  base: StorageModule;
  /** The folder of flow files (the repository's flows/). */
  dir: string;
  /** Called after each save with what changed on disk. */
  onSave?(change: { written: string[]; removed: string[]; kept: string[] }): void;
}

export function flowsStorage({ base, dir, onSave }: FlowsStorageOptions): StorageModule {
  // files this runtime loaded or wrote: only those may be removed by a save (a tab renamed or
  // deleted in the editor); a file that appeared since (git pull) is not the editor's to delete
  const ours = new Set<string>();
  let log: { info?(m: string): void; warn?(m: string): void } | undefined;
  // Node-RED checks hasOwnProperty for the optional parts, so copy only what the base has (never `projects`)
  const storage: StorageModule = {
    init: async (settings, runtime) => {
      await base.init(settings, runtime);
      log = (runtime as { log?: typeof log } | undefined)?.log;
      log?.info?.(`Flows folder   : ${dir} (a file per tab, config.json)`);
    },
    getFlows: async () => {
      const files = readFlowFiles(dir);
      for (const f of files) ours.add(f.file);
      return mergeFlowFiles(files);
    },
    saveFlows: async (flows) => {
      const change = writeFlows(dir, flows, { mayRemove: (file) => ours.has(file) });
      for (const f of change.written) ours.add(f);
      for (const f of change.removed) ours.delete(f);
      if (change.kept.length) log?.warn?.(`Flows folder: ${change.kept.join(', ')} appeared after the flows were loaded and was left as it is: restart Node-RED to load it`);
      onSave?.(change);
    },
    getCredentials: () => base.getCredentials(),
    saveCredentials: (credentials) => base.saveCredentials(credentials),
    getLibraryEntry: (type, p) => base.getLibraryEntry(type, p),
    saveLibraryEntry: (type, p, meta, body) => base.saveLibraryEntry(type, p, meta, body),
  };
  for (const k of ['getSettings', 'saveSettings', 'getSessions', 'saveSessions'] as const) {
    const fn = base[k];
    if (typeof fn === 'function') storage[k] = (arg?: unknown) => (fn as (a?: unknown) => Promise<unknown>).call(base, arg);
  }
  return storage;
}
