// When a request started, as early as the server can know it. The 'request' event fires only once
// its headers are parsed; a new connection's first request waited before that for the TCP accept and
// the TLS handshake (several turns of a possibly busy event loop), so it is timed from the accept.
// Later requests on a kept-alive connection are timed from their 'request' event: their bytes are
// parsed inside the TLS layer, below any JavaScript event. What they waited in the kernel while the
// loop was blocked shows in nodejs_eventloop_lag_seconds.

import type { Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

const endpoint = (s: Socket) => `${s.remoteAddress}|${s.remotePort}|${s.localPort}`;

export function requestStartTimes(server: Server): (req: IncomingMessage) => bigint {
  // Raw TCP socket and TLS socket are different objects; their address pair links them.
  const accepted = new Map<string, bigint>();
  const firstRequestFrom = new WeakMap<Socket, bigint>();
  server.on('connection', (raw: Socket) => {
    const key = endpoint(raw);
    accepted.set(key, process.hrtime.bigint());
    raw.once('close', () => accepted.delete(key));
  });
  server.on('secureConnection', (tls: Socket) => {
    const key = endpoint(tls);
    const at = accepted.get(key);
    accepted.delete(key);
    if (at !== undefined) firstRequestFrom.set(tls, at);
  });
  return (req) => {
    const at = firstRequestFrom.get(req.socket);
    if (at === undefined) return process.hrtime.bigint();
    firstRequestFrom.delete(req.socket);
    return at;
  };
}
