// List paging and big lists against a real `gifee server` holding N pods (created through the API):
// - the time to page through all of them with limit=1 and with limit=500 (kubectl's chunk size),
//   against one unpaged GET of the same N pods in the same run (the baseline);
// - how long the server's event loop is held during an unpaged list (JSON, and Table as
//   `kubectl get pods -A` asks), seen from outside: the worst latency of back-to-back tiny requests
//   (/livez, served by the same event loop) while the list runs, against the same probe on an idle
//   server. A list that held the loop for 5 s would show a ~5 s probe. Also the server's own figure,
//   nodejs_eventloop_lag_max_seconds from /metrics (worst delay since the previous scrape).
// BENCH_PODS (default 10000), BENCH_BACKEND=sqlite|etcd (default sqlite).

import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { startCluster, type Cluster } from '../test/helpers/cluster.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { ms, report } from './stats.js';

const N = Number(process.env.BENCH_PODS ?? 10_000);
const BACKEND = (process.env.BENCH_BACKEND ?? 'sqlite') as 'sqlite' | 'etcd';
const CLIENTS = 16;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

async function client(c: Cluster) {
  const kc = parse(await readFile(c.kubeconfig, 'utf8'));
  const agent = new https.Agent({
    ca: Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64'),
    cert: Buffer.from(kc.users[0].user['client-certificate-data'], 'base64'),
    key: Buffer.from(kc.users[0].user['client-key-data'], 'base64'),
    keepAlive: true,
    maxSockets: CLIENTS + 4,
  });
  const get = (path: string, accept = 'application/json', body?: unknown) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(c.url + path, { method: data ? 'POST' : 'GET', agent, headers: { Accept: accept, ...(data ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(data);
    });
  return { get, close: () => agent.destroy() };
}

type Get = Awaited<ReturnType<typeof client>>['get'];

async function createPods(get: Get) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < N; i = next++) {
        const name = `p-${String(i).padStart(6, '0')}`;
        const r = await get('/api/v1/namespaces/default/pods', 'application/json', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, labels: { app: 'bench', shard: String(i % 10) } },
          spec: { containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
        });
        if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.text}`);
      }
    }),
  );
}

/** Pages through every pod; returns the elapsed ms and the number of items seen. */
async function pageThrough(get: Get, limit: number) {
  const t = performance.now();
  let cont = '';
  let seen = 0;
  let pages = 0;
  for (;;) {
    const r = await get(`/api/v1/pods?limit=${limit}${cont ? `&continue=${cont}` : ''}`);
    if (r.status !== 200) throw new Error(`page ${pages}: ${r.status} ${r.text.slice(0, 300)}`);
    const j = JSON.parse(r.text);
    seen += j.items.length;
    pages++;
    cont = j.metadata.continue ?? '';
    if (!cont) break;
  }
  if (seen !== N) throw new Error(`paged ${seen} pods, expected ${N}`);
  return { ms: performance.now() - t, pages };
}

/** The server's worst event-loop delay since the previous scrape, in ms. */
async function serverLag(get: Get) {
  const m = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec((await get('/metrics')).text);
  return m ? Number(m[1]) * 1000 : NaN;
}

/** Worst latency of back-to-back /livez requests while `during` runs (or for `idleMs` when idle). */
async function probe(get: Get, during: Promise<unknown> | number) {
  let done = false;
  const finished = typeof during === 'number' ? new Promise((r) => setTimeout(r, during)) : during;
  void finished.finally(() => (done = true));
  let worst = 0;
  let count = 0;
  while (!done) {
    const t = performance.now();
    await get('/livez');
    worst = Math.max(worst, performance.now() - t);
    count++;
  }
  await finished;
  return { worst, count };
}

const etcd = BACKEND === 'etcd' ? await startEtcd() : undefined;
const c = await startCluster({ backend: BACKEND, etcdEndpoints: etcd?.endpoints, extraArgs: ['--no-controllers'], env: { GIFEE_LOG: 'warn' } });
const { get, close } = await client(c);
try {
  const tc = performance.now();
  await createPods(get);
  console.error(`created ${N} pods in ${ms(performance.now() - tc)} (${BACKEND})`);

  // Baseline: the same N pods in one unpaged response.
  const tf = performance.now();
  const full = await get('/api/v1/pods');
  const fullMs = performance.now() - tf;
  if (JSON.parse(full.text).items.length !== N) throw new Error('unpaged list is short');

  const p500 = await pageThrough(get, 500);
  const p1 = await pageThrough(get, 1);
  report('list-paging limit=1', `${N} pods in ${p1.pages} pages: ${ms(p1.ms)} (${ms(p1.ms / p1.pages)}/page)`, `one unpaged list of the same ${N} pods ${ms(fullMs)}`, p1.ms / fullMs, BACKEND);
  report('list-paging limit=500', `${N} pods in ${p500.pages} pages: ${ms(p500.ms)}`, `one unpaged list ${ms(fullMs)}`, p500.ms / fullMs, BACKEND);

  await serverLag(get);
  const idle = await probe(get, 2000);
  const idleLag = await serverLag(get);
  const json = await probe(get, get('/api/v1/pods'));
  const jsonLag = await serverLag(get);
  const table = await probe(get, get('/api/v1/pods', TABLE));
  const tableLag = await serverLag(get);
  report(
    'list-paging loop-block',
    `during an unpaged list of ${N} pods: worst /livez latency JSON ${ms(json.worst)} (${json.count} probes), Table ${ms(table.worst)} (${table.count} probes); server event-loop lag max JSON ${ms(jsonLag)}, Table ${ms(tableLag)}`,
    `idle server: /livez ${ms(idle.worst)} (${idle.count} probes), lag max ${ms(idleLag)}`,
    Math.max(json.worst, table.worst) / idle.worst,
    BACKEND,
  );
} finally {
  close();
  await c.stop();
  await etcd?.stop();
}
