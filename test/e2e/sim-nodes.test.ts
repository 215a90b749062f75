// Simulated nodes end to end: `gifee sim nodes` registers Ready nodes on loopback (marked simulated,
// so node IPAM gives them no pod CIDR), heartbeats their Leases, runs pods bound to them
// (Running/Ready with an IP from 198.18.0.0/15), completes pods annotated to exit, finalizes deleted
// pods, and removes its nodes with --cleanup. Their kubelet endpoint: sim-kubelet.test.ts.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { clientConfigFromKubeconfig } from '../../src/client/kubeconfig.js';
import { startSimNodes, type SimNodes } from '../../src/sim/nodes.js';
import { simKubeletCredentials } from '../../src/cli/sim-kubelet.js';
import { stopProcess } from '../helpers/stop-process.js';

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
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out after ${ms}ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

const pod = (name: string, node: string, extra: { annotations?: Record<string, string>; restartPolicy?: string } = {}) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, annotations: extra.annotations ?? {} },
    spec: { nodeName: node, restartPolicy: extra.restartPolicy ?? 'Always', containers: [{ name: 'app', image: 'registry.local/web:1' }] },
  });

const inCidr = (ip: string, cidr: string) => {
  const [net, bits] = cidr.split('/');
  const n = (s: string) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
  const size = 2 ** (32 - Number(bits));
  return n(ip) >= n(net) && n(ip) < n(net) + size;
};
const SIM_POD_CIDR = '198.18.0.0/15';

describe('gifee sim nodes', () => {
  let cluster: Cluster;
  let sim: SimNodes;
  let creds: ReturnType<typeof simKubeletCredentials> | undefined;
  before(async () => {
    cluster = await startCluster();
    const client = await clientConfigFromKubeconfig(cluster.kubeconfig);
    creds = simKubeletCredentials(client);
    sim = await startSimNodes({ client, count: 3, namePrefix: 'sim-', leaseRenewIntervalMs: 1000, kubelet: creds });
  });
  after(async () => {
    await sim?.stop();
    creds?.close();
    await cluster?.stop();
  });

  it('registers Ready nodes with capacity and labels, on loopback, marked simulated, without pod CIDRs', async () => {
    const out = await until('3 Ready sim nodes', 10_000, async () => {
      const r = await cluster.kubectl(['get', 'nodes', '-l', 'type=sim', '--no-headers']);
      return (
        r.stdout
          .trim()
          .split('\n')
          .filter((l) => / Ready /.test(l)).length === 3 && r.stdout
      );
    });
    assert.match(out, /^sim-0\s+Ready/m);
    const node = JSON.parse((await cluster.kubectl(['get', 'node', 'sim-1', '-o', 'json'])).stdout);
    assert.equal(node.metadata.labels['sim.gifee.dev/simulated'], 'true');
    assert.deepEqual(node.status.addresses, [
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: 'sim-1' },
    ]);
    assert.equal(node.status.daemonEndpoints.kubeletEndpoint.Port, sim.kubeletPort);
    assert.ok(sim.kubeletPort > 0 && sim.kubeletPort !== 10250);
    assert.equal(node.status.capacity.cpu, '8');
    assert.equal(node.status.allocatable.memory, '32Gi');
    assert.equal(node.status.capacity.pods, '110');
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], 'sim-1');
    assert.equal(node.metadata.labels['kubernetes.io/os'], 'linux');
    // Node IPAM runs (a plain node gets a CIDR below) but skips simulated nodes.
    await new Promise((r) => setTimeout(r, 1000));
    const cidrs = (await cluster.kubectl(['get', 'node', 'sim-0', 'sim-1', 'sim-2', '-o', 'jsonpath={range .items[*]}{.spec.podCIDR}{end}'])).stdout;
    assert.equal(cidrs, '', 'no pod CIDRs on simulated nodes');
  });

  it('gives a plain created Node a pod CIDR too', async () => {
    await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'plain-node' } }) });
    const cidr = await until('podCIDR on plain-node', 10_000, async () => (await cluster.kubectl(['get', 'node', 'plain-node', '-o', 'jsonpath={.spec.podCIDR}'])).stdout.trim());
    assert.match(cidr, /^10\.42\.\d+\.0\/24$/);
    await cluster.kubectl(['delete', 'node', 'plain-node']);
  });

  it('renews node Leases in kube-node-lease', async () => {
    const get = async () => JSON.parse((await cluster.kubectl(['get', 'lease', '-n', 'kube-node-lease', 'sim-2', '-o', 'json'])).stdout);
    const first = await until('the sim-2 lease', 5000, get);
    assert.equal(first.spec.holderIdentity, 'sim-2');
    assert.equal(first.metadata.ownerReferences[0].kind, 'Node');
    await until('a renewal', 5000, async () => (await get()).spec.renewTime !== first.spec.renewTime);
  });

  it('registers a node again when someone deletes it, as a kubelet does', async () => {
    const uid = (await cluster.kubectl(['get', 'node', 'sim-2', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    await cluster.kubectl(['delete', 'node', 'sim-2']);
    await until('sim-2 back', 10_000, async () => {
      const r = await cluster.kubectl(['get', 'node', 'sim-2', '-o', 'jsonpath={.metadata.uid}'], { allowFail: true });
      return r.code === 0 && r.stdout && r.stdout !== uid;
    });
    await until('sim-2 Ready and its lease owned by the new node', 10_000, async () => {
      const n = JSON.parse((await cluster.kubectl(['get', 'node', 'sim-2', '-o', 'json'])).stdout);
      const l = JSON.parse((await cluster.kubectl(['get', 'lease', '-n', 'kube-node-lease', 'sim-2', '-o', 'json'])).stdout);
      return n.metadata.labels['sim.gifee.dev/simulated'] === 'true' && n.status.conditions.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') && l.metadata.ownerReferences[0].uid === n.metadata.uid;
    });
  });

  it('runs pods bound to sim nodes: Running, Ready, with an IP from the simulated range and host IP 127.0.0.1', async () => {
    for (let i = 0; i < 3; i++) await cluster.kubectl(['create', '-f', '-'], { input: pod(`web-${i}`, `sim-${i}`) });
    const wide = await until('3 Running pods', 15_000, async () => {
      const r = await cluster.kubectl(['get', 'pods', '-o', 'wide', '--no-headers']);
      return (
        r.stdout
          .trim()
          .split('\n')
          .filter((l) => /1\/1\s+Running/.test(l)).length === 3 && r.stdout
      );
    });
    assert.match(wide, /^web-1\s+1\/1\s+Running\s+0\s+\S+\s+198\.1[89]\.\d+\.\d+\s+sim-1/m);
    const p = JSON.parse((await cluster.kubectl(['get', 'pod', 'web-0', '-o', 'json'])).stdout);
    assert.ok(inCidr(p.status.podIP, SIM_POD_CIDR), `${p.status.podIP} in ${SIM_POD_CIDR}`);
    assert.equal(p.status.hostIP, '127.0.0.1');
    for (const t of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) assert.equal(p.status.conditions.find((c: { type: string }) => c.type === t)?.status, 'True', t);
    assert.ok(p.status.containerStatuses[0].state.running.startedAt);
    assert.equal(p.status.containerStatuses[0].ready, true);
    await cluster.kubectl(['wait', '--for=condition=Ready', 'pod/web-2', '--timeout=10s']);
    // hostNetwork pods too: an IP of the range, never the node's loopback address (a Service would lead there).
    await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hostnet', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }) });
    const hostPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'host-net', namespace: 'hostnet' }, spec: { nodeName: 'sim-1', hostNetwork: true, containers: [{ name: 'app', image: 'registry.local/web:1' }] } };
    await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify(hostPod) });
    await cluster.kubectl(['wait', '-n', 'hostnet', '--for=condition=Ready', 'pod/host-net', '--timeout=10s']);
    const h = JSON.parse((await cluster.kubectl(['get', '-n', 'hostnet', 'pod', 'host-net', '-o', 'json'])).stdout);
    assert.ok(inCidr(h.status.podIP, SIM_POD_CIDR), h.status.podIP);
    assert.equal(h.status.hostIP, '127.0.0.1');
    await cluster.kubectl(['delete', 'namespace', 'hostnet', '--wait=false']);
  });

  it('finalizes deleted pods like a kubelet', async () => {
    const started = Date.now();
    await cluster.kubectl(['delete', 'pod', 'web-0', '--timeout=20s']);
    assert.ok(Date.now() - started < 15_000);
    const r = await cluster.kubectl(['get', 'pod', 'web-0'], { allowFail: true });
    assert.match(r.stderr, /NotFound/);
  });

  it('completes pods annotated to exit: Succeeded with code 0, Failed otherwise', async () => {
    await cluster.kubectl(['create', '-f', '-'], { input: pod('ok', 'sim-1', { restartPolicy: 'Never', annotations: { 'sim.gifee.dev/exit-after': '1s' } }) });
    await cluster.kubectl(['create', '-f', '-'], { input: pod('bad', 'sim-2', { restartPolicy: 'OnFailure', annotations: { 'sim.gifee.dev/exit-after': '1s', 'sim.gifee.dev/exit-code': '3' } }) });
    await cluster.kubectl(['create', '-f', '-'], { input: pod('forever', 'sim-2', { annotations: { 'sim.gifee.dev/exit-after': '1s' } }) });
    const phase = (n: string) => cluster.kubectl(['get', 'pod', n, '-o', 'jsonpath={.status.phase}']).then((r) => r.stdout);
    await until('ok Succeeded', 10_000, async () => (await phase('ok')) === 'Succeeded');
    await until('bad Failed', 10_000, async () => (await phase('bad')) === 'Failed');
    const bad = JSON.parse((await cluster.kubectl(['get', 'pod', 'bad', '-o', 'json'])).stdout);
    assert.equal(bad.status.containerStatuses[0].state.terminated.exitCode, 3);
    assert.equal(bad.status.containerStatuses[0].state.terminated.reason, 'Error');
    const ok = JSON.parse((await cluster.kubectl(['get', 'pod', 'ok', '-o', 'json'])).stdout);
    const t = ok.status.containerStatuses[0].state.terminated;
    assert.ok(Date.parse(t.finishedAt) - Date.parse(t.startedAt) >= 1000);
    assert.equal(await phase('forever'), 'Running', 'restartPolicy Always never completes');
  });

  // With the rest of the cluster (scheduler, deployment and job controllers): what scale tests do.
  it('hosts a Deployment scheduled onto sim nodes, and a Job whose pods exit after a while', async () => {
    await cluster.kubectl(['create', 'deployment', 'sim-web', '--image=registry.local/web:1', '--replicas=12']);
    await cluster.kubectl(['rollout', 'status', 'deployment/sim-web', '--timeout=60s']);
    const nodes = (await cluster.kubectl(['get', 'pods', '-l', 'app=sim-web', '-o', 'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}'])).stdout.trim().split('\n');
    assert.equal(nodes.length, 12);
    assert.ok(
      nodes.every((n) => /^sim-[0-2]$/.test(n)),
      nodes.join(','),
    );
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'sim-job' }, spec: { completions: 4, parallelism: 2, template: { metadata: { annotations: { 'sim.gifee.dev/exit-after': '500ms' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'registry.local/work:1' }] } } } };
    await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify(job) });
    await cluster.kubectl(['wait', '--for=condition=Complete', 'job/sim-job', '--timeout=60s']);
    assert.equal((await cluster.kubectl(['get', 'job', 'sim-job', '-o', 'jsonpath={.status.succeeded}'])).stdout, '4');
  });

  it('the CLI registers nodes and deletes them with --cleanup on Ctrl-C', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'src/cli/main.ts'), 'sim', 'nodes', '--count', '2', '--name-prefix', 'cli-', '--kubeconfig', cluster.kubeconfig, '--cleanup', '--cpu', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    try {
      await until('cli nodes Ready', 20_000, async () => {
        const r = await cluster.kubectl(['get', 'nodes', 'cli-0', 'cli-1', '--no-headers']);
        return (r.stdout.match(/ Ready /g) ?? []).length === 2;
      });
      await until('the CLI to say it runs', 10_000, async () => /2 simulated nodes running \(cli-0 \.\. cli-1\)/.test(out));
      assert.equal((await cluster.kubectl(['get', 'node', 'cli-0', '-o', 'jsonpath={.status.capacity.cpu}'])).stdout, '4');
    } finally {
      await stopProcess(proc, 20_000, 'SIGINT');
    }
    const r = await cluster.kubectl(['get', 'nodes', '-o', 'name']);
    assert.doesNotMatch(r.stdout, /cli-/, out);
  });

  it('rejects bad flags with a usage error', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'src/cli/main.ts'), 'sim', 'nodes', '--count', 'many'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => proc.once('exit', r));
    assert.equal(code, 2);
    assert.match(err, /--count must be a whole number/);
  });
});
