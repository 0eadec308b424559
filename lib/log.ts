/**
 * The package's own log lines (connection chosen, retry given up, dead letter
 * kept, key expiring …): Node-RED's text by default, or with
 * `ODOO_SUPPLY_LOG=json` (or the Node-RED setting `odooSupply: { log: 'json' }`)
 * one JSON object per line on stdout, with the level, the node and the message's
 * correlation id, for a log shipper to index. No Node-RED in here.
 */
export type LogLevel = 'info' | 'warn' | 'error';
export type LogMode = 'text' | 'json';

export interface LogSource {
  id: string;
  type: string;
  name?: string;
}

export function logMode(env: Record<string, string | undefined> = process.env, settings?: { odooSupply?: { log?: unknown } }): LogMode {
  const v = env.ODOO_SUPPLY_LOG ?? settings?.odooSupply?.log;
  return v === 'json' ? 'json' : 'text';
}

/** One JSON log line (no newline): `{"time","level","node":{id,type,name},"correlationId"?,"msg"}`. */
export function jsonLine(level: LogLevel, node: LogSource, text: string, correlationId?: string, now = new Date()): string {
  return JSON.stringify({
    time: now.toISOString(),
    level,
    node: { id: node.id, type: node.type, ...(node.name ? { name: node.name } : {}) },
    ...(correlationId ? { correlationId } : {}),
    msg: text,
  });
}

/** The text Node-RED logs for it: the correlation id in brackets first, when there is one. */
export function textLine(text: string, correlationId?: string): string {
  return correlationId ? `[${correlationId}] ${text}` : text;
}
