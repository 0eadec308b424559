import type { Migration } from '../../lib/migrations';

/** odoo-read option versions; the newest step's `to` is what the node saves now. */
export const migrations: Migration[] = [
  {
    to: 1,
    change: 'options carry a version; a missing domain is saved as the [] (JSON) it always meant',
    up: (o) => ({ ...o, domain: o.domain ?? '[]', domainType: o.domainType || 'json' }),
  },
];
