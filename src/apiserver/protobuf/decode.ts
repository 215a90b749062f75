// Decodes Kubernetes protobuf request bodies ("k8s\0" + runtime.Unknown envelope) into JSON objects,
// walking our schema for field types and FIELD_NUMBERS for the wire numbers. Go's zero values that
// protobuf always carries (empty strings, 0, false, empty messages) are dropped, as JSON's
// omitempty would, except for pointer fields where zero means something.

import { rfc3339 } from '../../util/time.js';
import { badRequest, unsupportedMediaType } from '../../api/errors.js';
import { resolve, type ObjectSchema, type Schema } from '../../api/schema.js';
import { FIELD_NUMBERS, KEEP_ZERO } from './field-numbers.js';
import { INLINE_MESSAGES } from './field-numbers-served-kinds.js';
import { readFields, signed, type WireField } from './wire.js';
import { ApiError } from '../../api/errors.js';
import { depthMessage, MAX_NESTING_DEPTH, scanJson } from '../decode-limits.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Buffer;
}

export function unwrap(buf: Buffer): Envelope {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(MAGIC)) throw badRequest('a protobuf body must start with the Kubernetes magic prefix "k8s\\0"');
  const env: Envelope = { apiVersion: '', kind: '', raw: Buffer.alloc(0) };
  for (const f of readFields(buf.subarray(4))) {
    if (f.num === 1 && f.wire === 2) {
      for (const t of readFields(f.value as Buffer)) {
        if (t.num === 1) env.apiVersion = (t.value as Buffer).toString();
        if (t.num === 2) env.kind = (t.value as Buffer).toString();
      }
    } else if (f.num === 2 && f.wire === 2) env.raw = f.value as Buffer;
  }
  return env;
}

export function decodeProtobuf(buf: Buffer, schema: ObjectSchema): Record<string, unknown> {
  // Whatever malformed bytes make the reader trip over (truncation, bad lengths, bad JSON inside a
  // RawExtension) is the client's error: 400, never a 500.
  let env: Envelope;
  try {
    env = unwrap(buf);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw badRequest(`the protobuf body could not be decoded: ${(e as Error).message}`);
  }
  if (!FIELD_NUMBERS[schema.name ?? '']) throw unsupportedMediaType(`application/vnd.kubernetes.protobuf for ${env.kind || schema.name}: send application/json`);
  let obj: Record<string, unknown>;
  try {
    obj = message(env.raw, schema, 1) as Record<string, unknown>;
  } catch (e) {
    throw badRequest(`the protobuf body could not be decoded: ${(e as Error).message}`);
  }
  if (env.apiVersion) obj.apiVersion = env.apiVersion;
  if (env.kind) obj.kind = env.kind;
  return obj;
}

function message(buf: Buffer, s: Schema, depth: number, inlineNumbers?: Record<number, string>): unknown {
  // Schemas can be recursive; nesting is bounded as it is for JSON and YAML.
  if (depth > MAX_NESTING_DEPTH) throw new Error(depthMessage());
  if (s.type === 'string' && s.format === 'date-time') return time(buf);
  if (s.type === 'string' && s.format === 'quantity') return quantity(buf);
  if (s.type === 'int-or-string') return intOrString(buf);
  if (s.type === 'any') return rawExtension(buf);
  if (s.type !== 'object') throw new Error(`cannot decode a message as ${s.type}`);
  const numbers = inlineNumbers ?? FIELD_NUMBERS[s.name ?? ''] ?? {};
  const out: Record<string, unknown> = {};
  for (const f of readFields(buf)) {
    const name = numbers[f.num];
    const inline = inlineNumbers ? undefined : INLINE_MESSAGES[s.name ?? '']?.[f.num];
    if (inline && Buffer.isBuffer(f.value)) {
      // An embedded Go struct: its fields belong to this object.
      Object.assign(out, message(f.value, s, depth + 1, inline));
      continue;
    }
    if (!name) continue; // a field we do not know the number of is dropped, as an unknown field
    const fs0 = s.properties[name];
    if (!fs0) continue;
    const fs = resolve(fs0);
    if (fs.type === 'array') {
      const arr = (out[name] ??= []) as unknown[];
      arr.push(scalarOrMessage(f, resolve(fs.items), depth));
    } else if (fs.type === 'map') {
      const m = (out[name] ??= {}) as Record<string, unknown>;
      let key = '';
      let value: unknown;
      for (const e of readFields(f.value as Buffer)) {
        if (e.num === 1) key = (e.value as Buffer).toString();
        if (e.num === 2) value = mapValue(e, resolve(fs.values), depth);
      }
      // defineProperty: a key such as "__proto__" is a key like any other, as JSON.parse treats it.
      Object.defineProperty(m, key, { value: value ?? (resolve(fs.values).type === 'string' ? '' : value), enumerable: true, writable: true, configurable: true });
    } else {
      out[name] = scalarOrMessage(f, fs, depth);
    }
  }
  for (const [k, v] of Object.entries(out)) if (isZero(v) && !KEEP_ZERO.has(k) && !KEEP_ZERO.has(`${s.name}.${k}`)) delete out[k];
  return out;
}

/** A map value; a list of strings travels wrapped in a message with one repeated field (user.Info's ExtraValue). */
function mapValue(f: WireField, s: Schema, depth: number): unknown {
  if (s.type !== 'array') return scalarOrMessage(f, s, depth);
  if (!Buffer.isBuffer(f.value)) throw new Error(`field ${f.num} has wire type ${f.wire}, which does not fit a list`);
  const items = resolve(s.items);
  return [...readFields(f.value)].filter((x) => x.num === 1).map((x) => scalarOrMessage(x, items, depth + 1));
}

function scalarOrMessage(f: WireField, s: Schema, depth: number): unknown {
  // A field whose wire type does not fit its schema type would be misread below.
  const bytes = Buffer.isBuffer(f.value);
  const wantBytes = s.type !== 'integer' && s.type !== 'boolean' && s.type !== 'number';
  if (bytes !== wantBytes && s.type !== 'number') throw new Error(`field ${f.num} has wire type ${f.wire}, which does not fit a ${s.type}`);
  switch (s.type) {
    case 'string':
      if (s.format === 'date-time' || s.format === 'quantity') return message(f.value as Buffer, s, depth + 1);
      if (s.format === 'byte') return (f.value as Buffer).toString('base64');
      return (f.value as Buffer).toString();
    case 'integer':
      return signed(f.value as bigint);
    case 'number':
      return Buffer.isBuffer(f.value) ? 0 : Number(f.value);
    case 'boolean':
      return (f.value as bigint) !== 0n;
    default:
      return message(f.value as Buffer, s, depth + 1);
  }
}

function isZero(v: unknown): boolean {
  if (v === '' || v === 0 || v === false || v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function time(buf: Buffer): string | undefined {
  let seconds = 0;
  for (const f of readFields(buf)) if (f.num === 1) seconds = signed(f.value as bigint);
  if (seconds === 0) return undefined;
  return rfc3339(seconds * 1000);
}

function quantity(buf: Buffer): string | undefined {
  for (const f of readFields(buf)) if (f.num === 1) return (f.value as Buffer).toString();
  return undefined;
}

function intOrString(buf: Buffer): number | string | undefined {
  let type = 0;
  let i = 0;
  let s = '';
  for (const f of readFields(buf)) {
    if (f.num === 1) type = signed(f.value as bigint);
    if (f.num === 2) i = signed(f.value as bigint);
    if (f.num === 3) s = (f.value as Buffer).toString();
  }
  return type === 1 ? s : i;
}

function rawExtension(buf: Buffer): unknown {
  for (const f of readFields(buf)) {
    if (f.num !== 1 || !Buffer.isBuffer(f.value)) continue;
    const text = f.value.toString();
    if (scanJson(text).tooDeep) throw new Error(depthMessage());
    return JSON.parse(text);
  }
  return undefined;
}
