import { red } from './red';

/** Strings of the shared editor helpers live in odoo-config's catalog (`odoo-config.<key>`). */
export function t(key: string, substitutions?: Record<string, unknown>): string {
  const def = red().nodes.getType('odoo-config');
  return def && def._ ? def._(`odoo-config.${key}`, substitutions) : key;
}
