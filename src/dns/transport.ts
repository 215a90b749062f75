// DNS over UDP and TCP on one address and port: UDP datagrams, and TCP messages with a two-byte
// length prefix (RFC 1035 4.2.2), several per connection, answered as they complete (RFC 7766
// allows out-of-order replies; the id matches them up). Idle TCP connections are closed; open TCP
// connections are capped in total and per source, and one connection has at most a few queries in
// flight (it is read no further until some are answered), so a client cannot pile up work.

import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../util/log.js';
import { limitConnections } from '../util/http/connection-limits.js';

export type Proto = 'udp' | 'tcp';
export type Handler = (msg: Buffer, proto: Proto) => Promise<Buffer | undefined>;

export interface Listener {
  port: number;
  close(): Promise<void>;
}

const TCP_IDLE_MS = 10_000;
/** Open TCP connections in total and from one address: pods' resolvers use UDP and a TCP retry now and then. */
export const TCP_LIMITS = { maxConnections: 512, maxConnectionsPerIP: 32 };
/** Queries one TCP connection may have in flight (RFC 7766 pipelining) before it is read further. */
export const TCP_MAX_IN_FLIGHT = 16;

/**
 * Binds UDP then TCP on host:port. With port 0 the TCP socket takes the port UDP got, trying again
 * with a new one if another process holds it on TCP.
 */
export async function listen(host: string, port: number, handler: Handler, log: Logger): Promise<Listener> {
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(host, port, handler, log);
    const udpPort = udp.address().port;
    try {
      const tcp = await bindTcp(host, udpPort, handler, log);
      return {
        port: udpPort,
        close: async () => {
          await new Promise<void>((r) => udp.close(() => r()));
          await tcp.close();
        },
      };
    } catch (e) {
      await new Promise<void>((r) => udp.close(() => r()));
      if (port !== 0 || attempt >= 10 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
}

function bindUdp(host: string, port: number, handler: Handler, log: Logger): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    sock.once('error', reject);
    sock.bind(port, host, () => {
      sock.off('error', reject);
      sock.on('error', (e) => log.warn('DNS UDP socket error', { err: e }));
      resolve(sock);
    });
    sock.on('message', (msg, rinfo) => {
      handler(msg, 'udp').then(
        (reply) => {
          if (!reply) return;
          // send() throws on addresses it cannot reply to (a spoofed source port 0...): drop those, never throw.
          try {
            sock.send(reply, rinfo.port, rinfo.address);
          } catch (e) {
            log.debug('DNS reply not sent', { err: e, to: `${rinfo.address}:${rinfo.port}` });
          }
        },
        (e) => log.error('DNS query handler failed', { err: e, proto: 'udp' }),
      );
    });
  });
}

function bindTcp(host: string, port: number, handler: Handler, log: Logger): Promise<{ close(): Promise<void> }> {
  const conns = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    let buf = Buffer.alloc(0);
    let inFlight = 0;
    // Answers complete messages from buf while the connection has room in flight; pauses reading otherwise.
    const drain = () => {
      while (inFlight < TCP_MAX_IN_FLIGHT && buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = Buffer.from(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + msg.length);
        inFlight++;
        handler(msg, 'tcp')
          .then(
            (reply) => {
              if (!reply || sock.destroyed) return;
              const len = Buffer.alloc(2);
              len.writeUInt16BE(reply.length);
              sock.write(Buffer.concat([len, reply]));
            },
            (e) => log.error('DNS query handler failed', { err: e, proto: 'tcp' }),
          )
          .finally(() => {
            inFlight--;
            if (!sock.destroyed) drain();
          });
      }
      if (inFlight >= TCP_MAX_IN_FLIGHT) sock.pause();
      else if (sock.isPaused()) sock.resume();
    };
    sock.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      drain();
    });
  });
  limitConnections(server, TCP_LIMITS);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        close: () =>
          new Promise<void>((r) => {
            for (const c of conns) c.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
