// Custom resources: creates per second of a custom resource (the cert-manager Certificate shape:
// schema validation, defaulting and pruning through the compiled CRD schema) against built-in
// ConfigMap creates in the same run and cluster (goal: ratio >= 0.8), and the time from a CRD's
// create to Established and to its kind in discovery (mean and worst of several CRDs).

import { startCluster, type Cluster } from '../test/helpers/cluster.js';
import { certificateCrd } from '../test/e2e/crds/manifests.js';
import { ms, percentile, report, drive } from './stats.js';

const TOTAL = Number(process.env.BENCH_CREATES ?? 2000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const CRDS = Number(process.env.BENCH_CRDS ?? 10);

const certificate = (i: number) => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: `bench-${i}`, labels: { app: 'bench' } },
  spec: { secretName: `bench-${i}-tls`, issuerRef: { name: 'ca-issuer', kind: 'ClusterIssuer' }, dnsNames: [`bench-${i}.example.com`], duration: '2160h', privateKey: { algorithm: 'ECDSA', size: 256 } },
});
const configMap = (i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bench-${i}`, labels: { app: 'bench' } }, data: { secretName: `bench-${i}-tls`, issuer: 'ca-issuer', dnsName: `bench-${i}.example.com`, duration: '2160h' } });

async function create(c: Cluster, path: string, body: unknown) {
  const r = await c.request('POST', path, body);
  if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body}`);
}

/** From POST of a CRD until its Established condition, and until its group version lists the kind. */
async function establishTimes(c: Cluster) {
  const established: number[] = [];
  const discovered: number[] = [];
  for (let n = 0; n < CRDS; n++) {
    const crd = structuredClone(certificateCrd) as typeof certificateCrd;
    const group = `bench${n}.example.com`;
    crd.metadata = { name: `certificates.${group}`, labels: { app: 'bench' } };
    crd.spec.group = group;
    crd.spec.names = { ...crd.spec.names, shortNames: [], categories: [] };
    const t0 = performance.now();
    await create(c, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    let est = 0;
    let disc = 0;
    while (!est || !disc) {
      if (!est) {
        const r = await c.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
        if (r.json?.status?.conditions?.some((x: { type: string; status: string }) => x.type === 'Established' && x.status === 'True')) est = performance.now() - t0;
      }
      if (!disc) {
        const r = await c.request('GET', `/apis/${group}/v1`);
        if (r.status === 200 && r.json.resources?.some((x: { name: string }) => x.name === 'certificates')) disc = performance.now() - t0;
      }
      if (performance.now() - t0 > 30_000) throw new Error('CRD not established within 30 s');
      if (!est || !disc) await new Promise((r) => setTimeout(r, 5));
    }
    established.push(est);
    discovered.push(disc);
  }
  return { established: established.sort((a, b) => a - b), discovered: discovered.sort((a, b) => a - b) };
}

const c = await startCluster({ env: { GIFEE_LOG: 'warn' } });
try {
  const times = await establishTimes(c);
  await create(c, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', certificateCrd);
  const t0 = performance.now();
  while ((await c.request('GET', '/apis/cert-manager.io/v1')).status !== 200) {
    if (performance.now() - t0 > 30_000) throw new Error('cert-manager.io/v1 not served');
    await new Promise((r) => setTimeout(r, 10));
  }
  // Interleaved halves, so neither kind gets the warmer server.
  const half = Math.floor(TOTAL / 2);
  const cm1 = await drive(half, CLIENTS, (i) => create(c, '/api/v1/namespaces/default/configmaps', configMap(i)));
  const cr1 = await drive(half, CLIENTS, (i) => create(c, '/apis/cert-manager.io/v1/namespaces/default/certificates', certificate(i)));
  const cm2 = await drive(half, CLIENTS, (i) => create(c, '/api/v1/namespaces/default/configmaps', configMap(half + i)));
  const cr2 = await drive(half, CLIENTS, (i) => create(c, '/apis/cert-manager.io/v1/namespaces/default/certificates', certificate(half + i)));
  const crRate = (cr1.perSec + cr2.perSec) / 2;
  const cmRate = (cm1.perSec + cm2.perSec) / 2;
  const crLat = [...cr1.lat, ...cr2.lat].sort((a, b) => a - b);
  const cmLat = [...cm1.lat, ...cm2.lat].sort((a, b) => a - b);
  report(
    'crd',
    `${crRate.toFixed(0)} Certificate (custom resource) creates/s (${CLIENTS} clients, ${TOTAL}), p50 ${ms(percentile(crLat, 50))} p99 ${ms(percentile(crLat, 99))}`,
    `${cmRate.toFixed(0)} ConfigMap creates/s (p50 ${ms(percentile(cmLat, 50))} p99 ${ms(percentile(cmLat, 99))})`,
    crRate / cmRate,
    `CRD create to Established p50 ${ms(percentile(times.established, 50))} max ${ms(percentile(times.established, 100))}, to discovery p50 ${ms(percentile(times.discovered, 50))} max ${ms(percentile(times.discovered, 100))} (${CRDS} CRDs)`,
  );
} finally {
  await c.stop();
}
