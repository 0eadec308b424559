import { currentVersion, migrate, type Migration } from '../../../lib/migrations';
import { red, type EditorNode } from './red';

/**
 * Brings every node of `type` the editor loads (deployed flow, import,
 * paste, example) to the current options version, with the same steps the
 * runtime applies (nodes/<type>/migrations.ts). The migrated options are
 * saved with the next deploy. scripts/build-editor.js puts this into the
 * shipped html of every node that has a migrations.ts.
 */
export function registerEditorMigrations(type: string, migrations: readonly Migration[]): void {
  const RED = red();
  RED.events.on('nodes:add', (node: EditorNode) => {
    if (!node || node.type !== type) return;
    const keys = Object.keys(node._def?.defaults ?? {});
    const saved: Record<string, unknown> = {};
    for (const k of keys) if (node[k] !== undefined) saved[k] = node[k];
    const r = migrate(saved, migrations);
    if (r.applied.length === 0) return;
    for (const k of keys) if (r.options[k] !== undefined) node[k] = r.options[k];
  });
  const registry = ((window as unknown as { OdooSupplyMigrations?: Record<string, { current: number }> }).OdooSupplyMigrations ??= {});
  registry[type] = { current: currentVersion(migrations) };
}

/** The options version a node of `type` saves, for its `defaults.version`. */
export function versionDefault(migrations: readonly Migration[]): { value: number } {
  return { value: currentVersion(migrations) };
}
