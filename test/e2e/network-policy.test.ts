// NetworkPolicy enforced by real agents on two test hosts (network namespaces, scripts/test-hosts.sh):
// the Kubernetes docs' examples applied with kubectl and checked with real connections from pods on
// the same node and on the other node, and from the hosts themselves: default deny ingress and
// egress, namespaceSelector AND podSelector, ipBlock with except, named and numeric ports, endPort.
// An established allowed connection survives the policy change that denies new ones; drops are
// counted in the agent's /metrics and in its nftables table; `gifee reset` removes the table.
// Timing is never asserted (bench/network-policy.ts measures it): conditions are awaited.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { createHosts, serveOnBridge, startHostAgent, type HostAgent, type TestHosts, untilWithAgentLogs } from '../helpers/hosts.js';

const run = promisify(execFile);
/** The compiled gifee CLI (this file runs as dist/test/e2e/network-policy.test.js). */
const gifeeCli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'node agents need Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster | undefined;
let hosts: TestHosts | undefined;
const agents: HostAgent[] = [];
// Pod CIDRs exist only inside the hosts' namespaces; clear of other tests' ranges.
const clusterCIDR = `10.${30 + Math.floor(Math.random() * 30)}.0.0/16`;

const until = untilWithAgentLogs(agents);

// Every pod runs the same servers: busybox httpd on 8080 (named http), 9090 (named metrics) and 7001.
const SERVE = 'mkdir -p /w && echo hello-$(hostname) > /w/index.html && for p in 8080 9090 7001; do httpd -p $p -h /w; done; exec sleep 1000000';
const pod = (ns: string, name: string, node: string, labels: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, labels },
  spec: {
    nodeName: node,
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'main', image: 'gifee.local/busybox:1', command: ['sh', '-c', SERVE], ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }, { containerPort: 7001 }] }],
  },
});
const apply = (o: unknown) => c!.kubectl(['apply', '-f', '-'], { input: JSON.stringify(o) });
const policy = (ns: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name }, spec });

const ips = new Map<string, string>(); // "ns/pod" -> pod IP
const GET = `printf 'GET / HTTP/1.0\\r\\n\\r\\n'`;
/** An HTTP GET from a pod (nc: the image's busybox wget crashes); true when answered. */
const fromPod = async (from: string, to: string, port: number) => {
  const [ns, name] = from.split('/');
  const r = await c!.kubectl(['exec', '-n', ns, name, '--', 'sh', '-c', `${GET} | nc -w 2 ${ips.get(to)} ${port}`], { allowFail: true });
  return /200 OK/.test(r.stdout);
};
/** The same from a host's own network namespace (its node IP as source). */
const fromHost = async (h: HostAgent, to: string, port: number) => {
  const r = await hosts!.exec(h.host, 'sh', ['-c', `${GET} | busybox nc -w 2 ${ips.get(to)} ${port}`]).catch(() => ({ stdout: '' }));
  return /200 OK/.test(r.stdout);
};
type Probe = () => Promise<boolean>;
/** Waits until each probe gives its expected answer (all at once). */
const expectFlows = async (what: string, flows: [string, Probe, boolean][]) => {
  for (const [name, probe, want] of flows) await until(`${what}: ${name} ${want ? 'allowed' : 'denied'}`, async () => (await probe()) === want, 60_000);
  // And all still hold together (none flipped back while the others converged).
  for (const [name, probe, want] of flows) assert.equal(await probe(), want, `${what}: ${name} should be ${want ? 'allowed' : 'denied'}`);
};

before(async () => {
  if (skip) return;
  const images = await testImages();
  hosts = await createHosts(2);
  c = await startCluster({ extraArgs: ['--bind-address', '0.0.0.0', '--cluster-cidr', clusterCIDR] });
  const server = await serveOnBridge(c, hosts.bridge.ip);
  for (const h of hosts.hosts) agents.push(await startHostAgent(hosts, h, { server, serverDataDir: c.dataDir, images: [images.busybox] }));
});

after(async () => {
  if (skip) return;
  if (c) await c.kubectl(['delete', 'namespace', 'np-srv', 'np-blue', 'np-red', '--wait=true', '--timeout=60s'], { allowFail: true });
  for (const a of agents) await a.destroy().catch((e) => console.error(`cleanup of ${a.nodeName} failed`, e));
  await c?.stop();
  await hosts?.destroy();
});

test('pods on two nodes reach each other before any policy', { skip }, async () => {
  const [h1, h2] = agents;
  await until('two nodes Ready', async () => (await c!.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True True');
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'np-srv' } });
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'np-blue', labels: { team: 'blue' } } });
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'np-red', labels: { team: 'red' } } });
  const pods = [
    pod('np-srv', 'server', h1.nodeName, { app: 'server' }),
    pod('np-blue', 'client', h1.nodeName, { role: 'client' }), // same node as the server
    pod('np-blue', 'client2', h2.nodeName, { role: 'client' }), // the other node
    pod('np-blue', 'other', h2.nodeName, { role: 'other' }),
    pod('np-red', 'client', h1.nodeName, { role: 'client' }),
  ];
  await apply({ apiVersion: 'v1', kind: 'List', items: pods });
  for (const p of pods) {
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    await until(`${key} running with an IP`, async () => {
      const o = JSON.parse((await c!.kubectl(['get', 'pod', '-n', p.metadata.namespace, p.metadata.name, '-o', 'json'])).stdout) as { status: { phase?: string; podIP?: string } };
      if (o.status.phase !== 'Running' || !o.status.podIP) return false;
      ips.set(key, o.status.podIP);
      return true;
    });
  }
  await expectFlows('no policy', [
    ['blue/client -> server:8080 (same node)', () => fromPod('np-blue/client', 'np-srv/server', 8080), true],
    ['blue/client2 -> server:8080 (other node)', () => fromPod('np-blue/client2', 'np-srv/server', 8080), true],
    ['host 2 -> server:8080', () => fromHost(h2, 'np-srv/server', 8080), true],
  ]);
});

test('default deny ingress: pods on both nodes and other hosts are refused, the own node is not', { skip }, async () => {
  const [h1, h2] = agents;
  await apply(policy('np-srv', 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }));
  await expectFlows('default deny ingress', [
    ['blue/client -> server:8080 (same node)', () => fromPod('np-blue/client', 'np-srv/server', 8080), false],
    ['blue/client2 -> server:8080 (other node)', () => fromPod('np-blue/client2', 'np-srv/server', 8080), false],
    ['host 2 -> server:8080', () => fromHost(h2, 'np-srv/server', 8080), false],
    ["host 1 (the pod's node) -> server:8080", () => fromHost(h1, 'np-srv/server', 8080), true],
    ['server -> blue/other (egress not isolated)', () => fromPod('np-srv/server', 'np-blue/other', 8080), true],
  ]);
});

test('allow from namespaceSelector AND podSelector on a named port', { skip }, async () => {
  await apply(
    policy('np-srv', 'allow-blue-clients', {
      podSelector: { matchLabels: { app: 'server' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } }, podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 'http' }] }],
    }),
  );
  await expectFlows('namespaceSelector+podSelector, port http', [
    ['blue/client -> server:http (same node)', () => fromPod('np-blue/client', 'np-srv/server', 8080), true],
    ['blue/client2 -> server:http (other node)', () => fromPod('np-blue/client2', 'np-srv/server', 8080), true],
    ['blue/client2 -> server:9090 (port not allowed)', () => fromPod('np-blue/client2', 'np-srv/server', 9090), false],
    ['blue/other -> server:http (pod not selected)', () => fromPod('np-blue/other', 'np-srv/server', 8080), false],
    ['red/client -> server:http (namespace not selected)', () => fromPod('np-red/client', 'np-srv/server', 8080), false],
  ]);
});

test('ipBlock with except, a numeric port with endPort, and a host by ipBlock', { skip }, async () => {
  const [, h2] = agents;
  await apply(
    policy('np-srv', 'allow-cluster-range', {
      podSelector: { matchLabels: { app: 'server' } },
      ingress: [
        { from: [{ ipBlock: { cidr: clusterCIDR, except: [`${ips.get('np-blue/client2')}/32`] } }], ports: [{ protocol: 'TCP', port: 7000, endPort: 7010 }] },
        { from: [{ ipBlock: { cidr: `${h2.host.ip}/32` } }], ports: [{ protocol: 'TCP', port: 9090 }] },
      ],
    }),
  );
  await expectFlows('ipBlock except, endPort', [
    ['red/client -> server:7001 (in the block, in the range)', () => fromPod('np-red/client', 'np-srv/server', 7001), true],
    ['blue/client2 -> server:7001 (excepted)', () => fromPod('np-blue/client2', 'np-srv/server', 7001), false],
    ['red/client -> server:9090 (out of the range)', () => fromPod('np-red/client', 'np-srv/server', 9090), false],
    ['host 2 -> server:9090 (its own ipBlock)', () => fromHost(h2, 'np-srv/server', 9090), true],
    ['host 2 -> server:7001 (not in the cluster range)', () => fromHost(h2, 'np-srv/server', 7001), false],
  ]);
});

test('default deny egress with an allow to a namespace on a port range', { skip }, async () => {
  await apply(policy('np-red', 'default-deny-egress', { podSelector: {}, policyTypes: ['Egress'] }));
  await apply(
    policy('np-red', 'allow-to-srv', {
      podSelector: { matchLabels: { role: 'client' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'np-srv' } } }], ports: [{ protocol: 'TCP', port: 7000, endPort: 7010 }] }],
    }),
  );
  await expectFlows('egress', [
    ['red/client -> server:7001 (egress and ingress allow)', () => fromPod('np-red/client', 'np-srv/server', 7001), true],
    ['red/client -> blue/other:8080 (other node, egress denied)', () => fromPod('np-red/client', 'np-blue/other', 8080), false],
    ['red/client -> blue/client:8080 (same node, egress denied)', () => fromPod('np-red/client', 'np-blue/client', 8080), false],
    ['blue/client -> red/client:8080 (red ingress not isolated)', () => fromPod('np-blue/client', 'np-red/client', 8080), true],
  ]);
});

test('an established connection survives the change that denies new ones; drops are counted', { skip }, async () => {
  const [h1] = agents;
  const server = ips.get('np-srv/server')!;
  // A connection from the other node, opened now, that sends its request only when told to.
  const held = c!.kubectl(['exec', '-n', 'np-blue', 'client2', '--', 'sh', '-c', `rm -f /tmp/go; (while [ ! -e /tmp/go ]; do sleep 0.2; done; ${GET}; sleep 2) | nc -w 60 ${server} 8080`], { allowFail: true });
  // Its own conntrack entry on the server's node, ESTABLISHED, on one line: earlier probes of the
  // same pair linger in TIME_WAIT, and deleting the policy before this one opened would (rightly)
  // refuse it.
  const heldEntry = new RegExp(`ESTABLISHED src=${ips.get('np-blue/client2')!.replaceAll('.', '\\.')} dst=${server.replaceAll('.', '\\.')} sport=\\d+ dport=8080 `);
  await until(
    'the held connection established',
    async () => {
      const out = (await hosts!.exec(h1.host, 'sh', ['-c', 'cat /proc/net/nf_conntrack 2>/dev/null || conntrack -L'])).stdout;
      return out.split('\n').some((l) => heldEntry.test(l));
    },
    30_000,
  );
  await c!.kubectl(['delete', 'networkpolicy', '-n', 'np-srv', 'allow-blue-clients']);
  await expectFlows('after deleting allow-blue-clients', [['blue/client2 -> server:8080 (new connection)', () => fromPod('np-blue/client2', 'np-srv/server', 8080), false]]);
  await c!.kubectl(['exec', '-n', 'np-blue', 'client2', '--', 'touch', '/tmp/go']);
  const r = await held;
  assert.match(r.stdout, /200 OK[\s\S]*hello-server/, `the established connection got no answer: ${r.stdout}${r.stderr}`);

  // Why was it dropped: the pod chain's drop counter, in nft and in the agent's metrics.
  const table = `gifee-netpol-${h1.bridge}`;
  const listed = (await hosts!.exec(h1.host, 'nft', ['list', 'table', 'ip', table])).stdout;
  const drop = /counter packets (\d+) bytes \d+ drop comment "drop ingress np-srv\/server"/.exec(listed);
  assert.ok(drop && Number(drop[1]) > 0, `no ingress drops counted for np-srv/server:\n${listed}`);
  assert.match(listed, /accept comment "np-srv\/allow-cluster-range ingress\[0\]"/);
  await until(
    'drops in the agent metrics',
    async () => {
      const m = (await c!.kubectl(['get', '--raw', `/api/v1/nodes/${h1.nodeName}/proxy/metrics`])).stdout;
      const line = m.split('\n').find((l) => l.startsWith('gifee_network_policy_drops_total{') && l.includes('pod="server"') && l.includes('direction="ingress"'));
      return !!line && Number(line.split(' ').pop()) > 0 && /gifee_network_policy_programming_duration_seconds_count\{[^}]*\} [1-9]/.test(m) && /gifee_network_policy_rules\{[^}]*\} [1-9]/.test(m);
    },
    30_000,
  );

  // gifee network-policy counters on the node: the same drop counter, and the allowing rules.
  const counters = (await hosts!.exec(h1.host, process.execPath, [gifeeCli, 'network-policy', 'counters', '--bridge', h1.bridge])).stdout;
  assert.match(counters, /drop ingress np-srv\/server\s+[1-9]\d*/, counters);
  assert.match(counters, /np-srv\/allow-cluster-range ingress\[0\]\s+\d+/, counters); // counted since the last full replace
  // gifee network-policy explain: which side drops a flow and which policies isolate it; which rules allow another.
  const explainFlow = (from: string, to: string, port: string) =>
    run(process.execPath, [gifeeCli, 'network-policy', 'explain', '--kubeconfig', c!.kubeconfig, '--from', from, '--to', to, '--port', port]).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
  const denied = await explainFlow('np-blue/client2', 'np-srv/server', '8080');
  assert.equal(denied.code, 1, denied.out);
  assert.match(denied.out, /: dropped\n/);
  assert.match(denied.out, /ingress: pod np-srv\/server \([\d.]+\) DENIED: isolated by np-srv\/allow-cluster-range, np-srv\/default-deny-ingress/);
  const allowed = await explainFlow('np-red/client', 'np-srv/server', '7001');
  assert.equal(allowed.code, 0, allowed.out);
  assert.match(allowed.out, /egress: pod np-red\/client .* allowed by np-red\/allow-to-srv egress\[0\]/);
  assert.match(allowed.out, /ingress: pod np-srv\/server .* allowed by np-srv\/allow-cluster-range ingress\[0\]/);
});

test('deleting the policies opens the traffic again; gifee reset removes the table', { skip }, async () => {
  const [, h2] = agents;
  await c!.kubectl(['delete', 'networkpolicy', '--all', '-n', 'np-srv']);
  await c!.kubectl(['delete', 'networkpolicy', '--all', '-n', 'np-red']);
  await expectFlows('no policies', [
    ['blue/client2 -> server:8080', () => fromPod('np-blue/client2', 'np-srv/server', 8080), true],
    ['red/client -> blue/other:8080', () => fromPod('np-red/client', 'np-blue/other', 8080), true],
  ]);
  const tables = async () => (await hosts!.exec(h2.host, 'nft', ['list', 'tables'])).stdout;
  assert.match(await tables(), new RegExp(`table ip gifee-netpol-${h2.bridge}`));
  await h2.destroy(); // stop, then resetNode inside the host (what `gifee reset` runs)
  assert.doesNotMatch(await tables(), /gifee-netpol/);
  agents.splice(1, 1);
});
