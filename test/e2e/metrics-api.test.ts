// metrics.k8s.io end to end with simulated nodes: the API server scrapes each Ready node's
// /metrics/resource (the sim serves synthetic figures, sim.gifee.dev/cpu-usage and memory-usage
// annotations), and unmodified kubectl shows them with `top nodes`, `top pods --containers`,
// `top pod --sort-by=cpu`; `get --raw` answers in metrics-server's shape; discovery and the local
// APIService say the group is there; RBAC: view may read metrics, a user without a role gets 403;
// a node whose endpoint hangs and one that answers garbage do not stall the others.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { clientConfigFromKubeconfig } from '../../src/client/kubeconfig.js';
import { startSimNodes, type SimNodes } from '../../src/sim/nodes.js';
import { simKubeletCredentials } from '../../src/cli/sim-kubelet.js';
import { RestClient } from '../../src/client/rest.js';
import { R } from '../../src/client/resources.js';

async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined | false>): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.fail(`timed out after ${ms}ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

const pod = (name: string, node: string, containers: string[], annotations: Record<string, string>, labels: Record<string, string> = {}) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', annotations, labels },
    spec: { nodeName: node, containers: containers.map((c) => ({ name: c, image: `registry.local/${c}:1` })) },
  });

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

describe('metrics.k8s.io: kubectl top on simulated nodes', () => {
  let cluster: Cluster;
  let sim: SimNodes;
  let creds: ReturnType<typeof simKubeletCredentials> | undefined;
  let client: RestClient;
  const servers: { close(): void }[] = [];
  const sockets = new Set<net.Socket>();

  /** A Node that looks Ready at 127.0.0.1:port, whose "kubelet" is whatever listens there. */
  async function fakeNode(name: string, port: number) {
    await client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
    await client.patch(
      R.nodes,
      undefined,
      name,
      {
        status: {
          capacity: { cpu: '2', memory: '4Gi', pods: '110' },
          allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
          addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
          daemonEndpoints: { kubeletEndpoint: { Port: port } },
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'fake', lastHeartbeatTime: now(), lastTransitionTime: now() }],
        },
      },
      'merge',
      'status',
    );
  }

  before(async () => {
    cluster = await startCluster({ env: { GIFEE_METRIC_RESOLUTION_MS: '1000' } });
    const config = await clientConfigFromKubeconfig(cluster.kubeconfig);
    client = new RestClient({ ...config, userAgent: 'metrics-api-test' });
    creds = simKubeletCredentials(config);
    sim = await startSimNodes({ client: config, count: 3, namePrefix: 'sim-', leaseRenewIntervalMs: 1000, kubelet: creds });
    await cluster.kubectl(['create', 'namespace', 'shop']);
    await until('the default ServiceAccount of shop', 60_000, async () => (await cluster.kubectl(['get', 'serviceaccount', 'default', '-n', 'shop'], { allowFail: true })).code === 0);
    await cluster.kubectl(['create', '-f', '-'], { input: pod('web-0', 'sim-0', ['app'], { 'sim.gifee.dev/cpu-usage': '250m', 'sim.gifee.dev/memory-usage': '64Mi' }, { app: 'web' }) });
    await cluster.kubectl(['create', '-f', '-'], { input: pod('shop-1', 'sim-1', ['app', 'side'], { 'sim.gifee.dev/cpu-usage': 'app=300m,side=20m', 'sim.gifee.dev/memory-usage': 'app=100Mi,side=10Mi' }, { app: 'shop' }) });
    await cluster.kubectl(['create', '-f', '-'], { input: pod('idle-2', 'sim-2', ['app'], { 'sim.gifee.dev/cpu-usage': '5m', 'sim.gifee.dev/memory-usage': '8Mi' }, { app: 'idle' }) });

    // A node whose endpoint accepts connections and never answers (not even the TLS handshake).
    const hang = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', () => r()));
    servers.push({ close: () => hang.close() });
    await fakeNode('hang-0', (hang.address() as net.AddressInfo).port);
    // A node with a valid serving certificate that answers garbage.
    // (The Node must list its address before the kubelet-serving signer signs for it.)
    let ctx: tls.SecureContext | undefined;
    const garbage = https.createServer({ SNICallback: (_name, cb) => (ctx ? cb(null, ctx) : cb(new Error('no certificate yet'))) }, (_req, res) => res.end(`node_cpu_usage_seconds_total{{{{ ${'x'.repeat(100_000)}\n`));
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', () => r()));
    servers.push({ close: () => garbage.close() });
    await fakeNode('garbage-0', (garbage.address() as net.AddressInfo).port);
    const pair = await creds.servingCertificate('garbage-0');
    ctx = tls.createSecureContext({ cert: pair.cert, key: pair.key });
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
    await sim?.stop();
    creds?.close();
    client?.close();
    await cluster?.stop();
  });

  it('serves the group in discovery, with a local, available APIService', async () => {
    const group = (await cluster.request('GET', '/apis/metrics.k8s.io')).json;
    assert.equal(group.preferredVersion.groupVersion, 'metrics.k8s.io/v1beta1');
    const res = (await cluster.request('GET', '/apis/metrics.k8s.io/v1beta1')).json;
    const byName = Object.fromEntries(res.resources.map((r: { name: string }) => [r.name, r]));
    assert.deepEqual([...byName.nodes.verbs].sort(), ['get', 'list']);
    assert.equal(byName.nodes.kind, 'NodeMetrics');
    assert.equal(byName.nodes.namespaced, false);
    assert.equal(byName.pods.kind, 'PodMetrics');
    assert.equal(byName.pods.namespaced, true);
    const aggregated = (await cluster.request('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json;
    assert.ok(aggregated.items.some((g: { metadata: { name: string } }) => g.metadata.name === 'metrics.k8s.io'));
    const svc = await until('APIService v1beta1.metrics.k8s.io', 30_000, async () => (await cluster.request('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io')).json);
    assert.equal(svc.spec.service, undefined);
    assert.equal(svc.spec.groupPriorityMinimum, 100);
    assert.equal(svc.status.conditions[0].type, 'Available');
    assert.equal(svc.status.conditions[0].status, 'True');
    assert.equal(svc.status.conditions[0].reason, 'Local');
  });

  it('kubectl top nodes shows each sim node: its pods plus a 100m / 512Mi base', async () => {
    const out = await until('top nodes with 3 sim nodes', 30_000, async () => {
      const r = await cluster.kubectl(['top', 'nodes', '--no-headers'], { allowFail: true });
      // Each node's rate includes its pods once they run (the sim starts them a moment after creation).
      return r.code === 0 && /^sim-2\s+105m/m.test(r.stdout) && /^sim-1\s+420m/m.test(r.stdout) && r.stdout;
    });
    assert.match(out, /^sim-0\s+350m\s+4%\s+576Mi\s+1%/m);
    assert.match(out, /^sim-1\s+420m\s+5%\s+622Mi\s+1%/m);
    assert.match(out, /^sim-2\s+105m\s+1%\s+520Mi\s+1%/m);
    // The broken nodes have no figures (kubectl lists them as <unknown>) and did not keep the others from theirs.
    assert.match(out, /^hang-0\s+<unknown>/m);
    assert.match(out, /^garbage-0\s+<unknown>/m);
    const raw = JSON.parse((await cluster.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes'])).stdout);
    assert.deepEqual(
      raw.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['sim-0', 'sim-1', 'sim-2'],
    );
    await until('the hanging node timed out', 10_000, async () => /failed to scrape node","part":"metrics-scraper","node":"hang-0","err":"timed out after 1000 ms"/.test(cluster.logs()));
    await until('the garbage node failed', 10_000, async () => /failed to scrape node","part":"metrics-scraper","node":"garbage-0","err":"line 1 is longer than 65536 bytes"/.test(cluster.logs()));
    // ...while the others kept being scraped (their figures stay current).
    const before = JSON.parse((await cluster.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes/sim-0'])).stdout).timestamp;
    await until('a newer sample of sim-0', 10_000, async () => JSON.parse((await cluster.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes/sim-0'])).stdout).timestamp !== before);
  });

  it('kubectl top pods --containers and --sort-by=cpu', async () => {
    const out = await until('top pods -A --containers', 20_000, async () => {
      const r = await cluster.kubectl(['top', 'pods', '-A', '--containers', '--no-headers'], { allowFail: true });
      return r.code === 0 && (r.stdout.match(/^shop\s/gm) ?? []).length === 4 && r.stdout;
    });
    assert.match(out, /^shop\s+web-0\s+app\s+250m\s+64Mi/m);
    assert.match(out, /^shop\s+shop-1\s+app\s+300m\s+100Mi/m);
    assert.match(out, /^shop\s+shop-1\s+side\s+20m\s+10Mi/m);
    assert.match(out, /^shop\s+idle-2\s+app\s+5m\s+8Mi/m);
    const sorted = (await cluster.kubectl(['top', 'pod', '-n', 'shop', '--sort-by=cpu', '--no-headers'])).stdout.trim().split('\n');
    assert.deepEqual(
      sorted.map((l) => l.split(/\s+/).slice(0, 3).join(' ')),
      ['shop-1 320m 110Mi', 'web-0 250m 64Mi', 'idle-2 5m 8Mi'],
    );
    const selected = (await cluster.kubectl(['top', 'pod', '-n', 'shop', '-l', 'app=web', '--no-headers'])).stdout;
    assert.match(selected, /^web-0\s+250m\s+64Mi/);
    assert.doesNotMatch(selected, /shop-1/);
  });

  it('answers kubectl get --raw as metrics-server does', async () => {
    const list = JSON.parse((await cluster.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes'])).stdout);
    assert.equal(list.kind, 'NodeMetricsList');
    assert.equal(list.apiVersion, 'metrics.k8s.io/v1beta1');
    const n = list.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'sim-0');
    assert.deepEqual(Object.keys(n).sort(), ['apiVersion', 'kind', 'metadata', 'timestamp', 'usage', 'window']);
    assert.equal(n.kind, 'NodeMetrics');
    assert.equal(n.metadata.labels['kubernetes.io/hostname'], 'sim-0');
    assert.match(n.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(n.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(n.window, /^\d+(\.\d+)?(ms|s)$/);
    assert.deepEqual(n.usage, { cpu: '350m', memory: '576Mi' });
    assert.deepEqual(
      list.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['sim-0', 'sim-1', 'sim-2'],
    );

    const one = JSON.parse((await cluster.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/shop-1'])).stdout);
    assert.equal(one.kind, 'PodMetrics');
    assert.equal(one.metadata.namespace, 'shop');
    assert.deepEqual(one.metadata.labels, { app: 'shop' });
    assert.deepEqual(Object.keys(one).sort(), ['apiVersion', 'containers', 'kind', 'metadata', 'timestamp', 'window']);
    assert.deepEqual(
      [...one.containers].sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name)),
      [
        { name: 'app', usage: { cpu: '300m', memory: '100Mi' } },
        { name: 'side', usage: { cpu: '20m', memory: '10Mi' } },
      ],
    );
    const pods = JSON.parse((await cluster.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Didle'])).stdout);
    assert.equal(pods.kind, 'PodMetricsList');
    assert.deepEqual(
      pods.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['idle-2'],
    );
    const missing = await cluster.request('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.reason, 'NotFound');
    const watch = await cluster.request('GET', '/apis/metrics.k8s.io/v1beta1/nodes?watch=true');
    assert.equal(watch.status, 405);
    const write = await cluster.request('POST', '/apis/metrics.k8s.io/v1beta1/nodes', { apiVersion: 'metrics.k8s.io/v1beta1', kind: 'NodeMetrics', metadata: { name: 'x' } });
    assert.equal(write.status, 405);
  });

  it("a sim node's /metrics/cadvisor and /stats/summary, through nodes/proxy, carry the figures kubectl top shows", async () => {
    const raw = async (path: string) => (await cluster.kubectl(['get', '--raw', `/api/v1/nodes/sim-1/proxy/${path}`])).stdout;
    const cadvisor = await raw('metrics/cadvisor');
    // cAdvisor's names and the kubelet's labels; 100Mi and 10Mi working sets as annotated.
    assert.match(cadvisor, /^container_memory_working_set_bytes\{container="app",id="[^"]+",image="registry.local\/app:1",name="[^"]+",namespace="shop",pod="shop-1"\} 1.048576e\+08 \d+$/m);
    assert.match(cadvisor, /^container_memory_working_set_bytes\{container="side",[^}]*pod="shop-1"\} 1.048576e\+07 \d+$/m);
    assert.match(cadvisor, /^container_cpu_usage_seconds_total\{container="side",cpu="total",[^}]*pod="shop-1"\} [\d.e+]+ \d+$/m);
    assert.match(cadvisor, /^container_network_receive_bytes_total\{[^}]*interface="eth0"[^}]*pod="shop-1"\} /m);
    assert.match(cadvisor, /^machine_cpu_cores\{[^}]*\} \d+$/m);
    assert.doesNotMatch(cadvisor, /pod="web-0"/);
    const summary = JSON.parse(await raw('stats/summary'));
    assert.equal(summary.node.nodeName, 'sim-1');
    const shop = summary.pods.find((p: { podRef: { name: string } }) => p.podRef.name === 'shop-1');
    assert.deepEqual(shop.containers.map((c: { name: string; cpu: { usageNanoCores: number }; memory: { workingSetBytes: number } }) => [c.name, c.cpu.usageNanoCores, c.memory.workingSetBytes]).sort(), [
      ['app', 300e6, 100 * 2 ** 20],
      ['side', 20e6, 10 * 2 ** 20],
    ]);
    assert.equal(summary.node.cpu.usageNanoCores, 420e6);
  });

  it('is RBAC-checked: view reads metrics (aggregated-metrics-reader), a user without a role gets 403', async () => {
    const denied = await cluster.kubectl(['top', 'pods', '-n', 'shop', '--as=nobody'], { allowFail: true });
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Forbidden|forbidden/);
    assert.match(denied.stderr, /pods\.metrics\.k8s\.io/);
    const deniedNodes = await cluster.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes', '--as=nobody'], { allowFail: true });
    assert.match(deniedNodes.stderr, /Forbidden|forbidden/);
    await cluster.kubectl(['create', 'rolebinding', 'viewer', '--clusterrole=view', '--user=viewer', '-n', 'shop']);
    const viewer = await until('viewer can read pod metrics', 10_000, async () => {
      const r = await cluster.kubectl(['top', 'pods', '-n', 'shop', '--as=viewer', '--no-headers'], { allowFail: true });
      return r.code === 0 && r.stdout;
    });
    assert.match(viewer, /^web-0\s+250m/m);
    const role = JSON.parse((await cluster.kubectl(['get', 'clusterrole', 'system:aggregated-metrics-reader', '-o', 'json'])).stdout);
    assert.equal(role.metadata.labels['rbac.authorization.k8s.io/aggregate-to-view'], 'true');
    assert.deepEqual(role.rules, [{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }]);
  });
});
