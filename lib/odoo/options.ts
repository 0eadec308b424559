import { z } from 'zod';
import { badInput, configError } from '../errors';
import { expandEnv, referencesEnv } from '../util/env';
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
  maxResponseMb: z.preprocess((v) => (v === '' || v === undefined || v === null ? undefined : Number(v)), z.number().positive().max(4096).default(256)),
  context: jsonObject('context'),
  /** Name of an environment variable holding the secret: how committed flows carry a key without a credential. */
  secretEnv: z.string().trim().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name like ODOO_API_KEY').optional().or(z.literal('').transform(() => undefined)),
  /** Warn in the node status this many days before the API key expires. */
  keyWarnDays: optionalInt(0, 365),
});

export const KEY_WARN_DAYS = 14;

/**
 * Config node properties (and its secret) → client options. `${ENV}` references
 * in the text properties are expanded; the secret is literal (a password may
 * contain `${`): a secret from the environment is chosen with `secretEnv`.
 */
export function clientOptionsFromConfig(props: Record<string, unknown>, secret: string | undefined, env: Record<string, string | undefined> = process.env): OdooClientOptions {
  const expanded = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, typeof v === 'string' && k !== 'secretEnv' ? expandEnv(v, env) : v]));
  const parsed = configNodeSchema.safeParse(expanded);
  // quote what the user typed (`${ODOO_URL}`), never what the environment holds: it may be a key
  if (!parsed.success) throw configError(describeIssues(parsed.error, props));
  const c = parsed.data;
  const options: OdooClientOptions = {
    url: c.url,
    secret: secret ? secret : c.secretEnv ? (env[c.secretEnv] ?? '') : '',
    protocol: c.protocol,
    secretKind: c.secretKind,
    timeoutMs: Math.round(c.timeout * 1000),
    concurrency: c.concurrency,
    maxResponseBytes: Math.round(c.maxResponseMb * 1024 * 1024),
  };
  if (c.database) options.database = c.database;
  if (c.login) options.login = c.login;
  if (c.context) options.context = c.context;
  return options;
}

/** The properties of an odoo-config that decide where and as whom it connects. */
export const CONNECTION_PROPS = ['url', 'database', 'login', 'protocol', 'secretKind', 'timeout', 'concurrency', 'maxResponseMb', 'context', 'secretEnv'] as const;
/** Where a stored secret goes: it is only ever sent with the values it was saved with. */
const SECRET_TARGET = ['url', 'database', 'login', 'secretEnv'] as const;

export interface DeployedConfig {
  props: Record<string, unknown>;
  secret?: string | undefined;
}

/**
 * The editor's "Test connection": client options from a request body. The
 * body is typed by whoever has editor access, so it is trusted less than a
 * deployed flow: `${ENV}` in it is read only where the deployed node has the
 * same text, and the deployed node's secret (stored or `secretEnv`) is only
 * used when URL, database, login and `secretEnv` are the ones it was saved
 * with. Otherwise the secret must be typed.
 */
export function testConnectionOptions(body: Record<string, unknown>, deployed: DeployedConfig | undefined, env: Record<string, string | undefined> = process.env): OdooClientOptions {
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());
  const asDeployed = (k: string) => {
    if (!deployed) return false;
    const typed = text(body[k]);
    const was = text(deployed.props[k]);
    if (typed === was) return true;
    // Node-RED itself replaces a property that is exactly ${NAME} before the node sees it: compare the same way
    const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(typed);
    return whole !== null && env[whole[1] as string] !== undefined && text(env[whole[1] as string]) === was;
  };
  const props: Record<string, unknown> = {};
  for (const k of CONNECTION_PROPS) {
    const v = body[k];
    if (v === undefined) continue;
    if (deployed && asDeployed(k)) {
      props[k] = deployed.props[k];
      continue;
    }
    if (typeof v === 'string' && referencesEnv(v)) {
      throw configError(`${k}: environment variables are read only for the deployed configuration; deploy it first, or type the value itself to test it`);
    }
    props[k] = v;
  }
  const typed = typeof body.secret === 'string' && body.secret !== '' && body.secret !== '__PWRD__' ? body.secret : undefined;
  if (typed !== undefined) return clientOptionsFromConfig({ ...props, secretEnv: '' }, typed, env);
  if (!deployed || !SECRET_TARGET.every(asDeployed)) {
    throw configError('the stored secret is only sent to the URL, database and login it was saved with (and from the same "secret from env"); type the API key or password to test other values');
  }
  return clientOptionsFromConfig(props, deployed.secret, env);
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

export const WRITE_OPERATIONS = ['create', 'write', 'unlink', 'upsert', 'upsert_xid', 'create_missing', 'adjust_quant', 'set_quant', 'note', 'call'] as const;

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
    /** Attach msg.original (the supplier's file) to the documents written: see lib/odoo/attach.ts. */
    attach: z.preprocess((v) => (v === 'true' ? true : v === 'false' || v === '' || v === undefined || v === null ? false : v), z.boolean()).default(false),
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
    /** These records are (or note) the documents the message's original file became. */
    attach: z.boolean().optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.operation === 'upsert' || c.operation === 'create_missing') && !c.keyFields?.length) ctx.addIssue({ code: 'custom', path: ['keyFields'], message: `${c.operation} needs msg.odoo.keyFields` });
    if (c.operation === 'call' && !c.method) ctx.addIssue({ code: 'custom', path: ['method'], message: 'call needs msg.odoo.method' });
  });

export type EffectiveWriteOptions = Omit<WriteNodeOptions, 'operation'> & { operation: (typeof WRITE_OPERATIONS)[number]; then?: { method: string }; /** the node attaches msg.original to what this write produces */ attachHere?: boolean };

/** The node's own options, or, in `msg` mode, what msg.odoo says (batch settings stay the node's). */
export function effectiveWriteOptions(node: WriteNodeOptions, msgOdoo: unknown): EffectiveWriteOptions {
  // a node with its own operation attaches to whatever it writes; in msg mode, to what the plan marks
  if (node.operation !== 'msg') return { ...(node as EffectiveWriteOptions), attachHere: node.attach && node.operation !== 'call' && node.operation !== 'unlink' };
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
    attachHere: node.attach && m.attach === true && m.operation !== 'call' && m.operation !== 'unlink',
  };
}

/** Validates a node's editor properties; the message names each bad property. */
export function parseNodeOptions<S extends z.ZodType>(schema: S, props: Record<string, unknown>): z.infer<S> {
  const parsed = schema.safeParse(props);
  if (!parsed.success) throw configError(describeIssues(parsed.error, props));
  return parsed.data;
}
