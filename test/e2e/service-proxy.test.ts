// The nftables service proxy end to end: a real `gifee server` with its embedded agent runs real
// pods; the proxy (started here, against the cluster, on its own nftables table) makes Services
// reachable by ClusterIP from the host and from pods, by NodePort on 127.0.0.1, refuses
// connections at once for a Service without endpoints, keeps ClientIP-affine clients on one pod,
// lets a pod reach itself through its own Service, and follows endpoint readiness.
// Most Services are selectorless with hand-written EndpointSlices (exact control of readiness);
// one is made with `kubectl expose`, its IP allocated and its slice written by the controllers.
// The cluster's service CIDR is a random /24 in 10.43.128.0/17, to stay clear of other clusters.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { parse } from 'yaml';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { RestClient } from '../../src/client/rest.js';
import { proxyTableName } from '../../src/proxy/index.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the service proxy needs Linux and root (nftables, runc pods)' : false;

let c: Cluster;
// The embedded agent's proxy: its nftables table is named after the cluster's pod bridge.
let table = '';
let client: RestClient;
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;

// Fixed cluster IPs high in the cluster's random /24, and a random NodePort, so concurrent suites do not collide.
const base = 128 + Math.floor(Math.random() * 120);
const serviceCIDR = `10.43.${base}.0/24`;
const vip = (n: number) => `10.43.${base}.${200 + n}`;
const nodePort = 30000 + Math.floor(Math.random() * 2700);
const ips = { web: vip(0), sticky: vip(1), empty: vip(2), self: vip(3) };
const pods: Record<string, string> = {};

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
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
};

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // A fresh connection per request (agent: false): each one is load-balanced on its own.
    const req = http.get(url, { timeout: 5000, agent: false }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve(b.trim()));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
  });
}

async function repeat(n: number, fn: () => Promise<string>): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

/** A selectorless Service with a fixed cluster IP, and its EndpointSlice listing the given pods. */
function serviceManifest(name: string, clusterIP: string, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { clusterIP, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec } };
}
function sliceManifest(svc: string, endpoints: { pod: string; ready?: boolean }[]) {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-manual`, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({ addresses: [pods[e.pod]], conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: false }, targetRef: { kind: 'Pod', name: e.pod, namespace: 'default' } })),
  };
}
// HTTP GETs from inside a pod with nc: the test image's busybox wget crashes (SIGSEGV) on this
// busybox-static build, even on the host.
const getLoop = (host: string, n: number) => `get() { printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${host} 80 | tail -n 1; }; for i in $(seq 1 ${n}); do get; done`;
const apply = (...objs: object[]) => k(['apply', '-f', '-'], { input: objs.map((o) => JSON.stringify(o)).join('\n') });

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: true, extraArgs: ['--service-cidr', serviceCIDR, '--service-node-port-range', `${nodePort}-${nodePort + 9}`] });
  const { createImageStore } = await import('../../src/agent/images/store.js');
  const store = createImageStore({ dataDir: c.dataDir });
  for (const f of [images.busybox, images.web1]) await store.importFile(f);
  await until('node Ready with a pod CIDR', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}{.items[0].spec.podCIDR}')).startsWith('True10.'));

  // Each web pod serves its own name, so answers show which backend was reached.
  const web = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'gifee.local/web:1', command: ['sh', '-c', 'hostname > /www/index.html && exec httpd -f -p 8080 -h /www'] }] },
  });
  const clientPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client' }, spec: { containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'] }] } };
  await apply(web('web-a'), web('web-b'), clientPod);
  for (const p of ['web-a', 'web-b', 'client']) {
    await until(`${p} Running with an IP`, async () => (await jp(`pod ${p}`, '{.status.phase} {.status.podIP}')).startsWith('Running 10.'));
    pods[p] = await jp(`pod ${p}`, '{.status.podIP}');
  }
  await until('web pods serve', async () => (await httpGet(`http://${pods['web-a']}:8080/`)) === 'web-a' && (await httpGet(`http://${pods['web-b']}:8080/`)) === 'web-b');

  const kc = parse(readFileSync(c.kubeconfig, 'utf8'));
  const user = kc.users[0].user;
  client = new RestClient({
    server: c.url,
    ca: Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
    cert: Buffer.from(user['client-certificate-data'], 'base64').toString(),
    key: Buffer.from(user['client-key-data'], 'base64').toString(),
  });
  await apply(
    serviceManifest('web', ips.web, { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort }] }),
    serviceManifest('sticky', ips.sticky, { sessionAffinity: 'ClientIP' }),
    serviceManifest('empty', ips.empty),
    serviceManifest('self', ips.self),
    sliceManifest('web', [{ pod: 'web-a' }, { pod: 'web-b' }]),
    sliceManifest('sticky', [{ pod: 'web-a' }, { pod: 'web-b' }]),
    sliceManifest('self', [{ pod: 'web-a' }]),
  );
  table = proxyTableName(c.bridge);
  // The first sync may predate the last objects reaching the informers: wait for every service's rules.
  await until(
    'rules for every service',
    async () => {
      let rules = '';
      try {
        rules = execFileSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8', stdio: 'pipe' });
      } catch {
        return false; // not created yet
      }
      // Every service address, and the backends too: a service seen before its slice is refused (no endpoints yet).
      return Object.values(ips).every((ip) => rules.includes(ip)) && rules.includes(pods['web-a']) && rules.includes(pods['web-b']);
    },
    20_000,
  );
});

after(async () => {
  client?.close();
  if (c) await c.stop();
});

test('a ClusterIP reaches both backends from the host', { skip }, async () => {
  const answers = await repeat(30, () => httpGet(`http://${ips.web}/`));
  assert.deepEqual([...new Set(answers)].sort(), ['web-a', 'web-b'], answers.join(','));
});

test('a ClusterIP reaches both backends from a pod (pod → service → pod on the same bridge)', { skip }, async () => {
  const out = (await k(['exec', 'client', '--', 'sh', '-c', getLoop(ips.web, 30)])).stdout;
  const answers = out.trim().split('\n');
  assert.equal(answers.length, 30, out);
  assert.deepEqual([...new Set(answers)].sort(), ['web-a', 'web-b'], out);
});

test('kubectl expose: a Service with a selector, allocated ClusterIP and controller-made EndpointSlice, reaches both pods', { skip }, async () => {
  await k(['expose', 'pod', 'web-a', '--name=exposed', '--selector=app=web', '--port=80', '--target-port=8080']);
  const ip = await jp('service exposed', '{.spec.clusterIP}');
  assert.ok(ip.startsWith(`10.43.${base}.`), ip);
  // Nothing goes to the new address before its rules are in (unknown service addresses are refused anyway).
  await until(
    'rules for the exposed service',
    async () => {
      return execFileSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' }).includes(`${ip} . tcp . 80 : goto service-`);
    },
    20_000,
  );
  const seen = new Set<string>();
  await until(
    'both pods answer through the allocated ClusterIP',
    async () => {
      for (let i = 0; i < 10; i++) seen.add(await httpGet(`http://${ip}/`));
      return seen.has('web-a') && seen.has('web-b');
    },
    30_000,
  );
  await k(['delete', 'service', 'exposed']);
});

test('a NodePort answers on 127.0.0.1', { skip }, async () => {
  const answers = await repeat(12, () => httpGet(`http://127.0.0.1:${nodePort}/`));
  assert.ok(
    answers.every((a) => a === 'web-a' || a === 'web-b'),
    answers.join(','),
  );
});

test('a Service without endpoints refuses connections at once, from the host and from a pod', { skip }, async () => {
  const started = Date.now();
  const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const s = net.connect({ host: ips.empty, port: 80, timeout: 5000 });
    s.on('connect', () => {
      s.destroy();
      resolve(undefined);
    });
    s.on('error', (e) => resolve(e));
    s.on('timeout', () => {
      s.destroy();
      resolve(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
    });
  });
  assert.equal(err?.code, 'ECONNREFUSED');
  assert.ok(Date.now() - started < 1000, `refused after ${Date.now() - started} ms`);
  const r = await k(['exec', 'client', '--', 'sh', '-c', `nc -w 5 ${ips.empty} 80 </dev/null 2>&1`], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stdout + r.stderr, /refused/i);
  // An unknown port on a known cluster IP is refused too, rather than routed off the node.
  await assert.rejects(httpGet(`http://${ips.web}:81/`), /ECONNREFUSED/);
  // And so is an address of the service CIDR that no Service has.
  await assert.rejects(httpGet(`http://10.43.${base}.250/`), /ECONNREFUSED/);
});

test('sessionAffinity ClientIP keeps a client on one backend', { skip }, async () => {
  const fromHost = await repeat(12, () => httpGet(`http://${ips.sticky}/`));
  assert.equal(new Set(fromHost).size, 1, fromHost.join(','));
  const out = (await k(['exec', 'client', '--', 'sh', '-c', getLoop(ips.sticky, 12)])).stdout.trim().split('\n');
  assert.equal(out.length, 12);
  assert.equal(new Set(out).size, 1, out.join(','));
});

test('a pod reaches itself through its own Service (hairpin)', { skip }, async () => {
  const out = (await k(['exec', 'web-a', '--', 'sh', '-c', getLoop(ips.self, 3)])).stdout.trim().split('\n');
  assert.deepEqual(out, ['web-a', 'web-a', 'web-a']);
});

test('an endpoint that turns unready stops receiving traffic; ready again, it is back', { skip }, async () => {
  await apply(sliceManifest('web', [{ pod: 'web-a' }, { pod: 'web-b', ready: false }]));
  await until(
    'web-b out of the rules',
    async () => {
      // web-b stays behind the sticky service only.
      return execFileSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' }).split(`dnat to ${pods['web-b']}:8080`).length === 2;
    },
    10_000,
  );
  const answers = await repeat(15, () => httpGet(`http://${ips.web}/`));
  assert.deepEqual([...new Set(answers)], ['web-a'], answers.join(','));

  await apply(sliceManifest('web', [{ pod: 'web-a' }, { pod: 'web-b' }]));
  await until('web-b answers again', async () => (await repeat(10, () => httpGet(`http://${ips.web}/`))).includes('web-b'), 10_000);
});

test('stopping the node agent removes its nftables table', { skip }, async () => {
  await c.stop();
  c = undefined as unknown as Cluster;
  assert.throws(() => execFileSync('nft', ['list', 'table', 'ip', table], { stdio: 'pipe' }));
});
