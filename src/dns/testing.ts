// Test helpers: a DNS client (UDP and TCP, through dns-packet) and a fake upstream resolver on
// 127.0.0.1, so tests never send a query to a real resolver.

import * as packet from 'dns-packet';
import type { Answer, DecodedPacket, RecordType } from 'dns-packet';
import dgram from 'node:dgram';
import net from 'node:net';
import { listen, type Listener } from './transport.js';
import { logger } from '../util/log.js';

export interface QueryOptions {
  proto?: 'udp' | 'tcp';
  /** EDNS0 UDP payload size to advertise; no OPT record when unset. */
  edns?: number;
  timeoutMs?: number;
}

let nextId = 1;

export function query(server: { host: string; port: number }, name: string, type: RecordType | 'ANY', o: QueryOptions = {}): Promise<DecodedPacket & { rcode: string; size: number }> {
  const id = nextId++ & 0xffff;
  const msg = packet.encode({
    type: 'query',
    id,
    flags: packet.RECURSION_DESIRED,
    questions: [{ name, type: type as RecordType }],
    additionals: o.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: o.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [],
  });
  return (o.proto === 'tcp' ? tcp(server, msg, o.timeoutMs ?? 3000) : udp(server, msg, o.timeoutMs ?? 3000)).then((raw) => {
    const d = packet.decode(raw) as DecodedPacket & { rcode: string; size: number };
    if (d.id !== id) throw new Error(`reply id ${d.id} != query id ${id}`);
    d.size = raw.length;
    return d;
  });
}

function udp(s: { host: string; port: number }, msg: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(s.host) ? 'udp6' : 'udp4');
    const t = setTimeout(() => {
      sock.close();
      reject(new Error(`no UDP reply from ${s.host}:${s.port} in ${timeoutMs}ms`));
    }, timeoutMs);
    sock.on('message', (m) => {
      clearTimeout(t);
      sock.close();
      resolve(m);
    });
    sock.send(msg, s.port, s.host);
  });
}

function tcp(s: { host: string; port: number }, msg: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: s.host, port: s.port });
    let buf = Buffer.alloc(0);
    sock.setTimeout(timeoutMs, () => {
      sock.destroy();
      reject(new Error(`no TCP reply in ${timeoutMs}ms`));
    });
    sock.on('error', reject);
    sock.on('connect', () => sock.write(packet.streamEncode({ ...packet.decode(msg) })));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
  });
}

/** A record's data (the union type includes OPT, which has none). */
export const dataOf = (a: Answer) => (a as { data?: unknown }).data as any;

/** Sorted A record addresses of a reply. */
export const addressesOf = (r: DecodedPacket) =>
  (r.answers ?? [])
    .filter((a) => a.type === 'A')
    .map((a) => dataOf(a) as string)
    .sort();

export interface FakeUpstream {
  port: number;
  /** Questions it received, as "name TYPE proto". */
  seen: string[];
  close(): Promise<void>;
}

/**
 * A resolver on 127.0.0.1 that answers from a fixed table; names listed in `large` get so many TXT
 * records that the reply is truncated over UDP (TC), as a real upstream would do.
 */
export async function startFakeUpstream(table: Record<string, string>, large: string[] = []): Promise<FakeUpstream> {
  const seen: string[] = [];
  const l: Listener = await listen(
    '127.0.0.1',
    0,
    async (raw, proto) => {
      const q = packet.decode(raw);
      const question = q.questions![0];
      seen.push(`${question.name} ${question.type} ${proto}`);
      let answers: Answer[] = [];
      if (table[question.name] && question.type === 'A') answers = [{ name: question.name, type: 'A', ttl: 60, data: table[question.name] }];
      if (large.includes(question.name)) answers = Array.from({ length: 40 }, (_, i) => ({ name: question.name, type: 'TXT' as const, ttl: 60, data: `record ${i} ${'x'.repeat(40)}` }));
      const rcode = answers.length || table[question.name] ? 0 : 3;
      const full = packet.encode({ type: 'response', id: q.id, flags: 0x8000 | packet.RECURSION_AVAILABLE | rcode, questions: q.questions, answers });
      if (proto === 'udp' && full.length > 512) return packet.encode({ type: 'response', id: q.id, flags: 0x8000 | packet.TRUNCATED_RESPONSE | rcode, questions: q.questions, answers: [] });
      return full;
    },
    logger('fake-upstream'),
  );
  return { port: l.port, seen, close: () => l.close() };
}
