// Port-forward over a SPDY session, as the kubelet serves it: for each forwarded connection the client
// opens an error stream and a data stream with headers streamType, port and requestID. Once both of a
// request are here, we dial the port in the pod and copy bytes both ways; a failure is written on
// the error stream, which kubectl prints.

import type { Duplex } from 'node:stream';
import type { Logger } from '../../../util/log.js';
import type { SpdySession, SpdyStream } from '../spdy/session.js';
import { RST } from '../spdy/frames.js';

export const PORTFORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** How long the second stream of a pair may lag the first. */
const PAIR_TIMEOUT_MS = 30_000;

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

export function servePortForward(session: SpdySession, dial: (port: number) => Promise<Duplex>, log: Logger): Promise<void> {
  const pairs = new Map<string, Pair>();
  const sockets = new Set<Duplex>();

  session.on('stream', (s) => {
    const type = s.header('streamtype');
    if (type !== 'error' && type !== 'data') return s.reset(RST.PROTOCOL_ERROR);
    // Clients before requestID paired streams by id: the data stream follows its error stream.
    const requestId = s.header('requestid') ?? String(type === 'error' ? s.id : s.id - 2);
    void s.reply();
    let pair = pairs.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(requestId);
        pair?.error?.reset();
        pair?.data?.reset();
      }, PAIR_TIMEOUT_MS);
      pairs.set(requestId, (pair = { timer }));
    }
    pair[type] = s;
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      void forward(pair.error, pair.data);
    }
  });

  async function forward(errorStream: SpdyStream, data: SpdyStream) {
    errorStream.resume(); // the client sends nothing on it but its FIN
    const portText = data.header('port') ?? '';
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      errorStream.end(`invalid port "${portText}"`);
      data.end();
      return;
    }
    let sock: Duplex;
    try {
      sock = await dial(port);
    } catch (e) {
      errorStream.end(`error forwarding port ${port} to pod: ${e instanceof Error ? e.message : String(e)}`);
      data.end();
      return;
    }
    sockets.add(sock);
    sock.on('error', (e) => {
      log.debug('port-forward connection error', { port, err: e });
      if (!errorStream.writableEnded) errorStream.end(`error forwarding port ${port}: ${e.message}`);
      data.destroy();
    });
    sock.once('close', () => {
      sockets.delete(sock);
      if (!errorStream.writableEnded) errorStream.end();
    });
    data.on('error', () => sock.destroy());
    data.once('close', () => {
      // The client reset the stream, or the session ended: the connection in the pod goes too.
      if (!sock.writableEnded || !sock.readableEnded) sock.destroy();
    });
    data.pipe(sock); // client FIN -> half-close toward the pod
    sock.pipe(data); // pod closed its side -> FIN to the client
  }

  return new Promise((resolve) => {
    session.once('close', () => {
      for (const p of pairs.values()) clearTimeout(p.timer);
      pairs.clear();
      for (const s of sockets) s.destroy();
      resolve();
    });
  });
}
