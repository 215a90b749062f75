// SPDY/3 name/value header blocks: a count, then length-prefixed names and values (several values of
// one name joined by NUL), compressed with zlib against the SPDY dictionary. The zlib context lives
// for the whole session in each direction, so blocks must be (de)compressed in frame order: both
// classes serialize their calls.

import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { SpdyProtocolError } from './frames.js';
import { ignoreError } from '../../../util/best-effort.js';

/** Header names (lower-case) to their values. */
export type SpdyHeaders = Map<string, string[]>;

export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [u32(headers.size)];
  for (const [name, values] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(b: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = new Map();
  let off = 0;
  const read = () => {
    if (off + 4 > b.length) throw new SpdyProtocolError('truncated header block');
    const len = b.readUInt32BE(off);
    off += 4;
    if (off + len > b.length) throw new SpdyProtocolError('truncated header block');
    const s = b.subarray(off, off + len).toString('utf8');
    off += len;
    return s;
  };
  const count = (() => {
    if (b.length < 4) throw new SpdyProtocolError('truncated header block');
    off = 4;
    return b.readUInt32BE(0);
  })();
  for (let i = 0; i < count; i++) {
    const name = read().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), ...read().split('\0')]);
  }
  return headers;
}

function u32(v: number) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
}

/** Runs zlib over successive blocks on one context, flushing (Z_SYNC_FLUSH) after each. */
class SerialZlib {
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private z: zlib.Deflate | zlib.Inflate) {
    z.on('error', () => {}); // surfaced through the flush callback's result instead
  }

  run(input: Buffer): Promise<Buffer> {
    const next = this.chain.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (input.length) this.z.write(input);
          this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            // zlib pushes the output of a write before calling its callback; read it all now.
            const out: Buffer[] = [];
            for (let c: Buffer | null; (c = this.z.read()) !== null; ) out.push(c);
            if (this.z.destroyed) return reject(new SpdyProtocolError('bad compressed header block'));
            resolve(Buffer.concat(out));
          });
        }),
    );
    this.chain = next.catch(ignoreError('the caller of this step gets its failure; the chain only orders steps'));
    return next;
  }

  close() {
    this.z.destroy();
  }
}

export class HeaderCompressor {
  private z = new SerialZlib(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }));
  compress(headers: SpdyHeaders): Promise<Buffer> {
    return this.z.run(encodeHeaderBlock(headers));
  }
  close() {
    this.z.close();
  }
}

export class HeaderDecompressor {
  private z = new SerialZlib(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }));
  async decompress(block: Buffer): Promise<SpdyHeaders> {
    if (block.length === 0) return new Map();
    return decodeHeaderBlock(await this.z.run(block));
  }
  close() {
    this.z.close();
  }
}
