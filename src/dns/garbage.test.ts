// The DNS server against garbage: random datagrams, truncated queries at every length, header
// counts that lie, compression-pointer loops, stray responses; over TCP the same framed, plus empty
// frames, frames cut short by a reset and connections dropped mid-length. Nothing may throw out of a
// handler (this test process hosts the server: an uncaught error fails the test), and afterwards it
// still answers over UDP and TCP.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import * as packet from 'dns-packet';
import fc from 'fast-check';
import { startCluster, type Cluster } from '../../test/helpers/cluster.js';
import { clientConfigFromKubeconfig } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest.js';
import { logger } from '../util/log.js';
import { startDnsServer, type DnsServer } from './server.js';
import { query, startFakeUpstream, type FakeUpstream } from './testing.js';

const host = '127.0.0.1';

/** Hand-made hostile messages (each also cut at every length below). */
function craftedMessages(): Buffer[] {
  const q = packet.encode({ type: 'query', id: 7, flags: packet.RECURSION_DESIRED, questions: [{ name: 'kubernetes.default.svc.cluster.local', type: 'A' }] });
  const header = (qd: number, an: number, flags = 0x0100) => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(1, 0);
    h.writeUInt16BE(flags, 2);
    h.writeUInt16BE(qd, 4);
    h.writeUInt16BE(an, 6);
    return h;
  };
  const loop = Buffer.concat([header(1, 0), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]); // a name pointing at itself
  const longLabel = Buffer.concat([header(1, 0), Buffer.from([63]), Buffer.alloc(63, 0x61), Buffer.from([0xff]), Buffer.alloc(10, 0x62), Buffer.from([0, 0, 1, 0, 1])]);
  const optGarbage = Buffer.concat([q.subarray(0, 10), Buffer.from([0, 1]), q.subarray(12), Buffer.from([0, 0, 41, 0xff, 0xff, 0, 0, 0, 0, 0, 20, 0, 8, 0, 99, 1, 2, 3])]);
  const response = Buffer.from(q);
  response.writeUInt16BE(0x8180, 2);
  const notify = Buffer.from(q);
  notify.writeUInt16BE(0x2000, 2); // opcode 4
  const many = Buffer.concat([header(65535, 65535), q.subarray(12)]);
  return [q, loop, longLabel, optGarbage, response, notify, many, header(0, 0), header(2, 0), Buffer.alloc(0), Buffer.from([1])];
}

describe('cluster DNS server under garbage', () => {
  let cluster: Cluster;
  let dns: DnsServer;
  let upstream: FakeUpstream;

  before(async () => {
    cluster = await startCluster({ extraArgs: ['--no-controllers'] });
    const client = new RestClient(await clientConfigFromKubeconfig(cluster.kubeconfig));
    upstream = await startFakeUpstream({ 'example.test': '192.0.2.10' });
    dns = await startDnsServer({ client, listen: { host, port: 0 }, upstream: [`127.0.0.1:${upstream.port}`], log: logger('dns-garbage-test'), watchPods: false });
  });
  after(async () => {
    await dns?.stop();
    await upstream?.close();
    await cluster?.stop();
  });

  const stillAnswers = async () => {
    for (const proto of ['udp', 'tcp'] as const) {
      // UDP may drop a query while the server's receive buffer is still full of garbage: retry, as resolvers do.
      let r: Awaited<ReturnType<typeof query>>;
      for (let attempt = 1; ; attempt++) {
        try {
          r = await query({ host, port: dns.port }, 'kubernetes.default.svc.cluster.local', 'A', { proto, timeoutMs: 2000 });
          break;
        } catch (e) {
          if (proto === 'tcp' || attempt >= 5) throw e;
        }
      }
      assert.equal(r.rcode, 'NOERROR', proto);
      assert.equal(r.answers?.length, 1, proto);
    }
  };

  it('answers after random and crafted datagrams', async () => {
    const sock = dgram.createSocket('udp4');
    sock.on('message', () => undefined); // replies (FORMERR...) are fine; none are checked
    const send = (b: Buffer) => new Promise<void>((r) => sock.send(b, dns.port, host, () => r()));
    try {
      for (const m of craftedMessages()) for (let len = 0; len <= m.length; len++) await send(m.subarray(0, len));
      for (const b of fc.sample(fc.uint8Array({ maxLength: 600 }), { numRuns: 500, seed: 42 })) await send(Buffer.from(b));
      // Random bodies behind a plausible query header, which get further into the decoder.
      for (const b of fc.sample(fc.uint8Array({ maxLength: 200 }), { numRuns: 500, seed: 43 })) await send(Buffer.concat([Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1]), Buffer.from(b)]));
    } finally {
      sock.close();
    }
    await stillAnswers();
  });

  it('answers after garbage over TCP: framed, empty, cut short, reset mid-message', async () => {
    const framed = (b: Buffer) => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(b.length);
      return Buffer.concat([len, b]);
    };
    const messages = [...craftedMessages(), ...fc.sample(fc.uint8Array({ maxLength: 300 }), { numRuns: 200, seed: 44 }).map((b) => Buffer.from(b))];
    const connect = () =>
      new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host, port: dns.port }, () => resolve(s));
        s.on('error', () => undefined);
        s.once('error', reject);
      });
    // Everything on one connection, then one connection per way of ending abruptly.
    const s = await connect();
    for (const m of messages) s.write(framed(m));
    await new Promise<void>((r) => s.end(() => r()));
    for (const ending of [Buffer.from([0xff, 0xff, 1, 2, 3]), Buffer.from([0]), framed(messages[0]).subarray(0, 10), Buffer.from([0, 0])]) {
      const c = await connect();
      c.write(ending);
      await new Promise((r) => setImmediate(r));
      c.resetAndDestroy();
    }
    const half = await connect();
    half.write(Buffer.from([0, 40]));
    half.end();
    await stillAnswers();
  });
});
