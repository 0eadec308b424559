/**
 * `${NAME}` references in configuration values are replaced by environment
 * variables, so committed flows carry names, never values. An unknown name
 * becomes an empty string, as Node-RED itself does.
 */
const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function expandEnv(value: string, env: Record<string, string | undefined> = process.env): string {
  return value.replace(ENV_REF, (_m, name: string) => env[name] ?? '');
}

export function referencesEnv(value: string): boolean {
  return /\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(value);
}
