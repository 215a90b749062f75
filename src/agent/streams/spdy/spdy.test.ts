// SPDY/3.1 framing, header compression and the server session, driven as a client would drive them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { FLAG_FIN, FrameParser, RST, decodeFrame, encodeFrame, type Frame } from './frames.js';
import { HeaderCompressor, HeaderDecompressor, decodeHeaderBlock, encodeHeaderBlock } from './headers.js';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { SpdySession, type SpdyStream } from './session.js';

test('every frame type survives encode and decode', () => {
  const frames: Frame[] = [
    { type: 'data', streamId: 7, flags: FLAG_FIN, data: Buffer.from('hello') },
    { type: 'syn_stream', streamId: 1, associatedId: 0, priority: 3, flags: 0, headerBlock: Buffer.from([1, 2, 3]) },
    { type: 'syn_reply', streamId: 1, flags: FLAG_FIN, headerBlock: Buffer.from([4]) },
    { type: 'rst_stream', streamId: 3, status: RST.CANCEL },
    { type: 'settings', flags: 0, entries: [{ id: 7, flags: 1, value: 65536 }] },
    { type: 'ping', id: 5 },
    { type: 'goaway', lastGoodStreamId: 9, status: 0 },
    { type: 'headers', streamId: 3, flags: 0, headerBlock: Buffer.from([9]) },
    { type: 'window_update', streamId: 3, delta: 1000 },
  ];
  for (const f of frames) assert.deepEqual(decodeFrame(encodeFrame(f)), f);
});

test('control frames carry version 3 and the 24-bit length', () => {
  const b = encodeFrame({ type: 'ping', id: 1 });
  assert.equal(b.toString('hex'), '80030006000000040000000' + '1');
  assert.throws(() => decodeFrame(Buffer.from('80020006000000040000000' + '1', 'hex')), /unsupported SPDY version 2/);
});

test('the parser reassembles frames split and merged across chunks', () => {
  const a = encodeFrame({ type: 'data', streamId: 1, flags: 0, data: Buffer.alloc(1000, 1) });
  const b = encodeFrame({ type: 'ping', id: 3 });
  const all = Buffer.concat([a, b]);
  const p = new FrameParser();
  const got: Frame[] = [];
  for (let i = 0; i < all.length; i += 7) got.push(...p.push(all.subarray(i, i + 7)));
  assert.equal(got.length, 2);
  assert.equal(got[0].type === 'data' && got[0].data.length, 1000);
  assert.deepEqual(got[1], { type: 'ping', id: 3 });
});

test('header blocks: names lower-cased, multiple values joined by NUL', () => {
  const h = new Map([
    ['StreamType', ['data']],
    ['port', ['8080']],
    ['x', ['a', 'b']],
  ]);
  const back = decodeHeaderBlock(encodeHeaderBlock(h));
  assert.deepEqual(
    [...back],
    [
      ['streamtype', ['data']],
      ['port', ['8080']],
      ['x', ['a', 'b']],
    ],
  );
  assert.throws(() => decodeHeaderBlock(Buffer.from([0, 0, 0, 2, 0, 0, 0, 1])), /truncated/);
});

test('compression shares one zlib context with the SPDY dictionary across blocks', async () => {
  const c = new HeaderCompressor();
  const d = new HeaderDecompressor();
  for (let i = 0; i < 5; i++) {
    const h = new Map([
      ['streamtype', [i % 2 ? 'error' : 'data']],
      ['port', [String(8000 + i)]],
      ['requestid', [String(i)]],
    ]);
    assert.deepEqual(await d.decompress(await c.compress(h)), h);
  }
  // An independent inflater given the dictionary reads the first block: it is standard zlib.
  const c2 = new HeaderCompressor();
  const first = await c2.compress(new Map([['a', ['b']]]));
  const inflated = zlib.inflateSync(first, { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.deepEqual([...decodeHeaderBlock(inflated)], [['a', ['b']]]);
  c.close();
  d.close();
  c2.close();
});

test('the dictionary starts with the length-prefixed "options" and ends with "enq=0."', () => {
  assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
  assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith(',*,enq=0.'));
});

/** A client end of a session: sends frames, collects what the server writes. */
function clientPair() {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverSide = Duplex.from({ readable: toServer, writable: toClient });
  const parser = new FrameParser();
  const received: Frame[] = [];
  toClient.on('data', (c: Buffer) => received.push(...parser.push(c)));
  return { serverSide, send: (f: Frame) => toServer.write(encodeFrame(f)), received, end: () => toServer.end() };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition not reached');
};

test('session: accepts a stream, carries data both ways, half-closes with FIN, answers pings', async () => {
  const c = clientPair();
  const session = new SpdySession(c.serverSide);
  const streams: SpdyStream[] = [];
  session.on('stream', (s) => {
    streams.push(s);
    void s.reply();
    s.on('data', (d: Buffer) => s.write(Buffer.from(d.toString().toUpperCase())));
    s.on('end', () => s.end());
  });
  const comp = new HeaderCompressor();
  c.send({ type: 'syn_stream', streamId: 1, associatedId: 0, priority: 0, flags: 0, headerBlock: await comp.compress(new Map([['streamtype', ['data']]])) });
  c.send({ type: 'data', streamId: 1, flags: 0, data: Buffer.from('hi') });
  c.send({ type: 'ping', id: 1 });
  c.send({ type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.alloc(0) });
  await until(() => c.received.some((f) => f.type === 'data' && (f.flags & FLAG_FIN) !== 0));
  assert.equal(streams[0].header('StreamType'), 'data');
  const types = c.received.map((f) => f.type);
  assert.ok(types.includes('syn_reply') && types.includes('ping'));
  const data = c.received.filter((f): f is Extract<Frame, { type: 'data' }> => f.type === 'data');
  assert.equal(Buffer.concat(data.map((f) => f.data)).toString(), 'HI');
  // Data for an unknown stream is refused with RST_STREAM INVALID_STREAM.
  c.send({ type: 'data', streamId: 99, flags: 0, data: Buffer.from('x') });
  await until(() => c.received.some((f) => f.type === 'rst_stream'));
  const closed = new Promise<void>((r) => session.once('close', () => r()));
  c.send({ type: 'goaway', lastGoodStreamId: 0, status: 0 });
  await closed;
  comp.close();
});
