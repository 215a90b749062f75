// Timeouts against slow or silent clients (slow loris), as options for http(s).createServer. Node
// enforces them itself: headersTimeout from a connection's first byte (or its opening, when it sends
// nothing) to the end of the request headers, requestTimeout until the whole request, body included,
// has arrived (a request whose body is in, such as a watch, is never cut by it), keepAliveTimeout for
// an idle connection between requests. An expired request gets Node's 408 and the connection closes.
// Node does not time out a TLS connection that completes its handshake and then sends nothing, nor
// bound the handshake itself below two minutes: handshakeTimeout and cutSilentConnections() do.

import type { Server as TlsServer, TLSSocket } from 'node:tls';

export interface ReadTimeouts {
  /** Until the request headers are complete (default 30 s; Go's kube-apiserver allows 32 s). */
  headerTimeoutMs: number;
  /** Until the request body is complete (default 60 s). */
  bodyTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (default 90 s, as Kubernetes' server). */
  idleTimeoutMs: number;
}

export const DEFAULT_READ_TIMEOUTS: ReadTimeouts = { headerTimeoutMs: 30_000, bodyTimeoutMs: 60_000, idleTimeoutMs: 90_000 };

/** createServer options enforcing the timeouts (0 disables one). */
export function readTimeoutOptions(t: ReadTimeouts) {
  const header = t.headerTimeoutMs;
  // Node requires headersTimeout <= requestTimeout when both are set; the body deadline includes the headers.
  const body = t.bodyTimeoutMs > 0 && header > 0 ? Math.max(t.bodyTimeoutMs, header) : t.bodyTimeoutMs;
  const enforced = [header, body].filter((x) => x > 0);
  // Node checks deadlines on an interval (default 30 s): check often enough that a deadline is kept to a quarter.
  const interval = enforced.length ? Math.max(50, Math.min(5_000, Math.floor(Math.min(...enforced) / 4))) : 30_000;
  return {
    headersTimeout: header,
    requestTimeout: body,
    keepAliveTimeout: t.idleTimeoutMs,
    connectionsCheckingInterval: interval,
    ...(header > 0 ? { handshakeTimeout: header } : {}),
  };
}

/**
 * Closes TLS connections whose first byte after the handshake has not come within the header
 * timeout: until a request starts, Node's own header timeout is not running on them.
 */
export function cutSilentConnections(server: TlsServer, headerTimeoutMs: number) {
  if (headerTimeoutMs <= 0) return;
  server.on('secureConnection', (socket: TLSSocket) => {
    const timer = setTimeout(() => socket.destroy(), headerTimeoutMs);
    timer.unref();
    const stop = () => clearTimeout(timer);
    socket.once('data', stop);
    socket.once('close', stop);
  });
}
