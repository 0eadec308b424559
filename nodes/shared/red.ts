/** The slice of Node-RED's runtime API these nodes use (Node-RED ships no types of its own). */
import type { EventEmitter } from 'node:events';

export interface NodeMessage {
  _msgid?: string;
  payload?: unknown;
  [key: string]: unknown;
}

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  wires?: string[][];
  [key: string]: unknown;
}

export type NodeStatus = { fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey'; shape?: 'ring' | 'dot'; text?: string } | Record<string, never>;

export interface Node extends EventEmitter {
  id: string;
  type: string;
  name?: string;
  credentials?: Record<string, string | undefined>;
  status(s: NodeStatus): void;
  log(msg: unknown): void;
  warn(msg: unknown): void;
  error(msg: unknown, m?: NodeMessage): void;
  send(msg: unknown): void;
}

export type Send = (msg: Array<NodeMessage | NodeMessage[] | null> | NodeMessage) => void;
export type Done = (err?: Error) => void;

export interface Request {
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: Record<string, unknown>;
}
export interface Response {
  status(code: number): Response;
  json(body: unknown): void;
  set?(header: string, value: string): Response;
  send?(body: string): void;
}
type Handler = (req: Request, res: Response, next?: () => void) => void;

export interface RED {
  nodes: {
    createNode(node: unknown, def: NodeDef): void;
    registerType(type: string, ctor: unknown, opts?: { credentials?: Record<string, { type: string }>; settings?: Record<string, unknown> }): void;
    getNode(id: string): unknown;
    /** Every node definition of the deployed flows. */
    eachNode?(cb: (def: NodeDef & { d?: boolean }) => void): void;
    getCredentials?(id: string): Record<string, string> | undefined;
  };
  util: {
    evaluateNodeProperty(value: unknown, type: string, node: Node, msg: NodeMessage | undefined, cb: (err: Error | null, result: unknown) => void): void;
    cloneMessage<T>(msg: T): T;
  };
  httpAdmin: { get(path: string, ...handlers: Handler[]): void; post(path: string, ...handlers: Handler[]): void };
  auth: { needsPermission(permission: string): Handler };
  settings?: { userDir?: string; [key: string]: unknown };
  _(key: string, substitutions?: Record<string, unknown>): string;
}
