// HorizontalPodAutoscaler end to end: a real gifee server (controllers, scheduler), simulated nodes
// whose pods go Running/Ready, the real kubectl, and REAL aggregated metrics APIs: the small HTTPS
// server of test/helpers/metrics-apis.ts, registered through APIServices (metrics.k8s.io,
// custom.metrics.k8s.io, external.metrics.k8s.io), serving figures this test controls (a CPU load
// shared by an app's pods, a custom Pods metric, external values). Covered: kubectl autoscale
// scaling up on load and down after a short stabilization window, kubectl get/describe hpa (metrics,
// conditions, events), the v1 view, a Deployment without requests getting Kubernetes' condition and
// events without scaling, min/max correction, ScalingDisabled, a missing target, a Pods metric and
// an External metric.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until as waitUntil } from '../helpers/wait.js';
import { startFakeMetricsApis, type FakeMetricsApis } from '../helpers/metrics-apis.js';
import { clientConfigFromKubeconfig } from '../../src/client/kubeconfig.js';
import { startSimNodes, type SimNodes } from '../../src/sim/nodes.js';
import { simKubeletCredentials } from '../../src/cli/sim-kubelet.js';

let c: Cluster;
let sim: SimNodes | undefined;
let creds: ReturnType<typeof simKubeletCredentials> | undefined;
let apis: FakeMetricsApis | undefined;
/** The figures the metrics APIs serve (set by the tests below). */
let load: Record<string, number> = {};
let packetsPerPod: Record<string, number> = {};
let external: Record<string, number[]> = {};

const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const until = (what: string, fn: () => Promise<boolean>, ms = 60_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 500, context: async () => (await k(['describe', 'hpa'], { allowFail: true })).stdout });
type Obj = Record<string, any>;

before(async () => {
  c = await startCluster({ env: { GIFEE_HPA_SYNC_PERIOD_MS: '1000' } });
  const client = await clientConfigFromKubeconfig(c.kubeconfig);
  creds = simKubeletCredentials(client);
  sim = await startSimNodes({ client, count: 1, namePrefix: 'hpa-sim-', leaseRenewIntervalMs: 2000, kubelet: creds });
  apis = await startFakeMetricsApis(c);
  ({ load, packetsPerPod, external } = apis);
});

after(async () => {
  await apis?.stop();
  await sim?.stop();
  creds?.close();
  await c?.stop();
});

const replicasOf = async (deploy: string) => JSON.parse((await k(['get', 'deploy', deploy, '-o', 'json'])).stdout).spec.replicas as number;
const hpaOf = async (name: string) => JSON.parse((await k(['get', 'horizontalpodautoscalers.v2.autoscaling', name, '-o', 'json'])).stdout) as Obj;
const condition = (hpa: Obj, type: string) => (hpa.status?.conditions ?? []).find((x: Obj) => x.type === type) as Obj | undefined;
const eventsOf = async (name: string) => JSON.parse((await k(['get', 'events', '--field-selector', `involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=${name}`, '-o', 'json'])).stdout).items as Obj[];
/** Events are written asynchronously (after the change they report): wait for the one expected. */
const untilEvent = (name: string, pred: (e: Obj) => boolean) => until(`an event of ${name}`, async () => (await eventsOf(name)).some(pred), 20_000);

test('kubectl autoscale scales a Deployment up on CPU load and down after the stabilization window', async () => {
  await k(['create', 'deployment', 'web', '--image=registry.local/web:1']);
  await k(['set', 'resources', 'deployment', 'web', '--requests=cpu=100m']);
  load.web = 20; // 20% of one pod's request: below target, at the minimum already
  await k(['autoscale', 'deploy', 'web', '--cpu-percent=50', '--min=1', '--max=10']);
  // A short scale-down window (Kubernetes' default is 5 minutes).
  await k(['patch', 'hpa', 'web', '--type=merge', '-p', JSON.stringify({ spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 5 } } } })]);
  await until('the HPA to see its metric', async () => condition(await hpaOf('web'), 'ScalingActive')?.status === 'True');
  assert.equal(await replicasOf('web'), 1);

  // Load rises to 2.5 pods' worth at target: 250m over pods asking 100m at 50% → 5 pods.
  load.web = 250;
  await until('scale up to 5', async () => (await replicasOf('web')) === 5 && (await hpaOf('web')).status?.currentReplicas === 5, 90_000);
  const up = await hpaOf('web');
  assert.equal(up.status.desiredReplicas, 5);
  assert.ok(up.status.lastScaleTime);
  await untilEvent('web', (e) => e.reason === 'SuccessfulRescale');
  const rescales = (await eventsOf('web')).filter((e) => e.reason === 'SuccessfulRescale');
  assert.match(rescales[0].message, /^New size: \d+; reason: cpu resource utilization \(percentage of request\) above target$/);
  assert.equal(rescales[0].source?.component, 'horizontal-pod-autoscaler');

  // kubectl describe reads the metrics, conditions and events as Kubernetes writes them.
  await until('the metric at target', async () => (await hpaOf('web')).status?.currentMetrics?.[0]?.resource?.current?.averageUtilization === 50, 30_000);
  const d = (await k(['describe', 'hpa', 'web'])).stdout;
  assert.match(d, /Reference:\s+Deployment\/web/);
  assert.match(d, /resource cpu on pods\s+\(as a percentage of request\):\s+50% \(50m\) \/ 50%/);
  assert.match(d, /Min replicas:\s+1/);
  assert.match(d, /Max replicas:\s+10/);
  assert.match(d, /Deployment pods:\s+5 current \/ 5 desired/);
  assert.match(d, /AbleToScale\s+True\s+\w+/);
  assert.match(d, /ScalingActive\s+True\s+ValidMetricFound\s+the HPA was able to successfully calculate a replica count from cpu resource utilization \(percentage of request\)/);
  assert.match(d, /ScalingLimited\s+False\s+DesiredWithinRange\s+the desired count is within the acceptable range/);
  assert.match(d, /Normal\s+SuccessfulRescale\s+.*horizontal-pod-autoscaler\s+New size: \d+; reason: cpu resource utilization \(percentage of request\) above target/);

  assert.match((await k(['get', 'hpa', 'web'])).stdout, /web\s+Deployment\/web\s+cpu: 50%\/50%\s+1\s+10\s+5/);

  // The autoscaling/v1 view of the same object carries the CPU figure in its own field.
  const v1 = JSON.parse((await k(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-o', 'json'])).stdout);
  assert.equal(v1.spec.targetCPUUtilizationPercentage, 50);
  assert.equal(v1.status.currentCPUUtilizationPercentage, 50);
  assert.equal(v1.status.currentReplicas, 5);

  // The load goes away: after the 5 s window, down to the minimum.
  load.web = 10;
  const t0 = Date.now();
  await until('scale down to 1', async () => (await replicasOf('web')) === 1, 90_000);
  assert.ok(Date.now() - t0 >= 4000, 'not before the stabilization window');
  await untilEvent('web', (e) => e.reason === 'SuccessfulRescale' && e.message === 'New size: 1; reason: All metrics below target');
});

test('a Deployment without CPU requests: ScalingActive False with Kubernetes message and events, no scaling', async () => {
  await k(['create', 'deployment', 'noreq', '--image=registry.local/noreq:1', '--replicas=2']);
  load.noreq = 500;
  await k(['autoscale', 'deploy', 'noreq', '--cpu-percent=50', '--min=1', '--max=10']);
  // Until the pods are ready the HPA has no figures for them; then the missing request is the reason.
  await until('the missing-request condition', async () => /missing request/.test(condition(await hpaOf('noreq'), 'ScalingActive')?.message ?? ''));
  const cond = condition(await hpaOf('noreq'), 'ScalingActive')!;
  assert.equal(cond.status, 'False');
  assert.match(cond.message, /^the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container noreq of Pod noreq-[a-z0-9]+-[a-z0-9]+$/);
  await untilEvent('noreq', (e) => e.type === 'Warning' && e.reason === 'FailedGetResourceMetric' && /^failed to get cpu utilization: missing request for cpu in container noreq of Pod /.test(e.message));
  await untilEvent('noreq', (e) => e.type === 'Warning' && e.reason === 'FailedComputeMetricsReplicas' && /^invalid metrics \(1 invalid out of 1\), first error is: failed to get cpu resource metric value: failed to get cpu utilization: missing request for cpu/.test(e.message));
  assert.equal(await replicasOf('noreq'), 2);
  const d = (await k(['describe', 'hpa', 'noreq'])).stdout;
  assert.match(d, /resource cpu on pods\s+\(as a percentage of request\):\s+<unknown> \/ 50%/);
  assert.match(d, /ScalingActive\s+False\s+FailedGetResourceMetric/);
});

test('outside min/max the count is brought back before any metric; a target scaled to zero disables scaling', async () => {
  await k(['scale', 'deploy', 'noreq', '--replicas=12']);
  await until('back to maxReplicas', async () => (await replicasOf('noreq')) === 10);
  await untilEvent('noreq', (e) => e.reason === 'SuccessfulRescale' && e.message === 'New size: 10; reason: Current number of replicas above Spec.MaxReplicas');
  await k(['scale', 'deploy', 'noreq', '--replicas=0']);
  await until('ScalingDisabled', async () => condition(await hpaOf('noreq'), 'ScalingActive')?.reason === 'ScalingDisabled');
  assert.equal(condition(await hpaOf('noreq'), 'ScalingActive')?.message, 'scaling is disabled since the replica count of the target is zero');
  assert.equal(await replicasOf('noreq'), 0);
});

test('a target that does not exist: AbleToScale False, FailedGetScale', async () => {
  const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'ghost', namespace: 'default' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'ghost' }, maxReplicas: 3 } };
  await k(['apply', '-f', '-'], { input: JSON.stringify(hpa) });
  await until('the FailedGetScale condition', async () => condition(await hpaOf('ghost'), 'AbleToScale')?.reason === 'FailedGetScale');
  assert.equal(condition(await hpaOf('ghost'), 'AbleToScale')?.message, `the HPA controller was unable to get the target's current scale: deployments.apps "ghost" not found`);
  await untilEvent('ghost', (e) => e.type === 'Warning' && e.reason === 'FailedGetScale' && e.message === 'deployments.apps "ghost" not found');
});

test('a Pods metric from custom.metrics.k8s.io drives the replica count', async () => {
  await k(['create', 'deployment', 'queue', '--image=registry.local/queue:1']);
  packetsPerPod.queue = 30;
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'queue', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'queue' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Pods', pods: { metric: { name: 'packets-per-second' }, target: { type: 'AverageValue', averageValue: '10' } } }] },
  };
  await k(['apply', '-f', '-'], { input: JSON.stringify(hpa) });
  // 30 per pod against 10: three times the pods.
  await until('scale up to 3 on the custom metric', async () => (await replicasOf('queue')) === 3, 60_000);
  await untilEvent('queue', (e) => e.reason === 'SuccessfulRescale' && e.message === 'New size: 3; reason: pods metric packets-per-second above target');
  await until('the current average value', async () => (await hpaOf('queue')).status?.currentMetrics?.[0]?.pods?.current?.averageValue === '30', 30_000);
  const d = (await k(['describe', 'hpa', 'queue'])).stdout;
  assert.match(d, /"packets-per-second" on pods:\s+30 \/ 10/);
});

test('an External metric from external.metrics.k8s.io (AverageValue): total over the per-pod target', async () => {
  await k(['create', 'deployment', 'worker', '--image=registry.local/worker:1']);
  external['queue_messages_ready|queue=jobs'] = [40, 20];
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'worker', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'External', external: { metric: { name: 'queue_messages_ready', selector: { matchLabels: { queue: 'jobs' } } }, target: { type: 'AverageValue', averageValue: '20' } } }] },
  };
  await k(['apply', '-f', '-'], { input: JSON.stringify(hpa) });
  // 60 messages at 20 per pod: 3 pods.
  await until('scale up to 3 on the external metric', async () => (await replicasOf('worker')) === 3, 60_000);
  // The average is per replica of the scale's status: 60 over 3 once the Deployment reports them.
  await until('the average at target', async () => /"queue_messages_ready" \(target average value\):\s+20 \/ 20/.test((await k(['describe', 'hpa', 'worker'])).stdout), 30_000);
  const d = (await k(['describe', 'hpa', 'worker'])).stdout;
  assert.match(d, /ScalingActive\s+True\s+ValidMetricFound\s+the HPA was able to successfully calculate a replica count from external metric queue_messages_ready\(&LabelSelector\{MatchLabels:map\[string\]string\{queue: jobs,\},MatchExpressions:\[\]LabelSelectorRequirement\{\},\}\)/);
});

test('two HPAs over the same pods: AmbiguousSelector, neither scales', async () => {
  // At target for the first HPA: it keeps its count; the second (target 1) would scale up, alone.
  packetsPerPod.queue = 10;
  await new Promise((r) => setTimeout(r, 2500));
  const before = await replicasOf('queue');
  const second = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'queue-2', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'queue' }, minReplicas: 1, maxReplicas: 9, metrics: [{ type: 'Pods', pods: { metric: { name: 'packets-per-second' }, target: { type: 'AverageValue', averageValue: '1' } } }] },
  };
  await k(['apply', '-f', '-'], { input: JSON.stringify(second) });
  await until('AmbiguousSelector', async () => condition(await hpaOf('queue-2'), 'ScalingActive')?.reason === 'AmbiguousSelector');
  assert.equal(condition(await hpaOf('queue-2'), 'ScalingActive')?.message, 'pods by selector app=queue are controlled by multiple HPAs: [default/queue default/queue-2]');
  await until('the first HPA to see it too', async () => condition(await hpaOf('queue'), 'ScalingActive')?.reason === 'AmbiguousSelector');
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(await replicasOf('queue'), before);
  await k(['delete', 'hpa', 'queue-2']);
});
