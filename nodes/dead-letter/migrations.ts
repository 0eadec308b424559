import type { Migration } from '../../lib/migrations';

/** dead-letter option versions; the newest step's `to` is what the node saves now. */
export const migrations: Migration[] = [
  {
    to: 1,
    change: 'options carry a version',
    up: (o) => o,
  },
];
