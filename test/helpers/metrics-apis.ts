// A REAL aggregated metrics API for tests and benchmarks: a small HTTPS server on 127.0.0.1
// registered with a gifee cluster through APIServices v1beta1.metrics.k8s.io,
// v1beta2.custom.metrics.k8s.io and v1beta1.external.metrics.k8s.io behind an ExternalName Service
// whose external name is 127.0.0.1 (the API server dials it; the serving certificate names
// <service>.<namespace>.svc). The figures are the caller's: a CPU load per app label shared by the
// app's running pods (PodMetrics), a custom Pods metric per pod, external metric values.

import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cluster } from './cluster.js';
import { until } from './wait.js';
import { createCa, issueCert } from '../../src/cli/pki.js';

const NS = 'hpa-metrics';
const SVC = 'metrics';

type Obj = Record<string, any>;

export interface FakeMetricsApis {
  /** Millicores each app's pods share (by the app= label of the selector). */
  load: Record<string, number>;
  /** packets-per-second per pod, by app. */
  packetsPerPod: Record<string, number>;
  /** External metric values by "name|labelSelector". */
  external: Record<string, number[]>;
  /** Requests answered so far. */
  readonly requests: number;
  stop(): Promise<void>;
}

const send = (res: ServerResponse, code: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
};

/** Starts the server, registers the APIServices and waits until all three are Available. */
export async function startFakeMetricsApis(c: Cluster): Promise<FakeMetricsApis> {
  const load: Record<string, number> = {};
  const packetsPerPod: Record<string, number> = {};
  const external: Record<string, number[]> = {};
  let requests = 0;

  /** Running pods of a namespace matching a label selector, asked of the cluster as the admin. */
  async function runningPods(ns: string, selector: string): Promise<Obj[]> {
    const r = await c.request('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`);
    return (r.json?.items ?? []).filter((p: Obj) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    requests++;
    const url = new URL(req.url ?? '/', 'https://x');
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const p = url.pathname.replace(/\/$/, '');
    if (p === '/apis/metrics.k8s.io/v1beta1') return send(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'metrics.k8s.io/v1beta1', resources: [{ name: 'pods', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] }] });
    if (p === '/apis/custom.metrics.k8s.io/v1beta2') return send(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'custom.metrics.k8s.io/v1beta2', resources: [{ name: 'pods/packets-per-second', namespaced: true, kind: 'MetricValueList', verbs: ['get'] }] });
    const pm = /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods$/.exec(p);
    if (pm) {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const pods = await runningPods(pm[1], selector);
      const app = /app=([^,]+)/.exec(selector)?.[1] ?? '';
      const each = pods.length ? Math.floor((load[app] ?? 0) / pods.length) : 0;
      return send(res, 200, {
        kind: 'PodMetricsList',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: {},
        items: pods.map((pod) => ({ metadata: { name: pod.metadata.name, namespace: pm[1], labels: pod.metadata.labels, creationTimestamp: now }, timestamp: now, window: '1s', containers: pod.spec.containers.map((ct: Obj, i: number) => ({ name: ct.name, usage: { cpu: `${i === 0 ? each : 0}m`, memory: '10Mi' } })) })),
      });
    }
    if (p === '/apis/external.metrics.k8s.io/v1beta1') return send(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'external.metrics.k8s.io/v1beta1', resources: [{ name: 'queue_messages_ready', namespaced: true, kind: 'ExternalMetricValueList', verbs: ['get'] }] });
    const ext = /^\/apis\/external\.metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/([^/]+)$/.exec(p);
    if (ext) {
      const values = external[`${ext[2]}|${url.searchParams.get('labelSelector') ?? ''}`];
      if (!values) return send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `no metric ${ext[2]}` });
      return send(res, 200, { kind: 'ExternalMetricValueList', apiVersion: 'external.metrics.k8s.io/v1beta1', metadata: {}, items: values.map((v) => ({ metricName: ext[2], metricLabels: { queue: 'jobs' }, timestamp: now, value: String(v) })) });
    }
    const cm = /^\/apis\/custom\.metrics\.k8s\.io\/v1beta2\/namespaces\/([^/]+)\/pods\/\*\/([^/]+)$/.exec(p);
    if (cm) {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const app = /app=([^,]+)/.exec(selector)?.[1] ?? '';
      if (cm[2] !== 'packets-per-second' || packetsPerPod[app] === undefined) return send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `the server could not find the metric ${cm[2]} for pods` });
      const pods = await runningPods(cm[1], selector);
      return send(res, 200, {
        kind: 'MetricValueList',
        apiVersion: 'custom.metrics.k8s.io/v1beta2',
        metadata: {},
        items: pods.map((pod) => ({ describedObject: { kind: 'Pod', namespace: cm[1], name: pod.metadata.name, apiVersion: '/v1' }, metric: { name: cm[2] }, timestamp: now, windowSeconds: 1, value: String(packetsPerPod[app]) })),
      });
    }
    send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
  }

  const ca = await createCa('test-metrics-ca');
  const serving = await issueCert(ca, { commonName: `${SVC}.${NS}.svc`, dnsNames: [`${SVC}.${NS}.svc`], usage: 'server' });
  const server = https.createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    handle(req, res).catch((e) => send(res, 500, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 500, message: String(e) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const stop = () => new Promise<void>((r) => server.close(() => r()));
  try {
    const port = (server.address() as AddressInfo).port;
    const caBundle = Buffer.from(ca.cert).toString('base64');
    const service = { namespace: NS, name: SVC, port };
    const apiService = (group: string, version: string) => ({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: `${version}.${group}` }, spec: { group, version, groupPriorityMinimum: 100, versionPriority: 100, caBundle, service } });
    const manifests = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: SVC, namespace: NS }, spec: { type: 'ExternalName', externalName: '127.0.0.1' } },
      apiService('metrics.k8s.io', 'v1beta1'),
      apiService('custom.metrics.k8s.io', 'v1beta2'),
      apiService('external.metrics.k8s.io', 'v1beta1'),
    ];
    await c.kubectl(['apply', '-f', '-'], { input: manifests.map((m) => JSON.stringify(m)).join('\n') });
    for (const name of ['v1beta1.metrics.k8s.io', 'v1beta2.custom.metrics.k8s.io', 'v1beta1.external.metrics.k8s.io']) {
      await until(`${name} Available`, async () => JSON.parse((await c.kubectl(['get', 'apiservice', name, '-o', 'json'])).stdout).status?.conditions?.some((x: Obj) => x.type === 'Available' && x.status === 'True'), { timeoutMs: 40_000, intervalMs: 300 });
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    load,
    packetsPerPod,
    external,
    get requests() {
      return requests;
    },
    stop,
  };
}
