// Webhook admission overhead: ConfigMap creates/s over HTTPS into a namespace no webhook looks at,
// and into one where a mutating webhook (a JSON patch adding a label) and a validating webhook are
// both called, against the same `gifee server` in the same run. The webhooks are a real HTTPS server
// in this process on 127.0.0.1. Reports the ratio and the added latency per request (p50).

import { startCluster } from '../test/helpers/cluster.js';
import { until } from '../test/helpers/wait.js';
import { patchOf, reviewResponse, startWebhookServer } from '../test/helpers/webhook-server.js';
import { ms, percentile, report, drive } from './stats.js';

const TOTAL = Number(process.env.BENCH_CREATES ?? 1000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);

const hooks = await startWebhookServer((path, body) => (path.startsWith('/mutate') ? reviewResponse(body, { allowed: true, ...patchOf([{ op: 'add', path: '/metadata/labels/admitted', value: 'yes' }]) }) : reviewResponse(body, { allowed: true })));
const c = await startCluster({ env: { GIFEE_LOG: 'warn' } });
try {
  for (const ns of ['plain', 'hooked']) {
    await c.kubectl(['create', 'namespace', ns]);
    await c.kubectl(['label', 'namespace', ns, `bench=${ns}`]);
  }
  const webhook = (name: string, path: string) => ({
    name: `${name}.bench.gifee.io`,
    clientConfig: { url: hooks.url(path), caBundle: hooks.caBundle },
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], scope: '*' }],
    namespaceSelector: { matchLabels: { bench: 'hooked' } },
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
  });
  for (const [kind, path] of [
    ['Mutating', '/mutate'],
    ['Validating', '/validate'],
  ]) {
    const cfg = { apiVersion: 'admissionregistration.k8s.io/v1', kind: `${kind}WebhookConfiguration`, metadata: { name: `bench-${path.slice(1)}` }, webhooks: [webhook(path.slice(1), path)] };
    await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(cfg) });
  }
  const cm = (ns: string, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { app: 'bench' } }, data: { k: 'v' } });
  await until('webhooks in effect', async () => {
    const name = `probe-${Date.now()}`;
    const r = await c.request('POST', '/api/v1/namespaces/hooked/configmaps', cm('hooked', name));
    return r.status === 201 && r.json?.metadata?.labels?.admitted === 'yes';
  });
  const run = (ns: string) =>
    drive(TOTAL, CLIENTS, async (i) => {
      const r = await c.request('POST', `/api/v1/namespaces/${ns}/configmaps`, cm(ns, `bench-${i}`));
      if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body}`);
    });
  // Warm-up, then the two measured runs.
  await drive(100, CLIENTS, async (i) => void (await c.request('POST', '/api/v1/namespaces/plain/configmaps', cm('plain', `warm-${i}`))));
  const plain = await run('plain');
  const hooked = await run('hooked');
  const added = percentile(hooked.lat, 50) - percentile(plain.lat, 50);
  report(
    'webhook-admission',
    `${hooked.perSec.toFixed(0)} ConfigMap creates/s with a mutating and a validating webhook (${CLIENTS} clients, ${TOTAL} creates), p50 ${ms(percentile(hooked.lat, 50))} p99 ${ms(percentile(hooked.lat, 99))}`,
    `${plain.perSec.toFixed(0)} creates/s without (p50 ${ms(percentile(plain.lat, 50))} p99 ${ms(percentile(plain.lat, 99))})`,
    hooked.perSec / plain.perSec,
    `webhook overhead per request (p50): ${ms(added)}; webhook calls received: ${hooks.received.length}`,
  );
} finally {
  await c.stop();
  await hooks.close();
}
