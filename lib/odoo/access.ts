/**
 * Check access: which Odoo rights the deployed flows need (by the nodes using one
 * server), and whether the configured user has them, asked of Odoo before the
 * first message fails. A refused right names the groups that would grant it, as
 * Odoo itself words them ("Products/Create"). No Node-RED in here: the
 * odoo-config adapter hands in the deployed node definitions.
 */
import { classifyError } from '../errors';
import { SCHEMA_ODOO_ACCESS, TO_ODOO_SCHEMAS, type ToOdooSchema } from '../canonical/to-odoo';
import type { OdooClient } from './client';
import { accessGroupsCall, accessQueryCall, type AccessOperation } from './versions';

export type { AccessOperation } from './versions';

export interface AccessNeed {
  model: string;
  operation: AccessOperation;
}

export interface NodeRef {
  id: string;
  type: string;
  name?: string;
}

/** One node definition as deployed (flows.json). */
export type NodeDefinition = Record<string, unknown> & { id: string; type: string; name?: string };

/** What a node of one type needs, or why it cannot be told before a message arrives. */
export type NeedsOf = (def: NodeDefinition) => AccessNeed[] | { unchecked: string };

const ops = (model: string, list: readonly AccessOperation[]): AccessNeed[] => list.map((operation) => ({ model, operation }));

/** What each odoo-write operation does to its model. */
const WRITE_NEEDS: Record<string, readonly AccessOperation[]> = {
  create: ['create'],
  write: ['write'],
  unlink: ['unlink'],
  // one search_read, load for new keys, write for changed ones
  upsert: ['read', 'create', 'write'],
  upsert_xid: ['create', 'write'],
  create_missing: ['read', 'create'],
  note: ['write'],
  // a business method (button_confirm …) changes the records it runs on
  call: ['write'],
};

/**
 * Node types that talk to Odoo, and what they need. A node package adds its own
 * type with one line: `accessNeeds.set('odoo-changes', (def) => [{ model: String(def.model), operation: 'read' }])`.
 */
export const accessNeeds = new Map<string, NeedsOf>([
  ['odoo-read', (def) => (def.model ? ops(String(def.model), ['read']) : { unchecked: 'the model comes with each message (msg.odoo.model)' })],
  [
    'odoo-write',
    (def) => {
      const operation = String(def.operation ?? 'create');
      if (operation === 'msg') return { unchecked: 'the operation comes with each message (msg.odoo); the canonical-map node before it is checked instead' };
      if (!def.model) return { unchecked: 'the model comes with each message (msg.odoo.model)' };
      const list = WRITE_NEEDS[operation];
      return list ? ops(String(def.model), list) : { unchecked: `operation "${operation}" is not known to Check access` };
    },
  ],
  [
    'canonical-map',
    (def) => {
      if (def.direction !== 'to-odoo') return [];
      const schema = String(def.schema ?? '');
      if (!(TO_ODOO_SCHEMAS as readonly string[]).includes(schema)) return { unchecked: schema ? `no Odoo mapping is known for "${schema}"` : 'the schema comes with each message' };
      return SCHEMA_ODOO_ACCESS[schema as ToOdooSchema].flatMap(([model, list]) => ops(model, list));
    },
  ],
]);

export interface AccessCheck extends AccessNeed {
  allowed: boolean;
  /** Groups that grant it, as Odoo names them (refused rights only). */
  groups?: string[];
  /** Odoo's own words when it refused, or why the check itself failed. */
  message?: string;
  /** The deployed nodes that need it. */
  by: NodeRef[];
}

export interface AccessReport {
  ok: boolean;
  serverVersion: string;
  checks: AccessCheck[];
  /** Nodes whose needs are only known per message. */
  unchecked: Array<NodeRef & { reason: string }>;
}

const refOf = (d: NodeDefinition): NodeRef => ({ id: d.id, type: d.type, ...(d.name ? { name: d.name } : {}) });

/** The rights the given deployed nodes need, one entry per (model, operation), with the nodes needing it. */
export function collectNeeds(defs: NodeDefinition[]): { needs: Array<AccessNeed & { by: NodeRef[] }>; unchecked: AccessReport['unchecked'] } {
  const byKey = new Map<string, AccessNeed & { by: NodeRef[] }>();
  const unchecked: AccessReport['unchecked'] = [];
  for (const def of defs) {
    const of = accessNeeds.get(def.type);
    if (!of) continue;
    const needs = of(def);
    if (!Array.isArray(needs)) {
      unchecked.push({ ...refOf(def), reason: needs.unchecked });
      continue;
    }
    for (const n of needs) {
      const key = `${n.model}\u0000${n.operation}`;
      const entry = byKey.get(key) ?? { ...n, by: [] };
      entry.by.push(refOf(def));
      byKey.set(key, entry);
    }
  }
  const order: AccessOperation[] = ['read', 'create', 'write', 'unlink'];
  const needs = [...byKey.values()].sort((a, b) => (a.model === b.model ? order.indexOf(a.operation) - order.indexOf(b.operation) : a.model < b.model ? -1 : 1));
  return { needs, unchecked };
}

/** The group names in Odoo's AccessError text ("…allowed for the following groups:\n\t- Products/Create\n…"). */
export function groupsInAccessError(message: string): string[] {
  return message
    .split('\n')
    .map((line) => /^\s*-\s+(.+?)\s*$/.exec(line)?.[1])
    .filter((g): g is string => !!g);
}

/** Asks Odoo, as the configured user, for every need; at most `concurrency` calls at a time (the client caps them). */
export async function checkAccess(client: OdooClient, needs: Array<AccessNeed & { by: NodeRef[] }>): Promise<AccessCheck[]> {
  const v = await client.version();
  return Promise.all(
    needs.map(async (need): Promise<AccessCheck> => {
      const q = accessQueryCall(v, need.operation);
      let allowed: boolean;
      try {
        allowed = (await client.call(need.model, q.method, { ...(q.ids ? { ids: q.ids } : {}), kwargs: q.kwargs })) === true;
      } catch (err) {
        const e = classifyError(err);
        return { ...need, allowed: false, message: e.code === 'UNKNOWN_MODEL' ? `this Odoo has no model ${need.model} (module not installed?)` : e.message };
      }
      if (allowed) return { ...need, allowed };
      const g = accessGroupsCall(need.model, need.operation);
      try {
        await client.call(g.model, g.method, { kwargs: g.kwargs });
        // ACLs allow it: something else (an override of the model's access check) refuses
        return { ...need, allowed: false, message: `Odoo refuses ${need.operation} on ${need.model} for this user` };
      } catch (err) {
        const e = classifyError(err);
        const groups = e.code === 'ACCESS' ? groupsInAccessError(e.message) : [];
        return { ...need, allowed: false, groups, message: e.message };
      }
    }),
  );
}

/** Check access for the nodes that use one server: what they need, and what Odoo says. */
export async function accessReport(client: OdooClient, defs: NodeDefinition[]): Promise<AccessReport> {
  const { needs, unchecked } = collectNeeds(defs);
  const info = await client.connect();
  const checks = await checkAccess(client, needs);
  return { ok: checks.every((c) => c.allowed), serverVersion: info.serverVersion, checks, unchecked };
}
