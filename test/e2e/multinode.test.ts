// Several nodes on one machine: a server in the root namespace (no agent of its own) and three
// hosts (network namespaces on a test bridge, scripts/test-hosts.sh), each running a real
// `gifee agent` with its own node IP. Nodes get distinct pod CIDRs, route each other's pod CIDRs
// via their node IPs (host-gw), pods reach pods on other nodes by pod IP in both directions (and
// see each other's pod IPs: no NAT between pods), and
// a node that leaves has its route removed everywhere. Nothing is left behind.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { createHosts, serveOnBridge, startHostAgent, type HostAgent, type TestHosts, untilWithAgentLogs } from '../helpers/hosts.js';

const run = promisify(execFile);
const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'node agents need Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster | undefined;
let hosts: TestHosts | undefined;
const agents: HostAgent[] = [];
// Pod CIDRs only exist inside the hosts' namespaces; still, keep clear of other tests' ranges (10.100-10.249).
const clusterCIDR = `10.${60 + Math.floor(Math.random() * 30)}.0.0/16`;

const until = untilWithAgentLogs(agents);

const podRoutes = async (a: HostAgent) =>
  (await hosts!.exec(a.host, 'ip', ['-4', 'route', 'show', 'proto', '77'])).stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim())
    .sort();

before(async () => {
  if (skip) return;
  const images = await testImages();
  hosts = await createHosts(3);
  c = await startCluster({ extraArgs: ['--bind-address', '0.0.0.0', '--cluster-cidr', clusterCIDR] });
  const server = await serveOnBridge(c, hosts.bridge.ip);
  for (const h of hosts.hosts) agents.push(await startHostAgent(hosts, h, { server, serverDataDir: c.dataDir, images: [images.busybox, images.web1] }));
});

after(async () => {
  if (skip) return;
  // Pods first (their containers are the agents' to stop), then agents, server, hosts.
  if (c) await c.kubectl(['delete', 'pods', '--all', '--grace-period=1', '--wait=true', '--timeout=30s'], { allowFail: true });
  for (const a of agents) await a.destroy().catch((e) => console.error(`cleanup of ${a.nodeName} failed`, e));
  await c?.stop();
  await hosts?.destroy();
  if (hosts) {
    // Nothing left: no host namespaces, no bridge, no pod namespaces of ours.
    const { stdout: ns } = await run('ip', ['netns', 'list']);
    const prefix = hosts.hosts[0].name.replace(/-h1$/, '');
    assert.ok(!ns.includes(prefix), `host namespaces left: ${ns}`);
    const { stdout: links } = await run('ip', ['-o', 'link', 'show']);
    assert.ok(!links.includes(prefix), 'links of the test hosts left');
  }
});

test('nodes on separate hosts get distinct pod CIDRs and routes to each other', { skip }, async () => {
  const names = agents.map((a) => a.nodeName);
  await until('three nodes Ready with pod CIDRs', async () => {
    const out = (await c!.kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status} {.spec.podCIDR}{"\\n"}{end}'])).stdout;
    const rows = out
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    return names.every((n) => rows.some((r) => r[0] === n && r[1] === 'True' && r[2]));
  });
  const nodes = JSON.parse((await c!.kubectl(['get', 'nodes', '-o', 'json'])).stdout).items as { metadata: { name: string }; spec: { podCIDR: string }; status: { addresses: { type: string; address: string }[] } }[];
  const cidrOf = new Map(nodes.map((n) => [n.metadata.name, n.spec.podCIDR]));
  assert.equal(new Set(cidrOf.values()).size, 3, `pod CIDRs not distinct: ${[...cidrOf.values()]}`);
  for (const a of agents) assert.equal(nodes.find((n) => n.metadata.name === a.nodeName)!.status.addresses.find((x) => x.type === 'InternalIP')!.address, a.host.ip);
  // Each host routes the two other pod CIDRs via the other hosts' IPs, and only those.
  for (const a of agents) {
    const want = agents
      .filter((b) => b !== a)
      .map((b) => `${cidrOf.get(b.nodeName)} via ${b.host.ip} dev eth0`)
      .sort();
    await until(`routes on ${a.nodeName}`, async () => JSON.stringify(await podRoutes(a)) === JSON.stringify(want));
  }
  for (const a of agents) assert.equal((await hosts!.exec(a.host, 'cat', ['/proc/sys/net/ipv4/ip_forward'])).stdout.trim(), '1');
});

test('a pod reaches a pod on another node by pod IP, both directions', { skip }, async () => {
  const [h1, h2] = agents;
  const pod = (name: string, node: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'multinode' } },
    spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'gifee.local/web:1', readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 } }] },
  });
  await c!.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod('a', h1.nodeName), pod('b', h2.nodeName)] }) });
  await until('pods a and b Ready', async () => (await c!.kubectl(['get', 'pods', 'a', 'b', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True True');
  const ipOf = async (p: string) => (await c!.kubectl(['get', 'pod', p, '-o', 'jsonpath={.status.podIP}'])).stdout;
  const [ipA, ipB] = [await ipOf('a'), await ipOf('b')];
  assert.notEqual(ipA.split('.').slice(0, 3).join('.'), ipB.split('.').slice(0, 3).join('.'), 'pods on different nodes share a /24');
  // An HTTP GET with nc: the test image's busybox wget crashes (SIGSEGV) on this busybox-static build.
  const get = (from: string, ip: string) => c!.kubectl(['exec', from, '--', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${ip} 8080`]);
  assert.match((await get('a', ipB)).stdout, /200 OK[\s\S]*hello from gifee web/);
  assert.match((await get('b', ipA)).stdout, /200 OK[\s\S]*hello from gifee web/);
  // Without NAT: each server saw the other pod's own IP, not its node's (httpd -v logs the client).
  assert.match((await c!.kubectl(['logs', 'b'])).stdout, new RegExp(`\\[(::ffff:)?${ipA.replace(/\./g, '\\.')}\\]:\\d+: response:200`));
  assert.match((await c!.kubectl(['logs', 'a'])).stdout, new RegExp(`\\[(::ffff:)?${ipB.replace(/\./g, '\\.')}\\]:\\d+: response:200`));
});

test('a Service reaches its pod on another node by ClusterIP from a pod, and by NodePort on any node', { skip }, async () => {
  const [, h2, h3] = agents;
  await c!.kubectl(['expose', 'pod', 'b', '--name', 'web-b', '--port', '80', '--target-port', '8080', '--type', 'NodePort']);
  const svc = JSON.parse((await c!.kubectl(['get', 'service', 'web-b', '-o', 'json'])).stdout) as { spec: { clusterIP: string; ports: { nodePort: number }[] } };
  const get = (from: string, ip: string, port: number) => c!.kubectl(['exec', from, '--', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${ip} ${port}`]);
  // a (on host 1) through the ClusterIP to b (on host 2): DNAT on host 1, then routed; the reply un-DNATed on host 1.
  await until('ClusterIP answers from a pod on another node', async () => /hello from gifee web/.test((await get('a', svc.spec.clusterIP, 80)).stdout), 30_000);
  // From this machine to the node port of host 3 (no endpoint there): forwarded to host 2 and back.
  const nodePort = svc.spec.ports[0].nodePort;
  const viaNodePort = async (ip: string) => {
    const net = await import('node:net');
    return new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: ip, port: nodePort, timeout: 5000 }, () => s.end('GET / HTTP/1.0\r\n\r\n'));
      let b = '';
      s.on('data', (d) => (b += d));
      s.on('end', () => resolve(b));
      s.on('timeout', () => s.destroy(new Error('timed out')));
      s.on('error', reject);
    });
  };
  for (const h of [h3, h2]) await until(`NodePort on ${h.nodeName}`, async () => /hello from gifee web/.test(await viaNodePort(h.host.ip)), 30_000);
  await c!.kubectl(['delete', 'service', 'web-b']);
});

test('a node that leaves has its route removed on the others', { skip }, async () => {
  const leaving = agents[2];
  const cidr = (await c!.kubectl(['get', 'node', leaving.nodeName, '-o', 'jsonpath={.spec.podCIDR}'])).stdout;
  assert.ok(cidr);
  await leaving.stop();
  await c!.kubectl(['delete', 'node', leaving.nodeName]);
  for (const a of agents.slice(0, 2)) {
    await until(`route to ${leaving.nodeName} gone on ${a.nodeName}`, async () => !(await podRoutes(a)).some((r) => r.startsWith(`${cidr} `)), 30_000);
    assert.equal((await podRoutes(a)).length, 1, `${a.nodeName} should keep its route to the remaining node`);
  }
});
