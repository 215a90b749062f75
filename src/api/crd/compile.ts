// compileCrdSchema: a CRD version's openAPIV3Schema as a KindDef schema (see schema.ts for the
// contract). This first version maps the structural core only (types, properties, items,
// additionalProperties, required, enum, pattern, bounds, nullable, default, the
// x-kubernetes-preserve-unknown-fields / int-or-string / list-type / map-type extensions); the full
// structural-schema checks and the validations ObjectSchema cannot express are being added.

import { fieldErr } from '../errors.js';
import type { FieldError } from '../kind.js';
import { kindSchema } from '../meta.js';
import type { ObjectSchema, Schema } from '../schema.js';
import type { CompileCrdSchema, CompiledCrdSchema } from './schema.js';

type Props = Record<string, unknown>;
const MAX_DEPTH = 64;
const isObj = (v: unknown): v is Props => typeof v === 'object' && v !== null && !Array.isArray(v);

function convert(p: unknown, path: string, depth: number, errors: FieldError[]): Schema {
  if (!isObj(p)) {
    errors.push(fieldErr.invalid(path, p, 'must be an object'));
    return { type: 'any' };
  }
  if (depth > MAX_DEPTH) {
    errors.push(fieldErr.invalid(path, '', `must not be nested more than ${MAX_DEPTH} levels deep`));
    return { type: 'any' };
  }
  const base = { description: typeof p.description === 'string' ? p.description : undefined, ...(p.default !== undefined ? { default: p.default } : {}), ...(p.nullable === true ? { nullable: true } : {}) };
  if (p['x-kubernetes-int-or-string'] === true) return { type: 'int-or-string', ...base };
  const preserve = p['x-kubernetes-preserve-unknown-fields'] === true;
  switch (p.type) {
    case 'string':
      return {
        type: 'string',
        ...base,
        ...(Array.isArray(p.enum) ? { enum: p.enum.map(String) } : {}),
        ...(typeof p.pattern === 'string' ? { pattern: p.pattern } : {}),
        ...(typeof p.maxLength === 'number' ? { maxLength: p.maxLength } : {}),
        ...(p.format === 'date-time' || p.format === 'byte' ? { format: p.format } : {}),
      };
    case 'integer':
      return { type: 'integer', ...base, format: p.format === 'int32' ? 'int32' : 'int64', ...(typeof p.minimum === 'number' ? { minimum: p.minimum } : {}), ...(typeof p.maximum === 'number' ? { maximum: p.maximum } : {}) };
    case 'number':
      return { type: 'number', ...base, format: 'double' };
    case 'boolean':
      return { type: 'boolean', ...base };
    case 'array': {
      const listType = p['x-kubernetes-list-type'];
      const keys = p['x-kubernetes-list-map-keys'];
      return {
        type: 'array',
        ...base,
        items: p.items === undefined ? { type: 'any' } : convert(p.items, `${path}.items`, depth + 1, errors),
        listType: listType === 'set' || listType === 'map' ? listType : 'atomic',
        ...(listType === 'map' && Array.isArray(keys) ? { listMapKeys: keys.map(String) } : {}),
      };
    }
    case 'object': {
      if (isObj(p.additionalProperties) && p.properties === undefined) return { type: 'map', ...base, values: convert(p.additionalProperties, `${path}.additionalProperties`, depth + 1, errors) };
      const properties: Record<string, Schema> = {};
      if (isObj(p.properties)) for (const [k, v] of Object.entries(p.properties)) properties[k] = convert(v, `${path}.properties[${k}]`, depth + 1, errors);
      const out: ObjectSchema = { type: 'object', ...base, properties, ...(Array.isArray(p.required) ? { required: p.required.map(String) } : {}), ...(p['x-kubernetes-map-type'] === 'atomic' ? { mapType: 'atomic' } : {}) };
      if (preserve || p.additionalProperties === true) out.preserveUnknownFields = true;
      return out;
    }
    default:
      if (preserve) return { type: 'any', ...base };
      errors.push(fieldErr.required(`${path}.type`, 'must not be empty for specified object fields'));
      return { type: 'any' };
  }
}

export const compileCrdSchema: CompileCrdSchema = (openAPIV3Schema, fieldPath) => {
  const errors: FieldError[] = [];
  const root = convert(openAPIV3Schema, fieldPath, 0, errors);
  if (errors.length) return { errors };
  const fields = root.type === 'object' ? { ...root.properties } : {};
  delete fields.apiVersion;
  delete fields.kind;
  delete fields.metadata;
  const schema = kindSchema('', root.description ?? '', fields, root.type === 'object' && root.required ? { required: root.required.filter((r) => r !== 'metadata') } : {});
  delete schema.name;
  if (root.type === 'object' && root.preserveUnknownFields) schema.preserveUnknownFields = true;
  const compiled: CompiledCrdSchema = { schema, validate: () => [] };
  return compiled;
};
