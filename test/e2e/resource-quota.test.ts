// ResourceQuota and LimitRange with the real kubectl (no node agent: pods need not run). A quota
// refuses the pod that would exceed it with Kubernetes' message, describe shows the usage the quota
// controller counted, deleting a pod (or its finishing) frees its share, LimitRange defaults land in created pods and
// its min/max refuse, count/deployments.apps counts Deployments, dry runs are checked but not
// charged, and concurrent creates never overrun a nearly full quota.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

let c: Cluster;
before(async () => {
  c = await startCluster();
});
after(async () => c?.stop());

const pod = (name: string, resources?: object) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'gifee.local/busybox:1', ...(resources ? { resources } : {}) }] } });
const create = (ns: string, body: string, extra: string[] = []) => c.kubectl(['create', '-n', ns, '-f', '-', ...extra], { input: body, allowFail: true });
const jsonpath = async (args: string[], path: string) => (await c.kubectl([...args, '-o', `jsonpath=${path}`])).stdout;
const usedOf = (ns: string, quota: string, resource: string) => jsonpath(['get', 'quota', quota, '-n', ns], `{.status.used.${resource.replace(/\./g, '\\.')}}`);
/** A namespace with its default service account (pods wait for it, as in Kubernetes). */
async function namespace(name: string) {
  await c.kubectl(['create', 'namespace', name]);
  await until(`service account ${name}/default`, async () => (await c.kubectl(['get', 'serviceaccount', 'default', '-n', name], { allowFail: true })).code === 0, { timeoutMs: 30_000 });
}
const waitUsed = (ns: string, quota: string, resource: string, want: string) => until(`${quota} ${resource} used ${want}`, async () => (await usedOf(ns, quota, resource)) === want, { timeoutMs: 30_000 });

test('a quota refuses the third pod, describe shows usage, deleting a pod frees it, dry runs are not charged', async () => {
  await namespace('quota-pods');
  await c.kubectl(['create', 'quota', 'pod-demo', '--hard=pods=2', '-n', 'quota-pods']);
  await waitUsed('quota-pods', 'pod-demo', 'pods', '0');
  assert.equal((await create('quota-pods', pod('p1'))).code, 0);
  // A dry run is checked but charges nothing.
  assert.equal((await create('quota-pods', pod('p2'), ['--dry-run=server'])).code, 0);
  assert.equal(await usedOf('quota-pods', 'pod-demo', 'pods'), '1');
  assert.equal((await create('quota-pods', pod('p2'))).code, 0);
  const third = await create('quota-pods', pod('p3'));
  assert.notEqual(third.code, 0);
  assert.match(third.stderr, /pods "p3" is forbidden: exceeded quota: pod-demo, requested: pods=1, used: pods=2, limited: pods=2/);
  const dry = await create('quota-pods', pod('p3'), ['--dry-run=server']);
  assert.match(dry.stderr, /exceeded quota: pod-demo/);

  const described = (await c.kubectl(['describe', 'quota', 'pod-demo', '-n', 'quota-pods'])).stdout;
  assert.match(described, /Name:\s+pod-demo/);
  assert.match(described, /Resource\s+Used\s+Hard/);
  assert.match(described, /pods\s+2\s+2/);
  assert.match((await c.kubectl(['get', 'quota', '-n', 'quota-pods'])).stdout, /^NAME\s+AGE\s+REQUEST\s+LIMIT\npod-demo\s+\S+\s+pods: 2\/2/m);

  await c.kubectl(['delete', 'pod', 'p1', '-n', 'quota-pods']);
  await waitUsed('quota-pods', 'pod-demo', 'pods', '1');
  assert.equal((await create('quota-pods', pod('p3'))).code, 0);

  // A pod that finished releases its share; a create that fails as AlreadyExists charges nothing.
  const done = await c.request('PATCH', '/api/v1/namespaces/quota-pods/pods/p2/status', { status: { phase: 'Succeeded' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(done.status, 200, done.body);
  await waitUsed('quota-pods', 'pod-demo', 'pods', '1');
  assert.match((await create('quota-pods', pod('p3'))).stderr, /AlreadyExists|already exists/);
  assert.equal(await usedOf('quota-pods', 'pod-demo', 'pods'), '1');
});

test('compute quota: pods must name what the quota tracks; LimitRange defaults fill them in', async () => {
  await namespace('quota-compute');
  await c.kubectl(['create', 'quota', 'mem-cpu-demo', '--hard=requests.cpu=1,requests.memory=1Gi,limits.cpu=2,limits.memory=2Gi', '-n', 'quota-compute']);
  await waitUsed('quota-compute', 'mem-cpu-demo', 'requests.cpu', '0');
  const bare = await create('quota-compute', pod('bare'));
  assert.match(bare.stderr, /pods "bare" is forbidden: failed quota: mem-cpu-demo: must specify limits.cpu for: c; limits.memory for: c; requests.cpu for: c; requests.memory for: c/);

  const limits = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'defaults' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '250m', memory: '256Mi' } }] } };
  assert.equal((await create('quota-compute', JSON.stringify(limits))).code, 0);
  const lr = JSON.parse((await c.kubectl(['get', 'limits', 'defaults', '-n', 'quota-compute', '-o', 'json'])).stdout);
  assert.deepEqual(lr.spec.limits[0].defaultRequest, { cpu: '250m', memory: '256Mi' });
  assert.match((await c.kubectl(['get', 'limitranges', '-n', 'quota-compute'])).stdout, /^NAME\s+CREATED AT\ndefaults\s+\d{4}-/);
  assert.match((await c.kubectl(['describe', 'limits', 'defaults', '-n', 'quota-compute'])).stdout, /Container\s+cpu\s+-\s+-\s+250m\s+500m\s+-/);

  assert.equal((await create('quota-compute', pod('defaulted'))).code, 0);
  const res = JSON.parse(await jsonpath(['get', 'pod', 'defaulted', '-n', 'quota-compute'], '{.spec.containers[0].resources}'));
  assert.deepEqual(res, { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '250m', memory: '256Mi' } });
  assert.match(await jsonpath(['get', 'pod', 'defaulted', '-n', 'quota-compute'], '{.metadata.annotations.kubernetes\\.io/limit-ranger}'), /LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c/);
  await waitUsed('quota-compute', 'mem-cpu-demo', 'requests.memory', '256Mi');
  assert.equal(await usedOf('quota-compute', 'mem-cpu-demo', 'limits.cpu'), '500m');
  const big = await create('quota-compute', pod('big', { requests: { cpu: '900m', memory: '100Mi' }, limits: { cpu: '1', memory: '100Mi' } }));
  assert.match(big.stderr, /exceeded quota: mem-cpu-demo, requested: requests.cpu=900m, used: requests.cpu=250m, limited: requests.cpu=1/);
});

test('LimitRange min and max refuse containers outside them', async () => {
  await namespace('limits-cpu');
  const lr = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'cpu-min-max-demo-lr' }, spec: { limits: [{ type: 'Container', max: { cpu: '800m' }, min: { cpu: '200m' } }] } };
  assert.equal((await create('limits-cpu', JSON.stringify(lr))).code, 0);
  const tooMuch = await create('limits-cpu', pod('constraints-cpu-demo-2', { limits: { cpu: '1.5' }, requests: { cpu: '500m' } }));
  assert.match(tooMuch.stderr, /pods "constraints-cpu-demo-2" is forbidden: maximum cpu usage per Container is 800m, but limit is 1500m/);
  const tooLittle = await create('limits-cpu', pod('constraints-cpu-demo-3', { limits: { cpu: '800m' }, requests: { cpu: '100m' } }));
  assert.match(tooLittle.stderr, /pods "constraints-cpu-demo-3" is forbidden: minimum cpu usage per Container is 200m, but request is 100m/);
  // Nothing given: the defaults (from max) fit.
  assert.equal((await create('limits-cpu', pod('constraints-cpu-demo-4'))).code, 0);
  assert.equal(await jsonpath(['get', 'pod', 'constraints-cpu-demo-4', '-n', 'limits-cpu'], '{.spec.containers[0].resources.limits.cpu}'), '800m');
  const invalid = await create('limits-cpu', JSON.stringify({ ...lr, metadata: { name: 'bad' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '2' } }] } }));
  assert.match(invalid.stderr, /min value 2 is greater than max value 1/);
});

test('count/deployments.apps counts Deployments, node ports are limited, concurrent creates never overrun a quota', async () => {
  await namespace('quota-count');
  await c.kubectl(['create', 'quota', 'dep-quota', '--hard=count/deployments.apps=1,pods=3,services.nodeports=0', '-n', 'quota-count']);
  await waitUsed('quota-count', 'dep-quota', 'count/deployments.apps', '0');
  await c.kubectl(['create', 'deployment', 'd1', '--image=gifee.local/busybox:1', '--replicas=0', '-n', 'quota-count']);
  const second = await c.kubectl(['create', 'deployment', 'd2', '--image=gifee.local/busybox:1', '--replicas=0', '-n', 'quota-count'], { allowFail: true });
  assert.match(second.stderr, /deployments.apps "d2" is forbidden: exceeded quota: dep-quota, requested: count\/deployments.apps=1, used: count\/deployments.apps=1, limited: count\/deployments.apps=1/);

  await waitUsed('quota-count', 'dep-quota', 'services.nodeports', '0');
  const np = await c.kubectl(['create', 'service', 'nodeport', 'np', '--tcp=80:80', '-n', 'quota-count'], { allowFail: true });
  assert.match(np.stderr, /services "np" is forbidden: exceeded quota: dep-quota, requested: services.nodeports=1, used: services.nodeports=0, limited: services.nodeports=0/);
  await c.kubectl(['create', 'service', 'clusterip', 'cip', '--tcp=80:80', '-n', 'quota-count']);

  await waitUsed('quota-count', 'dep-quota', 'pods', '0');
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => c.request('POST', '/api/v1/namespaces/quota-count/pods', JSON.parse(pod(`racer-${i}`)))));
  assert.equal(results.filter((r) => r.status === 201).length, 3, results.map((r) => `${r.status} ${r.json?.message ?? ''}`).join('\n'));
  for (const r of results.filter((x) => x.status !== 201)) assert.ok(r.status === 403 || r.status === 409, `${r.status} ${r.body}`);
  assert.equal(await usedOf('quota-count', 'dep-quota', 'pods'), '3');
});
