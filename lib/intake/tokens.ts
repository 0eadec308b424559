/**
 * Supplier tokens: each supplier has its own, kept in a Node-RED credential or
 * an environment variable (never in a flow file). A value may list several
 * tokens (rotation: the new one beside the old one until the supplier
 * switches), separated by commas or spaces, each as the token itself or as
 * `sha256:<hex>` of it so the environment holds no usable secret. Revoking a
 * supplier is removing its value; no other supplier is touched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type TokenCheck = 'ok' | 'missing' | 'wrong' | 'none-configured';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function tokenList(...values: Array<string | undefined>): string[] {
  return values.flatMap((v) => (v ?? '').split(/[\s,]+/)).filter((t) => t.length > 0);
}

/** The token a request presents: `Authorization: Bearer <token>` or `X-Supplier-Token`. */
export function presentedToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  const a = Array.isArray(auth) ? auth[0] : auth;
  const m = a ? /^Bearer\s+(\S+)\s*$/i.exec(a) : null;
  if (m) return m[1];
  const x = headers['x-supplier-token'];
  const t = Array.isArray(x) ? x[0] : x;
  return t && t.trim() ? t.trim() : undefined;
}

/** Compares in constant time (hashes of equal length), whatever the tokens' lengths. */
export function checkToken(presented: string | undefined, allowed: string[]): TokenCheck {
  if (!allowed.length) return 'none-configured';
  if (!presented) return 'missing';
  const got = sha256(presented);
  let ok = false;
  for (const t of allowed) {
    const want = /^sha256:[0-9a-f]{64}$/i.test(t) ? Buffer.from(t.slice(7), 'hex') : sha256(t);
    if (timingSafeEqual(got, want)) ok = true;
  }
  return ok ? 'ok' : 'wrong';
}

/** The default environment variable of a supplier's token: SUPPLIER_TOKEN_ACME_TOOLS for acme-tools. */
export function defaultTokenEnv(supplier: string): string {
  return `SUPPLIER_TOKEN_${supplier.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}
