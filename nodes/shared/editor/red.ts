/**
 * The slice of Node-RED's editor API (the browser's `RED`) this package's
 * editor code uses. Node-RED ships no types of its own; like nodes/shared/red.ts
 * for the runtime, this names only what we call, so tsc checks every use.
 */

/**
 * A validator: true, false, or a message naming the problem. Node-RED uses the
 * message only when the function declares two parameters (`(value, options)`).
 */
export type Validator<N = EditorNode> = (this: N, value: any, options?: { label?: string }) => boolean | string;

export interface PropertyDef<N = EditorNode> {
  value: unknown;
  required?: boolean;
  type?: string;
  validate?: Validator<N>;
  label?: string;
}

export interface EditorNode {
  id: string;
  type: string;
  name?: string;
  _def: NodeTypeDef<any>;
  _(key: string, substitutions?: Record<string, unknown>): string;
  [prop: string]: any;
}

export interface NodeTypeDef<N extends EditorNode = EditorNode> {
  category: string;
  color?: string;
  defaults: Record<string, PropertyDef<N>>;
  credentials?: Record<string, { type: 'text' | 'password'; required?: boolean; value?: string }>;
  inputs?: number;
  outputs?: number;
  icon?: string;
  align?: 'left' | 'right';
  paletteLabel?: string | ((this: NodeTypeDef<N>) => string);
  label?: string | ((this: N) => string);
  labelStyle?: string | ((this: N) => string);
  inputLabels?: string | ((this: N, index: number) => string);
  outputLabels?: string | string[] | ((this: N, index: number) => string);
  button?: { onclick(this: N): void; enabled?(this: N): boolean; visible?(this: N): boolean };
  oneditprepare?(this: N): void;
  oneditsave?(this: N): void | boolean;
  oneditcancel?(this: N): void;
  oneditdelete?(this: N): void;
  oneditresize?(this: N, size: { width: number; height: number }): void;
  onpaletteadd?(this: NodeTypeDef<N>): void;
  /** set by the editor on a registered type: its message catalog */
  _?(key: string, substitutions?: Record<string, unknown>): string;
}

export interface EditorRED {
  nodes: {
    registerType<N extends EditorNode>(type: string, def: NodeTypeDef<N>): void;
    getType(type: string): NodeTypeDef | undefined;
    node(id: string): EditorNode | undefined;
    eachNode(cb: (n: EditorNode) => boolean | void): void;
    eachConfig(cb: (n: EditorNode) => boolean | void): void;
    dirty(d?: boolean): boolean;
  };
  events: { on(event: string, handler: (...args: any[]) => void): void; off(event: string, handler: (...args: any[]) => void): void };
  editor: {
    createEditor(options: { id: string; mode?: string; value?: string; [k: string]: unknown }): AceEditor;
    prepareConfigNodeSelect?(node: EditorNode, property: string, type: string, prefix: string): void;
    editJSON(options: { value: string; complete(value: string): void }): void;
    editExpression(options: { value: string; complete(value: string): void; [k: string]: unknown }): void;
  };
  tabs: {
    create(options: { id: string; onchange?(tab: { id: string; label: string }): void; [k: string]: unknown }): {
      addTab(tab: { id: string; label: string }): void;
      activateTab(id: string): void;
    };
  };
  tray: { resize(): void };
  sidebar: {
    addTab(tab: { id: string; label: string; name: string; iconClass?: string; content: JQuery; enableOnEdit?: boolean; onchange?(): void }): void;
    show(id: string): void;
  };
  notify(message: string, type?: 'warning' | 'error' | 'success' | 'compact' | { type?: string; timeout?: number }): void;
  settings: Record<string, unknown>;
  _(key: string, substitutions?: Record<string, unknown>): string;
}

export interface AceEditor {
  getValue(): string;
  setValue(value: string, cursor?: number): void;
  on(event: string, cb: () => void): void;
  destroy(): void;
  resize(): void;
  focus(): void;
  getSession(): { on(event: string, cb: () => void): void; getAnnotations?(): unknown[] };
}

/** The editor's RED (a browser global). */
export function red(): EditorRED {
  return (window as unknown as { RED: EditorRED }).RED;
}
