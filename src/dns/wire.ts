// DNS messages on the wire (through dns-packet): building a reply to a query with the right flags
// and rcode, EDNS0 (the client's advertised UDP payload size is honoured, and an OPT record is
// returned when the client sent one), and truncation over UDP: a reply larger than the client can
// take goes out with TC set and no records, so the client retries over TCP.

import * as packet from 'dns-packet';
import type { Answer, DecodedPacket, OptAnswer } from 'dns-packet';

export const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type RcodeName = keyof typeof RCODES;

/** Plain DNS over UDP without EDNS0 (RFC 1035). */
export const CLASSIC_UDP_SIZE = 512;
/** What we advertise and accept at most over UDP: the 2020 DNS flag day's size, safe from IP fragmentation. */
export const MAX_UDP_SIZE = 1232;

const QR = 0x8000;
const TC = 0x0200;
const RD = 0x0100;
const OPCODE_MASK = 0x7800;

export function optOf(q: DecodedPacket): OptAnswer | undefined {
  return (q.additionals ?? []).find((a): a is OptAnswer => a.type === 'OPT');
}

/** How large a UDP reply to this query may be. */
export function udpLimit(q: DecodedPacket | undefined): number {
  const opt = q && optOf(q);
  if (!opt) return CLASSIC_UDP_SIZE;
  return Math.min(MAX_UDP_SIZE, Math.max(CLASSIC_UDP_SIZE, opt.udpPayloadSize || CLASSIC_UDP_SIZE));
}

export interface Reply {
  rcode: RcodeName;
  authoritative?: boolean;
  answers?: Answer[];
  authorities?: Answer[];
  additionals?: Answer[];
}

/** Encodes a reply to the query: id, opcode, RD and the question echoed; RA set (we recurse). */
export function encodeReply(q: DecodedPacket, r: Reply, limit = Infinity): Buffer {
  const flags = (q.flags ?? 0) & (OPCODE_MASK | RD);
  const base = {
    type: 'response' as const,
    id: q.id,
    flags: QR | flags | packet.RECURSION_AVAILABLE | (r.authoritative ? packet.AUTHORITATIVE_ANSWER : 0) | RCODES[r.rcode],
    questions: q.questions,
  };
  const opt: Answer[] = optOf(q) ? [{ type: 'OPT', name: '.', udpPayloadSize: MAX_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [];
  const full = compressOwnerNames(packet.encode({ ...base, answers: r.answers ?? [], authorities: r.authorities ?? [], additionals: [...(r.additionals ?? []), ...opt] }));
  if (full.length <= limit) return full;
  return packet.encode({ ...base, flags: base.flags | TC, answers: [], authorities: [], additionals: opt });
}

/**
 * dns-packet writes every name in full. Records' owner names almost always repeat the question's
 * (or an earlier record's), so each repeat becomes a 2-byte pointer (RFC 1035 4.1.4): 50 A records
 * for a headless service take ~800 bytes instead of ~2,300 and fit a 1232-byte UDP reply. Names
 * inside record data are left as written (always correct, and required for SRV targets).
 */
export function compressOwnerNames(msg: Buffer): Buffer {
  const counts = [4, 6, 8, 10].map((o) => msg.readUInt16BE(o));
  const parts: Buffer[] = [msg.subarray(0, 12)];
  let outLen = 12;
  const seen = new Map<string, number>();
  let off = 12;
  const remember = (name: Buffer) => {
    const k = name.toString('latin1');
    if (!seen.has(k) && outLen < 0x3fff) seen.set(k, outLen);
  };
  for (let i = 0; i < counts[0]; i++) {
    const end = nameEnd(msg, off);
    remember(msg.subarray(off, end));
    parts.push(msg.subarray(off, end + 4));
    outLen += end + 4 - off;
    off = end + 4;
  }
  for (let i = 0; i < counts[1] + counts[2] + counts[3]; i++) {
    const end = nameEnd(msg, off);
    const name = msg.subarray(off, end);
    const at = name.length > 2 ? seen.get(name.toString('latin1')) : undefined;
    if (at !== undefined) {
      const ptr = Buffer.alloc(2);
      ptr.writeUInt16BE(0xc000 | at);
      parts.push(ptr);
      outLen += 2;
    } else {
      remember(name);
      parts.push(name);
      outLen += name.length;
    }
    const rdlen = msg.readUInt16BE(end + 8);
    parts.push(msg.subarray(end, end + 10 + rdlen));
    outLen += 10 + rdlen;
    off = end + 10 + rdlen;
  }
  return Buffer.concat(parts, outLen);
}

/** The offset just past an encoded name starting at off (labels up to the root, or a pointer). */
function nameEnd(msg: Buffer, off: number): number {
  for (;;) {
    const len = msg[off];
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2;
    off += len + 1;
  }
}

/** A reply for a query we could not decode: its id and our rcode, no question (FORMERR). */
export function encodeHeaderOnly(raw: Buffer, rcode: RcodeName): Buffer | undefined {
  if (raw.length < 12) return undefined;
  const out = Buffer.alloc(12);
  out.writeUInt16BE(raw.readUInt16BE(0), 0);
  out.writeUInt16BE(QR | (raw.readUInt16BE(2) & (OPCODE_MASK | RD)) | RCODES[rcode], 2);
  return out;
}

/** The rcode of an encoded reply (e.g. one relayed from upstream), for metrics. */
export function rcodeOf(reply: Buffer): string {
  const code = reply.readUInt16BE(2) & 0xf;
  return (Object.keys(RCODES) as RcodeName[]).find((k) => RCODES[k] === code) ?? String(code);
}
