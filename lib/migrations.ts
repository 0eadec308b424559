/**
 * Versioned node options. Every node saves `version` with its options; when a
 * node's options change shape, its `migrations.ts` gains a step that turns the
 * previous version's options into the new ones. The same steps run in the
 * runtime (before the options are validated) and in the editor (when a flow
 * is loaded or imported), so a flow saved by an older release keeps working
 * and is saved in the new shape on the next deploy.
 *
 * Framework-free: imported by nodes/<type>/<type>.ts and bundled into the
 * editor by scripts/build-editor.js.
 */

export type NodeOptions = Record<string, unknown>;

export interface Migration {
  /** The version this step produces; steps are numbered 1, 2, 3… without gaps. */
  to: number;
  /** What changed, in words for the changelog and the log line. */
  change: string;
  /** Old options → new options; gets a copy, may change it in place. */
  up(options: NodeOptions): NodeOptions;
}

export interface Migrated {
  options: NodeOptions;
  /** The version the options were saved with (0: saved before options carried a version). */
  from: number;
  to: number;
  /** The steps applied, in order. */
  applied: Migration[];
}

/** The version options of this node are saved with now. */
export function currentVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((v, m) => Math.max(v, m.to), 0);
}

/** The saved version: a missing or unreadable `version` is 0 (before options carried one). */
export function savedVersion(options: NodeOptions): number {
  const v = Number(options.version ?? 0);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

/**
 * Brings saved options up to the current version. Options saved by a newer
 * release than this one are returned as they are (`from > to`): the caller
 * decides whether to refuse them.
 */
export function migrate(saved: NodeOptions, migrations: readonly Migration[]): Migrated {
  const steps = [...migrations].sort((a, b) => a.to - b.to);
  steps.forEach((m, i) => {
    if (m.to !== i + 1) throw new Error(`migrations must be numbered 1, 2, 3…: found ${m.to} at position ${i + 1}`);
  });
  const to = currentVersion(steps);
  const from = savedVersion(saved);
  let options: NodeOptions = { ...saved };
  const applied: Migration[] = [];
  for (const m of steps) {
    if (m.to <= from) continue;
    options = { ...m.up({ ...options }), version: m.to };
    applied.push(m);
  }
  return { options, from, to, applied };
}
