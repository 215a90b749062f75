// One watch per resource per identity: `gifee server` runs the controller manager and the scheduler
// in one component process, each with its own identity and so its own informer factory (a cache
// filled with what one identity may read must not serve another), and its node agent in another
// process with its own, so the API server sees one cluster-wide pods watch from each, not one per
// controller (there were 11), plus the agent's watch of its own node's pods. Counted on the server's
// apiserver_registered_watchers metric.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';
import { openWatches } from '../helpers/watch-count.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the embedded node agent needs root' : false;

let c: Cluster;
before(async () => {
  if (skip) return;
  c = await startCluster({ agent: true });
});
after(async () => c?.stop());

const counts = async () => ({
  pods: await openWatches(c, 'pods'),
  nodes: await openWatches(c, 'nodes'),
  services: await openWatches(c, 'services'),
  endpointslices: await openWatches(c, 'endpointslices', 'discovery.k8s.io'),
  replicasets: await openWatches(c, 'replicasets', 'apps'),
});

test('each identity of a server (controllers; scheduler; the agent) keeps one watch per resource', { skip }, async () => {
  // Cluster-wide, once per identity: pods and nodes (controllers, scheduler, agent), services and
  // EndpointSlices (controllers; DNS, proxy and routes in the agent), ReplicaSets (controllers only).
  // Besides: the agent's own pods and own Node (field selectors) and the EndpointSlice controller's
  // own slices (label selector).
  const expected = { pods: 4, nodes: 4, services: 2, endpointslices: 3, replicasets: 1 };
  // The garbage collector adds its informers after discovery: wait until everything is up.
  // The agent's informers start after its registration, and the storage sidecars' after their token:
  // wait for each count to be reached (on a loaded machine that takes seconds), then for no more.
  let last = await counts();
  await until(
    'every component to watch',
    async () => {
      last = await counts();
      return Object.entries(expected).every(([k, n]) => last[k as keyof typeof last] >= n);
    },
    { timeoutMs: 30_000 },
  ).catch((e) => {
    throw new Error(`${e.message}: ${JSON.stringify(last)}`);
  });
  await new Promise((r) => setTimeout(r, 1000)); // let any extra watch show up, were there one
  assert.deepEqual(await counts(), expected);
  // A deployment's pods change nothing: no informer is per object.
  await c.kubectl(['create', 'deployment', 'web', '--image=gifee.local/busybox:1', '--replicas=2']);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(await counts(), expected);
});
