// PriorityClasses with kubectl: the system classes exist, a pod's priorityClassName becomes its
// spec.priority, the global default applies to pods without one, and bad input gets Kubernetes'
// answers (403 for an unknown class, 422 for a reserved name or too high a value).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';

let c: Cluster;
before(async () => {
  c = await startCluster({ extraArgs: ['--no-controllers'] });
});
after(async () => c?.stop());

const pod = (name: string, priorityClassName?: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { ...(priorityClassName ? { priorityClassName } : {}), containers: [{ name: 'c', image: 'gifee.local/busybox:1' }] } });
const priorityOf = async (name: string) => (await c.kubectl(['get', 'pod', name, '-o', 'jsonpath={.spec.priorityClassName}/{.spec.priority}/{.spec.preemptionPolicy}'])).stdout;

test('priority classes resolve into pods; unknown classes and reserved names are refused', async () => {
  const pcs = (await c.kubectl(['get', 'priorityclasses'])).stdout;
  assert.match(pcs, /^system-cluster-critical\s+2000000000\s+false/m);
  assert.match(pcs, /^system-node-critical\s+2000001000\s+false/m);

  await c.kubectl(['create', 'priorityclass', 'high', '--value=1000', '--preemption-policy=Never']);
  await c.kubectl(['create', '-f', '-'], { input: pod('important', 'high') });
  assert.equal(await priorityOf('important'), 'high/1000/Never');
  await c.kubectl(['create', '-f', '-'], { input: pod('plain') });
  assert.equal(await priorityOf('plain'), '/0/');

  const unknown = await c.kubectl(['create', '-f', '-'], { input: pod('lost', 'nope'), allowFail: true });
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /pods "lost" is forbidden: no PriorityClass with name nope was found/);

  const chosen = await c.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'chooser' }, spec: { priority: 5, containers: [{ name: 'c', image: 'gifee.local/busybox:1' }] } }), allowFail: true });
  assert.match(chosen.stderr, /the integer value of priority \(5\) must not be provided in pod spec; priority admission controller computed 0/);

  await c.kubectl(['create', 'priorityclass', 'everyone', '--value=10', '--global-default']);
  await c.kubectl(['create', '-f', '-'], { input: pod('defaulted') });
  assert.equal(await priorityOf('defaulted'), 'everyone/10/PreemptLowerPriority');

  const reserved = await c.kubectl(['create', 'priorityclass', 'system-mine', '--value=5'], { allowFail: true });
  assert.match(reserved.stderr, /priority class names with 'system-' prefix are reserved/);
  const tooHigh = await c.kubectl(['create', 'priorityclass', 'huge', '--value=2000000000'], { allowFail: true });
  assert.match(tooHigh.stderr, /maximum allowed value of a user defined priority is 1000000000/);
});
