// Service proxy (nftables), two figures against baselines from the same run:
// 1. HTTP requests/s and p99 from the host through a ClusterIP (DNAT, masquerade, random pick of
//    two pods) vs straight to a pod IP; a new connection per request, bounded (N requests, C concurrent),
//    then the same over kept-alive connections. The pods run a keep-alive Node server
//    (test/helpers/ingress-backend.ts), not busybox httpd forking per connection, so the backend
//    is not what is measured.
// 2. Time from an EndpointSlice write to the proxy's rules applied in the kernel, p50/p99, with
//    S Services in the cluster, vs the time the same write takes to reach a watch (an informer
//    beside the proxy): the ratio is the proxy's own cost (debounce, render, nft transaction).
// Needs Linux and root (real pods with runc, nftables).

import http from 'node:http';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { startCluster, type Cluster } from '../test/helpers/cluster.js';
import { ingressBackendImage, INGRESS_BACKEND_IMAGE } from '../test/helpers/ingress-backend-image.js';
import { Informer } from '../src/client/informer.js';
import { R } from '../src/client/resources.js';
import { RestClient } from '../src/client/rest.js';
import { logger } from '../src/util/log.js';
import { startServiceProxy } from '../src/proxy/proxier.js';
import { ms, percentile, report } from './stats.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 200);
const table = `gifee-bench-${process.pid}`;
const log = logger('bench-service-proxy');

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: Number(process.env.BENCH_CONCURRENCY ?? 16) });
const get = (url: string, agent: http.Agent | false = false) =>
  new Promise<void>((resolve, reject) => {
    const req = http.get(url, { agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`GET ${url}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
  });

async function drive(total: number, clients: number, op: () => Promise<void>) {
  let next = 0;
  const lat: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next++ < total) {
        const t = performance.now();
        await op();
        lat.push(performance.now() - t);
      }
    }),
  );
  return { perSec: total / ((performance.now() - start) / 1000), lat: lat.sort((a, b) => a - b) };
}

async function until(what: string, fn: () => Promise<boolean>, msMax = 60_000) {
  const end = Date.now() + msMax;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function adminClient(c: Cluster) {
  const kc = parse(readFileSync(c.kubeconfig, 'utf8'));
  const u = kc.users[0].user;
  const b64 = (s: string) => Buffer.from(s, 'base64').toString();
  return new RestClient({ server: c.url, ca: b64(kc.clusters[0].cluster['certificate-authority-data']), cert: b64(u['client-certificate-data']), key: b64(u['client-key-data']) });
}

const vip = (i: number) => `10.43.${128 + Math.floor(i / 250)}.${(i % 250) + 1}`;
/** Endpoint addresses of the generated services: never sent any traffic. */
const fakeIP = (i: number) => `10.251.${(i >> 8) & 255}.${i & 255}`;
const slice = (name: string, ips: string[], port = 8080) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${name}-manual`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port, protocol: 'TCP' }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } })),
});
const svc = (name: string, clusterIP: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { clusterIP, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });

const backendImage = await ingressBackendImage();
// Its own service CIDR (this bench picks the ClusterIPs); the agent's proxy programs the same Services too.
const c = await startCluster({ agent: true, env: { GIFEE_LOG: 'warn' }, extraArgs: ['--service-cidr', '10.43.0.0/16'] });
const client = adminClient(c);
let pending: { id: string; ip: string; written: number; resolve(ms: number): void } | undefined;
const proxy = await (async () => {
  const { createImageStore } = await import('../src/agent/images/store.js');
  await createImageStore({ dataDir: c.dataDir }).importFile(backendImage);
  await until('a node with a pod CIDR', async () => (await c.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].spec.podCIDR}'])).stdout.startsWith('10.'));
  const nodeName = (await c.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
  return startServiceProxy({
    client,
    nodeName,
    nodeIPs: ['127.0.0.1'],
    tableName: table,
    log,
    serviceCIDRs: ['10.43.0.0/16'],
    onSync: ({ ports }) => {
      const p = pending && ports.find((x) => x.id === pending!.id);
      if (pending && p?.endpoints[0]?.ip === pending.ip) pending.resolve(performance.now() - pending.written);
    },
  });
})();

try {
  // 1. Data path: two web pods behind one ClusterIP.
  for (const name of ['bench-web-a', 'bench-web-b']) {
    await c.kubectl(['run', name, `--image=${INGRESS_BACKEND_IMAGE}`, '--port=8080']);
  }
  const podIPs: string[] = [];
  for (const name of ['bench-web-a', 'bench-web-b']) {
    await until(`${name} running`, async () => (await c.kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.phase}'])).stdout === 'Running');
    podIPs.push((await c.kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.podIP}'])).stdout);
  }
  const webIP = '10.43.127.10';
  await client.create(R.services, 'default', svc('bench-web', webIP) as never);
  await client.create(R.endpointslices, 'default', slice('bench-web', podIPs) as never);
  await until('pods serve', async () => {
    await get(`http://${podIPs[0]}:8080/`);
    await get(`http://${podIPs[1]}:8080/`);
    return true;
  });
  await until('the ClusterIP serves', async () => {
    await proxy.synced();
    await get(`http://${webIP}/`);
    return true;
  });
  // Same two pods either way (the baseline alternates between them), in interleaved rounds so
  // neither side gets the warm-up or a quiet spell of the shared machine.
  let turn = 0;
  const rounds: { direct: Awaited<ReturnType<typeof drive>>[]; vip: Awaited<ReturnType<typeof drive>>[] } = { direct: [], vip: [] };
  for (let r = 0; r < 4; r++) {
    rounds.direct.push(await drive(REQUESTS / 4, CONCURRENCY, () => get(`http://${podIPs[turn++ % 2]}:8080/`)));
    rounds.vip.push(await drive(REQUESTS / 4, CONCURRENCY, () => get(`http://${webIP}/`)));
  }
  const merge = (rs: Awaited<ReturnType<typeof drive>>[]) => ({ perSec: REQUESTS / rs.reduce((s, x) => s + REQUESTS / 4 / x.perSec, 0), lat: rs.flatMap((x) => x.lat).sort((a, b) => a - b) });
  const direct = merge(rounds.direct);
  const viaVIP = merge(rounds.vip);
  report(
    'service-proxy-clusterip',
    `${viaVIP.perSec.toFixed(0)} HTTP requests/s through a ClusterIP (${REQUESTS} requests, ${CONCURRENCY} concurrent, new connection each), p50 ${ms(percentile(viaVIP.lat, 50))} p99 ${ms(percentile(viaVIP.lat, 99))}`,
    `${direct.perSec.toFixed(0)} requests/s straight to the pod IPs, alternating (p50 ${ms(percentile(direct.lat, 50))} p99 ${ms(percentile(direct.lat, 99))})`,
    viaVIP.perSec / direct.perSec,
    `p99 ratio ${(percentile(viaVIP.lat, 99) / percentile(direct.lat, 99)).toFixed(2)}`,
  );

  // Kept-alive connections: a connection to the ClusterIP is DNATed once (conntrack), so this is
  // the steady-state cost of the path, not of connection setup.
  const ka: typeof rounds = { direct: [], vip: [] };
  for (let r = 0; r < 4; r++) {
    ka.direct.push(await drive(REQUESTS / 4, CONCURRENCY, () => get(`http://${podIPs[turn++ % 2]}:8080/`, keepAlive)));
    ka.vip.push(await drive(REQUESTS / 4, CONCURRENCY, () => get(`http://${webIP}/`, keepAlive)));
  }
  keepAlive.destroy();
  const kaDirect = merge(ka.direct);
  const kaVIP = merge(ka.vip);
  report(
    'service-proxy-clusterip-keepalive',
    `${kaVIP.perSec.toFixed(0)} HTTP requests/s through a ClusterIP over ${CONCURRENCY} kept-alive connections, p50 ${ms(percentile(kaVIP.lat, 50))} p99 ${ms(percentile(kaVIP.lat, 99))}`,
    `${kaDirect.perSec.toFixed(0)} requests/s straight to the pod IPs (p50 ${ms(percentile(kaDirect.lat, 50))} p99 ${ms(percentile(kaDirect.lat, 99))})`,
    kaVIP.perSec / kaDirect.perSec,
    `p99 ratio ${(percentile(kaVIP.lat, 99) / percentile(kaDirect.lat, 99)).toFixed(2)}`,
  );

  // 2. Control path: S services with one endpoint each, then endpoint changes one at a time.
  let created = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = created++; i < SERVICES; i = created++) {
        await client.create(R.services, 'default', svc(`gen-${i}`, vip(i)) as never);
        await client.create(R.endpointslices, 'default', slice(`gen-${i}`, [fakeIP(i)]) as never);
      }
    }),
  );
  await until(
    'every generated service programmed',
    async () => {
      await proxy.synced();
      const p = new Promise<number>((resolve) => (pending = { id: `default/gen-${SERVICES - 1}/http/tcp`, ip: fakeIP(SERVICES - 1), written: performance.now(), resolve }));
      await proxy.synced();
      return (await Promise.race([p, new Promise<number>((r) => setTimeout(() => r(-1), 100))])) >= 0;
    },
    120_000,
  );

  const watched = new Map<string, (t: number) => void>();
  const watcher = new Informer(client, R.endpointslices, log.child({ part: 'bench-watch' }), 'default');
  const onSlice = (o: { metadata?: { name?: string; resourceVersion?: string } }) => watched.get(`${o.metadata?.name}@${o.metadata?.resourceVersion}`)?.(performance.now());
  watcher.addHandlers({ onUpdate: (_old, o) => onSlice(o) });
  watcher.start();
  await watcher.waitForSync();
  const toRules: number[] = [];
  const toWatch: number[] = [];
  for (let n = 0; n < CHANGES; n++) {
    const i = Math.floor(Math.random() * SERVICES);
    const ip = fakeIP(SERVICES + n);
    const applied = new Promise<number>((resolve) => (pending = { id: `default/gen-${i}/http/tcp`, ip, written: performance.now(), resolve }));
    const t0 = pending!.written;
    const updated = await client.patch(R.endpointslices, 'default', `gen-${i}-manual`, { endpoints: [{ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } }] });
    const seen = new Promise<number>((resolve) => {
      const key = `gen-${i}-manual@${updated.metadata?.resourceVersion}`;
      if (watcher.get(`default/gen-${i}-manual`)?.metadata?.resourceVersion === updated.metadata?.resourceVersion) resolve(performance.now());
      watched.set(key, resolve);
    });
    toWatch.push((await seen) - t0);
    toRules.push(await applied);
  }
  watcher.stop();
  toRules.sort((a, b) => a - b);
  toWatch.sort((a, b) => a - b);
  report(
    'service-proxy-endpoint-change',
    `EndpointSlice write to nftables rules applied with ${SERVICES} Services: p50 ${ms(percentile(toRules, 50))} p99 ${ms(percentile(toRules, 99))} (${CHANGES} changes, one at a time)`,
    `the same write reaching a watch: p50 ${ms(percentile(toWatch, 50))} p99 ${ms(percentile(toWatch, 99))}`,
    percentile(toRules, 99) / percentile(toWatch, 99),
  );
} finally {
  await proxy.stop();
  client.close();
  await c.stop();
}
