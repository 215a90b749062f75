// An HPA scaling a Deployment on REAL CPU load, end to end: a real node agent runs busybox pods
// (runc, cgroups), the API server's built-in metrics.k8s.io scrapes the agent's /metrics/resource,
// and the HPA controller reads it, as metrics-server and kube-controller-manager would. The load is
// a busy loop inside a pod, switched on and off by a file made with `kubectl exec`. The timings are
// shortened with the Kubernetes flags (--metric-resolution, --horizontal-pod-autoscaler-*), and the
// scale-down window with the HPA's own behavior (kubectl patch), so the test takes a minute or two.
//
// Bounded: at most 3 replicas, each pod's CPU limited to 200m (one busy loop uses at most a fifth
// of a core), requests of 100m so that one loaded pod is far above the 50% target.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { importImages, testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'needs root for the node agent (runc, cgroups)' : false;

let c: Cluster;
type Obj = Record<string, any>;
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const until = (what: string, fn: () => Promise<boolean>, ms = 120_000) =>
  waitUntil(what, fn, {
    timeoutMs: ms,
    intervalMs: 1000,
    context: async () => `${(await k(['get', 'hpa,deploy,pods', '-o', 'wide'], { allowFail: true })).stdout}\n${(await k(['describe', 'hpa', 'spin'], { allowFail: true })).stdout}`,
  });

before(async () => {
  if (skip) return;
  c = await startCluster({
    agent: true,
    extraArgs: [
      '--metric-resolution=2s',
      '--horizontal-pod-autoscaler-sync-period=2s',
      '--horizontal-pod-autoscaler-tolerance=0.1',
      // Without behavior the window would be this; the HPA below sets its own (5 s).
      '--horizontal-pod-autoscaler-downscale-stabilization=30s',
      '--horizontal-pod-autoscaler-cpu-initialization-period=20s',
      '--horizontal-pod-autoscaler-initial-readiness-delay=5s',
    ],
  });
  await importImages(c.dataDir, [(await testImages()).busybox]);
  await until('node Ready', async () => (await k(['get', 'nodes', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}'], { allowFail: true })).stdout === 'True', 90_000);
});

after(async () => {
  if (c) await c.stop();
});

// The README's walkthrough, command for command: the busy loop runs while /tmp/load exists (idle
// otherwise: one `sleep 1` a second); the trap ends it promptly when the pod is deleted.
const LOOP = 'trap exit TERM; while :; do [ -f /tmp/load ] || sleep 1; done';

const hpaOf = async () => JSON.parse((await k(['get', 'horizontalpodautoscalers.v2.autoscaling', 'spin', '-o', 'json'])).stdout) as Obj;
const replicasOf = async () => JSON.parse((await k(['get', 'deploy', 'spin', '-o', 'json'])).stdout).spec.replicas as number;
const runningPods = async () => (JSON.parse((await k(['get', 'pods', '-l', 'app=spin', '-o', 'json'])).stdout).items as Obj[]).filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp).map((p) => p.metadata.name as string);
const condition = (hpa: Obj, type: string) => (hpa.status?.conditions ?? []).find((x: Obj) => x.type === type) as Obj | undefined;

test('kubectl autoscale scales a Deployment up under a real busy loop and down after the stabilization window', { skip }, async () => {
  await k(['create', 'deployment', 'spin', '--image=gifee.local/busybox:1', '--', 'sh', '-c', LOOP]);
  await k(['set', 'resources', 'deployment', 'spin', '--requests=cpu=100m', '--limits=cpu=200m']);
  await until('spin Running with its requests', async () => {
    const pods = JSON.parse((await k(['get', 'pods', '-l', 'app=spin', '-o', 'json'])).stdout).items as Obj[];
    return pods.length === 1 && pods[0].status?.phase === 'Running' && pods[0].spec.containers[0].resources?.requests?.cpu === '100m';
  });
  await k(['autoscale', 'deploy', 'spin', '--cpu-percent=50', '--min=1', '--max=3']);
  await k(['patch', 'hpa', 'spin', '--type=merge', '-p', JSON.stringify({ spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 5 } } } })]);

  // Idle: the HPA reads a real figure (well under target) from the built-in metrics API and stays at 1.
  await until('the HPA to read its metric', async () => {
    const h = await hpaOf();
    return condition(h, 'ScalingActive')?.status === 'True' && typeof h.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization === 'number';
  });
  const idle = (await hpaOf()).status.currentMetrics[0].resource.current.averageUtilization as number;
  assert.ok(idle < 50, `idle utilization ${idle}%`);
  assert.equal(await replicasOf(), 1);

  // Load: one pod's busy loop (up to 200m against a 100m request) is far above 50% → the maximum, 3.
  const [first] = await runningPods();
  await k(['exec', 'deploy/spin', '--', 'touch', '/tmp/load']);
  await until('kubectl top to show the load', async () => {
    const r = await k(['top', 'pod', first, '--no-headers'], { allowFail: true });
    return r.code === 0 && Number.parseInt(r.stdout.trim().split(/\s+/)[1] ?? '0', 10) >= 60;
  });
  await until('scale up to 3', async () => (await replicasOf()) === 3 && (await hpaOf()).status?.currentReplicas === 3, 180_000);
  const up = await hpaOf();
  assert.equal(up.status.desiredReplicas, 3);
  const rescales = JSON.parse((await k(['get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=spin', '-o', 'json'])).stdout).items as Obj[];
  assert.ok(
    rescales.some((e) => e.reason === 'SuccessfulRescale' && /^New size: [23]; reason: cpu resource utilization \(percentage of request\) above target$/.test(e.message)),
    JSON.stringify(rescales.map((e) => e.message)),
  );
  await until('3 pods Running', async () => (await runningPods()).length === 3);
  assert.match((await k(['get', 'hpa', 'spin'])).stdout, /\d+%\/50%\s+1\s+3\s+3\s/);

  // Load off (in every pod: the loaded one may be any of them now) → back to the minimum after the
  // 5 s window, once the metrics show the idle pods.
  const pods = (await k(['get', 'pods', '-l', 'app=spin', '-o', 'name'])).stdout.trim().split('\n');
  for (const p of pods) await k(['exec', p, '--', 'rm', '-f', '/tmp/load'], { allowFail: true });
  await until('scale down to 1', async () => (await replicasOf()) === 1 && (await hpaOf()).status?.currentReplicas === 1, 180_000);
  const down = await hpaOf();
  assert.equal(down.status.desiredReplicas, 1);
  assert.ok((down.status.currentMetrics?.[0]?.resource?.current?.averageUtilization ?? 100) < 50, JSON.stringify(down.status.currentMetrics));
  const d = (await k(['describe', 'hpa', 'spin'])).stdout;
  assert.match(d, /below target/);
});
