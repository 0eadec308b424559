/**
 * Registry of canonical schemas by name and version, with the field list a
 * mapping can target. Field facts (type, bounds, required) are read from the
 * schema's own JSON Schema, so the contract given to suppliers and the checks
 * the mapping compiler makes cannot drift apart.
 */
import { z } from 'zod';
import { BUILTIN_SCHEMAS } from './schemas';

export type TargetKind = 'string' | 'number' | 'integer' | 'date' | 'datetime' | 'enum' | 'boolean' | 'lines' | 'object';

export interface TargetField {
  /** `price`, `lines`, `lines[].quantity`, `totals.total`. */
  path: string;
  kind: TargetKind;
  /** Required within its parent object (a line field is required in every line). */
  required: boolean;
  /** Words for problem reports: `number ≥ 0`, `text of 1 to 64 characters`. */
  expected: string;
  description?: string;
  maxLength?: number;
  /** Allowed values of an enum field. */
  values?: string[];
  /** The field's own schema (unwrapped from optional): used to check `const` and `default` values at compile time. */
  schema: z.ZodType;
  /** Fields of a `lines` or `object` field, keyed by their own name. */
  children?: Map<string, TargetField>;
}

export interface CanonicalSchemaEntry {
  name: string;
  version: number;
  /** `supplier-price@1` */
  id: string;
  schema: z.ZodType;
  description: string;
  /** Every path a mapping can target, e.g. `['supplierCode', …, 'lines', 'lines[].quantity']`. */
  targetFields: string[];
  /** Top-level fields with their nested children. */
  fields: Map<string, TargetField>;
  /** Field metadata by target path (`lines[].quantity`). */
  fieldByPath: Map<string, TargetField>;
  /** The contract for suppliers: JSON Schema (draft 2020-12) with `$id` and `title`. */
  jsonSchema(): Record<string, unknown>;
}

type JsonProp = {
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  description?: string;
  properties?: Record<string, JsonProp>;
  required?: string[];
  items?: JsonProp;
};

const SAFE = Number.MAX_SAFE_INTEGER;

function numberWords(p: JsonProp, noun: string): string {
  const lo = p.exclusiveMinimum !== undefined ? `> ${p.exclusiveMinimum}` : p.minimum !== undefined && p.minimum > -SAFE ? `≥ ${p.minimum}` : '';
  const hi = p.exclusiveMaximum !== undefined ? `< ${p.exclusiveMaximum}` : p.maximum !== undefined && p.maximum < SAFE ? `≤ ${p.maximum}` : '';
  if (lo && hi && p.minimum !== undefined && p.maximum !== undefined) return `${noun} from ${p.minimum} to ${p.maximum}`;
  return [noun, lo, hi].filter(Boolean).join(' ');
}

function expectedWords(p: JsonProp): string {
  if (p.enum) return `one of ${p.enum.join(', ')}`;
  switch (p.type) {
    case 'string': {
      if (p.format === 'date') return 'date as YYYY-MM-DD';
      if (p.format === 'date-time') return 'ISO 8601 date-time with Z or offset';
      if (p.pattern) return p.description ?? `text matching ${p.pattern}`;
      if (p.minLength && p.maxLength) return `text of ${p.minLength} to ${p.maxLength} characters`;
      if (p.maxLength) return `text of at most ${p.maxLength} characters`;
      return 'text';
    }
    case 'number':
      return numberWords(p, 'number');
    case 'integer':
      return numberWords(p, 'whole number');
    case 'boolean':
      return 'true or false';
    case 'array':
      return `list of at least ${p.minItems ?? 0} line${p.minItems === 1 ? '' : 's'}`;
    case 'object':
      return 'object';
    default:
      return 'a value';
  }
}

function kindOf(p: JsonProp): TargetKind {
  if (p.enum) return 'enum';
  switch (p.type) {
    case 'string':
      return p.format === 'date' ? 'date' : p.format === 'date-time' ? 'datetime' : 'string';
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'lines';
    case 'object':
      return 'object';
    default:
      return 'string';
  }
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  while (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable || cur instanceof z.ZodDefault) {
    cur = cur.unwrap() as z.ZodType;
  }
  return cur;
}

function describeFields(
  shape: Record<string, z.ZodType>,
  json: JsonProp,
  prefix: string,
  byPath: Map<string, TargetField>,
): Map<string, TargetField> {
  const out = new Map<string, TargetField>();
  const required = new Set(json.required ?? []);
  for (const [key, zodField] of Object.entries(shape)) {
    const p = json.properties?.[key] ?? {};
    const path = prefix + key;
    const own = unwrap(zodField);
    const field: TargetField = {
      path,
      kind: kindOf(p),
      required: required.has(key),
      expected: expectedWords(p),
      schema: own,
    };
    if (p.description !== undefined) field.description = p.description;
    if (p.maxLength !== undefined) field.maxLength = p.maxLength;
    if (p.enum) field.values = p.enum.map(String);
    byPath.set(path, field);
    if (own instanceof z.ZodArray && unwrap(own.element as z.ZodType) instanceof z.ZodObject) {
      const element = unwrap(own.element as z.ZodType) as z.ZodObject;
      field.children = describeFields(element.shape as Record<string, z.ZodType>, p.items ?? {}, `${path}[].`, byPath);
    } else if (own instanceof z.ZodObject) {
      field.children = describeFields(own.shape as Record<string, z.ZodType>, p, `${path}.`, byPath);
    }
    out.set(key, field);
  }
  return out;
}

const registry = new Map<string, CanonicalSchemaEntry>();

export interface SchemaRegistration {
  name: string;
  version: number;
  /** A `z.object(...)`; refinements across fields are allowed. */
  schema: z.ZodType;
  description: string;
}

/**
 * Adds a canonical object. Built-in objects are registered on load; a package
 * that brings a new canonical object registers it once at startup.
 */
export function registerSchema(reg: SchemaRegistration): CanonicalSchemaEntry {
  const { name, version, schema, description } = reg;
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`schema name "${name}" must be lower-case kebab-case`);
  if (!Number.isInteger(version) || version < 1) throw new Error(`schema version of ${name} must be an integer ≥ 1`);
  const id = `${name}@${version}`;
  if (registry.has(id)) throw new Error(`schema ${id} is already registered`);
  const root = unwrap(schema);
  if (!(root instanceof z.ZodObject)) throw new Error(`schema ${id} must be a z.object`);

  const json = z.toJSONSchema(schema) as JsonProp & Record<string, unknown>;
  const fieldByPath = new Map<string, TargetField>();
  const fields = describeFields(root.shape as Record<string, z.ZodType>, json, '', fieldByPath);
  const entry: CanonicalSchemaEntry = {
    name,
    version,
    id,
    schema,
    description,
    targetFields: [...fieldByPath.keys()],
    fields,
    fieldByPath,
    jsonSchema: () => ({
      $schema: json.$schema,
      $id: `urn:node-red-contrib-odoo-supply:canonical:${id}`,
      title: (json as { title?: string }).title ?? id,
      ...json,
      description: (json as { description?: string }).description ?? description,
    }),
  };
  registry.set(id, entry);
  return entry;
}

/**
 * Looks a schema up by id (`supplier-price@1`), or by name and version;
 * a name without version gives the highest registered version.
 * Returns undefined when there is no such schema.
 */
export function getSchema(idOrName: string, version?: number): CanonicalSchemaEntry | undefined {
  const at = idOrName.lastIndexOf('@');
  if (at > 0) {
    if (version !== undefined && `${version}` !== idOrName.slice(at + 1)) return undefined;
    return registry.get(idOrName);
  }
  if (version !== undefined) return registry.get(`${idOrName}@${version}`);
  let best: CanonicalSchemaEntry | undefined;
  for (const e of registry.values()) if (e.name === idOrName && (!best || e.version > best.version)) best = e;
  return best;
}

export function listSchemas(): CanonicalSchemaEntry[] {
  return [...registry.values()];
}

for (const s of BUILTIN_SCHEMAS) registerSchema(s);
