/** Node properties of stock-events, as the editor saves them, into validated core options. */
import { z } from 'zod';
import { configError } from '../errors';
import { describeIssues } from '../util/zod';
import { DEFAULT_CORE_OPTIONS, type StockEventsCoreOptions } from './core';

const num = (schema: z.ZodNumber) => z.preprocess((v) => (v === '' || v === null || v === undefined ? undefined : Number(v)), schema.optional());

const nodeSchema = z.object({
  /** ms */
  window: num(z.number().int().min(0).max(60_000)).default(DEFAULT_CORE_OPTIONS.windowMs),
  maxBatch: num(z.number().int().min(1).max(50_000)).default(DEFAULT_CORE_OPTIONS.maxBatchEvents),
  ledgerSize: num(z.number().int().min(1000).max(10_000_000)).default(DEFAULT_CORE_OPTIONS.ledgerSize),
});

export type StockEventsNodeOptions = Pick<StockEventsCoreOptions, 'windowMs' | 'maxBatchEvents' | 'ledgerSize'>;

export function parseStockEventsOptions(def: Record<string, unknown>): StockEventsNodeOptions {
  const r = nodeSchema.safeParse(def);
  if (!r.success) throw configError(describeIssues(r.error, def));
  return { windowMs: r.data.window, maxBatchEvents: r.data.maxBatch, ledgerSize: r.data.ledgerSize };
}
