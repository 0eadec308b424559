import { jsonLine, logMode, textLine, type LogLevel } from '../../lib/log';
import type { Node, RED } from './red';

export type NodeLog = (level: LogLevel, text: string, correlationId?: string) => void;

/**
 * Where a node's own log lines go (lib/log.ts): Node-RED's log (and, for warnings
 * and errors, the editor) by default; one JSON object per line on stdout in json
 * mode. Errors that belong to a message keep going through done(err) either way.
 */
export function nodeLog(RED: RED, node: Node, write: (line: string) => void = (l) => void process.stdout.write(`${l}\n`)): NodeLog {
  if (logMode(process.env, RED.settings as { odooSupply?: { log?: unknown } }) === 'json') {
    return (level, text, correlationId) => write(jsonLine(level, node, text, correlationId));
  }
  return (level, text, correlationId) => node[level === 'info' ? 'log' : level](textLine(text, correlationId));
}
