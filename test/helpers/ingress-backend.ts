// A small keep-alive HTTP app for ingress tests and benchmarks, node built-ins only (it runs in a pod
// image with nothing else, test/helpers/node-app-image.ts, and as a host process in bench/ingress.ts):
// - any path: "pod=NAME path=PATH host=HOST xff=X-FORWARDED-FOR proto=X-FORWARDED-PROTO";
// - /stream: three lines 300 ms apart (a streamed response);
// - /bytes?n=N: N bytes (bench bodies);
// - a WebSocket upgrade: the handshake (RFC 6455), then each text frame echoed back as "echo: TEXT".
// PORT (default 8080) and POD_NAME (default the hostname) come from the environment.

import { createHash } from 'node:crypto';
import http from 'node:http';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';

const port = Number(process.env.PORT ?? 8080);
const name = process.env.POD_NAME ?? hostname();
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const server = http.createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/stream') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let i = 0;
    const tick = () => {
      res.write(`line ${++i}\n`);
      if (i < 3) setTimeout(tick, 300);
      else res.end();
    };
    return tick();
  }
  if (url.pathname === '/bytes') {
    const n = Math.min(Number(url.searchParams.get('n') ?? 0) || 0, 1 << 20);
    return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n }).end(Buffer.alloc(n, 97));
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = `pod=${name} path=${req.url} host=${req.headers.host} xff=${req.headers['x-forwarded-for'] ?? ''} proto=${req.headers['x-forwarded-proto'] ?? ''} body=${Buffer.concat(chunks).length}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});

/** Text frames in, "echo: TEXT" frames out (small frames: payloads under 64 KiB). */
function websocket(socket: Duplex) {
  let buf = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0] & 0x0f;
      const masked = (buf[1] & 0x80) !== 0;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) return void socket.destroy();
      const maskOff = off;
      if (masked) off += 4;
      if (buf.length < off + len) return;
      const payload = Buffer.from(buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] ^= buf[maskOff + (i % 4)];
      buf = buf.subarray(off + len);
      if (opcode === 8) return void socket.end(Buffer.from([0x88, 0]));
      if (opcode !== 1) continue;
      const out = Buffer.from(`echo: ${payload.toString('utf8')}`);
      const head = out.length < 126 ? Buffer.from([0x81, out.length]) : Buffer.from([0x81, 126, out.length >> 8, out.length & 0xff]);
      socket.write(Buffer.concat([head, out]));
    }
  });
  socket.on('error', () => socket.destroy());
}

server.on('upgrade', (req, socket) => {
  const key = req.headers['sec-websocket-key'];
  if (String(req.headers.upgrade).toLowerCase() !== 'websocket' || typeof key !== 'string') return void socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  const accept = createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  websocket(socket);
});

server.listen(port, process.env.BIND ?? '0.0.0.0', () => process.stdout.write(`listening on ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
