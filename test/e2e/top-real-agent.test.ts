// kubectl top with a real node agent: the API server's metrics scraper reads the agent's
// /metrics/resource (cgroup figures) through its kubelet client, and `kubectl top` shows a pod
// burning CPU within 15 s of it running (the metric resolution is 15 s by default, 2 s here), and
// the node with its usage.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { importImages, testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'needs root for the node agent (runc, cgroups)' : false;

let c: Cluster;
const jp = async (what: string, path: string) => (await c.kubectl(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 90_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 500, context: async () => (await c.kubectl(['get', 'pods', '-o', 'wide'], { allowFail: true })).stdout });

before(async () => {
  if (skip) return;
  c = await startCluster({ agent: true, env: { GIFEE_METRIC_RESOLUTION_MS: '2000' } });
  await importImages(c.dataDir, [(await testImages()).busybox]);
  await until('node Ready', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}')) === 'True');
});

after(async () => {
  if (c) await c.stop();
});

test('kubectl top shows a CPU-burning pod and its node from the real agent within 15 s of it running', { skip }, async () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'burner' }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'burn', image: 'gifee.local/busybox:1', command: ['sh', '-c', 'while :; do :; done'] }] } };
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
  await until('burner Running', async () => (await jp('pod burner', '{.status.phase}')) === 'Running');
  const running = Date.now();
  let line = '';
  await until(
    'burner in kubectl top',
    async () => {
      const r = await c.kubectl(['top', 'pod', 'burner', '--containers', '--no-headers'], { allowFail: true });
      line = r.stdout.trim();
      return r.code === 0 && line !== '';
    },
    15_000,
  );
  const seconds = (Date.now() - running) / 1000;
  const [podName, container, cpu, memory] = line.split(/\s+/);
  assert.equal(podName, 'burner');
  assert.equal(container, 'burn');
  // A busy loop on one core: well above 100m (the machine is shared, so not a full core for sure).
  assert.ok(Number.parseInt(cpu, 10) >= 100 && cpu.endsWith('m'), `cpu ${cpu}`);
  assert.match(memory, /^\d+Mi$/);
  const nodes = (await c.kubectl(['top', 'nodes', '--no-headers'])).stdout.trim().split('\n');
  assert.equal(nodes.length, 1);
  const [, nodeCpu, cpuPct, nodeMem] = nodes[0].split(/\s+/);
  assert.ok(Number.parseInt(nodeCpu, 10) >= Number.parseInt(cpu, 10) / 2, `node cpu ${nodeCpu} vs pod ${cpu}`);
  assert.match(cpuPct, /^\d+%$/);
  assert.match(nodeMem, /^\d+Mi$/);
  const raw = JSON.parse((await c.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burner'])).stdout);
  assert.equal(raw.containers[0].name, 'burn');
  assert.match(raw.window, /^\d+(\.\d+)?(ms|s)$/);
  console.log(`# kubectl top showed the burner ${seconds.toFixed(1)} s after it was Running: ${line}`);
});
