// Container statistics from a real agent: a pod burning CPU shows a rising
// container_cpu_usage_seconds_total on the agent's /metrics/resource (as metrics-server scrapes it,
// with a ServiceAccount token allowed nodes/metrics), its memory and network in /stats/summary, and
// cAdvisor's series on /metrics/cadvisor; callers without a token, or whose token is not allowed
// nodes/metrics or nodes/stats, are refused as on the agent's /metrics; a deleted pod's series go.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { importImages, testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'needs root for the node agent (runc, cgroups)' : false;

let c: Cluster;
let port = 0;
let scraper = '';
let nobody = '';

const jp = async (what: string, path: string) => (await c.kubectl(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 90_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 500, context: async () => (await c.kubectl(['get', 'pods', '-o', 'wide'], { allowFail: true })).stdout });

/** A GET with only a bearer token (no client certificate). */
const tokenGet = (url: string, token?: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    https
      .get(url, { rejectUnauthorized: false, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });

/** A GET on the agent's port (loopback: the agent listens on every address). */
const agentGet = (path: string, token?: string) => tokenGet(`https://127.0.0.1:${port}${path}`, token);

/** The value of one series in Prometheus text, or undefined. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : undefined;
};

before(async () => {
  if (skip) return;
  c = await startCluster({ agent: true });
  await importImages(c.dataDir, [(await testImages()).busybox]);
  await until('node Ready', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}')) === 'True');
  port = Number(await jp('nodes', '{.items[0].status.daemonEndpoints.kubeletEndpoint.Port}'));
  assert.ok(port > 0);
  // What metrics-server and Prometheus are given: get on nodes/metrics and nodes/stats.
  const rbac = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'scraper', namespace: 'default' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'nobody', namespace: 'default' } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'node-stats-reader' }, rules: [{ apiGroups: [''], resources: ['nodes/metrics', 'nodes/stats'], verbs: ['get'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'node-stats-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'node-stats-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'scraper', namespace: 'default' }] },
  ];
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rbac }) });
  scraper = (await c.kubectl(['create', 'token', 'scraper'])).stdout.trim();
  nobody = (await c.kubectl(['create', 'token', 'nobody'])).stdout.trim();
});

after(async () => {
  if (c) await c.stop();
});

test('a pod burning CPU: rising container_cpu_usage_seconds_total, its memory and network in the summary, cAdvisor series; gone after deletion', { skip }, async () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'burner' }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'burn', image: 'gifee.local/busybox:1', command: ['sh', '-c', 'while :; do :; done'] }] } };
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
  await until('burner Running', async () => (await jp('pod burner', '{.status.phase}')) === 'Running');
  const series = 'container_cpu_usage_seconds_total{container="burn",namespace="default",pod="burner"}';
  let first: number | undefined;
  await until('the burner in /metrics/resource', async () => {
    const r = await agentGet('/metrics/resource', scraper);
    first = r.status === 200 ? sample(r.body, series) : undefined;
    return first !== undefined;
  });
  const text = (await agentGet('/metrics/resource', scraper)).body;
  assert.match(text, /^# HELP container_cpu_usage_seconds_total \[STABLE\] Cumulative cpu time consumed by the container in core-seconds$/m);
  assert.match(text, /^container_cpu_usage_seconds_total\{container="burn",namespace="default",pod="burner"\} [\d.e+]+ \d{13}$/m);
  assert.match(text, /^container_memory_working_set_bytes\{container="burn",namespace="default",pod="burner"\} [\d.e+]+ \d{13}$/m);
  assert.match(text, /^pod_cpu_usage_seconds_total\{namespace="default",pod="burner"\} /m);
  assert.match(text, /^node_cpu_usage_seconds_total [\d.e+]+ \d{13}$/m);
  assert.match(text, /^node_memory_working_set_bytes /m);
  assert.match(text, /^container_start_time_seconds\{container="burn",namespace="default",pod="burner"\} [\d.e+]+$/m);
  assert.match(text, /^resource_scrape_error 0$/m);
  // The same through the API server's nodes/proxy, as `kubectl get --raw` and Prometheus's kubelet jobs read it.
  const node = await jp('nodes', '{.items[0].metadata.name}');
  const viaApi = (await c.kubectl(['get', '--raw', `/api/v1/nodes/${node}/proxy/metrics/resource`])).stdout;
  assert.match(viaApi, /^container_cpu_usage_seconds_total\{container="burn",namespace="default",pod="burner"\} /m);
  assert.match((await c.kubectl(['get', '--raw', `/api/v1/nodes/${node}/proxy/metrics/cadvisor`])).stdout, /^container_memory_working_set_bytes\{container="burn",/m);
  assert.ok(JSON.parse((await c.kubectl(['get', '--raw', `/api/v1/nodes/${node}/proxy/stats/summary`])).stdout).pods.some((p: any) => p.podRef.name === 'burner'));
  await until('the burner CPU counter rises', async () => {
    const now = sample((await agentGet('/metrics/resource', scraper)).body, series);
    return now !== undefined && now > first! + 0.5;
  });

  // The summary: CPU rate and counter, working set, the pod's eth0.
  let burner: any;
  await until('the burner in /stats/summary with a CPU rate', async () => {
    const r = await agentGet('/stats/summary', scraper);
    if (r.status !== 200) return false;
    burner = JSON.parse(r.body).pods.find((p: any) => p.podRef.name === 'burner');
    return burner?.containers?.[0]?.cpu?.usageNanoCores !== undefined;
  });
  const ctr = burner.containers.find((x: any) => x.name === 'burn');
  assert.ok(ctr.cpu.usageNanoCores > 1e8, `a busy loop uses a good share of a core: ${ctr.cpu.usageNanoCores}`);
  assert.ok(ctr.cpu.usageCoreNanoSeconds > 0);
  assert.ok(ctr.memory.workingSetBytes > 0, JSON.stringify(ctr.memory));
  assert.ok(burner.memory.workingSetBytes > 0);
  assert.equal(burner.network?.name, 'eth0', JSON.stringify(burner.network));
  assert.ok(burner['ephemeral-storage'].capacityBytes > 0);
  const only = JSON.parse((await agentGet('/stats/summary?only_cpu_and_memory=true', scraper)).body);
  assert.equal(only.pods.find((p: any) => p.podRef.name === 'burner').network, undefined);

  const cadvisor = (await agentGet('/metrics/cadvisor', scraper)).body;
  assert.match(cadvisor, /^container_cpu_usage_seconds_total\{container="burn",cpu="total",id="\/gifee\/pod[^"]+",image="gifee.local\/busybox:1",name="[^"]+",namespace="default",pod="burner"\} /m);
  assert.match(cadvisor, /^container_memory_working_set_bytes\{container="burn",/m);
  assert.match(cadvisor, /^container_network_receive_bytes_total\{container="",id="\/gifee\/pod[^"]+",image="",interface="eth0",name="",namespace="default",pod="burner"\} /m);
  assert.match(cadvisor, /^container_cpu_usage_seconds_total\{container="",cpu="total",id="\/",image="",name="",namespace="",pod=""\} /m);

  await c.kubectl(['delete', 'pod', 'burner', '--wait=true']);
  await until('the burner series are gone', async () => !(await agentGet('/metrics/resource', scraper)).body.includes('pod="burner"'), 30_000);
});

test('unauthenticated and unauthorized callers are refused, as for /metrics', { skip }, async () => {
  for (const path of ['/metrics', '/metrics/resource', '/metrics/cadvisor', '/stats/summary']) {
    assert.equal((await agentGet(path)).status, 401, path);
    const denied = await agentGet(path, nobody);
    assert.equal(denied.status, 403, `${path}: ${denied.body}`);
  }
  assert.equal((await agentGet('/metrics', scraper)).status, 200);
  // Through the API server: nodes/proxy needs its own RBAC grant, which neither service account has.
  const node = await jp('nodes', '{.items[0].metadata.name}');
  const r = await tokenGet(`${c.url}/api/v1/nodes/${node}/proxy/metrics/resource`, scraper);
  assert.equal(r.status, 403, r.body);
  assert.match(r.body, /nodes\/proxy/);
});
