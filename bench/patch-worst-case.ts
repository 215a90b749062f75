// Worst-case request shapes against a real `gifee server`: for each, the milliseconds per request and
// the longest the server's event loop was blocked meanwhile, measured from outside by a heartbeat
// (GET /livez one after another on its own connection: while the loop is blocked no heartbeat is
// answered, so the longest heartbeat is the longest block, plus one loopback round trip). Baseline, in
// the same run: a merge patch of one label on a small ConfigMap.
//
// BENCH_FINALIZERS (8000), BENCH_CONTAINERS (5000), BENCH_SCHED_CONTAINERS (4000), BENCH_REPEAT (3) set
// the sizes: the pods are near the limit on a stored object (3 MiB of JSON once defaulted and with
// managedFields; 9,000 containers, or 5,000 with resource requests, are refused with 413).
// BENCH_ONLY=TEXT runs only the shapes whose name contains TEXT (the baseline always runs), e.g. to
// profile one shape with the server under --cpu-prof: BENCH_CPU_PROF=DIR writes the server's profile
// there (summarize it with dist/bench/cpu-profile-top.js).

import https from 'node:https';
import { startCluster, type Cluster } from '../test/helpers/cluster.js';
import { ms, report } from './stats.js';

const FINALIZERS = Number(process.env.BENCH_FINALIZERS ?? 8000);
const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 5000);
const SCHED_CONTAINERS = Number(process.env.BENCH_SCHED_CONTAINERS ?? 4000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const NESTING = 511; // the deepest body accepted (the limit is 512 levels including the object itself)

type Req = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => ReturnType<Cluster['request']>;

/** Heartbeats on a dedicated keep-alive connection until stopped; returns the longest one. The
 *  connection is opened (TLS handshake) before measuring starts. */
async function heartbeat(c: Cluster) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const one = () =>
    new Promise<void>((resolve) => {
      // /livez needs no client certificate.
      const r = https.get(`${c.url}/livez`, { agent, rejectUnauthorized: false }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      r.on('error', () => resolve());
    });
  await one();
  let stop = false;
  let max = 0;
  const loop = (async () => {
    while (!stop) {
      const t = performance.now();
      await one();
      max = Math.max(max, performance.now() - t);
    }
  })();
  return {
    async end() {
      stop = true;
      await loop;
      agent.destroy();
      return max;
    },
  };
}

interface Shape {
  name: string;
  setup?: (i: number) => Promise<unknown>;
  run: (i: number) => Promise<unknown>;
}

async function measure(c: Cluster, shape: Shape) {
  let total = 0;
  let block = 0;
  for (let i = 0; i < REPEAT; i++) {
    await shape.setup?.(i);
    const hb = await heartbeat(c);
    const t = performance.now();
    await shape.run(i);
    total += performance.now() - t;
    block = Math.max(block, await hb.end());
  }
  return { perReq: total / REPEAT, block };
}

const expect = async (p: ReturnType<Req>, status: number, what: string) => {
  const r = await p;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${r.body.slice(0, 300)}`);
  return r;
};

function shapes(req: Req): Shape[] {
  const cm = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data: { a: 'b' } });
  const smp = { 'Content-Type': 'application/strategic-merge-patch+json' };
  const containers = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, image: `registry.local/app:${tag}`, ports: [{ containerPort: 1000 + (i % 60000) }] }));
  const deep = (n: number): unknown => {
    let v: unknown = 'x';
    for (let i = 0; i < n; i++) v = [v];
    return v;
  };
  return [
    {
      name: 'baseline: merge patch of one label',
      setup: (i) => expect(req('POST', '/api/v1/namespaces/default/configmaps', cm(`base-${i}`)), 201, 'create'),
      run: (i) => expect(req('PATCH', `/api/v1/namespaces/default/configmaps/base-${i}`, { metadata: { labels: { l: String(i) } } }, { 'Content-Type': 'application/merge-patch+json' }), 200, 'label patch'),
    },
    {
      name: `strategic merge of ${FINALIZERS} finalizers into ${FINALIZERS}`,
      setup: (i) => expect(req('POST', '/api/v1/namespaces/default/configmaps', cm(`fin-${i}`, { finalizers: Array.from({ length: FINALIZERS }, (_, j) => `example.com/a${j}`) })), 201, 'create'),
      run: (i) => expect(req('PATCH', `/api/v1/namespaces/default/configmaps/fin-${i}`, { metadata: { finalizers: Array.from({ length: FINALIZERS }, (_, j) => `example.com/b${j}`) } }, smp), 200, 'finalizers patch'),
    },
    {
      name: `strategic merge of every container of a ${CONTAINERS}-container pod`,
      setup: (i) => expect(req('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `big-${i}` }, spec: { nodeName: 'nowhere', containers: containers(CONTAINERS, '1') } }), 201, 'create'),
      run: (i) => expect(req('PATCH', `/api/v1/namespaces/default/pods/big-${i}`, { spec: { containers: containers(CONTAINERS, '2').map(({ name, image }) => ({ name, image })) } }, smp), 200, 'containers patch'),
    },
    {
      name: 'JSON patch of 10,000 operations',
      setup: (i) => expect(req('POST', '/api/v1/namespaces/default/configmaps', cm(`ops-${i}`)), 201, 'create'),
      run: (i) => expect(req('PATCH', `/api/v1/namespaces/default/configmaps/ops-${i}`, JSON.stringify(Array.from({ length: 10000 }, (_, j) => ({ op: 'add', path: `/data/k${j % 5000}`, value: String(j) }))), { 'Content-Type': 'application/json-patch+json' }), 200, 'json patch'),
    },
    {
      name: `create with a body nested ${NESTING} levels (accepted) and one nested 100,000 (refused)`,
      run: async (i) => {
        await expect(req('POST', '/apis/apps/v1/namespaces/default/controllerrevisions', { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: `deep-${i}` }, revision: 1, data: { d: deep(NESTING - 3) } }), 201, 'deep create');
        await expect(req('POST', '/api/v1/namespaces/default/configmaps', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"x":${'['.repeat(100000)}${']'.repeat(100000)}}`), 400, 'too deep');
      },
    },
    {
      name: `scheduling a ${SCHED_CONTAINERS}-container pod (create to bound)`,
      run: async (i) => {
        await expect(req('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `sched-${i}` }, spec: { tolerations: [{ operator: 'Exists' }], containers: containers(SCHED_CONTAINERS, '1').map((c) => ({ ...c, resources: { requests: { cpu: '1m' } } })) } }), 201, 'create');
        for (;;) {
          const r = await req('GET', `/api/v1/namespaces/default/pods/sched-${i}`);
          if (r.json?.spec?.nodeName) return;
          await new Promise((res) => setTimeout(res, 100)); // each poll reads the whole 5,000-container pod: not too often
        }
      },
    },
  ];
}

const PROF = process.env.BENCH_CPU_PROF;
const c = await startCluster({ env: { GIFEE_LOG: 'warn' }, nodeArgs: PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : [] });
try {
  const req: Req = (...a) => c.request(...a);
  // A node for the scheduler: Ready, with room for the pod. Nothing renews its lease, so the node
  // lifecycle controller taints it after a while; the scheduled pods tolerate every taint.
  await expect(req('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sim-0', labels: { 'kubernetes.io/hostname': 'sim-0' } }, status: {} }), 201, 'node');
  await expect(
    req(
      'PATCH',
      '/api/v1/nodes/sim-0/status',
      { status: { capacity: { cpu: '1000', memory: '1Ti', pods: '110' }, allocatable: { cpu: '1000', memory: '1Ti', pods: '110' }, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated', lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } },
      { 'Content-Type': 'application/merge-patch+json' },
    ),
    200,
    'node status',
  );
  const all = shapes(req);
  await measure(c, { ...all[0], setup: (i) => all[0].setup!(i + 1000), run: (i) => all[0].run(i + 1000) }); // warm-up, not reported
  const base = await measure(c, all[0]);
  report('patch-worst-case baseline', `${ms(base.perReq)}/request, longest event-loop block ${ms(base.block)}`, all[0].name, 1);
  for (const s of all.slice(1).filter((x) => !process.env.BENCH_ONLY || x.name.includes(process.env.BENCH_ONLY))) {
    const r = await measure(c, s);
    report(`patch-worst-case ${s.name}`, `${ms(r.perReq)}/request, longest event-loop block ${ms(r.block)}`, `${ms(base.perReq)}/request, block ${ms(base.block)}`, r.perReq / base.perReq, `block ratio ${(r.block / base.block).toFixed(1)}`);
  }
} finally {
  await c.stop();
}
