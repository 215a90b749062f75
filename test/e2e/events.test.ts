// Event storms: a node the IPAM controller cannot give a CIDR is retried with back-off, and each
// retry reports CIDRNotAvailable. With the correlator, `kubectl get events` shows one Event whose
// count grows, not one object per retry.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

describe('event correlation', () => {
  let cluster: Cluster;
  before(async () => {
    // One /24 for the whole cluster: the second node never gets a pod CIDR.
    cluster = await startCluster({ extraArgs: ['--cluster-cidr', '10.97.0.0/24'] });
  });
  after(async () => {
    await cluster?.stop();
  });

  const createNode = (name: string) => cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name } }) });
  const eventsAbout = async (name: string) => JSON.parse((await cluster.kubectl(['get', 'events', '-n', 'default', '--field-selector', `involvedObject.name=${name}`, '-o', 'json'])).stdout).items as { reason: string; count: number; message: string; firstTimestamp: string; lastTimestamp: string }[];

  it('a repeated event is one Event with a count', async () => {
    await createNode('ev-1');
    await until('ev-1 gets the only CIDR', async () => !!(await cluster.kubectl(['get', 'node', 'ev-1', '-o', 'jsonpath={.spec.podCIDR}'])).stdout);
    await createNode('ev-2');
    await until('CIDRNotAvailable repeated for ev-2', async () => (await eventsAbout('ev-2')).some((e) => e.reason === 'CIDRNotAvailable' && e.count > 1), {
      context: async () => JSON.stringify(await eventsAbout('ev-2')),
    });
    const events = (await eventsAbout('ev-2')).filter((e) => e.reason === 'CIDRNotAvailable');
    assert.equal(events.length, 1, `one Event object for every retry: ${JSON.stringify(events)}`);
    assert.match(events[0].message, /CIDRNotAvailable/);
    assert.ok(events[0].lastTimestamp >= events[0].firstTimestamp);
    const table = (await cluster.kubectl(['get', 'events', '-n', 'default', '--field-selector', 'involvedObject.name=ev-2'])).stdout;
    assert.match(table, /CIDRNotAvailable/);
    const m = await cluster.request('GET', '/metrics');
    assert.match(m.body, /event_recorder_writes_total\{component="node-ipam-controller",result="ok",verb="patch"\} [1-9]/);
  });
});
