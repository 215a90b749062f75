// Writing responses: JSON (or YAML when asked), Status objects for errors, and content negotiation
// for the representations kubectl asks for (Table, PartialObjectMetadata, discovery v2).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify } from 'yaml';
import { ApiError, type Status, type StatusDetails, internalError, statusDetails } from '../api/errors.js';
import { isPretty, jsonText } from './pretty.js';

/** One media range from an Accept header, with its parameters (as=Table;g=meta.k8s.io;v=v1). */
export interface MediaRange {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type, ...ps] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of ps) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

/** The first Accept entry asking for a meta.k8s.io/v1 Table (or PartialObjectMetadata[List]). */
export function wantsAs(req: IncomingMessage, as: string): boolean {
  return parseAccept(req.headers.accept).some((m) => m.params.as === as && (m.params.g ?? 'meta.k8s.io') === 'meta.k8s.io' && (m.params.v === 'v1' || m.params.v === 'v1beta1'));
}

export function wantsYaml(req: IncomingMessage): boolean {
  const first = parseAccept(req.headers.accept)[0];
  return first.type === 'application/yaml' && !first.params.as;
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json', extraHeaders: Record<string, string> = {}) {
  sendJsonText(res, code, jsonText(body, isPretty(res)), extraHeaders, contentType);
}

/** JSON already encoded (with its final newline). */
export function sendJsonText(res: ServerResponse, code: number, text: string, extraHeaders: Record<string, string> = {}, contentType = 'application/json') {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), ...extraHeaders });
  res.end(text);
}

/** The answer is compact JSON (not YAML, not indented): what an encoded text can be sent as. */
export function answersCompactJson(req: IncomingMessage, res: ServerResponse): boolean {
  return !wantsYaml(req) && !isPretty(res);
}

/** An object or list in the representation the client asked for (JSON default, YAML on request). */
export function sendObject(req: IncomingMessage, res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) {
  if (wantsYaml(req)) {
    const text = stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/yaml', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
    return;
  }
  sendJson(res, code, body, 'application/json', headers);
}

export function sendStatus(res: ServerResponse, status: Status) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Kubernetes sends Retry-After with a Status that carries retryAfterSeconds (429, and 5xx); client-go waits that long.
  const retry = status.details?.retryAfterSeconds;
  sendJson(res, status.code, status, 'application/json', retry && retry > 0 ? { 'Retry-After': String(retry) } : {});
}

export function sendError(res: ServerResponse, err: unknown) {
  const apiErr = err instanceof ApiError ? err : internalError(err);
  sendStatus(res, apiErr.toStatus());
}

export function sendText(res: ServerResponse, code: number, text: string, contentType = 'text/plain; charset=utf-8') {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The Success Status a DELETE answers with for kinds that do not return the deleted object
 * (genericregistry's finalizeDelete): no code, and details naming the object by resource, with
 * its group only when it has one.
 */
export function successStatus(details: StatusDetails): Omit<Status, 'code'> {
  const s: Omit<Status, 'code'> = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  const d = statusDetails(details);
  if (d) s.details = d;
  return s;
}
