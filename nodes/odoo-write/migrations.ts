import type { Migration } from '../../lib/migrations';

/** odoo-write option versions; the newest step's `to` is what the node saves now. */
export const migrations: Migration[] = [
  {
    to: 1,
    change: 'options carry a version',
    up: (o) => o,
  },
  {
    to: 2,
    change: 'attach the original file: off for nodes saved before the option existed',
    up: (o) => ({ ...o, attach: o.attach ?? false }),
  },
];
