// Reads and decodes request bodies: a size limit (so one client cannot exhaust memory), then JSON or
// YAML by Content-Type, with decoding errors turned into 400s that say where the input is broken.

import type { IncomingMessage } from 'node:http';
import { badRequest, tooLarge, unsupportedMediaType } from '../api/errors.js';
import type { ObjectSchema } from '../api/schema.js';
import { decodeProtobuf } from './protobuf/decode.js';
import { depthMessage, scanJson } from './decode-limits.js';
import { decodeYaml } from './yaml-decode.js';
import { decodeYamlAsync } from './yaml-offload.js';

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
  if (isYaml) return decodeYaml(text);
  throw unsupportedMediaType(type);
}

/**
 * decodeBody for the handlers that take whole objects: the same result, but a large YAML body is
 * parsed in the YAML worker instead of on the event loop.
 */
export async function decodeBodyAsync(buf: Buffer, contentType: string | undefined, schema?: ObjectSchema): Promise<{ value: unknown; duplicates: string[] }> {
  const type = mediaType(contentType);
  const isYaml = type === 'application/yaml' || type === 'application/apply-patch+yaml' || type === 'application/x-yaml' || type === 'text/yaml';
  if (isYaml && buf.length > 0) {
    const text = buf.toString('utf8');
    if (text.trim() !== '' && !/^\s*[{[]/.test(text)) return decodeYamlAsync(text);
  }
  return decodeBody(buf, contentType, schema);
}
