// The node IPAM controller against a real API server (controllers of the server itself off):
// assignment, exhaustion (CIDRNotAvailable event), freeing on delete, and a restart that keeps
// every assigned CIDR and never hands one out twice.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../../../test/helpers/cluster.js';
import { clientConfigFromKubeconfig } from '../../client/kubeconfig.js';
import { R } from '../../client/resources.js';
import { RestClient } from '../../client/rest.js';
import { logger } from '../../util/log.js';
import { NodeIpamController } from './nodeipam.js';
import { InformerFactory } from '../../client/informer-factory.js';
import { SIMULATED_NODE_LABEL } from '../../api/simulated-nodes.js';

async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined | false>): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out after ${ms}ms waiting for ${what}`);
}

describe('node IPAM controller', () => {
  let cluster: Cluster;
  let client: RestClient;
  let ipam: NodeIpamController | undefined;
  const log = logger('nodeipam-test');
  // A /23 holds two /24s: small enough to exhaust.
  const start = () => {
    ipam = new NodeIpamController(client, new InformerFactory(client, log), log, { clusterCIDR: '10.99.0.0/23', nodeCIDRMaskSize: 24 });
    ipam.start();
  };
  const createNode = (name: string) => client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name } });
  const podCIDR = async (name: string) => ((await client.get(R.nodes, undefined, name)) as { spec?: { podCIDR?: string } }).spec?.podCIDR;

  before(async () => {
    cluster = await startCluster({ extraArgs: ['--no-controllers'] });
    client = new RestClient(await clientConfigFromKubeconfig(cluster.kubeconfig));
  });
  after(async () => {
    ipam?.stop();
    client?.close();
    await cluster?.stop();
  });

  it("assigns, reports exhaustion with an event, and frees a deleted node's CIDR", async () => {
    start();
    await createNode('a');
    await createNode('b');
    const a = await until('a', 5000, () => podCIDR('a'));
    const b = await until('b', 5000, () => podCIDR('b'));
    assert.deepEqual([a, b].sort(), ['10.99.0.0/24', '10.99.1.0/24']);
    const node = (await client.get(R.nodes, undefined, 'a')) as { spec: { podCIDRs: string[] } };
    assert.deepEqual(node.spec.podCIDRs, [a]);

    await createNode('c');
    const ev = await until('a CIDRNotAvailable event', 10_000, async () => {
      const list = await client.list(R.events, 'default', { fieldSelector: 'involvedObject.name=c' });
      return list.items.find((e) => (e as { reason?: string }).reason === 'CIDRNotAvailable') as { type: string; message: string } | undefined;
    });
    assert.equal(ev.type, 'Warning');
    assert.match(ev.message, /no node CIDRs left in 10\.99\.0\.0\/23/);
    assert.equal(await podCIDR('c'), undefined);

    await client.delete(R.nodes, undefined, 'a');
    // c is retried with backoff and gets a's CIDR once it is free.
    assert.equal(await until('c', 15_000, () => podCIDR('c')), a);
  });

  it('keeps every assignment across a restart and does not hand out one in use', async () => {
    ipam!.stop();
    const before = { b: await podCIDR('b'), c: await podCIDR('c') };
    start();
    await createNode('d');
    // Both CIDRs are still in use by b and c (rebuilt from the nodes): nothing for d yet.
    await until('a CIDRNotAvailable event for d', 10_000, async () => {
      const list = await client.list(R.events, 'default', { fieldSelector: 'involvedObject.name=d' });
      return list.items.some((e) => (e as { reason?: string }).reason === 'CIDRNotAvailable');
    });
    assert.equal(await podCIDR('d'), undefined);
    await client.delete(R.nodes, undefined, 'b');
    assert.equal(await until('d', 15_000, () => podCIDR('d')), before.b);
    assert.equal(await podCIDR('c'), before.c);
  });

  it('gives simulated nodes no pod CIDR, even with CIDRs free', async () => {
    // Both CIDRs free: without the skip, sim-x would take one.
    await client.delete(R.nodes, undefined, 'c');
    await client.delete(R.nodes, undefined, 'd');
    await client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sim-x', labels: { [SIMULATED_NODE_LABEL]: 'true' } } });
    await createNode('e');
    await until('e', 15_000, () => podCIDR('e'));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await podCIDR('sim-x'), undefined);
  });
});
