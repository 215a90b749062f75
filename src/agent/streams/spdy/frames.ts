// SPDY/3.1 framing: encoding frames and parsing them incrementally out of a byte stream.
// Header blocks stay compressed here; the session (de)compresses them in order (one zlib context per direction).

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const TYPE = { SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9 } as const;

/** RST_STREAM status codes. */
export const RST = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, UNSUPPORTED_VERSION: 4, CANCEL: 5, INTERNAL_ERROR: 6, FLOW_CONTROL_ERROR: 7, STREAM_IN_USE: 8, STREAM_ALREADY_CLOSED: 9 } as const;

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedId: number; priority: number; flags: number; headerBlock: Buffer }
  | { type: 'syn_reply'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: { id: number; flags: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'unknown'; controlType: number; flags: number; data: Buffer };

export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

const VERSION = 3;
const MAX_LENGTH = 0xffffff;

function control(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE((((flags & 0xff) << 24) | payload.length) >>> 0, 4);
  return Buffer.concat([h, payload]);
}

const u32 = (...values: number[]) => {
  const b = Buffer.alloc(values.length * 4);
  for (const [i, v] of values.entries()) b.writeUInt32BE(v >>> 0, i * 4);
  return b;
};

export function encodeFrame(f: Frame): Buffer {
  switch (f.type) {
    case 'data': {
      if (f.data.length > MAX_LENGTH) throw new SpdyProtocolError('DATA frame too long');
      const h = Buffer.alloc(8);
      h.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      h.writeUInt32BE((((f.flags & 0xff) << 24) | f.data.length) >>> 0, 4);
      return Buffer.concat([h, f.data]);
    }
    case 'syn_stream': {
      const p = Buffer.alloc(10);
      p.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      p.writeUInt32BE(f.associatedId & 0x7fffffff, 4);
      p[8] = (f.priority & 0x7) << 5;
      p[9] = 0; // slot
      return control(TYPE.SYN_STREAM, f.flags, Buffer.concat([p, f.headerBlock]));
    }
    case 'syn_reply':
      return control(TYPE.SYN_REPLY, f.flags, Buffer.concat([u32(f.streamId & 0x7fffffff), f.headerBlock]));
    case 'headers':
      return control(TYPE.HEADERS, f.flags, Buffer.concat([u32(f.streamId & 0x7fffffff), f.headerBlock]));
    case 'rst_stream':
      return control(TYPE.RST_STREAM, 0, u32(f.streamId & 0x7fffffff, f.status));
    case 'settings': {
      const p = Buffer.alloc(4 + 8 * f.entries.length);
      p.writeUInt32BE(f.entries.length, 0);
      f.entries.forEach((e, i) => {
        p.writeUInt32BE((((e.flags & 0xff) << 24) | (e.id & 0xffffff)) >>> 0, 4 + i * 8);
        p.writeUInt32BE(e.value >>> 0, 8 + i * 8);
      });
      return control(TYPE.SETTINGS, f.flags, p);
    }
    case 'ping':
      return control(TYPE.PING, 0, u32(f.id));
    case 'goaway':
      return control(TYPE.GOAWAY, 0, u32(f.lastGoodStreamId & 0x7fffffff, f.status));
    case 'window_update':
      return control(TYPE.WINDOW_UPDATE, 0, u32(f.streamId & 0x7fffffff, f.delta & 0x7fffffff));
    case 'unknown':
      return control(f.controlType, f.flags, f.data);
  }
}

/** Parses frames out of chunks as they arrive; a frame split across chunks is kept until complete. */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buf.length >= 8) {
      const length = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + length) break;
      frames.push(decodeFrame(this.buf.subarray(0, 8 + length)));
      this.buf = this.buf.subarray(8 + length);
    }
    return frames;
  }
}

function need(p: Buffer, n: number, what: string) {
  if (p.length < n) throw new SpdyProtocolError(`${what} frame too short (${p.length} bytes)`);
}

/** Decodes one whole frame (8-byte header + payload). */
export function decodeFrame(b: Buffer): Frame {
  const w0 = b.readUInt32BE(0);
  const flags = b[4];
  const p = Buffer.from(b.subarray(8)); // copy: the parser's buffer is reused
  if ((w0 & 0x80000000) === 0) return { type: 'data', streamId: w0 & 0x7fffffff, flags, data: p };
  const version = (w0 >>> 16) & 0x7fff;
  if (version !== VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
  const type = w0 & 0xffff;
  switch (type) {
    case TYPE.SYN_STREAM:
      need(p, 10, 'SYN_STREAM');
      return { type: 'syn_stream', streamId: p.readUInt32BE(0) & 0x7fffffff, associatedId: p.readUInt32BE(4) & 0x7fffffff, priority: p[8] >>> 5, flags, headerBlock: p.subarray(10) };
    case TYPE.SYN_REPLY:
      need(p, 4, 'SYN_REPLY');
      return { type: 'syn_reply', streamId: p.readUInt32BE(0) & 0x7fffffff, flags, headerBlock: p.subarray(4) };
    case TYPE.HEADERS:
      need(p, 4, 'HEADERS');
      return { type: 'headers', streamId: p.readUInt32BE(0) & 0x7fffffff, flags, headerBlock: p.subarray(4) };
    case TYPE.RST_STREAM:
      need(p, 8, 'RST_STREAM');
      return { type: 'rst_stream', streamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
    case TYPE.SETTINGS: {
      need(p, 4, 'SETTINGS');
      const n = p.readUInt32BE(0);
      need(p, 4 + 8 * n, 'SETTINGS');
      const entries = [];
      for (let i = 0; i < n; i++) {
        const w = p.readUInt32BE(4 + i * 8);
        entries.push({ flags: w >>> 24, id: w & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
      }
      return { type: 'settings', flags, entries };
    }
    case TYPE.PING:
      need(p, 4, 'PING');
      return { type: 'ping', id: p.readUInt32BE(0) };
    case TYPE.GOAWAY:
      need(p, 4, 'GOAWAY');
      return { type: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff, status: p.length >= 8 ? p.readUInt32BE(4) : 0 };
    case TYPE.WINDOW_UPDATE:
      need(p, 8, 'WINDOW_UPDATE');
      return { type: 'window_update', streamId: p.readUInt32BE(0) & 0x7fffffff, delta: p.readUInt32BE(4) & 0x7fffffff };
    default:
      return { type: 'unknown', controlType: type, flags, data: p };
  }
}
