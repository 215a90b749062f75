// LoadBalancer Services with an address pool (`gifee server --lb-ip-range`), on a multi-node test
// cluster: a server in the root namespace and two hosts (network namespaces on a test bridge,
// scripts/test-hosts.sh) each running a real `gifee agent`; a third host without an agent is the
// outside client. The pool is a few addresses of the hosts' own /24, so every packet stays on the
// test bridge.
// Covered: `kubectl expose --type=LoadBalancer` gets a pool address in status (EXTERNAL-IP), one
// node puts it on its interface and clients reach the pods through it; a taken address asked for
// (annotation) and an exhausted pool leave Services pending with Warning events, and a freed
// address goes to the one waiting; an invalid spec.loadBalancerIP is a 422; externalTrafficPolicy
// Local: a healthCheckNodePort is allocated and every node answers it with Kubernetes' JSON (200
// where the pod is, 503 elsewhere), the address is announced by the pod's node, the pod sees the
// client's own IP, and when the pod moves to the other node the address follows (the client's
// neighbour entry is flushed, as a gratuitous ARP would update it, since arping is not installed
// here) and the client IP is still kept.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { createHosts, serveOnBridge, startHostAgent, type HostAgent, type TestHost, type TestHosts, untilWithAgentLogs } from '../helpers/hosts.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'node agents need Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster | undefined;
let hosts: TestHosts | undefined;
let client: TestHost;
const agents: HostAgent[] = [];
const clusterCIDR = `10.${60 + Math.floor(Math.random() * 30)}.0.0/16`;
let subnet = '';
const poolIP = (n: number) => `${subnet}.${200 + n}`;

const until = untilWithAgentLogs(agents, 500);

const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c!.kubectl(args, o);
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const ingressOf = (svc: string) => jp(`service ${svc}`, '{.status.loadBalancer.ingress[*].ip}');
/** An HTTP GET from the client host with curl: the body (the pod's name), or '' on failure. */
const curlFrom = async (h: TestHost, url: string) => (await hosts!.exec(h, 'curl', ['-s', '--max-time', '4', url]).catch(() => ({ stdout: '' }))).stdout.trim();
const addressesOn = async (a: HostAgent) => (await hosts!.exec(a.host, 'ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout;
/** Forget the client's neighbour entry for an address that moved (what a gratuitous ARP does). */
const flushNeighbour = (ip: string) => hosts!.exec(client, 'ip', ['neigh', 'flush', 'to', ip]).catch(() => undefined);
const events = async (svc: string) => (await k(['get', 'events', '--field-selector', `involvedObject.name=${svc}`, '-o', 'jsonpath={range .items[*]}{.type} {.reason}: {.message}{"\\n"}{end}'])).stdout;

const deployment = (name: string, node?: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        terminationGracePeriodSeconds: 1,
        ...(node ? { nodeSelector: { 'kubernetes.io/hostname': node } } : {}),
        // Each pod answers with its own name; httpd -v logs each client's address.
        containers: [{ name: 'web', image: 'gifee.local/web:1', command: ['sh', '-c', 'hostname > /www/index.html && exec httpd -f -v -p 8080 -h /www'], readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 } }],
      },
    },
  },
});

before(async () => {
  if (skip) return;
  const images = await testImages();
  hosts = await createHosts(3);
  subnet = hosts.bridge.ip.split('.').slice(0, 3).join('.');
  client = hosts.hosts[2];
  c = await startCluster({ extraArgs: ['--bind-address', '0.0.0.0', '--cluster-cidr', clusterCIDR, '--lb-ip-range', `${poolIP(0)}-${poolIP(1)}`] });
  const server = await serveOnBridge(c, hosts.bridge.ip);
  for (const h of hosts.hosts.slice(0, 2)) agents.push(await startHostAgent(hosts, h, { server, serverDataDir: c.dataDir, images: [images.web1] }));
  await until('two nodes Ready', async () => (await jp('nodes', '{.items[*].status.conditions[?(@.type=="Ready")].status}')) === 'True True');
});

after(async () => {
  if (skip) return;
  if (c) await k(['delete', 'deployments,services', '--all', '--wait=true', '--timeout=30s'], { allowFail: true });
  if (c) await k(['delete', 'pods', '--all', '--grace-period=1', '--wait=true', '--timeout=30s'], { allowFail: true });
  for (const a of agents) await a.destroy().catch((e) => console.error(`cleanup of ${a.nodeName} failed`, e));
  await c?.stop();
  await hosts?.destroy();
});

test('kubectl expose --type=LoadBalancer: a pool address in status, announced by one node, reached from outside', { skip }, async (t) => {
  await k(['apply', '-f', '-'], { input: JSON.stringify(deployment('web')) });
  const exposed = Date.now();
  await k(['expose', 'deployment', 'web', '--type=LoadBalancer', '--port=80', '--target-port=8080']);
  await until('an address from the pool', async () => (await ingressOf('web')) === poolIP(0), 30_000);
  t.diagnostic(`status.loadBalancer.ingress ${Date.now() - exposed} ms after kubectl expose`);
  assert.match((await k(['get', 'service', 'web'])).stdout, new RegExp(`^web\\s+LoadBalancer\\s+\\S+\\s+${poolIP(0).replace(/\./g, '\\.')}\\s+80:\\d+/TCP`, 'm'));
  assert.match(await events('web'), /Normal IPAllocated: Assigned IP \["[\d.]+"\]/);
  // Exactly one node holds the address.
  await until('one node announces the address', async () => (await Promise.all(agents.map(addressesOn))).filter((a) => a.includes(` ${poolIP(0)}/32 `)).length === 1, 30_000);
  await until('the pod answers through the address, from the client host', async () => /^web-/.test(await curlFrom(client, `http://${poolIP(0)}/`)), 60_000);
});

test('a taken address asked for and an exhausted pool: pending with Warning events; a freed address goes to the waiting Service; a bad loadBalancerIP is a 422', { skip }, async () => {
  const svc = (name: string, extra: Record<string, unknown> = {}, annotations?: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }], ...extra },
  });
  await k(['apply', '-f', '-'], { input: JSON.stringify(svc('wants-taken', {}, { 'loadbalancer.gifee.dev/ip': poolIP(0) })) });
  await until('a Warning for the taken address', async () => (await events('wants-taken')).includes(`Warning AllocationFailed: requested IP ${poolIP(0)} is already assigned to Service default/web`), 30_000);
  assert.equal(await ingressOf('wants-taken'), '');
  assert.match((await k(['get', 'service', 'wants-taken'])).stdout, /<pending>/);
  await k(['apply', '-f', '-'], { input: JSON.stringify(svc('second')) });
  await until('the last address', async () => (await ingressOf('second')) === poolIP(1), 30_000);
  await k(['apply', '-f', '-'], { input: JSON.stringify(svc('third')) });
  await until('a Warning for the empty pool', async () => (await events('third')).includes('Warning AllocationFailed: no address left in the load balancer pool'), 30_000);
  assert.equal(await ingressOf('third'), '');
  await k(['delete', 'service', 'second']);
  await until('the freed address goes to the waiting Service', async () => (await ingressOf('third')) === poolIP(1), 30_000);
  const bad = await k(['apply', '-f', '-'], { input: JSON.stringify(svc('bad-ip', { loadBalancerIP: '10.0.0.999' })), allowFail: true });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /The Service "bad-ip" is invalid: spec\.loadBalancerIP: Invalid value: "10\.0\.0\.999": must be a valid IP address/);
  await k(['delete', 'service', 'wants-taken', 'third']);
});

test('externalTrafficPolicy Local: health check node port, the pod’s node announces, client IP kept; the address follows the pod to the other node', { skip }, async () => {
  const [a1, a2] = agents;
  await k(['apply', '-f', '-'], { input: JSON.stringify(deployment('web', a2.nodeName)) });
  await until('one web pod, Ready on the second node', async () => (await jp('pods -l app=web', '{range .items[*]}{.spec.nodeName}={.status.conditions[?(@.type=="Ready")].status} {end}')).trim() === `${a2.nodeName}=True`, 90_000);
  await k(['patch', 'service', 'web', '-p', '{"spec":{"externalTrafficPolicy":"Local"}}']);
  const hc = Number(await jp('service web', '{.spec.healthCheckNodePort}'));
  assert.ok(hc >= 30000 && hc <= 32767, `healthCheckNodePort ${hc}`);
  const health = async (a: HostAgent) => {
    const r = await hosts!.exec(client, 'curl', ['-s', '--max-time', '4', '-w', '\n%{http_code}', `http://${a.host.ip}:${hc}/`]).catch(() => ({ stdout: '' }));
    const [body, code] = r.stdout.trim().split('\n');
    return { code: Number(code), body: body ? JSON.parse(body) : undefined };
  };
  await until('health checks: 200 where the pod is, 503 elsewhere', async () => (await health(a2)).code === 200 && (await health(a1)).code === 503, 30_000);
  assert.deepEqual((await health(a2)).body, { service: { namespace: 'default', name: 'web' }, localEndpoints: 1, serviceProxyHealthy: true });
  assert.equal((await health(a1)).body.localEndpoints, 0);

  const servedKeepingClientIP = async (holder: HostAgent) => {
    await until(`the address on ${holder.nodeName} only`, async () => (await addressesOn(holder)).includes(` ${poolIP(0)}/32 `) && !(await addressesOn(agents.find((a) => a !== holder)!)).includes(` ${poolIP(0)}/32 `), 30_000);
    await flushNeighbour(poolIP(0));
    const pod = await jp('pods -l app=web', '{.items[0].metadata.name}');
    await until(`the pod on ${holder.nodeName} answers`, async () => (await curlFrom(client, `http://${poolIP(0)}/`)) === pod, 60_000);
    // httpd -v logs the peer: the client host's own address, not a node's.
    const logs = (await k(['logs', pod])).stdout;
    assert.match(logs, new RegExp(`\\[(::ffff:)?${client.ip.replace(/\./g, '\\.')}\\]:\\d+: response:200`), logs);
  };
  await servedKeepingClientIP(a2);

  // The pod moves to the first node: so do the address and the healthy health check.
  await k(['patch', 'deployment', 'web', '-p', JSON.stringify({ spec: { template: { spec: { nodeSelector: { 'kubernetes.io/hostname': a1.nodeName } } } } })]);
  await until('the only web pod Ready on the first node', async () => (await jp('pods -l app=web', '{range .items[*]}{.spec.nodeName}={.status.conditions[?(@.type=="Ready")].status} {end}')).trim() === `${a1.nodeName}=True`, 90_000);
  await until('health checks follow', async () => (await health(a1)).code === 200 && (await health(a2)).code === 503, 30_000);
  await servedKeepingClientIP(a1);

  // Back to Cluster: the health check node port is freed.
  await k(['patch', 'service', 'web', '-p', '{"spec":{"externalTrafficPolicy":"Cluster"}}']);
  assert.equal(await jp('service web', '{.spec.healthCheckNodePort}'), '');
});
