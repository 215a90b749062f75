// Kubernetes' timeout filter for non-long-running requests: when a request has not been answered in
// time, the client gets 504 Timeout and whatever the handler writes later is dropped (Go's
// timeoutWriter). If the handler had already begun its answer, the connection is cut instead, as
// Kubernetes does: a half-written body cannot be turned into a Status.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from '../../api/errors.js';
import { parseGoDuration } from '../../util/go-duration.js';

export const requestTimedOut = () => new ApiError(504, 'Timeout', 'Timeout: request did not complete within requested timeout - context deadline exceeded', {});

/** The request's own deadline: ?timeout= (a Go duration) shortens the server's, never lengthens it. */
export function requestDeadlineMs(query: URLSearchParams, serverTimeoutMs: number): number {
  const raw = query.get('timeout');
  if (raw === null || raw === '') return serverTimeoutMs;
  const ms = parseGoDuration(raw);
  if (ms === undefined) throw badRequest(`invalid timeout specified in the request URL - time: invalid duration "${raw.slice(0, 64)}"`);
  // As Kubernetes: 0 or less means "no timeout of my own", and the server's maximum always holds.
  if (ms <= 0) return serverTimeoutMs;
  return serverTimeoutMs > 0 ? Math.min(ms, serverTimeoutMs) : ms;
}

/**
 * Arms the deadline on a response. `send` writes a Status (it is given the 504). Returns a cancel
 * function, to call when the handler settles.
 */
export function armDeadline(req: IncomingMessage, res: ServerResponse, ms: number, send: (res: ServerResponse, err: ApiError) => void, onTimeout?: () => void): () => void {
  if (ms <= 0) return () => {};
  const timer = setTimeout(() => {
    if (res.writableEnded || res.destroyed) return;
    onTimeout?.();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A request whose body never finished arriving: once the 504 is out, close the connection, which
    // also ends the handler's wait for that body (Node would otherwise leave it waiting for good).
    res.once('finish', () => {
      if (!req.complete) req.destroy();
    });
    send(res, requestTimedOut());
    // From now on the handler's writes go nowhere, so it can finish (or fail) without touching the answer.
    res.writeHead = (() => res) as never;
    res.setHeader = (() => res) as never;
    res.write = (() => true) as never;
    res.end = (() => res) as never;
    res.destroy = (() => res) as never;
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}
