import type { Migration } from '../../lib/migrations';

/** supplier-intake option versions; the newest step's `to` is what the node saves now. */
export const migrations: Migration[] = [
  {
    to: 1,
    change: 'options carry a version',
    up: (o) => o,
  },
];
