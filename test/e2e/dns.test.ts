// Cluster DNS end to end: a real `gifee server` with its node agent, real pods, and the DNS server
// run as the agent will run it (src/dns/node-dns.ts: port 53 on the node's pod-bridge gateway, the
// first IP of node.spec.podCIDR). Until the agent writes clusterDNS into resolv.conf, the client pod
// asks for it itself (dnsPolicy None + dnsConfig with the cluster search path and ndots:5). Names
// outside the cluster go to a fake upstream on 127.0.0.1, never to a real resolver.
// Services carry explicit ClusterIPs and hand-made EndpointSlices, so the test does not depend on
// ClusterIP allocation or the EndpointSlice controller.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { RestClient } from '../../src/client/rest.js';
import { clientConfigFromKubeconfig } from '../../src/client/kubeconfig.js';
import { logger } from '../../src/util/log.js';
import { NodeDns } from '../../src/dns/node-dns.js';
import { addressesOf, query, startFakeUpstream, type FakeUpstream } from '../../src/dns/testing.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster;
let client: RestClient;
let dns: NodeDns;
let upstream: FakeUpstream;
let gateway: string;
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const apply = (...items: unknown[]) => k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });

const until = async (what: string, fn: () => Promise<boolean>, ms = 60_000) => {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}\n${(await k(['get', 'pods', '-o', 'wide'], { allowFail: true })).stdout}`);
};

/** The bridge the test cluster's agent uses (its --bridge argument). */
const bridgeOf = (pid: number) => {
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  return args[args.indexOf('--bridge') + 1];
};

const pod = (name: string, image: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'main', image, ...extra }], terminationGracePeriodSeconds: 1 } });

before(async () => {
  if (skip) return;
  const images = await testImages();
  // The agent's own cluster DNS is off: this test runs the same NodeDns itself, with a fake upstream.
  c = await startCluster({ agent: true, extraArgs: ['--cluster-dns', 'none', '--service-cidr', '10.43.100.0/24'] });
  const { createImageStore } = await import('../../src/agent/images/store.js');
  const store = createImageStore({ dataDir: c.dataDir });
  for (const f of [images.busybox, images.web1]) await store.importFile(f);
  await until('node with a pod CIDR', async () => (await jp('nodes', '{.items[0].spec.podCIDR}')).startsWith('10.'));
  const cidr = await jp('nodes', '{.items[0].spec.podCIDR}');
  client = new RestClient(await clientConfigFromKubeconfig(c.kubeconfig));
  upstream = await startFakeUpstream({ 'outside.example.test': '192.0.2.44' });
  // Started before any pod exists: NodeDns puts the gateway address on the bridge itself.
  dns = new NodeDns({ client, bridge: bridgeOf(c.pid), upstream: [`127.0.0.1:${upstream.port}`], log: logger('dns-e2e') });
  await dns.setPodCIDR(cidr);
  assert.ok(dns.ready, 'cluster DNS serving on the gateway');
  gateway = dns.address!;
});

after(async () => {
  await dns?.stop();
  await upstream?.close();
  client?.close();
  if (c) await c.stop();
});

test('pods resolve services by full and short name, headless services to pod IPs, and outside names through the upstream', { skip }, async () => {
  // The server answers on <gateway>:53 from the host before any pod runs.
  await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { clusterIP: '10.43.100.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  await until('web in DNS', async () => addressesOf(await query({ host: gateway, port: 53 }, 'web.default.svc.cluster.local', 'A')).join() === '10.43.100.10', 10_000);

  // The agent will write this resolv.conf itself once clusterDNS is wired; here the pod asks for it.
  const dnsConfig = { nameservers: [gateway], searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: [{ name: 'ndots', value: '5' }] };
  const clientPod = pod('client', 'gifee.local/busybox:1', { command: ['sleep', '3600'] });
  Object.assign(clientPod.spec, { dnsPolicy: 'None', dnsConfig });
  await apply(pod('web-0', 'gifee.local/web:1', { ports: [{ containerPort: 8080 }] }), clientPod);
  await until('pods Running', async () => (await jp('pods', '{.items[*].status.phase}')) === 'Running Running');
  const webIP = await jp('pod web-0', '{.status.podIP}');
  assert.match(webIP, /^10\.\d+\.\d+\.\d+$/);

  // A headless service whose endpoint is the web pod (with a hostname, as a StatefulSet's would be).
  await apply(
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-headless' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 8080 }] } },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-headless-1', labels: { 'kubernetes.io/service-name': 'web-headless' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [webIP], hostname: 'web-0', conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'web-0', namespace: 'default' } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  );

  const exec = (...cmd: string[]) => k(['exec', 'client', '--', ...cmd], { allowFail: true });
  const rc = await exec('cat', '/etc/resolv.conf');
  assert.match(rc.stdout + rc.stderr, new RegExp(`nameserver ${gateway.replace(/\./g, '\\.')}`));

  // The first query of a new pod is retried like the later ones: busybox's nslookup sends one UDP
  // query and gives up after 5 s, and on a machine busy with parallel tests a first exchange (ARP
  // for the gateway included) was once lost.
  let full = await exec('nslookup', 'web.default.svc.cluster.local');
  if (full.code !== 0) await until('the full name from the pod', async () => (full = await exec('nslookup', 'web.default.svc.cluster.local')).code === 0, 20_000);
  assert.equal(full.code, 0, full.stdout + full.stderr);
  assert.match(full.stdout, /Address:\s+10\.43\.100\.10/);

  await until('short name through the search path', async () => /Address:\s+10\.43\.100\.10/.test((await exec('nslookup', 'web')).stdout), 10_000);

  await until('headless service resolves to the pod IP', async () => (await exec('nslookup', 'web-headless')).stdout.includes(webIP), 10_000);
  assert.match((await exec('nslookup', 'web-0.web-headless.default.svc.cluster.local')).stdout, new RegExp(`Address:\\s+${webIP.replace(/\./g, '\\.')}`));

  // libc resolution (getaddrinfo with the search path) and a connection to what it returned.
  const got = await exec('wget', '-q', '-O', '-', 'http://web-headless:8080/');
  assert.equal(got.stdout.trim(), 'hello from gifee web', got.stderr);

  // Reverse lookups of the service IP and the pod IP.
  assert.match((await exec('nslookup', '10.43.100.10')).stdout, /web\.default\.svc\.cluster\.local/);
  assert.match((await exec('nslookup', webIP)).stdout, /web-0\.web-headless\.default\.svc\.cluster\.local/);

  // Unknown cluster names fail; names outside the cluster come from the (fake) upstream.
  const missing = await exec('nslookup', 'nope.default.svc.cluster.local');
  assert.match(missing.stdout + missing.stderr, /NXDOMAIN|can't find/);
  const outside = await exec('nslookup', 'outside.example.test');
  assert.match(outside.stdout, /192\.0\.2\.44/, outside.stdout + outside.stderr);
});
