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
import { FlowNode, readFlows, writeFlows } from './files';

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
  onSave?(change: { written: string[]; removed: string[] }): void;
}

export function flowsStorage({ base, dir, onSave }: FlowsStorageOptions): StorageModule {
  // Node-RED checks hasOwnProperty for the optional parts, so copy only what the base has (never `projects`)
  const storage: StorageModule = {
    init: async (settings, runtime) => {
      await base.init(settings, runtime);
      (runtime as { log?: { info?(m: string): void } } | undefined)?.log?.info?.(`Flows folder   : ${dir} (a file per tab, config.json)`);
    },
    getFlows: async () => readFlows(dir),
    saveFlows: async (flows) => {
      const change = writeFlows(dir, flows);
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
