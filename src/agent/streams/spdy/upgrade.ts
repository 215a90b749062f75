// The plain SPDY/3.1 HTTP upgrade that kubectl up to 1.30 (and 1.31+ as a fallback) uses for exec,
// attach and port-forward: the sub-protocol is negotiated in X-Stream-Protocol-Version headers.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { rejectUpgrade } from '../http-util.js';
import { SpdySession } from './session.js';

export const isSpdyUpgrade = (req: IncomingMessage) => (req.headers.upgrade ?? '').toLowerCase() === 'spdy/3.1';

/** The protocols the client offers, in its order of preference. */
export function offeredStreamProtocols(req: IncomingMessage): string[] {
  const raw = req.headersDistinct?.['x-stream-protocol-version'] ?? [];
  return raw
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * Completes the upgrade with the first protocol the client offers that we accept, or answers 403 as
 * Kubernetes does. A client offering none gets the first protocol we accept.
 */
export function acceptSpdyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, accepted: string[]): { session: SpdySession; protocol: string } | undefined {
  const offered = offeredStreamProtocols(req);
  const protocol = offered.length === 0 ? accepted[0] : offered.find((p) => accepted.includes(p));
  if (!protocol) {
    rejectUpgrade(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${accepted.join(' ')}]`);
    return undefined;
  }
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  if (head.length) socket.unshift(head);
  return { session: new SpdySession(socket), protocol };
}
