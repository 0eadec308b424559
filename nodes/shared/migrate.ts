import { migrate, type Migration } from '../../lib/migrations';
import type { Node, NodeDef } from './red';

/**
 * The node's saved options brought to the current version (see lib/migrations.ts),
 * before they are validated. Options from a newer release are used as they are, with a warning.
 */
export function migratedOptions(node: Node, def: NodeDef, migrations: readonly Migration[]): NodeDef {
  const r = migrate(def, migrations);
  if (r.from > r.to) {
    node.warn(`${def.type} was saved by a newer release (options version ${r.from}; this release reads up to ${r.to}): install that release, or check the options`);
  }
  return r.options as NodeDef;
}
