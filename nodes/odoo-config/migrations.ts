import type { Migration } from '../../lib/migrations';

/** odoo-config option versions; the newest step's `to` is what the node saves now. */
export const migrations: Migration[] = [
  {
    to: 1,
    change: 'options carry a version; "Secret from env" (secretEnv) added, empty for servers saved before it',
    up: (o) => ({ ...o, secretEnv: o.secretEnv ?? '' }),
  },
];
