// Reads and decodes request bodies: a size limit (so one client cannot exhaust memory), then JSON or
// YAML by Content-Type, with decoding errors turned into 400s that say where the input is broken.

import type { IncomingMessage } from 'node:http';
import { parseDocument } from 'yaml';
import { badRequest, tooLarge, unsupportedMediaType } from './errors.js';
import type { ObjectSchema } from '../api/schema.js';
import { decodeProtobuf } from './protobuf/decode.js';
import { depthMessage, scanJson, valueDepthExceeds, yamlDepthExceeds } from './decode-limits.js';
import { yamlDuplicateKeys } from './yaml-duplicates.js';

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

/** Decode a JSON or YAML body into a value. Duplicate keys are reported (strict decoding) by path, a.b[0].c. */
export function decodeBody(buf: Buffer, contentType: string | undefined, schema?: ObjectSchema): { value: unknown; duplicates: string[] } {
  const type = mediaType(contentType);
  if (type === 'application/vnd.kubernetes.protobuf' && schema) return { value: decodeProtobuf(buf, schema), duplicates: [] };
  const text = buf.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty: send a JSON or YAML object');
  const isJson = type === '' || type === 'application/json' || type.endsWith('+json');
  const isYaml = type === 'application/yaml' || type === 'application/apply-patch+yaml' || type === 'application/x-yaml' || type === 'text/yaml';
  // JSON is YAML too, and what kubectl sends even for apply patches: the JSON parser is far faster.
  if (isJson || (isYaml && /^\s*[{[]/.test(text))) {
    // Depth first: a deep body is refused before the parser builds it.
    const scan = scanJson(text);
    if (scan.tooDeep) throw badRequest(`the request body is not valid ${isJson ? 'JSON' : 'YAML'}: ${depthMessage()}`);
    try {
      return { value: JSON.parse(text), duplicates: scan.duplicates };
    } catch (e) {
      // JSON with a YAML content-type mismatch is common from hand-written curl calls; say what broke.
      if (isJson) throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
      // YAML flow style ({a: b}) is not JSON: parse it as YAML below.
    }
  }
  if (isYaml) {
    if (yamlDepthExceeds(text)) throw badRequest(`the request body is not valid YAML: ${depthMessage()}`);
    // uniqueKeys off: the library's own check is quadratic; yamlDuplicateKeys finds them linearly.
    const doc = parseDocument(text, { uniqueKeys: false });
    if (doc.errors.length > 0) throw badRequest(`the request body is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // The library refuses alias bombs (exponential expansion) with a ReferenceError: the client's fault.
      throw badRequest(`the request body is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    // Aliases can nest deeper than the text does.
    if (valueDepthExceeds(value)) throw badRequest(`the request body is not valid YAML: ${depthMessage()}`);
    return { value, duplicates: yamlDuplicateKeys(doc) };
  }
  throw unsupportedMediaType(type);
}

