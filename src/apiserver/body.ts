// Reads and decodes request bodies: a size limit (so one client cannot exhaust memory), then JSON or
// YAML by Content-Type, with decoding errors turned into 400s that say where the input is broken.

import type { IncomingMessage } from 'node:http';
import { parseDocument } from 'yaml';
import { badRequest, tooLarge, unsupportedMediaType } from './errors.js';
import type { ObjectSchema } from '../api/schema.js';
import { decodeProtobuf } from './protobuf/decode.js';

/** Kubernetes limits request bodies to 3 MiB; objects themselves are limited to 1.5 MiB by etcd. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw tooLarge(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export type BodyFormat = 'json' | 'yaml';

/** The media type without parameters, lower-cased. */
export const mediaType = (header: string | undefined) => (header ?? '').split(';')[0].trim().toLowerCase();

/** Decode a JSON or YAML body into a value. Duplicate keys are reported (strict decoding). */
export function decodeBody(buf: Buffer, contentType: string | undefined, schema?: ObjectSchema): { value: unknown; duplicates: string[] } {
  const type = mediaType(contentType);
  if (type === 'application/vnd.kubernetes.protobuf' && schema) return { value: decodeProtobuf(buf, schema), duplicates: [] };
  const text = buf.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty: send a JSON or YAML object');
  if (type === '' || type === 'application/json' || type.endsWith('+json')) {
    try {
      return { value: JSON.parse(text), duplicates: jsonDuplicateKeys(text) };
    } catch (e) {
      // JSON with a YAML content-type mismatch is common from hand-written curl calls; say what broke.
      throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml' || type === 'application/x-yaml' || type === 'text/yaml') {
    // Parse once strictly to learn of duplicate keys (strict decoding reports them), then leniently.
    const strict = parseDocument(text);
    const dupErrors = strict.errors.filter((e) => e.code === 'DUPLICATE_KEY');
    const other = strict.errors.filter((e) => e.code !== 'DUPLICATE_KEY');
    if (other.length > 0) throw badRequest(`the request body is not valid YAML: ${other[0].message.split('\n')[0]}`);
    const doc = dupErrors.length > 0 ? parseDocument(text, { uniqueKeys: false }) : strict;
    return { value: doc.toJS({ maxAliasCount: 100 }), duplicates: dupErrors.map((e) => e.message.split('\n')[0]) };
  }
  throw unsupportedMediaType(type);
}

/** Finds duplicate keys in a JSON object text (JSON.parse silently keeps the last). Paths as a.b.c. */
export function jsonDuplicateKeys(text: string): string[] {
  // A small scanner: tracks a stack of key sets for objects; cheap relative to JSON.parse.
  if (!text.includes('"')) return [];
  const out: string[] = [];
  const stack: { keys: Set<string>; path: string; isObj: boolean; index: number }[] = [];
  let i = 0;
  let pendingKey: string | null = null;
  const n = text.length;
  const readString = (): string => {
    let s = '';
    i++; // opening quote
    while (i < n) {
      const c = text[i];
      if (c === '\\') {
        s += text.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (c === '"') break;
      s += c;
      i++;
    }
    i++;
    try { return JSON.parse(`"${s}"`); } catch { return s; }
  };
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.isObj) return top.path ? `${top.path}.${pendingKey}` : String(pendingKey);
    return `${top.path}[${top.index}]`;
  };
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      const top = stack[stack.length - 1];
      const s = readString();
      // A string is a key when it is followed by ':' inside an object.
      let j = i;
      while (j < n && /\s/.test(text[j])) j++;
      if (top?.isObj && text[j] === ':') {
        if (top.keys.has(s)) out.push(top.path ? `${top.path}.${s}` : s);
        top.keys.add(s);
        pendingKey = s;
        i = j + 1;
      }
      continue;
    }
    if (c === '{' || c === '[') {
      const path = childPath();
      stack.push({ keys: new Set(), path, isObj: c === '{', index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top && !top.isObj) top.index++;
    }
    i++;
  }
  return out;
}
