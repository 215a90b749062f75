// HPA reaction time: on a real `gifee server` with Kubernetes' default 15 s sync period (or
// BENCH_HPA_SYNC_MS), one simulated node and the test's aggregated metrics API
// (test/helpers/metrics-apis.ts), a Deployment autoscaled at 50% CPU. Each of BENCH_ROUNDS rounds
// (default 5) waits for the Deployment to be back at 1 replica, raises the load at a random moment,
// and measures the time until the Deployment's spec.replicas changes (the first scale-up decision,
// written). Baseline in the same run: half the sync period, the mean wait for the next sync if
// reading the metrics, deciding and writing cost nothing; the ratio is the controller's overhead.

import { startCluster } from '../test/helpers/cluster.js';
import { startFakeMetricsApis } from '../test/helpers/metrics-apis.js';
import { until } from '../test/helpers/wait.js';
import { clientConfigFromKubeconfig } from '../src/client/kubeconfig.js';
import { startSimNodes } from '../src/sim/nodes.js';
import { simKubeletCredentials } from '../src/cli/sim-kubelet.js';
import { ms, percentile, report } from './stats.js';

const SYNC_MS = Number(process.env.BENCH_HPA_SYNC_MS ?? 15_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const c = await startCluster({ env: { GIFEE_HPA_SYNC_PERIOD_MS: String(SYNC_MS) } });
const client = await clientConfigFromKubeconfig(c.kubeconfig);
const creds = simKubeletCredentials(client);
const sim = await startSimNodes({ client, count: 1, namePrefix: 'bench-hpa-', leaseRenewIntervalMs: 2000, kubelet: creds });
const apis = await startFakeMetricsApis(c);
try {
  const k = (args: string[], input?: string) => c.kubectl(args, input === undefined ? undefined : { input });
  const replicas = async () => JSON.parse((await k(['get', 'deploy', 'web', '-o', 'json'])).stdout).spec.replicas as number;
  await k(['create', 'deployment', 'web', '--image=registry.local/web:1']);
  await k(['set', 'resources', 'deployment', 'web', '--requests=cpu=100m']);
  apis.load.web = 10;
  // No scale-down window: each round starts from 1 replica one sync after the load is gone.
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }], behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } },
  };
  await k(['apply', '-f', '-'], JSON.stringify(hpa));
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    apis.load.web = 10;
    await until('back at 1 replica', async () => (await replicas()) === 1, { timeoutMs: SYNC_MS * 4 + 30_000, intervalMs: 200 });
    // Let the pods settle, then raise the load at a moment unrelated to the sync cycle.
    await new Promise((r) => setTimeout(r, 2000 + Math.random() * SYNC_MS));
    apis.load.web = 250;
    const t0 = performance.now();
    await until('the scale-up decision', async () => (await replicas()) > 1, { timeoutMs: SYNC_MS * 3 + 30_000, intervalMs: 50 });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  report('hpa-decision', `load to first scale-up decision: mean ${ms(mean)}, p50 ${ms(percentile(times, 50))}, max ${ms(times[times.length - 1])} over ${ROUNDS} rounds (sync period ${SYNC_MS} ms)`, `half the sync period ${ms(SYNC_MS / 2)}`, mean / (SYNC_MS / 2), `metrics API requests ${apis.requests}`);
} finally {
  await apis.stop();
  await sim.stop();
  creds.close();
  await c.stop();
}
