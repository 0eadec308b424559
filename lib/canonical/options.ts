import { z } from 'zod';
import { configError } from '../errors';
import { describeIssues } from '../util/zod';
import { MappingSpecError } from './errors';
import { compileMapping, type CompiledMapping } from './mapping';
import { getSchema } from './registry';
import { compileOutbound, type CompiledOutbound } from './outbound';
import { TO_ODOO_SCHEMAS } from './to-odoo';

export const canonicalMapNodeSchema = z.object({
  direction: z.enum(['to-canonical', 'to-odoo', 'from-odoo', 'to-supplier']).default('to-canonical'),
  outbound: z.string().optional(),
  mapping: z.string().optional(),
  schema: z.string().trim().optional(),
  output: z.enum(['grouped', 'row']).default('grouped'),
  cacheTtl: z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number().min(0).max(86_400).default(300)),
});

export type CanonicalMapConfig =
  | { direction: 'to-canonical'; mapping: CompiledMapping; perRow: boolean }
  | { direction: 'to-odoo'; schema?: string; perRow: boolean; cacheTtlMs: number }
  | { direction: 'from-odoo'; perRow: boolean }
  | { direction: 'to-supplier'; outbound: CompiledOutbound; perRow: boolean };

/** Checks everything at deploy: a bad spec is rejected then, naming the field, never on the first row at 2 a.m. */
export function canonicalMapConfig(props: Record<string, unknown>): CanonicalMapConfig {
  const parsed = canonicalMapNodeSchema.safeParse(props);
  if (!parsed.success) throw configError(describeIssues(parsed.error, props));
  const c = parsed.data;
  const perRow = c.output === 'row';
  if (c.direction === 'from-odoo') {
    if (c.schema && c.schema !== 'purchase-order@1') throw configError(`schema: from Odoo reads purchase-order@1 only, not "${c.schema}"`);
    return { direction: 'from-odoo', perRow };
  }
  if (c.direction === 'to-supplier') {
    let spec: unknown;
    try {
      spec = JSON.parse(c.outbound ?? '');
    } catch (err) {
      throw configError(`supplier format: an outbound mapping spec (JSON) is required (${(err as Error).message})`);
    }
    return { direction: 'to-supplier', outbound: compileOutbound(spec), perRow };
  }
  if (c.direction === 'to-odoo') {
    if (c.schema && !(TO_ODOO_SCHEMAS as readonly string[]).includes(c.schema)) {
      throw configError(`schema: "${c.schema}" cannot be applied to Odoo; one of ${TO_ODOO_SCHEMAS.join(', ')}`);
    }
    return { direction: 'to-odoo', perRow, cacheTtlMs: c.cacheTtl * 1000, ...(c.schema ? { schema: c.schema } : {}) };
  }
  if (!c.mapping || !c.mapping.trim()) throw configError('mapping: a mapping spec is required (JSON)');
  let spec: unknown;
  try {
    spec = JSON.parse(c.mapping);
  } catch (err) {
    throw configError(`mapping: not valid JSON (${(err as Error).message})`);
  }
  try {
    return { direction: 'to-canonical', mapping: compileMapping(spec), perRow };
  } catch (err) {
    if (err instanceof MappingSpecError) throw configError(err.message, { issues: err.issues });
    throw err;
  }
}

/** Which schema a message's canonical objects are: the node's, or msg.canonical's. */
export function schemaOf(configured: string | undefined, msgCanonical: unknown): string {
  const c = msgCanonical as { schema?: unknown; version?: unknown } | undefined;
  const fromMsg = typeof c?.schema === 'string' ? (c.schema.includes('@') ? c.schema : `${c.schema}@${String(c.version ?? 1)}`) : undefined;
  const id = configured || fromMsg;
  if (!id) throw configError('no canonical schema: set it in the node or send msg.canonical from a canonical-map');
  const entry = getSchema(id);
  if (!entry) throw configError(`unknown canonical schema "${id}"`);
  return entry.id;
}
