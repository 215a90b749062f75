// The checks the ws library makes before accepting a WebSocket handshake, made first so that a bad
// handshake gets a Status answer like every other error of the stream server (ws itself answers
// with plain text: "Invalid HTTP method", "Missing or invalid Sec-WebSocket-Key header"...).

import type { IncomingMessage } from 'node:http';

const KEY = /^[+/0-9A-Za-z]{22}==$/;

/** Why the handshake would be refused, with the HTTP code; undefined when ws will accept it. */
export function websocketHandshakeError(req: IncomingMessage): { code: number; message: string } | undefined {
  if (req.method !== 'GET') return { code: 405, message: `a WebSocket handshake is a GET, not ${req.method}` };
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !KEY.test(key.trim())) return { code: 400, message: 'missing or invalid Sec-WebSocket-Key header' };
  const version = Number(req.headers['sec-websocket-version']);
  if (version !== 8 && version !== 13) return { code: 400, message: 'missing or invalid Sec-WebSocket-Version header (13)' };
  return undefined;
}
