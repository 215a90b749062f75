// The DNS server against a real API server: Services and EndpointSlices made with kubectl, queries
// over UDP and TCP with dns-packet. Names outside the cluster go to a fake upstream on 127.0.0.1
// (tests never query a real resolver).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../../test/helpers/cluster.js';
import { clientConfigFromKubeconfig } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest.js';
import { logger } from '../util/log.js';
import { metrics } from '../util/metrics.js';
import { startDnsServer, type DnsServer } from './server.js';
import { addressesOf, dataOf, query, startFakeUpstream, type FakeUpstream } from './testing.js';

const host = '127.0.0.1';

const svc = (name: string, spec: Record<string, unknown>, ns = 'default') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec });
const slice = (name: string, service: string, endpoints: unknown[], ports: unknown[], ns = 'default') => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  addressType: 'IPv4',
  metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
  endpoints,
  ports,
});
const ep = (ip: string, extra: Record<string, unknown> = {}) => ({ addresses: [ip], conditions: { ready: true }, ...extra });

async function until(what: string, fn: () => Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('cluster DNS server', () => {
  let cluster: Cluster;
  let client: RestClient;
  let dns: DnsServer;
  let upstream: FakeUpstream;
  let s: { host: string; port: number };
  const apply = (...objs: unknown[]) => cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }) });

  before(async () => {
    cluster = await startCluster({ extraArgs: ['--no-controllers'] });
    client = new RestClient(await clientConfigFromKubeconfig(cluster.kubeconfig));
    upstream = await startFakeUpstream({ 'example.test': '192.0.2.10', 'alias-target.example.test': '192.0.2.20' }, ['big.example.test']);
    await apply(
      svc('web', {
        clusterIP: '10.43.0.10',
        ports: [
          { name: 'http', port: 80, targetPort: 8080 },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
      }),
      svc('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }),
      slice('db-1', 'db', [ep('10.42.1.5', { hostname: 'db-0' }), ep('10.42.1.6', { hostname: 'db-1' }), ep('10.42.1.7', { conditions: { ready: false } }), ep('198.18.0.9', { hostname: 'db-sim' })], [{ name: 'pg', port: 5432, protocol: 'TCP' }]),
      slice('db-2', 'db', [ep('10.42.2.8')], [{ name: 'pg', port: 15432, protocol: 'TCP' }]),
      svc('ext', { type: 'ExternalName', externalName: 'alias-target.example.test' }),
      svc('many', { clusterIP: 'None', ports: [{ port: 80 }] }),
      slice(
        'many-1',
        'many',
        Array.from({ length: 50 }, (_, i) => ep(`10.42.3.${i + 1}`)),
        [{ port: 80, protocol: 'TCP' }],
      ),
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'gifee.local/busybox:1' }] } },
    );
    await cluster.kubectl(['patch', 'pod', 'p', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { podIP: '10.42.9.9', podIPs: [{ ip: '10.42.9.9' }] } })]);
    dns = await startDnsServer({ client, listen: { host, port: 0 }, upstream: [`127.0.0.1:${upstream.port}`], log: logger('dns-test') });
    s = { host, port: dns.port };
  });

  after(async () => {
    await dns?.stop();
    await upstream?.close();
    client?.close();
    await cluster?.stop();
  });

  it('A for a ClusterIP service over UDP and TCP, case-insensitively, with TTL 5 and AA', async () => {
    for (const proto of ['udp', 'tcp'] as const) {
      const r = await query(s, 'web.default.svc.cluster.local', 'A', { proto });
      assert.equal(r.rcode, 'NOERROR');
      assert.ok(r.flag_aa);
      assert.deepEqual(addressesOf(r), ['10.43.0.10']);
      assert.equal(r.answers![0].type === 'A' && r.answers![0].ttl, 5);
    }
    const mixed = await query(s, 'WEB.Default.SVC.cluster.local', 'A');
    assert.deepEqual(addressesOf(mixed), ['10.43.0.10']);
    assert.equal(mixed.answers![0].name, 'WEB.Default.SVC.cluster.local', 'answer echoes the asked name');
  });

  it('headless: ready endpoints from every slice; endpoint hostnames; AAAA is empty NOERROR', async () => {
    assert.deepEqual(addressesOf(await query(s, 'db.default.svc.cluster.local', 'A')), ['10.42.1.5', '10.42.1.6', '10.42.2.8']);
    assert.deepEqual(addressesOf(await query(s, 'db-1.db.default.svc.cluster.local', 'A')), ['10.42.1.6']);
    assert.deepEqual(addressesOf(await query(s, '10-42-2-8.db.default.svc.cluster.local', 'A')), ['10.42.2.8']);
    assert.equal((await query(s, 'db-9.db.default.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
    assert.equal((await query(s, 'db-sim.db.default.svc.cluster.local', 'A')).rcode, 'NXDOMAIN', 'pods of simulated nodes are not published');
    assert.equal((await query(s, '10-42-1-7.db.default.svc.cluster.local', 'A')).rcode, 'NXDOMAIN', 'not-ready endpoints are not published');
    const aaaa = await query(s, 'web.default.svc.cluster.local', 'AAAA');
    assert.equal(aaaa.rcode, 'NOERROR');
    assert.equal(aaaa.answers!.length, 0);
    assert.equal(aaaa.authorities![0].type, 'SOA');
  });

  it('SRV for named ports: the service name for a ClusterIP service, one per endpoint when headless', async () => {
    const r = await query(s, '_http._tcp.web.default.svc.cluster.local', 'SRV');
    assert.deepEqual(
      r.answers!.map((a) => dataOf(a)),
      [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }],
    );
    assert.deepEqual(addressesOf({ answers: r.additionals } as never), ['10.43.0.10']);
    const udp = await query(s, '_dns._udp.web.default.svc.cluster.local', 'SRV');
    assert.equal((dataOf(udp.answers![0]) as { port: number }).port, 53);
    assert.equal((await query(s, '_dns._tcp.web.default.svc.cluster.local', 'SRV')).rcode, 'NXDOMAIN');

    const h = await query(s, '_pg._tcp.db.default.svc.cluster.local', 'SRV', { proto: 'tcp' });
    const targets = h
      .answers!.map((a) => {
        const d = dataOf(a) as { port: number; target: string };
        return `${d.target}:${d.port}`;
      })
      .sort();
    assert.deepEqual(targets, ['10-42-2-8.db.default.svc.cluster.local:15432', 'db-0.db.default.svc.cluster.local:5432', 'db-1.db.default.svc.cluster.local:5432']);
    assert.equal(h.additionals!.filter((a) => a.type === 'A').length, 3);
    // SRV on the service name itself: every port.
    assert.equal((await query(s, 'web.default.svc.cluster.local', 'SRV')).answers!.length, 2);
  });

  it('PTR for service IPs, headless endpoint IPs and pod IPs; pod A records', async () => {
    const ptr = async (name: string) => (await query(s, name, 'PTR')).answers!.map((a) => dataOf(a));
    assert.deepEqual(await ptr('10.0.43.10.in-addr.arpa'), ['web.default.svc.cluster.local']);
    assert.deepEqual(await ptr('5.1.42.10.in-addr.arpa'), ['db-0.db.default.svc.cluster.local']);
    assert.deepEqual(await ptr('9.9.42.10.in-addr.arpa'), ['10-42-9-9.default.pod.cluster.local']);
    assert.deepEqual(addressesOf(await query(s, '10-42-9-9.default.pod.cluster.local', 'A')), ['10.42.9.9']);
    assert.equal((await query(s, '10-42-9-8.default.pod.cluster.local', 'A')).rcode, 'NXDOMAIN', 'pods are verified');
  });

  it('ExternalName: a CNAME, with the target resolved for the client', async () => {
    const r = await query(s, 'ext.default.svc.cluster.local', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(
      r.answers!.map((a) => `${a.type} ${dataOf(a)}`),
      ['CNAME alias-target.example.test', 'A 192.0.2.20'],
    );
    const c = await query(s, 'ext.default.svc.cluster.local', 'CNAME');
    assert.deepEqual(
      c.answers!.map((a) => dataOf(a)),
      ['alias-target.example.test'],
    );
  });

  it('NXDOMAIN with the zone SOA (TTL 30) for unknown cluster names', async () => {
    for (const name of ['nope.default.svc.cluster.local', 'web.nons.svc.cluster.local', 'web.default.cluster.local', 'nons.svc.cluster.local']) {
      const r = await query(s, name, 'A');
      assert.equal(r.rcode, 'NXDOMAIN', name);
      const soa = r.authorities![0];
      assert.equal(soa.type, 'SOA');
      assert.equal(soa.name, 'cluster.local');
      assert.equal(soa.ttl, 30);
    }
    assert.equal((await query(s, 'default.svc.cluster.local', 'A')).rcode, 'NOERROR', 'a namespace with services exists');
    assert.equal((await query(s, 'cluster.local', 'SOA')).answers![0].type, 'SOA');
    assert.deepEqual(
      (await query(s, 'dns-version.cluster.local', 'TXT')).answers!.map((a) => String(dataOf(a))),
      ['1.1.0'],
    );
  });

  it('forwards other names to the upstream, falling back to TCP when its UDP reply is truncated', async () => {
    const r = await query(s, 'example.test', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(addressesOf(r), ['192.0.2.10']);
    assert.equal((await query(s, 'missing.example.test', 'A')).rcode, 'NXDOMAIN');
    // Unknown PTRs are not the cluster's: forwarded too.
    assert.equal((await query(s, '1.2.0.192.in-addr.arpa', 'PTR')).rcode, 'NXDOMAIN');
    assert.ok(upstream.seen.includes('1.2.0.192.in-addr.arpa PTR udp'));

    const big = await query(s, 'big.example.test', 'TXT', { proto: 'tcp' });
    assert.equal(big.answers!.length, 40);
    assert.deepEqual(
      upstream.seen.filter((q) => q.startsWith('big.')),
      ['big.example.test TXT udp', 'big.example.test TXT tcp'],
    );
    // The same over UDP does not fit the client's 512 bytes: TC, so the client retries over TCP.
    const t = await query(s, 'big.example.test', 'TXT');
    assert.ok(t.flag_tc);
    assert.equal(t.answers!.length, 0);
  });

  it('EDNS0: the payload size is honoured, larger replies are truncated over UDP, whole over TCP', async () => {
    const plain = await query(s, 'many.default.svc.cluster.local', 'A');
    assert.ok(plain.flag_tc, 'no EDNS0: 50 records do not fit in 512 bytes');
    assert.equal(plain.answers!.length, 0);
    const edns = await query(s, 'many.default.svc.cluster.local', 'A', { edns: 1232 });
    assert.ok(!edns.flag_tc);
    assert.equal(edns.answers!.length, 50);
    assert.ok(edns.size > 512 && edns.size <= 1232);
    assert.equal(edns.additionals!.find((a) => a.type === 'OPT')?.type, 'OPT');
    const tcp = await query(s, 'many.default.svc.cluster.local', 'A', { proto: 'tcp' });
    assert.equal(tcp.answers!.length, 50);
  });

  it('follows changes through the informers: new service, moved endpoints, deleted service', async () => {
    await apply(svc('late', { clusterIP: '10.43.0.99', ports: [{ port: 80 }] }));
    await until('late resolves', async () => addressesOf(await query(s, 'late.default.svc.cluster.local', 'A'))[0] === '10.43.0.99');
    await apply(slice('db-2', 'db', [ep('10.42.2.9')], [{ name: 'pg', port: 15432, protocol: 'TCP' }]));
    await until('db endpoints updated', async () => addressesOf(await query(s, 'db.default.svc.cluster.local', 'A')).join() === '10.42.1.5,10.42.1.6,10.42.2.9');
    await cluster.kubectl(['delete', 'service', 'late']);
    await until('late gone', async () => (await query(s, 'late.default.svc.cluster.local', 'A')).rcode === 'NXDOMAIN');
    await until('late PTR gone', async () => (await query(s, '99.0.43.10.in-addr.arpa', 'PTR')).rcode === 'NXDOMAIN');
  });

  it('malformed queries get FORMERR; metrics count queries by type and rcode', async () => {
    const dgram = await import('node:dgram');
    const sock = dgram.createSocket('udp4');
    const reply = await new Promise<Buffer>((resolve) => {
      sock.on('message', resolve);
      sock.send(Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xff]), s.port, host);
    });
    sock.close();
    assert.equal(reply.readUInt16BE(0), 0x1234);
    assert.equal(reply.readUInt16BE(2) & 0xf, 1);
    const text = metrics.render();
    assert.match(text, /gifee_dns_queries_total\{proto="udp",rcode="NOERROR",type="A"\} \d+/);
    assert.match(text, /gifee_dns_queries_total\{proto="udp",rcode="NXDOMAIN",type="A"\} \d+/);
    assert.match(text, /gifee_dns_request_duration_seconds_count\{proto="tcp"\} \d+/);
  });
});
