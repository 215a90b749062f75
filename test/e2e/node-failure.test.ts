// Node failure with real node agents: a worker's agent dies (kill -9), its node goes NotReady and
// gets the unreachable taints, and the Deployment's pod there is evicted after its toleration and
// replaced on the node that is still alive, running a real container again.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, cliCommand, repoRoot, type Cluster } from '../helpers/cluster.js';
import { testImages, importImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;

// The gifee CLI as the cluster helper runs it (compiled under dist/, else from source).
const cli = cliCommand;

let c: Cluster;
let workerDir: string;
let worker: ChildProcess | undefined;
let workerLog = '';
const bridge = `gff${Math.floor(Math.random() * 0xffff).toString(16)}`;

const until = (what: string, fn: () => Promise<boolean>, ms = 90_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 500, context: async () => `${(await c.kubectl(['get', 'pods,nodes', '-o', 'wide'], { allowFail: true })).stdout}\nworker log:\n${workerLog.slice(-2000)}` });
const jp = async (args: string[], path: string) => (await c.kubectl([...args, '-o', `jsonpath=${path}`], { allowFail: true })).stdout;

before(async () => {
  if (skip) return;
  const images = await testImages();
  // Node leases of 4 s (renewed every second) within the 6 s grace: a live node never looks silent.
  c = await startCluster({ agent: { nodeName: 'survivor' }, env: { GIFEE_NODE_MONITOR_GRACE_MS: '6000' }, extraArgs: ['--node-lease-duration-seconds', '4'] });
  await importImages(c.dataDir, [images.busybox]);
  workerDir = await mkdtemp(join(tmpdir(), 'gifee-doomed-'));
  await importImages(workerDir, [images.busybox]);
  worker = spawn(process.execPath, [...cli(), 'agent', '--server', c.url, '--token-file', join(c.dataDir, 'node-token'), '--data-dir', workerDir, '--node-name', 'doomed', '--node-ip', '127.0.0.1', '--kubelet-port', '0', '--bridge', bridge, '--node-lease-duration-seconds', '4'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (d) => (workerLog += d));
  worker.stderr!.on('data', (d) => (workerLog += d));
});

after(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  if (workerDir) {
    const { resetNode } = await import('../../src/agent/reset.js');
    await resetNode(workerDir, bridge);
    await rm(workerDir, { recursive: true, force: true });
  }
  if (c) await c.stop();
});

test('a dead node goes NotReady, is tainted, and its pod is replaced on a live node', { skip }, async () => {
  await until('both nodes Ready', async () => (await jp(['get', 'nodes'], '{.items[*].status.conditions[?(@.type=="Ready")].status}')) === 'True True');
  await c.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'app' } },
        template: {
          metadata: { labels: { app: 'app' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            // Prefer the doomed node, so the pod starts there; tolerate its loss for 2 s only.
            affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['doomed'] }] } }] } },
            tolerations: [
              { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
              { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
            ],
            containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'] }],
          },
        },
      },
    }),
  });
  await until('the pod Running on the doomed node', async () => (await jp(['get', 'pods', '-l', 'app=app'], '{.items[*].spec.nodeName} {.items[*].status.phase}')) === 'doomed Running');

  worker!.kill('SIGKILL');
  await until('doomed NotReady', async () => (await c.kubectl(['get', 'node', 'doomed'])).stdout.includes('NotReady'));
  await until('unreachable taints', async () => (await jp(['get', 'node', 'doomed'], '{.spec.taints[*].key}')).includes('node.kubernetes.io/unreachable'));
  await until('a replacement Running on the survivor', async () => {
    const pods = JSON.parse((await c.kubectl(['get', 'pods', '-l', 'app=app', '-o', 'json'])).stdout).items;
    return pods.some((p: any) => p.spec.nodeName === 'survivor' && p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
  });
  // The evicted pod stays Terminating until its node comes back (as in Kubernetes).
  const events = (await c.kubectl(['get', 'events', '-A'])).stdout;
  assert.match(events, /NodeNotReady/);
});
