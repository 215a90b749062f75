// HPA reaction time through the whole built-in path, with Kubernetes' defaults: a simulated node's
// /metrics/resource (its CPU counters grow at the rate the pods' sim.gifee.dev/cpu-usage annotation
// says), the API server's metrics.k8s.io scraping every --metric-resolution (15 s), and the HPA
// controller syncing every --horizontal-pod-autoscaler-sync-period (15 s). A Deployment whose pods
// use 10m of a 100m request is autoscaled at 50%; each of BENCH_ROUNDS rounds (default 5) waits for
// it to be back at 1 replica, raises its pods to 250m (kubectl annotate) at a random moment, and
// measures the time until spec.replicas changes. Baseline in the same run: half the resolution
// plus half the sync period, the mean wait for the next scrape and then the next sync if scraping,
// reading, deciding and writing cost nothing. (bench/hpa-decision.ts measures the controller alone,
// behind an aggregated metrics API that answers at once.)

import { startCluster } from '../test/helpers/cluster.js';
import { until } from '../test/helpers/wait.js';
import { clientConfigFromKubeconfig } from '../src/client/kubeconfig.js';
import { startSimNodes } from '../src/sim/nodes.js';
import { simKubeletCredentials } from '../src/cli/sim-kubelet.js';
import { ms, percentile, report } from './stats.js';

const SYNC_MS = Number(process.env.BENCH_HPA_SYNC_MS ?? 15_000);
const RESOLUTION_MS = Number(process.env.BENCH_METRIC_RESOLUTION_MS ?? 15_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IDLE = '10m';
const LOADED = '250m';

const c = await startCluster({ extraArgs: [`--metric-resolution=${RESOLUTION_MS}ms`, `--horizontal-pod-autoscaler-sync-period=${SYNC_MS}ms`] });
const client = await clientConfigFromKubeconfig(c.kubeconfig);
const creds = simKubeletCredentials(client);
const sim = await startSimNodes({ client, count: 1, namePrefix: 'bench-hpa-builtin-', leaseRenewIntervalMs: 2000, kubelet: creds });
try {
  const k = (args: string[], input?: string) => c.kubectl(args, input === undefined ? undefined : { input });
  const replicas = async () => JSON.parse((await k(['get', 'deploy', 'web', '-o', 'json'])).stdout).spec.replicas as number;
  // Retried: a pod the Deployment deletes meanwhile fails the annotation of the whole set.
  const setLoad = (cpu: string) => until(`pods at ${cpu}`, async () => (await c.kubectl(['annotate', 'pods', '-l', 'app=web', `sim.gifee.dev/cpu-usage=${cpu}`, '--overwrite'], { allowFail: true })).code === 0, { timeoutMs: 30_000, intervalMs: 200 });
  // New pods start idle (the template's annotation); a round's load is put on the running ones.
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' }, annotations: { 'sim.gifee.dev/cpu-usage': IDLE } }, spec: { containers: [{ name: 'web', image: 'registry.local/web:1', resources: { requests: { cpu: '100m' } } }] } },
    },
  };
  await k(['apply', '-f', '-'], JSON.stringify(deployment));
  // No scale-down window: each round starts from 1 replica soon after the load is gone.
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }], behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } },
  };
  await k(['apply', '-f', '-'], JSON.stringify(hpa));
  const bound = (SYNC_MS + RESOLUTION_MS) * 4 + 30_000;
  await until('the HPA reading its metric', async () => JSON.parse((await k(['get', 'hpa', 'web', '-o', 'json'])).stdout).status?.currentMetrics?.[0]?.resource?.current?.averageUtilization !== undefined, { timeoutMs: bound, intervalMs: 500 });
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    await setLoad(IDLE);
    await until('back at 1 replica', async () => (await replicas()) === 1, { timeoutMs: bound, intervalMs: 200 });
    // Let the pods settle, then raise the load at a moment unrelated to the scrape and sync cycles.
    await new Promise((r) => setTimeout(r, 2000 + Math.random() * Math.max(SYNC_MS, RESOLUTION_MS)));
    await setLoad(LOADED);
    const t0 = performance.now();
    await until('the scale-up decision', async () => (await replicas()) > 1, { timeoutMs: bound, intervalMs: 50 });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const ideal = (SYNC_MS + RESOLUTION_MS) / 2;
  report(
    'hpa-decision-builtin',
    `load to first scale-up decision through the built-in metrics API: mean ${ms(mean)}, p50 ${ms(percentile(times, 50))}, max ${ms(times[times.length - 1])} over ${ROUNDS} rounds (resolution ${RESOLUTION_MS} ms, sync period ${SYNC_MS} ms)`,
    `half the resolution plus half the sync period ${ms(ideal)}`,
    mean / ideal,
  );
} finally {
  await sim.stop();
  creds.close();
  await c.stop();
}
