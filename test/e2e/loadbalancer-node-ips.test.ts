// LoadBalancer Services without a pool (k3s servicelb's way): their addresses are the Ready nodes'
// IPs, on a multi-node test cluster (a server in the root namespace, two hosts with real `gifee
// agent`s, a third host without an agent as the outside client; scripts/test-hosts.sh).
// Covered: `kubectl expose --type=LoadBalancer` lists both node IPs in status and the Service's
// port answers on each; a second Service wanting the same port is pending with a PortConflict
// Warning while another port is fine; externalTrafficPolicy Local lists only the node with the
// pod, which keeps the client's IP, and the other node does not answer; internalTrafficPolicy
// Local: a pod reaches the ClusterIP only on the node that has an endpoint; externalIPs: an
// address of the test network routed (by the client host only) to a node reaches the pods.

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

const until = untilWithAgentLogs(agents, 500);

const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c!.kubectl(args, o);
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const INGRESS_PORT = 8088;
const ingressOf = (svc: string) => jp(`service ${svc}`, '{.status.loadBalancer.ingress[*].ip}');
const curlFrom = async (h: TestHost, url: string) => (await hosts!.exec(h, 'curl', ['-s', '--max-time', '3', url]).catch(() => ({ stdout: '' }))).stdout.trim();
const events = async (svc: string) => (await k(['get', 'events', '--field-selector', `involvedObject.name=${svc}`, '-o', 'jsonpath={range .items[*]}{.type} {.reason}: {.message}{"\\n"}{end}'])).stdout;
const podsOn = async (label: string) => (await jp(`pods -l ${label}`, '{range .items[*]}{.spec.nodeName}={.status.conditions[?(@.type=="Ready")].status} {end}')).trim();

const web = (node: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        nodeSelector: { 'kubernetes.io/hostname': node },
        containers: [{ name: 'web', image: 'gifee.local/web:1', command: ['sh', '-c', 'hostname > /www/index.html && exec httpd -f -v -p 8080 -h /www'], readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 2 } }],
      },
    },
  },
});
const clientPod = (name: string, node: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'] }] } });

before(async () => {
  if (skip) return;
  const images = await testImages();
  hosts = await createHosts(3);
  client = hosts.hosts[2];
  c = await startCluster({ extraArgs: ['--bind-address', '0.0.0.0', '--cluster-cidr', clusterCIDR] });
  const server = await serveOnBridge(c, hosts.bridge.ip);
  // The ingress controllers on a port of their own (80 is the LoadBalancer tests'): on the first node only, so the Ingress's status lists just it.
  for (const [i, h] of hosts.hosts.slice(0, 2).entries()) agents.push(await startHostAgent(hosts, h, { server, serverDataDir: c.dataDir, images: [images.web1, images.busybox], args: i === 0 ? ['--ingress-http-port', String(INGRESS_PORT)] : [] }));
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

test('kubectl expose --type=LoadBalancer: the node IPs in status, the port answering on each', { skip }, async (t) => {
  const [a1, a2] = agents;
  await k(['apply', '-f', '-'], { input: JSON.stringify(web(a1.nodeName)) });
  const exposed = Date.now();
  await k(['expose', 'deployment', 'web', '--type=LoadBalancer', '--port=80', '--target-port=8080']);
  const both = [a1.host.ip, a2.host.ip].sort((x, y) => Number(x.split('.')[3]) - Number(y.split('.')[3])).join(' ');
  await until('both node IPs in status', async () => (await ingressOf('web')) === both, 30_000);
  t.diagnostic(`status.loadBalancer.ingress ${Date.now() - exposed} ms after kubectl expose`);
  await until('the pod Ready', async () => (await podsOn('app=web')) === `${a1.nodeName}=True`);
  for (const a of agents) await until(`port 80 on ${a.nodeName}`, async () => /^web-/.test(await curlFrom(client, `http://${a.host.ip}/`)), 60_000);
});

test('a second Service on the same port is pending with a PortConflict Warning; another port is fine', { skip }, async () => {
  await k(['create', 'service', 'loadbalancer', 'clash', '--tcp=80:8080']);
  await until('a PortConflict Warning', async () => (await events('clash')).includes('Warning PortConflict: port 80/TCP on the node IPs is already used by Service default/web'), 30_000);
  assert.equal(await ingressOf('clash'), '');
  await k(['create', 'service', 'loadbalancer', 'other', '--tcp=81:8080']);
  await until('the other port gets the node IPs', async () => (await ingressOf('other')).split(' ').length === 2, 30_000);
  await k(['delete', 'service', 'clash', 'other']);
});

test('externalTrafficPolicy Local: only the node with the pod is listed and answers, keeping the client IP', { skip }, async () => {
  const [a1, a2] = agents;
  await k(['patch', 'service', 'web', '-p', '{"spec":{"externalTrafficPolicy":"Local"}}']);
  await until('only the first node listed', async () => (await ingressOf('web')) === a1.host.ip, 30_000);
  const pod = await jp('pods -l app=web', '{.items[0].metadata.name}');
  await until('the first node answers', async () => (await curlFrom(client, `http://${a1.host.ip}/`)) === pod, 30_000);
  const logs = (await k(['logs', pod])).stdout;
  assert.match(logs, new RegExp(`\\[(::ffff:)?${client.ip.replace(/\./g, '\\.')}\\]:\\d+: response:200`), logs);
  // The node without the pod drops outside traffic (its health check says 503) rather than forwarding it.
  assert.equal(await curlFrom(client, `http://${a2.host.ip}/`), '');
  await k(['patch', 'service', 'web', '-p', '{"spec":{"externalTrafficPolicy":"Cluster"}}']);
});

test('internalTrafficPolicy Local: the ClusterIP answers a pod on the endpoint’s node only', { skip }, async () => {
  const [a1, a2] = agents;
  await k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [clientPod('near', a1.nodeName), clientPod('far', a2.nodeName)] }) });
  await k(['expose', 'deployment', 'web', '--name=local-only', '--port=80', '--target-port=8080', '--overrides', '{"spec":{"internalTrafficPolicy":"Local"}}']);
  const ip = await jp('service local-only', '{.spec.clusterIP}');
  await until('client pods Running', async () => (await jp('pods near far', '{.items[*].status.phase}')) === 'Running Running');
  const get = (from: string) => k(['exec', from, '--', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${ip} 80 | tail -n 1`], { allowFail: true });
  await until('the pod on the same node reaches it', async () => /^web-/.test((await get('near')).stdout.trim()), 30_000);
  assert.equal((await get('far')).stdout.trim(), '', 'a pod on the other node gets nothing');
});

test('externalIPs: a ClusterIP Service answers on an outside address routed to a node', { skip }, async () => {
  const [, a2] = agents;
  // An unused address of the hosts' own /24, routed by the client host (a namespace this test made)
  // to the second node, which has no endpoint: the proxy there forwards it to the pod on the first.
  const extIP = `${hosts!.bridge.ip.split('.').slice(0, 3).join('.')}.150`;
  await hosts!.exec(client, 'ip', ['route', 'replace', `${extIP}/32`, 'via', a2.host.ip]);
  await k(['expose', 'deployment', 'web', '--name=ext', '--port=82', '--target-port=8080', '--external-ip', extIP]);
  assert.equal(await jp('service ext', '{.spec.externalIPs[*]}'), extIP);
  await until('the pod answers on the external IP', async () => /^web-/.test(await curlFrom(client, `http://${extIP}:82/`)), 30_000);
  // Not a special address: a Service may not capture a node's own loopback.
  const bad = await k(['expose', 'deployment', 'web', '--name=ext-lo', '--port=83', '--target-port=8080', '--external-ip', '127.0.0.2'], { allowFail: true });
  assert.match(bad.stderr, /spec\.externalIPs\[0\]: Invalid value: "127\.0\.0\.2": may not be in the loopback range/);
  await k(['delete', 'service', 'ext']);
});

test('an Ingress gets the address of the nodes whose ingress controller listens, and answers there', { skip }, async () => {
  const [a1, a2] = agents;
  assert.equal(await jp(`node ${a1.nodeName}`, '{.metadata.annotations.ingress\\.gifee\\.dev/listening}'), `http=${INGRESS_PORT}`);
  assert.equal(await jp(`node ${a2.nodeName}`, '{.metadata.annotations.ingress\\.gifee\\.dev/listening}'), '');
  await k(['create', 'ingress', 'shop', '--rule=shop.example/*=web:80', '--class=gifee']);
  await until('the first node in the Ingress status', async () => (await jp('ingress shop', '{.status.loadBalancer.ingress[*].ip}')) === a1.host.ip, 30_000);
  const shown = (await k(['get', 'ingress', 'shop', '--no-headers'])).stdout;
  assert.match(shown, new RegExp(`shop\\s+gifee\\s+shop\\.example\\s+${a1.host.ip.replace(/\./g, '\\.')}\\s+80`), shown);
  const viaIngress = async () => (await hosts!.exec(client, 'curl', ['-s', '--max-time', '3', '--resolve', `shop.example:${INGRESS_PORT}:${a1.host.ip}`, `http://shop.example:${INGRESS_PORT}/`]).catch(() => ({ stdout: '' }))).stdout.trim();
  await until('the app answers through the Ingress at that address', async () => /^web-/.test(await viaIngress()), 30_000);
  // Another class's Ingress is not ours to publish.
  await k(['create', 'ingress', 'theirs', '--rule=shop.example/*=web:80', '--class=nginx']);
  await k(['delete', 'ingress', 'shop']);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await jp('ingress theirs', '{.status.loadBalancer.ingress}'), '');
  await k(['delete', 'ingress', 'theirs']);
});
