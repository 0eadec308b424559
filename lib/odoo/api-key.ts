/**
 * When the configured API key expires. Odoo ≥ 18 stores an expiration date per
 * key (`res.users.apikeys.expiration_date`; a non-admin's key must expire, at
 * most 90 days ahead on a default 19); its own user may read its keys (record
 * rule "Users can read and delete their own keys"). Odoo does not say WHICH of
 * a user's keys a call came with (the key's index is no field), so with
 * several keys the soonest expiry is reported, and says so. Odoo 17 keys have
 * no expiry: they last until revoked.
 */
import { classifyError } from '../errors';
import type { OdooClient } from './client';

export interface KeyExpiry {
  /** `expires`: the date is known; `never`: the key(s) do not expire; `unknown`: the server cannot tell (reason says why). */
  state: 'expires' | 'never' | 'unknown';
  /** UTC, ISO 8601. */
  expiresAt?: string;
  /** Whole days left (rounded down; negative once expired). */
  daysLeft?: number;
  /** How many unexpired RPC keys the user has: with more than one, `expiresAt` is the soonest of them. */
  keys?: number;
  reason?: string;
}

const DAY_MS = 86_400_000;

/** Odoo's `2027-02-19 12:34:11` (UTC) as epoch ms. */
function odooDatetime(v: string): number {
  return Date.parse(`${v.replace(' ', 'T')}Z`);
}

export async function apiKeyExpiry(client: OdooClient, now = Date.now()): Promise<KeyExpiry> {
  if (client.options.secretKind === 'password') return { state: 'unknown', reason: 'the secret is a password, not an API key' };
  const v = await client.version();
  if (!v.apiKeys.expiry) return { state: 'never', reason: `Odoo ${v.major} API keys have no expiry date: they last until revoked` };
  let rows: Array<{ expiration_date?: string | false; scope?: string | false }>;
  try {
    // context_get names the caller (19: {lang, tz, uid}); an administrator sees every user's keys, so filter by it
    const ctx = (await client.call('res.users', 'context_get', {})) as { uid?: unknown };
    const domain = typeof ctx?.uid === 'number' ? [['user_id', '=', ctx.uid]] : [];
    rows = (await client.searchRead('res.users.apikeys', { domain, fields: ['scope', 'expiration_date'] })) as typeof rows;
  } catch (err) {
    return { state: 'unknown', reason: `cannot read the user's API keys: ${classifyError(err).message}` };
  }
  // keys usable over RPC that still work
  const live = rows.filter((r) => (!r.scope || r.scope === 'rpc') && (!r.expiration_date || odooDatetime(r.expiration_date) >= now));
  if (!live.length) return { state: 'unknown', keys: 0, reason: 'no unexpired API key of this user is listed' };
  const dated = live.map((r) => (r.expiration_date ? odooDatetime(r.expiration_date) : Infinity)).sort((a, b) => a - b);
  const soonest = dated[0] as number;
  if (soonest === Infinity) return { state: 'never', keys: live.length };
  return { state: 'expires', expiresAt: new Date(soonest).toISOString(), daysLeft: Math.floor((soonest - now) / DAY_MS), keys: live.length };
}

/** What the node status adds (` · key 80 d`) and whether it warns (within `warnDays` of the expiry). */
export function keyStatus(k: KeyExpiry | undefined, warnDays: number): { warn: boolean; suffix: string; message?: string } {
  if (!k || k.state !== 'expires' || k.daysLeft === undefined) return { warn: false, suffix: '' };
  const several = (k.keys ?? 1) > 1 ? ` (the soonest of the user's ${k.keys} keys)` : '';
  const warn = k.daysLeft <= warnDays;
  return {
    warn,
    suffix: ` · key ${k.daysLeft} d`,
    ...(warn ? { message: `the Odoo API key expires in ${k.daysLeft} days, on ${k.expiresAt}${several}: make a new one (Preferences > Account Security) before it stops working` } : {}),
  };
}

/** Days left at `now`, fractional, for the metric (absent when the key does not expire or the server cannot tell). */
export function daysLeft(k: KeyExpiry | undefined, now = Date.now()): number | undefined {
  return k?.expiresAt ? (Date.parse(k.expiresAt) - now) / DAY_MS : undefined;
}
