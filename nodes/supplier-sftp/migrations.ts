import type { Migration } from '../../lib/migrations';

/** supplier-sftp option versions; the newest step's `to` is what the node saves now. */
export const migrations: Migration[] = [
  {
    to: 1,
    change: 'options carry a version (the first release of supplier-sftp)',
    up: (o) => ({ ...o }),
  },
];
