import { z } from 'zod';
import { badInput, configError } from '../errors';
import { expandEnv } from '../util/env';
import { describeIssues } from '../util/zod';
import type { OdooClientOptions } from './client';

/** Optional JSON object typed in the editor as text. */
const jsonObject = (what: string) =>
  z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      if (typeof v !== 'string') return v;
      try {
        const parsed: unknown = JSON.parse(v);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
        ctx.addIssue({ code: 'custom', message: `${what} must be a JSON object like {"lang": "en_US"}` });
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `${what} is not valid JSON (${(err as Error).message})` });
      }
      return z.NEVER;
    });

const csvList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (Array.isArray(v) ? v : (v ?? '').split(',')).map((s) => s.trim()).filter(Boolean));

const optionalInt = (min: number, max: number) =>
  z.preprocess((v) => (v === '' || v === null || v === undefined ? undefined : Number(v)), z.number().int().min(min).max(max).optional());

export const configNodeSchema = z.object({
  url: z.string().trim().min(1, 'URL is required').refine((u) => /^https?:\/\/[^/\s]+/.test(u), 'must be an http:// or https:// URL'),
  database: z.string().trim().optional(),
  login: z.string().trim().optional(),
  protocol: z.enum(['auto', 'json2', 'xmlrpc']).default('auto'),
  secretKind: z.enum(['apikey', 'password']).default('apikey'),
  timeout: z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number().positive().max(600).default(30)),
  concurrency: z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number().int().min(1).max(32).default(4)),
  context: jsonObject('context'),
  /** Name of an environment variable holding the secret: how committed flows carry a key without a credential. */
  secretEnv: z.string().trim().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name like ODOO_API_KEY').optional().or(z.literal('').transform(() => undefined)),
});

/** Config node properties (and its secret) → client options; `${ENV}` references are expanded. */
export function clientOptionsFromConfig(props: Record<string, unknown>, secret: string | undefined, env: Record<string, string | undefined> = process.env): OdooClientOptions {
  const expanded = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, typeof v === 'string' && k !== 'secretEnv' ? expandEnv(v, env) : v]));
  const parsed = configNodeSchema.safeParse(expanded);
  // quote what the user typed (`${ODOO_URL}`), never what the environment holds: it may be a key
  if (!parsed.success) throw configError(describeIssues(parsed.error, props));
  const c = parsed.data;
  const options: OdooClientOptions = {
    url: c.url,
    secret: secret ? expandEnv(secret, env) : c.secretEnv ? (env[c.secretEnv] ?? '') : '',
    protocol: c.protocol,
    secretKind: c.secretKind,
    timeoutMs: Math.round(c.timeout * 1000),
    concurrency: c.concurrency,
  };
  if (c.database) options.database = c.database;
  if (c.login) options.login = c.login;
  if (c.context) options.context = c.context;
  return options;
}

export const READ_OPERATIONS = ['search_read', 'read', 'search', 'search_count', 'read_group', 'name_search', 'fields_get'] as const;

export const readNodeSchema = z.object({
  operation: z.enum(READ_OPERATIONS).default('search_read'),
  model: z.string().trim().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'must be a technical model name like product.product').optional().or(z.literal('').transform(() => undefined)),
  fields: csvList,
  groupby: csvList,
  aggregates: csvList,
  limit: optionalInt(1, 1_000_000_000),
  offset: optionalInt(0, 1_000_000_000),
  order: z.string().trim().regex(/^[\w.]+( (asc|desc))?( *, *[\w.]+( (asc|desc))?)*$/i, 'must look like "name asc, id desc"').optional().or(z.literal('').transform(() => undefined)),
  pageSize: z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number().int().min(1).max(10_000).default(500)),
  output: z.enum(['all', 'page', 'record']).default('all'),
  context: jsonObject('context'),
});
export type ReadNodeOptions = z.infer<typeof readNodeSchema>;

export const WRITE_OPERATIONS = ['create', 'write', 'unlink', 'upsert', 'upsert_xid', 'create_missing', 'adjust_quant', 'set_quant', 'call'] as const;

const modelName = z.string().trim().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'must be a technical model name like product.product');
const methodName = z.string().trim().regex(/^[a-zA-Z][\w]*$/, 'must be a public method name like button_confirm');

/** `msg` lets an upstream node (canonical-map) say what to do in msg.odoo. */
export const writeNodeSchema = z
  .object({
    operation: z.enum([...WRITE_OPERATIONS, 'msg']).default('create'),
    model: modelName.optional().or(z.literal('').transform(() => undefined)),
    keyFields: csvList,
    method: methodName.optional().or(z.literal('').transform(() => undefined)),
    batchSize: z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number().int().min(1).max(10_000).default(200)),
    batchWindow: z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number().int().min(0).max(60_000).default(50)),
    context: jsonObject('context'),
  })
  .superRefine((c, ctx) => {
    if ((c.operation === 'upsert' || c.operation === 'create_missing') && c.keyFields.length === 0) ctx.addIssue({ code: 'custom', path: ['keyFields'], message: `${c.operation} needs at least one key field, e.g. default_code` });
    if (c.operation === 'call' && !c.method) ctx.addIssue({ code: 'custom', path: ['method'], message: 'call needs a method name, e.g. button_confirm' });
  });
export type WriteNodeOptions = z.infer<typeof writeNodeSchema>;

const messageOperationSchema = z
  .object({
    operation: z.enum(WRITE_OPERATIONS),
    model: modelName,
    keyFields: z.array(z.string()).optional(),
    method: methodName.optional(),
    context: z.record(z.string(), z.unknown()).optional(),
    then: z.object({ method: methodName }).optional(),
    keys: z.array(z.string().min(1)).optional(),
    idempotencyKey: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.operation === 'upsert' || c.operation === 'create_missing') && !c.keyFields?.length) ctx.addIssue({ code: 'custom', path: ['keyFields'], message: `${c.operation} needs msg.odoo.keyFields` });
    if (c.operation === 'call' && !c.method) ctx.addIssue({ code: 'custom', path: ['method'], message: 'call needs msg.odoo.method' });
  });

export type EffectiveWriteOptions = Omit<WriteNodeOptions, 'operation'> & { operation: (typeof WRITE_OPERATIONS)[number]; then?: { method: string } };

/** The node's own options, or, in `msg` mode, what msg.odoo says (batch settings stay the node's). */
export function effectiveWriteOptions(node: WriteNodeOptions, msgOdoo: unknown): EffectiveWriteOptions {
  if (node.operation !== 'msg') return node as EffectiveWriteOptions;
  const parsed = messageOperationSchema.safeParse(msgOdoo ?? {});
  if (!parsed.success) throw badInput(`msg.odoo does not say what to write: ${describeIssues(parsed.error).replace(/\(config\)/g, 'msg.odoo')}`);
  const m = parsed.data;
  return {
    ...node,
    operation: m.operation,
    model: m.model,
    keyFields: m.keyFields ?? [],
    method: m.method,
    context: m.context ?? node.context,
    ...(m.then ? { then: m.then } : {}),
  };
}

/** Validates a node's editor properties; the message names each bad property. */
export function parseNodeOptions<S extends z.ZodType>(schema: S, props: Record<string, unknown>): z.infer<S> {
  const parsed = schema.safeParse(props);
  if (!parsed.success) throw configError(describeIssues(parsed.error, props));
  return parsed.data;
}
