// kubectl 1.31+ port-forward tunnels its SPDY session inside a WebSocket (sub-protocol
// "SPDY/3.1+portforward.k8s.io"): each binary message carries the next bytes of the SPDY stream, with
// no relation between message and frame boundaries. This turns the WebSocket back into a byte stream.

import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

export function websocketByteStream(ws: WebSocket): Duplex {
  const d = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) return cb(new Error('WebSocket closed'));
      ws.send(chunk, { binary: true }, (e) => cb(e ?? null));
    },
    final(cb) {
      ws.close(1000);
      cb();
    },
    destroy(err, cb) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000);
      cb(err);
    },
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) d.push(data);
  });
  ws.on('close', () => {
    d.push(null);
    d.destroy();
  });
  ws.on('error', () => d.destroy());
  return d;
}
