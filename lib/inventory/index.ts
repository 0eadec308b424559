/** Plant inventory events into Odoo stock: de-duplicated, coalesced, exactly once (see core.ts). */
export { planQuant, roundQty, type QuantState, type StockEvent, type QuantPlan } from './coalesce';
export { resolveEvents } from './resolve';
export { StockEventsCore, DEFAULT_CORE_OPTIONS, type StockEventsCoreOptions, type StockTarget, type BatchSummary, type StockEventsHooks } from './core';
export { parseStockEventsOptions, type StockEventsNodeOptions } from './options';
export { SharedStockEvents, type SharedStockOptions } from './shared';
export { planBatch, sendBatch, type BatchRecord, type PlannedWrite } from './batch';
