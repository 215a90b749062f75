// Pretty-printed JSON, decided once per request as kube-apiserver decides it: ?pretty= read with
// Go's strconv.ParseBool (pretty=True and pretty=1 indent, an unknown spelling does not), and
// without the parameter, curl, Wget and browsers get indented JSON. The answer is remembered per
// response, so every writer (objects, lists, Status errors) can ask without the request at hand.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { goParseBool } from '../util/http/query-bool.js';

const prettyResponses = new WeakSet<ServerResponse>();

export function wantsPretty(req: IncomingMessage, query: URLSearchParams): boolean {
  const p = query.get('pretty');
  if (p) return goParseBool(p) ?? false;
  const ua = String(req.headers['user-agent'] ?? '');
  return ua.startsWith('curl') || ua.startsWith('Wget') || ua.startsWith('Mozilla/5.0');
}

/** Called once a request's query is known; later writes to `res` indent their JSON. */
export function notePretty(req: IncomingMessage, res: ServerResponse, query: URLSearchParams) {
  if (wantsPretty(req, query)) prettyResponses.add(res);
}

export function isPretty(res: ServerResponse): boolean {
  return prettyResponses.has(res);
}

/** JSON as Go's encoder writes it: compact or indented by two spaces, always with a final newline. */
export function jsonText(body: unknown, pretty: boolean): string {
  return `${pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body)}\n`;
}
