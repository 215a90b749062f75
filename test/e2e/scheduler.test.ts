// The scheduler in a real `gifee server`: Node objects created through the API (status through the
// status subresource), pods created with kubectl and checked with `kubectl get -o jsonpath` on
// spec.nodeName: requests vs allocatable, nodeSelector, taints, anti-affinity spreading, a Pending
// pod explained by PodScheduled=False and a FailedScheduling event in `kubectl describe`, and that
// pod scheduled as soon as a node that fits is added.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';

let cluster: Cluster;

before(async () => {
  cluster = await startCluster({ backend: 'sqlite' });
});
after(async () => {
  await cluster?.stop();
});

async function addNode(name: string, opts: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: { key: string; value?: string; effect: string }[] } = {}) {
  const created = await cluster.request('POST', '/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: { taints: opts.taints },
  });
  assert.equal(created.status, 201, created.body);
  const resources = { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: opts.pods ?? '110' };
  const status = await cluster.request(
    'PATCH',
    `/api/v1/nodes/${name}/status`,
    {
      status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated' }] },
    },
    { 'Content-Type': 'application/merge-patch+json' },
  );
  assert.equal(status.status, 200, status.body);
}

const podYaml = (name: string, spec: string, labels = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
${labels ? `  labels:\n${labels}` : ''}
spec:
${spec}
`;

const container = (cpu = '100m', memory = '64Mi') => `  containers:
  - name: c
    image: registry.local/app:1
    resources:
      requests:
        cpu: "${cpu}"
        memory: "${memory}"
`;

async function create(yaml: string) {
  await cluster.kubectl(['apply', '-f', '-'], { input: yaml });
}

async function nodeOf(pod: string): Promise<string> {
  return (await cluster.kubectl(['get', 'pod', pod, '-o', 'jsonpath={.spec.nodeName}'])).stdout;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | '' | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const scheduledTo = (pod: string) => waitFor(`${pod} to be scheduled`, () => nodeOf(pod));

test('nodes', async () => {
  await addNode('small', { cpu: '1', memory: '1Gi', labels: { disk: 'hdd', zone: 'a' } });
  await addNode('big', { cpu: '8', memory: '16Gi', labels: { disk: 'ssd', zone: 'b' } });
  await addNode('tainted', { cpu: '8', memory: '16Gi', labels: { zone: 'c' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  const out = (await cluster.kubectl(['get', 'nodes'])).stdout;
  assert.match(out, /big\s+Ready/);
  // `gifee server` runs the scheduler beside the controllers once it holds its Lease (nothing is started in this test).
  await waitFor('the scheduler to start', async () => /"component":"scheduler","msg":"scheduler started"/.test(cluster.logs()) || undefined);
});

test('a pod that only fits the big node by cpu goes there', async () => {
  await create(podYaml('needs-cpu', container('2', '128Mi')));
  assert.equal(await scheduledTo('needs-cpu'), 'big');
  const wide = (await cluster.kubectl(['get', 'pod', 'needs-cpu', '-o', 'wide'])).stdout;
  assert.match(wide, /needs-cpu\s.*\sbig\s/);
  const events = (await cluster.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=needs-cpu', '-o', 'jsonpath={range .items[*]}{.reason}:{.source.component}:{.message}{"\\n"}{end}'])).stdout;
  assert.match(events, /Scheduled:default-scheduler:Successfully assigned default\/needs-cpu to big/);
});

test('nodeSelector picks the labelled node', async () => {
  await create(podYaml('wants-hdd', `  nodeSelector:\n    disk: hdd\n${container()}`));
  assert.equal(await scheduledTo('wants-hdd'), 'small');
});

test('a tainted node takes only pods that tolerate the taint', async () => {
  await create(podYaml('gpu-job', `  nodeSelector:\n    zone: c\n  tolerations:\n  - key: dedicated\n    operator: Equal\n    value: gpu\n    effect: NoSchedule\n${container()}`));
  assert.equal(await scheduledTo('gpu-job'), 'tainted');
  for (let i = 0; i < 4; i++) await create(podYaml(`plain-${i}`, container('10m', '16Mi')));
  for (let i = 0; i < 4; i++) assert.notEqual(await scheduledTo(`plain-${i}`), 'tainted', `plain-${i} avoids the tainted node`);
});

test('required anti-affinity spreads replicas across nodes', async () => {
  const spec = `  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            app: spread
  tolerations:
  - operator: Exists
${container('10m', '16Mi')}`;
  for (let i = 0; i < 3; i++) await create(podYaml(`spread-${i}`, spec, '    app: spread'));
  const placed = await Promise.all([0, 1, 2].map((i) => scheduledTo(`spread-${i}`)));
  assert.deepEqual([...placed].sort(), ['big', 'small', 'tainted']);
  // A fourth replica has nowhere to go.
  await create(podYaml('spread-3', spec, '    app: spread'));
  const msg = await waitFor('spread-3 to be reported unschedulable', async () => {
    const c = (await cluster.kubectl(['get', 'pod', 'spread-3', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}'])).stdout;
    return c || undefined;
  });
  assert.match(msg, /^0\/3 nodes are available: 3 node\(s\) didn't satisfy existing pods anti-affinity rules\. preemption: 0\/3 nodes are available: 3 No preemption victims found for incoming pod\./);
  await cluster.kubectl(['delete', 'pod', 'spread-3', '--wait=false']);
});

test('a pod nothing fits stays Pending with FailedScheduling, then schedules when a node that fits is added', async () => {
  await create(podYaml('huge', container('32', '128Mi')));
  const describe = await waitFor('FailedScheduling in describe', async () => {
    const out = (await cluster.kubectl(['describe', 'pod', 'huge'])).stdout;
    return /FailedScheduling/.test(out) ? out : undefined;
  });
  assert.match(describe, /Node:\s+<none>/);
  // status.phase Pending is the API server's create default (not the scheduler's to write).
  assert.match(describe, /Status:\s+(Pending)?\n/);
  assert.match(describe, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}, 2 Insufficient cpu\. preemption: 0\/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod\./);
  const cond = JSON.parse((await cluster.kubectl(['get', 'pod', 'huge', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")]}'])).stdout);
  assert.equal(cond.status, 'False');
  assert.equal(cond.reason, 'Unschedulable');
  assert.equal(await nodeOf('huge'), '');

  await addNode('giant', { cpu: '64', memory: '256Gi' });
  // A node add moves unschedulable pods back to the active queue at once (not after 60 s).
  assert.equal(await scheduledTo('huge'), 'giant');
});

test('preemption: a higher-priority pod evicts a lower-priority one and takes its place', async () => {
  await addNode('prio', { cpu: '1', labels: { pool: 'prio' }, taints: [{ key: 'pool', value: 'prio', effect: 'NoSchedule' }] });
  await cluster.kubectl(['create', 'priorityclass', 'low', '--value=0']);
  await cluster.kubectl(['create', 'priorityclass', 'vip', '--value=1000']);
  const spec = (priority: number) => `  priorityClassName: ${priority ? 'vip' : 'low'}
  terminationGracePeriodSeconds: 0
  nodeSelector:
    pool: prio
  tolerations:
  - key: pool
    operator: Exists
${container('800m', '64Mi')}`;
  await create(podYaml('victim', spec(0)));
  assert.equal(await scheduledTo('victim'), 'prio');
  await create(podYaml('vip', spec(1000)));
  assert.equal(await scheduledTo('vip'), 'prio');
  const gone = await cluster.kubectl(['get', 'pod', 'victim'], { allowFail: true });
  assert.match(gone.stderr, /NotFound/);
  const events = (await cluster.kubectl(['get', 'events', '--field-selector', 'reason=Preempted', '-o', 'jsonpath={.items[*].message}'])).stdout;
  assert.match(events, /Preempted by pod .* on node prio/);
});

test('a pod with scheduling gates waits until the gates are removed', async () => {
  await create(podYaml('gated', `  schedulingGates:\n  - name: example.com/wait\n${container('10m', '16Mi')}`));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await nodeOf('gated'), '');
  await cluster.kubectl(['patch', 'pod', 'gated', '--type', 'json', '-p', '[{"op":"remove","path":"/spec/schedulingGates"}]']);
  assert.ok(await scheduledTo('gated'));
});

test('bad input: an invalid node affinity operator is reported, not crashed on', async () => {
  const spec = `  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - key: disk
            operator: Gt
            values: ["fast"]
${container()}`;
  await create(podYaml('bad-affinity', spec));
  const msg = await waitFor('bad-affinity to be reported', async () => (await cluster.kubectl(['get', 'pod', 'bad-affinity', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}'])).stdout || undefined);
  assert.match(msg, /exactly one integer value is required/);
  // The scheduler is still alive.
  await create(podYaml('after-bad', container('10m', '16Mi')));
  assert.ok(await scheduledTo('after-bad'));
});

test('metrics count attempts', async () => {
  const m = await cluster.request('GET', '/metrics');
  assert.match(m.body, /scheduler_schedule_attempts_total\{profile="default-scheduler",result="scheduled"\} \d+/);
  assert.match(m.body, /scheduler_schedule_attempts_total\{profile="default-scheduler",result="unschedulable"\} \d+/);
  assert.match(m.body, /scheduler_scheduling_attempt_duration_seconds_bucket/);
});
