export * from './errors';
export { OdooClient, DEFAULTS, andAll } from './odoo/client';
export type { OdooClientOptions, ConnectionInfo, Domain, Context, OdooRecord, SearchOptions, LoadResult } from './odoo/client';
export { OdooWriter } from './odoo/writer';
export type { WriteRequest, WriteResult, WriteOperation } from './odoo/writer';
export { Batcher } from './odoo/batcher';
export { parseDomain } from './odoo/domain';
export { readChunks, readAll } from './odoo/read';
export * from './odoo/options';
export { expandEnv } from './util/env';
export * as resilience from './resilience';
// changes out of Odoo, and documents sent out (odoo-changes, canonical-map from-odoo/to-supplier, revision-stamp)
export { ChangeFeed, parseWebhook } from './odoo/changes';
export type { Change, ChangeFeedOptions, StartFrom } from './odoo/changes';
// several instances on one PostgreSQL (ODOO_SUPPLY_DATABASE_URL): the shared change-feed state; the file ledger is in lib/sftp, the event claims in inventory
export { PgFeedStore, leadWhenFree, type FeedStore } from './odoo/changes-store';
export { purchaseOrdersFromOdoo } from './canonical/from-odoo';
export { compileOutbound } from './canonical/outbound';
export type { OutboundSpec, SupplierFile } from './canonical/outbound';
export { RevisionLedger, PgRevisionLedger, openRevisionStore, type RevisionStore } from './resilience/revisions';
export * as inventory from './inventory';
