// Native sidecar containers (init containers with restartPolicy Always) end to end with kubectl on a
// real agent (runc): a sidecar writes into a shared emptyDir that the app container reads, the pod
// is Running and Ready with the sidecar running and started; a Job whose pod has a sidecar
// completes, its sidecar stopped; and a restartPolicy other than Always on an init container is
// refused with Kubernetes' 422.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster;
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 90_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 300, context: async () => (await k(['get', 'pods', '-o', 'yaml'], { allowFail: true })).stdout });

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: true, env: { GIFEE_RESTART_BACKOFF_MS: '1000' } });
  const { createImageStore } = await import('../../src/agent/images/store.js');
  const store = createImageStore({ dataDir: c.dataDir });
  await store.importFile(images.busybox);
  await until('node Ready', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}')) === 'True');
});

after(async () => {
  if (c) await c.stop();
});

const SHARED = `apiVersion: v1
kind: Pod
metadata:
  name: shared
spec:
  terminationGracePeriodSeconds: 1
  volumes:
  - name: data
    emptyDir: {}
  initContainers:
  - name: writer
    image: gifee.local/busybox:1
    restartPolicy: Always
    command: ['sh', '-c', 'while true; do date +%s > /data/tick; touch /data/ready; sleep 1; done']
    readinessProbe:
      exec:
        command: ['test', '-f', '/data/ready']
      periodSeconds: 1
    volumeMounts:
    - name: data
      mountPath: /data
  containers:
  - name: reader
    image: gifee.local/busybox:1
    command: ['sh', '-c', 'while true; do cat /data/tick; sleep 1; done']
    volumeMounts:
    - name: data
      mountPath: /data
`;

test('a sidecar writes to a shared emptyDir the app container reads: Running and Ready, the sidecar running and started', { skip }, async () => {
  await k(['apply', '-f', '-'], { input: SHARED });
  await until('shared Ready', async () => (await jp('pod shared', '{.status.phase} {.status.conditions[?(@.type=="Ready")].status}')) === 'Running True');
  const pod = JSON.parse((await k(['get', 'pod', 'shared', '-o', 'json'])).stdout);
  const writer = pod.status.initContainerStatuses[0];
  assert.ok(writer.state.running, JSON.stringify(writer));
  assert.equal(writer.started, true);
  assert.equal(writer.ready, true);
  assert.equal(pod.status.conditions.find((x: { type: string }) => x.type === 'Initialized').status, 'True');
  // kubectl counts the sidecar among the pod's containers: READY 2/2.
  assert.match((await k(['get', 'pod', 'shared', '--no-headers'])).stdout, /^shared\s+2\/2\s+Running\s/);
  // The sidecar is a container like the others for exec and logs.
  assert.match((await k(['exec', 'shared', '-c', 'writer', '--', 'cat', '/data/tick'])).stdout, /^\d{10}\n$/);
  assert.equal((await k(['logs', 'shared', '-c', 'writer'])).code, 0);
  await until('the reader logs what the sidecar wrote', async () => /^\d{10}$/m.test((await k(['logs', 'shared', '-c', 'reader'], { allowFail: true })).stdout));
  await k(['delete', 'pod', 'shared', '--wait=true']);
});

const JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: with-sidecar
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 2
      initContainers:
      - name: helper
        image: gifee.local/busybox:1
        restartPolicy: Always
        command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done']
      containers:
      - name: work
        image: gifee.local/busybox:1
        command: ['sh', '-c', 'echo done']
`;

test('a Job whose pod has a sidecar completes: the sidecar is stopped and the pod Succeeded', { skip }, async () => {
  await k(['apply', '-f', '-'], { input: JOB });
  await until('Job Complete', async () => (await jp('job with-sidecar', '{.status.conditions[?(@.type=="Complete")].status}')) === 'True');
  const pods = JSON.parse((await k(['get', 'pods', '-l', 'job-name=with-sidecar', '-o', 'json'])).stdout).items;
  assert.equal(pods.length, 1);
  assert.equal(pods[0].status.phase, 'Succeeded');
  const helper = pods[0].status.initContainerStatuses[0];
  assert.ok(helper.state.terminated, JSON.stringify(helper));
  assert.equal(pods[0].status.containerStatuses[0].state.terminated.exitCode, 0);
  assert.match((await k(['get', 'pods', '-l', 'job-name=with-sidecar', '--no-headers'])).stdout, /\s0\/2\s+Completed\s/);
});

test('an init container restartPolicy other than Always is refused with a 422', { skip }, async () => {
  const bad = SHARED.replace('name: shared', 'name: bad').replace('restartPolicy: Always', 'restartPolicy: Never');
  // -v=6: kubectl logs each request with its response's status code.
  const r = await k(['apply', '-f', '-', '-v=6'], { input: bad, allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /POST https:\/\/\S+\/api\/v1\/namespaces\/default\/pods\S* 422 Unprocessable Entity/, r.stderr);
  assert.match(r.stderr, /spec\.initContainers\[0\]\.restartPolicy: Unsupported value: "Never": supported values: "Always"/);
  assert.equal((await k(['get', 'pod', 'bad'], { allowFail: true })).code, 1);
});
