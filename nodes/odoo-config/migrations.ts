import type { Migration } from '../../lib/migrations';

/** odoo-config option versions; the newest step's `to` is what the node saves now. */
export const migrations: Migration[] = [
  {
    to: 1,
    change: 'options carry a version; servers saved before "Secret from env" (secretEnv) and "Max answer (MB)" (maxResponseMb) existed get them empty and 256 (what the runtime used)',
    up: (o) => ({ ...o, secretEnv: o.secretEnv ?? '', maxResponseMb: o.maxResponseMb ?? 256 }),
  },
];
