// The DNS TCP listener's bounds: connections over the per-source cap are closed at once, and a
// connection pipelining many queries gets every answer while never having more than
// TCP_MAX_IN_FLIGHT of them in the handler at a time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { listen, TCP_LIMITS, TCP_MAX_IN_FLIGHT } from './transport.js';
import { logger } from '../util/log.js';

const framed = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);

test('TCP: a client past the per-source connection cap is cut off; pipelined queries are answered with bounded work in flight', async () => {
  let inHandler = 0;
  let most = 0;
  const server = await listen(
    '127.0.0.1',
    0,
    async (msg) => {
      most = Math.max(most, ++inHandler);
      await new Promise((r) => setTimeout(r, 2));
      inHandler--;
      return msg; // echo
    },
    logger('dns-test'),
  );
  const open: net.Socket[] = [];
  try {
    const connect = () =>
      new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port: server.port }, () => resolve(s));
        s.once('error', reject);
      });
    for (let i = 0; i < TCP_LIMITS.maxConnectionsPerIP; i++) open.push(await connect());
    const extra = await connect();
    const closed = await new Promise<boolean>((r) => {
      extra.once('close', () => r(true));
      extra.on('error', () => {});
      setTimeout(() => r(false), 2000);
    });
    assert.ok(closed, 'the connection past the cap is closed by the server');

    // 200 queries written at once on one connection: all answered, few at a time.
    const c = open[0];
    const want = 200;
    const answers = new Promise<number>((resolve) => {
      let buf = Buffer.alloc(0);
      let n = 0;
      c.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          buf = buf.subarray(2 + buf.readUInt16BE(0));
          if (++n === want) resolve(n);
        }
      });
    });
    c.write(Buffer.concat(Array.from({ length: want }, (_, i) => framed(Buffer.from(`query-${i}`)))));
    assert.equal(await answers, want);
    assert.ok(most <= TCP_MAX_IN_FLIGHT, `at most ${TCP_MAX_IN_FLIGHT} in flight, saw ${most}`);
  } finally {
    for (const s of open) s.destroy();
    await server.close();
  }
});
