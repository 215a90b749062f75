// Pod garbage collection: pods bound to a node that is deleted (and so has no agent to stop them
// or confirm their deletion) are removed once the node has been gone for the quarantine period,
// including pods already stuck Terminating there.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until as waitUntil } from '../helpers/wait.js';

let c: Cluster;
before(async () => {
  c = await startCluster({ env: { GIFEE_PODGC_QUARANTINE_MS: '1500' } });
});
after(async () => c?.stop());

const until = (what: string, fn: () => Promise<boolean>, ms = 30_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 200 });
const pods = async () => (await c.kubectl(['get', 'pods', '-o', 'name'])).stdout.trim().split('\n').filter(Boolean).sort();

test('pods of a deleted node are deleted after the quarantine; pods of live nodes stay', async () => {
  const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
  const pod = (name: string, nodeName: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'gifee.local/busybox:1' }] } });
  await c.kubectl(['apply', '-f', '-'], { input: [node('ghost'), node('alive'), pod('on-ghost', 'ghost'), pod('stuck', 'ghost'), pod('on-alive', 'alive')].map((o) => JSON.stringify(o)).join('\n') });
  // No agent runs on "ghost": a normal delete leaves the pod Terminating.
  await c.kubectl(['delete', 'pod', 'stuck', '--wait=false']);
  await new Promise((r) => setTimeout(r, 3000));
  assert.deepEqual(await pods(), ['pod/on-alive', 'pod/on-ghost', 'pod/stuck'], 'nothing is collected while the node exists');
  await c.kubectl(['delete', 'node', 'ghost']);
  await until("the ghost node's pods are gone", async () => (await pods()).join() === 'pod/on-alive');
});
