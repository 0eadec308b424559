/** SFTP for supplier files: the public API of `lib/sftp` (no Node-RED import). */
export { SftpConnection, fingerprintOf, knownHostKeys, type SftpServerOptions, type HostKeyCheck, type ConnectionState } from './connection';
export { SupplierPoller, POLL_DEFAULTS, fillTemplate, type PollOptions, type ClaimedFile, type PollResult } from './poller';
export { upload, type UploadOptions, type Uploaded } from './upload';
export { JsonlLedger, PgLedger, type FileLedger, type LedgerEntry, type PgLedgerOptions } from './ledger';
export { serverOptionsFromConfig, supplierSftpConfig } from './options';
export { checkSchedule, startSchedule, type Schedule, type Scheduled } from './schedule';
