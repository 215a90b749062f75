import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as packet from 'dns-packet';
import { encodeReply, udpLimit } from './wire.js';

const query = (edns?: number) =>
  packet.decode(
    packet.encode({
      type: 'query',
      id: 7,
      flags: packet.RECURSION_DESIRED,
      questions: [{ name: 'Many.default.svc.cluster.local', type: 'A' }],
      additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [],
    }),
  );

test('owner names are compressed into pointers and the reply decodes to the same records', () => {
  const q = query(1232);
  const answers = Array.from({ length: 50 }, (_, i) => ({ name: q.questions![0].name, type: 'A' as const, ttl: 5, data: `10.0.0.${i}` }));
  const additionals = [
    { name: 'a.b.cluster.local', type: 'A' as const, ttl: 5, data: '10.1.1.1' },
    { name: 'a.b.cluster.local', type: 'A' as const, ttl: 5, data: '10.1.1.2' },
  ];
  const authorities = [{ name: 'cluster.local', type: 'SOA' as const, ttl: 30, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 } }];
  const buf = encodeReply(q, { rcode: 'NOERROR', authoritative: true, answers, authorities, additionals });
  assert.ok(buf.length < 1050, `compressed size ${buf.length}`);
  const d = packet.decode(buf);
  assert.equal(d.id, 7);
  assert.ok(d.flag_rd && d.flag_ra && d.flag_aa && !d.flag_tc);
  assert.deepEqual(
    d.answers!.map((a) => [a.name, (a as { data?: unknown }).data]),
    answers.map((a) => [a.name, a.data]),
  );
  assert.deepEqual(
    d.additionals!.map((a) => a.name),
    ['a.b.cluster.local', 'a.b.cluster.local', '.'],
  );
  assert.deepEqual((d.authorities![0] as { data: unknown }).data, authorities[0].data);
});

test('UDP limit: 512 without EDNS0, the advertised size otherwise (capped at 1232); TC when over', () => {
  assert.equal(udpLimit(query()), 512);
  assert.equal(udpLimit(query(4096)), 1232);
  assert.equal(udpLimit(query(100)), 512);
  const q = query();
  const answers = Array.from({ length: 50 }, (_, i) => ({ name: q.questions![0].name, type: 'A' as const, ttl: 5, data: `10.0.0.${i}` }));
  const d = packet.decode(encodeReply(q, { rcode: 'NOERROR', answers }, 512));
  assert.ok(d.flag_tc);
  assert.equal(d.answers!.length, 0);
  assert.equal(d.questions![0].name, 'Many.default.svc.cluster.local');
});
