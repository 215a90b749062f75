// RuntimeClasses on a real node agent: a pod whose class names a handler the agent does not have
// (only runc) gets no sandbox and waits with a FailedCreatePodSandBox event saying so, instead of
// running with runc; a pod whose class's handler is runc runs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster;
const k = (args: string[], input?: string) => c.kubectl(args, { input, allowFail: true });
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`])).stdout;
const until = (what: string, fn: () => Promise<boolean>) => waitUntil(what, fn, { timeoutMs: 60_000, intervalMs: 250, context: async () => (await k(['get', 'pods', '-o', 'wide'])).stdout });

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: true });
  const { createImageStore } = await import('../../src/agent/images/store.js');
  await createImageStore({ dataDir: c.dataDir }).importFile(images.busybox);
  await until('node Ready', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}')) === 'True');
});

after(async () => {
  if (c) await c.stop();
});

const pod = (name: string, runtimeClassName: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { runtimeClassName, containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'] }] } });

test('a handler the agent lacks keeps the pod waiting with the reason; runc runs', { skip }, async () => {
  const classes = [
    { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'kata' }, handler: 'kata-qemu' },
    { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'plain' }, handler: 'runc' },
  ];
  for (const rc of classes) assert.equal((await k(['create', '-f', '-'], JSON.stringify(rc))).code, 0);
  assert.equal((await k(['create', '-f', '-'], pod('sandboxed', 'kata'))).code, 0);
  assert.equal((await k(['create', '-f', '-'], pod('ordinary', 'plain'))).code, 0);

  await until('ordinary Running', async () => (await jp('pod ordinary', '{.status.phase}')) === 'Running');
  await until('FailedCreatePodSandBox event', async () => /FailedCreatePodSandBox.*no runtime for "kata-qemu" is configured/.test((await k(['describe', 'pod', 'sandboxed'])).stdout));
  assert.equal(await jp('pod sandboxed', '{.status.phase}'), 'Pending');
  assert.equal(await jp('pod sandboxed', '{.status.containerStatuses[0].state.waiting.reason}'), 'ContainerCreating');
  assert.equal(await jp('pod sandboxed', '{.status.containerStatuses[0].containerID}'), '', 'no container was made');
});
