// A SPDY/3.1 session on the server side of a byte stream (an upgraded socket, or a WebSocket tunnel):
// the peer opens streams (SYN_STREAM), we accept them (SYN_REPLY) and exchange DATA; FIN half-closes
// a direction, RST_STREAM aborts a stream, PINGs are answered, GOAWAY or the end of the transport
// closes everything. Like the Go implementation kubectl talks to, no flow-control windows are
// enforced (WINDOW_UPDATE is accepted and ignored).

import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { FLAG_FIN, FrameParser, RST, encodeFrame, type Frame } from './frames.js';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './headers.js';
import { ignoreError } from '../../../util/best-effort.js';

const MAX_DATA = 32 * 1024;

/** One SPDY stream as a Node Duplex: readable = the peer's DATA, writable = ours; end() sends FIN. */
export class SpdyStream extends Duplex {
  private replied = false;

  constructor(
    private session: SpdySession,
    readonly id: number,
    readonly headers: SpdyHeaders,
  ) {
    super({ allowHalfOpen: true });
  }

  /** A request header's first value (names are lower-case). */
  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }

  /** Accept the stream (SYN_REPLY with no headers); fin: accept and close our side at once. */
  async reply(fin = false) {
    if (this.replied) return;
    this.replied = true;
    await this.session.sendSynReply(this.id, fin);
  }

  /** Abort the stream (RST_STREAM). */
  reset(status: number = RST.CANCEL) {
    this.session.sendRst(this.id, status);
    this.destroy();
  }

  override _read() {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void) {
    this.session.sendData(this.id, chunk, false).then(() => cb(), cb);
  }

  override _final(cb: (e?: Error | null) => void) {
    this.session.sendData(this.id, Buffer.alloc(0), true).then(() => cb(), cb);
  }

  /** @internal the peer's data */
  receive(data: Buffer, fin: boolean) {
    if (data.length) this.push(data);
    if (fin) this.push(null);
  }
}

export interface SpdySessionEvents {
  stream: [SpdyStream];
  close: [];
}

export class SpdySession extends EventEmitter<SpdySessionEvents> {
  private parser = new FrameParser();
  private inflater = new HeaderDecompressor();
  private deflater = new HeaderCompressor();
  private streams = new Map<number, SpdyStream>();
  /** Frames are handled strictly in order: header blocks share one zlib context. */
  private inbound: Promise<void> = Promise.resolve();
  /** Frames are written in order too: a SYN_REPLY's compressed block must precede later ones. */
  private outbound: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  closed = false;

  constructor(private transport: Duplex) {
    super();
    transport.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.parser.push(chunk);
      } catch {
        return this.close();
      }
      for (const f of frames) this.inbound = this.inbound.then(() => this.handle(f)).catch(() => this.close());
    });
    transport.on('end', () => this.close());
    transport.on('close', () => this.close());
    transport.on('error', () => this.close());
  }

  private async handle(f: Frame) {
    if (this.closed) return;
    switch (f.type) {
      case 'syn_stream': {
        const headers = await this.inflater.decompress(f.headerBlock);
        if (this.streams.has(f.streamId)) return this.sendRst(f.streamId, RST.STREAM_IN_USE);
        const s = new SpdyStream(this, f.streamId, headers);
        this.streams.set(f.streamId, s);
        this.lastStreamId = Math.max(this.lastStreamId, f.streamId);
        s.once('close', () => this.streams.delete(f.streamId));
        this.emit('stream', s);
        if (f.flags & FLAG_FIN) s.receive(Buffer.alloc(0), true);
        return;
      }
      case 'headers':
        await this.inflater.decompress(f.headerBlock); // keep the zlib context in step; nothing uses trailers
        return;
      case 'syn_reply':
        await this.inflater.decompress(f.headerBlock);
        return;
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (!s) return this.sendRst(f.streamId, RST.INVALID_STREAM);
        s.receive(f.data, (f.flags & FLAG_FIN) !== 0);
        return;
      }
      case 'rst_stream':
        this.streams.get(f.streamId)?.destroy();
        return;
      case 'ping':
        // Answer the peer's pings (odd ids from a client); ours would be even.
        return void this.write(encodeFrame({ type: 'ping', id: f.id }));
      case 'goaway':
        return this.close();
      case 'settings':
      case 'window_update':
      case 'unknown':
        return;
    }
  }

  private write(b: Buffer): Promise<void> {
    if (this.closed || !this.transport.writable) return Promise.reject(new Error('SPDY session closed'));
    return new Promise((resolve, reject) => this.transport.write(b, (e) => (e ? reject(e) : resolve())));
  }

  private enqueue(make: () => Promise<Buffer> | Buffer): Promise<void> {
    const next = this.outbound.then(async () => this.write(await make()));
    this.outbound = next.catch(ignoreError('the caller of this write gets its failure; the queue only orders frames'));
    return next;
  }

  sendSynReply(streamId: number, fin: boolean): Promise<void> {
    return this.enqueue(async () => encodeFrame({ type: 'syn_reply', streamId, flags: fin ? FLAG_FIN : 0, headerBlock: await this.deflater.compress(new Map()) }));
  }

  sendData(streamId: number, data: Buffer, fin: boolean): Promise<void> {
    if (data.length <= MAX_DATA) return this.enqueue(() => encodeFrame({ type: 'data', streamId, flags: fin ? FLAG_FIN : 0, data }));
    const sends: Promise<void>[] = [];
    for (let off = 0; off < data.length; off += MAX_DATA) {
      const piece = data.subarray(off, off + MAX_DATA);
      const last = off + MAX_DATA >= data.length;
      sends.push(this.enqueue(() => encodeFrame({ type: 'data', streamId, flags: fin && last ? FLAG_FIN : 0, data: piece })));
    }
    return Promise.all(sends).then(() => {});
  }

  sendRst(streamId: number, status: number) {
    void this.enqueue(() => encodeFrame({ type: 'rst_stream', streamId, status })).catch(ignoreError('the connection is closing: the reset has no one to reach'));
  }

  /** Say goodbye and close the transport once queued frames are written. */
  async goAway() {
    if (this.closed) return;
    await this.enqueue(() => encodeFrame({ type: 'goaway', lastGoodStreamId: this.lastStreamId, status: 0 })).catch(ignoreError('the connection is closing either way'));
    this.transport.end();
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.destroy();
    this.streams.clear();
    this.inflater.close();
    this.deflater.close();
    this.transport.destroy();
    this.emit('close');
  }
}
