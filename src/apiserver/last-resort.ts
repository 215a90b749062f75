// The last line of defence of the API server's request handling: an error that escaped every
// handler (a bug) becomes a 500 Status and one log line, and never an unhandled rejection that could
// end the process, which in `gifee up` is the whole cluster.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../util/log.js';
import { preview } from '../util/http/request-target.js';
import { internalError } from '../api/errors.js';

export function lastResort(log: Logger, req: IncomingMessage, res: ServerResponse | undefined, err: unknown) {
  try {
    log.error('unexpected error serving a request', { method: req.method, path: preview(req.url ?? ''), err: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    if (!res || res.writableEnded) return;
    if (res.headersSent) return void res.destroy();
    const body = `${JSON.stringify(internalError(err).toStatus())}\n`;
    res.writeHead(500, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  } catch {
    // Nothing more can be said to this client.
    res?.destroy();
  }
}
