/** supplier-intake node properties, as the editor saves them, into validated options. */
import { z } from 'zod';
import { configError } from '../errors';
import { describeIssues } from '../util/zod';
import { defaultTokenEnv } from './tokens';

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'lower-case letters, digits and dashes (as in the URL), e.g. acme-tools' });
const num = (schema: z.ZodNumber) => z.preprocess((v) => (v === '' || v === null || v === undefined ? undefined : Number(v)), schema.optional());
const bool = z.preprocess((v) => (v === 'false' ? false : v === 'true' ? true : v), z.boolean().optional());

const schema = z.object({
  mode: z.enum(['receive', 'outcome']).default('receive'),
  supplier: z.string().optional(),
  document: z.string().optional(),
  http: bool.default(true),
  tokenEnv: z.string().regex(/^([A-Za-z_][A-Za-z0-9_]*)?$/, { message: 'an environment variable name, e.g. SUPPLIER_TOKEN_ACME_TOOLS' }).optional(),
  /** MB */
  maxSize: num(z.number().positive().max(1024)).default(10),
  publicUrl: z.string().optional(),
  /** How often an accepted upload is handed to the flow again after restarts before it is called stalled. */
  maxDispatches: num(z.number().int().min(1).max(100)).default(3),
  /** days an upload's status stays available */
  retention: num(z.number().positive().max(3650)).default(30),
});

export interface IntakeOptions {
  mode: 'receive' | 'outcome';
  supplier: string;
  document: string;
  http: boolean;
  tokenEnv: string;
  maxBytes: number;
  publicUrl?: string;
  maxDispatches: number;
  retentionMs: number;
}

export function parseIntakeOptions(def: Record<string, unknown>): IntakeOptions {
  const r = schema.safeParse(def);
  if (!r.success) throw configError(describeIssues(r.error, def));
  const o = r.data;
  if (o.mode === 'outcome') return { mode: 'outcome', supplier: '', document: '', http: false, tokenEnv: '', maxBytes: 0, maxDispatches: o.maxDispatches, retentionMs: o.retention * 86_400_000 };
  const supplier = slug.safeParse(o.supplier ?? '');
  if (!supplier.success) throw configError(`supplier: ${supplier.error.issues[0]?.message}`);
  const document = slug.safeParse(o.document ?? '');
  if (!document.success) throw configError(`document: ${document.error.issues[0]?.message}`);
  return {
    mode: 'receive',
    supplier: supplier.data,
    document: document.data,
    http: o.http,
    tokenEnv: o.tokenEnv || defaultTokenEnv(supplier.data),
    maxBytes: Math.round(o.maxSize * 1024 * 1024),
    ...(o.publicUrl ? { publicUrl: o.publicUrl.replace(/\/+$/, '') } : {}),
    maxDispatches: o.maxDispatches,
    retentionMs: o.retention * 86_400_000,
  };
}

/** The route a supplier posts to, below Node-RED's httpNodeRoot. */
export function uploadPath(supplier: string, document: string): string {
  return `/suppliers/${supplier}/${document}`;
}
