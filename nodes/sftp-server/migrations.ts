import type { Migration } from '../../lib/migrations';

/** sftp-server option versions; the newest step's `to` is what the node saves now. */
export const migrations: Migration[] = [
  {
    to: 1,
    change: 'options carry a version (the first release of sftp-server)',
    up: (o) => ({ ...o }),
  },
];
