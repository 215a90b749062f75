// Forwarding to the upstream resolvers (the host's, from /etc/resolv.conf) for names outside the
// cluster: over UDP from a fresh socket per query (so a reply can only come from the upstream we
// asked, with the id we chose), the next upstream on timeout, and again over TCP when the UDP reply
// is truncated.

import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';

export interface Upstream {
  host: string;
  port: number;
}

/** "10.0.0.2", "10.0.0.2:5353", "::1", "[::1]:53" -> host and port. */
export function parseUpstream(s: string): Upstream {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) return { host: bracket[1], port: Number(bracket[2] ?? 53) };
  const parts = s.split(':');
  if (parts.length === 2) return { host: parts[0], port: Number(parts[1]) };
  return { host: s, port: 53 };
}

export class UpstreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamError';
  }
}

const TC = 0x0200;

export class Forwarder {
  private inFlight = 0;

  constructor(
    readonly upstreams: Upstream[],
    private opts: { timeoutMs: number; maxInFlight: number },
  ) {}

  /** Sends the query (a full DNS message) upstream; resolves with the reply carrying the query's id. */
  async forward(query: Buffer): Promise<Buffer> {
    if (this.upstreams.length === 0) throw new UpstreamError('no upstream resolvers configured');
    if (this.inFlight >= this.opts.maxInFlight) throw new UpstreamError(`too many forwarded queries in flight (${this.opts.maxInFlight})`);
    this.inFlight++;
    try {
      const id = query.readUInt16BE(0);
      const errors: string[] = [];
      for (const u of this.upstreams) {
        try {
          const ourId = randomInt(0, 0x10000);
          const q = Buffer.from(query);
          q.writeUInt16BE(ourId, 0);
          let reply = await udpExchange(u, q, ourId, this.opts.timeoutMs);
          if (reply.readUInt16BE(2) & TC) reply = await tcpExchange(u, q, ourId, this.opts.timeoutMs);
          reply.writeUInt16BE(id, 0);
          return reply;
        } catch (e) {
          errors.push(`${u.host}:${u.port}: ${(e as Error).message}`);
        }
      }
      throw new UpstreamError(`no upstream answered: ${errors.join('; ')}`);
    } finally {
      this.inFlight--;
    }
  }
}

function udpExchange(u: Upstream, q: Buffer, id: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(u.host) ? 'udp6' : 'udp4');
    const done = (err: Error | undefined, reply?: Buffer) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => done(new UpstreamError(`timed out after ${timeoutMs}ms`)), timeoutMs);
    sock.on('error', (e) => done(e));
    sock.on('message', (msg) => {
      // Ignore anything that is not the reply to our query (a late reply to an earlier try, spoofing).
      if (msg.length >= 12 && msg.readUInt16BE(0) === id) done(undefined, msg);
    });
    sock.connect(u.port, u.host, () => sock.send(q));
  });
}

function tcpExchange(u: Upstream, q: Buffer, id: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: u.host, port: u.port });
    let buf = Buffer.alloc(0);
    const done = (err: Error | undefined, reply?: Buffer) => {
      sock.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    sock.setTimeout(timeoutMs, () => done(new UpstreamError(`TCP timed out after ${timeoutMs}ms`)));
    sock.on('error', (e) => done(e));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(q.length);
      sock.write(Buffer.concat([len, q]));
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        if (msg.length >= 12 && msg.readUInt16BE(0) === id) return done(undefined, Buffer.from(msg));
      }
    });
    sock.on('end', () => done(new UpstreamError('TCP connection closed before a reply')));
  });
}
