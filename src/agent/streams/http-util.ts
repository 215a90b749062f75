// Small HTTP helpers shared by the stream server's handlers: Status answers on a response or on a raw
// socket (before an upgrade completes).

import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { StreamTargetError } from './target.js';
import { failureStatus } from './status.js';

export function errorCode(e: unknown): { code: number; message: string } {
  if (e instanceof StreamTargetError) return { code: e.code, message: e.message };
  return { code: 500, message: e instanceof Error ? e.message : String(e) };
}

export function sendStatus(res: ServerResponse, code: number, message: string) {
  const body = JSON.stringify(failureStatus(code, message));
  if (res.headersSent) return void res.destroy();
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers an upgrade request with an HTTP error and closes the connection. */
export function rejectUpgrade(socket: Duplex, code: number, message: string) {
  const body = JSON.stringify(failureStatus(code, message));
  socket.end(`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
