// JSON <-> CEL values as Kubernetes maps them: objects are maps with field selection, arrays are
// lists, integral numbers are CEL int (bigint), other numbers double, null is null. Results come back
// as JSON (ints as numbers when they fit, else strings would lose nothing but type; we keep numbers).

import { type CelValue, celList, celMap, isCelList, isCelMap, isCelUint } from '@bufbuild/cel';

/** A value already converted to CEL: passed through evaluate() untouched (convert once per request). */
export class CelReady {
  constructor(readonly value: CelValue) {}
}

/** The parts of an OpenAPI v3 (structural) schema that decide CEL types: `type: number` is double
 * even for integral values, as Kubernetes types CRD objects by their schema. */
export interface CelTypeHint {
  type?: string;
  properties?: Record<string, CelTypeHint>;
  items?: CelTypeHint;
  additionalProperties?: CelTypeHint | boolean;
}

/**
 * Converts once; evaluate() accepts the result as a variable's value and skips conversion. With a
 * schema, numbers under `type: number` are double; without, integral numbers are int.
 */
export function prepareCel(json: unknown, schema?: CelTypeHint): CelReady {
  return new CelReady(jsonToCel(json, 0, schema));
}

export function jsonToCel(v: unknown, depth = 0, schema?: CelTypeHint): CelValue {
  if (v instanceof CelReady) return v.value;
  if (depth > 600) throw new Error('value nested too deeply');
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) && schema?.type !== 'number' ? BigInt(v) : v;
    case 'string':
    case 'boolean':
    case 'bigint':
      return v;
    case 'undefined':
      return null;
    case 'object': {
      if (v === null) return null;
      if (Array.isArray(v)) return celList(v.map((x) => jsonToCel(x, depth + 1, schema?.items)));
      if (isCelList(v) || isCelMap(v)) return v as CelValue;
      const m = new Map<string, CelValue>();
      const extra = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) m.set(k, jsonToCel(x, depth + 1, schema?.properties?.[k] ?? extra));
      return celMap(m);
    }
    default:
      throw new Error(`cannot give a ${typeof v} to CEL`);
  }
}

/** CEL value -> JSON (bigint -> number, maps -> objects, lists -> arrays). */
export function celToJson(v: unknown, depth = 0): unknown {
  if (depth > 600) throw new Error('value nested too deeply');
  if (typeof v === 'bigint') return Number(v);
  if (isCelUint(v)) return Number(v.value);
  if (isCelList(v)) return Array.from(v, (x) => celToJson(x, depth + 1));
  if (isCelMap(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[String(isCelUint(k) ? k.value : k)] = celToJson(x, depth + 1);
    return o;
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v !== null && typeof v === 'object' && 'name' in v && 'kind' in v) return String(v); // a CEL type value
  return v;
}

/** Elements a value holds, for cost accounting (strings: characters, lists/maps: entries). */
export function sizeOf(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (v instanceof Uint8Array) return v.length;
  if (isCelList(v) || isCelMap(v)) return v.size;
  return 0;
}

/** The `variables` value of a policy: raw CEL values (from evaluate with raw: true) by name. */
export function variablesValue(raw: Map<string, unknown>): CelReady {
  return new CelReady(celMap(raw as Map<string, CelValue>));
}
