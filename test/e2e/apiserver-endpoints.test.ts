// The kubernetes Service's endpoints list the live API servers (services/apiserver-leases/): two
// `gifee server` processes on one etcd, at 127.0.0.1 and 127.0.0.2 on one port, each with its
// identity Lease in kube-system. Both are listed in the Endpoints and the EndpointSlice; one killed
// -9 drops out once its lease expired (short leases through GIFEE_APISERVER_LEASE_*); restarted, it
// is back; stopped cleanly, it deletes its lease and takes its own address out on the way down. A
// deleted kubernetes Service is put back by the servers' next round.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { etcdAvailable } from '../helpers/backends.js';
import { startEtcd, type EtcdProcess } from '../helpers/etcd.js';
import { until } from '../helpers/wait.js';

const LEASE_MS = 3000;
const env = { GIFEE_APISERVER_LEASE_DURATION_MS: String(LEASE_MS), GIFEE_APISERVER_LEASE_RENEW_MS: '300' };

describe('kubernetes Service endpoints with two API servers on one etcd', { skip: etcdAvailable() ? false : 'etcd not installed' }, () => {
  let etcd: EtcdProcess;
  let a: Cluster;
  let b: Cluster;
  let port: number;

  before(async () => {
    etcd = await startEtcd();
    a = await startCluster({ backend: 'etcd', etcdEndpoints: etcd.endpoints, extraArgs: ['--no-controllers'], env });
    port = Number(new URL(a.url).port);
    b = await startCluster({ backend: 'etcd', etcdEndpoints: etcd.endpoints, extraArgs: ['--no-controllers'], env, bindAddress: '127.0.0.2', port });
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
    await etcd?.stop();
  });

  /** What kubectl shows through server c: the Endpoints' and the EndpointSlices' address:port lists. */
  async function listed(c: Cluster) {
    const ep = JSON.parse((await c.kubectl(['get', 'endpoints', 'kubernetes', '-o', 'json'])).stdout);
    const slices = JSON.parse((await c.kubectl(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=kubernetes', '-o', 'json'])).stdout);
    const fromEndpoints = (ep.subsets ?? []).flatMap((s: { addresses?: { ip: string }[]; ports: { port: number }[] }) => (s.addresses ?? []).map((x) => `${x.ip}:${s.ports[0].port}`));
    const fromSlices = slices.items.flatMap((s: { endpoints?: { addresses: string[] }[]; ports: { port: number }[] }) => (s.endpoints ?? []).flatMap((e) => e.addresses.map((ip) => `${ip}:${s.ports[0].port}`)));
    return { endpoints: fromEndpoints.join(','), slices: fromSlices.join(',') };
  }
  const both = () => `127.0.0.1:${port},127.0.0.2:${port}`;
  const listsExactly = async (c: Cluster, want: string) => {
    const l = await listed(c);
    return l.endpoints === want && l.slices === want;
  };
  const context = (c: Cluster) => async () => JSON.stringify(await listed(c).catch((e) => String(e)));
  const serverLeases = async (c: Cluster) => JSON.parse((await c.kubectl(['get', 'leases', '-n', 'kube-system', '-l', 'apiserver.kubernetes.io/identity=kube-apiserver', '-o', 'json'])).stdout).items;

  test('both servers are listed, each with its lease, seen through either server', async () => {
    const want = both();
    await until('both servers listed', () => listsExactly(a, want), { context: context(a) });
    assert.ok(await listsExactly(b, want), 'the same through the other server');
    const human = (await a.kubectl(['get', 'endpoints', 'kubernetes'])).stdout;
    assert.match(human, new RegExp(`127\\.0\\.0\\.1:${port},127\\.0\\.0\\.2:${port}`));
    const leases = await serverLeases(a);
    assert.deepEqual(leases.map((l: { metadata: { annotations: Record<string, string> } }) => `${l.metadata.annotations['gifee.io/advertise-address']}:${l.metadata.annotations['gifee.io/advertise-port']}`).sort(), [`127.0.0.1:${port}`, `127.0.0.2:${port}`]);
    for (const l of leases) {
      assert.match(l.metadata.name, /^apiserver-[0-9a-f]+$/);
      assert.equal(l.spec.leaseDurationSeconds, LEASE_MS / 1000);
      assert.ok(l.spec.holderIdentity.startsWith(`${l.metadata.name}_`));
    }
  });

  test('a deleted kubernetes Service is put back with its ClusterIP', async () => {
    const ip = (await a.kubectl(['get', 'service', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}'])).stdout;
    assert.match(ip, /^10\.43\.0\.1$/);
    await a.kubectl(['delete', 'service', 'kubernetes']);
    await until('the kubernetes Service back', async () => (await b.kubectl(['get', 'service', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}'], { allowFail: true })).stdout === ip);
    assert.ok(await listsExactly(a, both()), 'its endpoints still list both servers');
  });

  test('a server killed -9 drops out once its lease expired, and is back when it restarts', async () => {
    process.kill(b.pid, 'SIGKILL');
    // Its last renewal, read once it can renew no more (one machine: one clock for the servers and the test).
    const dead = (await serverLeases(a)).find((l: { metadata: { annotations: Record<string, string> } }) => l.metadata.annotations['gifee.io/advertise-address'] === '127.0.0.2');
    const expiresAt = Date.parse(dead.spec.renewTime) + dead.spec.leaseDurationSeconds * 1000;
    await until('the killed server to drop out', () => listsExactly(a, `127.0.0.1:${port}`), { context: context(a) });
    // Nobody deleted its lease: it went because the lease ran out, not sooner (the surviving server's log says when it wrote).
    const drop = a
      .logs()
      .split('\n')
      .filter((l) => l.includes('"msg":"kubernetes endpoints"') && l.includes('"addresses":["127.0.0.1"]'))
      .map((l) => JSON.parse(l))
      .at(-1);
    assert.ok(drop && Date.parse(drop.ts) >= expiresAt, `dropped at ${drop?.ts}, before its lease expired at ${new Date(expiresAt).toISOString()}`);
    await b.restart();
    await until('the restarted server to be back', () => listsExactly(a, both()), { context: context(a) });
    assert.equal((await serverLeases(a)).length, 2, 'restarted at the same address, it took over its own lease');
  });

  test('a server stopped cleanly deletes its lease and takes its address out itself', async () => {
    await b.stop();
    // Its own log says it wrote the list without itself, on the way down (not the other server after its lease expired).
    const lines = b
      .logs()
      .split('\n')
      .filter((l) => l.includes('"msg":"kubernetes endpoints"'));
    assert.match(lines.at(-1) ?? '', new RegExp(`"addresses":\\["127\\.0\\.0\\.1"\\],"port":${port}`), lines.join('\n'));
    assert.deepEqual(
      (await serverLeases(a)).map((l: { metadata: { annotations: Record<string, string> } }) => l.metadata.annotations['gifee.io/advertise-address']),
      ['127.0.0.1'],
    );
    await until('only the live server listed', () => listsExactly(a, `127.0.0.1:${port}`), { context: context(a) });
  });
});
