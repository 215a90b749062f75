// A real Prometheus (Debian's `prometheus` package) for e2e tests: the scrape configuration users
// point at gifee (docs/monitoring.md shows the same), started on loopback with a throwaway TSDB, and
// its HTTP API (/api/v1/targets, /api/v1/query). Discovery is kubernetes_sd_configs when this
// Prometheus has it; Debian's build does not (see kubernetes-sd.ts), and then each role's targets
// come through http_sd_configs from the test's stand-in, with the same labels. Everything it dials is on 127.0.0.1: the API server
// (discovery and the apiserver job) and the agents at their node address (the test's agents
// advertise 127.0.0.1). Pods and Services are discovered but only annotated ones would be scraped,
// and the test annotates none, so their addresses are never dialed.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cluster.js';
import { stopProcess } from './stop-process.js';

export const prometheusBinary = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const prometheusAvailable = () => existsSync(prometheusBinary);
/**
 * VictoriaMetrics (Debian's `victoria-metrics`) reads the same scrape configuration and implements
 * kubernetes_sd_configs itself: with it the e2e test runs Kubernetes discovery for real against
 * gifee even where the Prometheus build has none.
 */
export const victoriaMetricsBinary = process.env.VICTORIA_METRICS_BIN ?? '/usr/bin/victoria-metrics';
export const victoriaMetricsAvailable = () => existsSync(victoriaMetricsBinary);
export type Engine = 'prometheus' | 'victoria-metrics';
const promtoolBinary = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

/** Whether this Prometheus was built with kubernetes_sd_configs (promtool checks a config that uses it). */
export async function kubernetesSdSupported(): Promise<boolean> {
  if (!existsSync(promtoolBinary)) return false;
  const dir = await mkdtemp(join(tmpdir(), 'gifee-promtool-'));
  try {
    const file = join(dir, 'p.yml');
    await writeFile(file, 'scrape_configs:\n  - job_name: probe\n    kubernetes_sd_configs:\n      - role: node\n        api_server: https://127.0.0.1:1\n');
    return await new Promise<boolean>((resolve) => execFile(promtoolBinary, ['check', 'config', file], (err) => resolve(!err)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How targets are discovered: Prometheus' own Kubernetes SD, or a role's targets over HTTP SD. */
export type Discovery = { kind: 'kubernetes' } | { kind: 'http'; url: (role: string) => string };

/** The scrape jobs: the API server through the default/kubernetes endpoints, and each node's kubelet paths. */
export function scrapeConfig(o: { apiServer: string; caFile: string; tokenFile: string; intervalSeconds?: number; discovery?: Discovery }): string {
  const interval = `${o.intervalSeconds ?? 15}s`;
  // Discovery and scrapes authenticate alike: the ServiceAccount's token, the cluster CA.
  const auth = `    tls_config:
      ca_file: ${o.caFile}
    authorization:
      credentials_file: ${o.tokenFile}`;
  const discovery = o.discovery ?? { kind: 'kubernetes' };
  const sd = (role: string) =>
    discovery.kind === 'kubernetes'
      ? `    kubernetes_sd_configs:
      - role: ${role}
        api_server: ${o.apiServer}
        tls_config:
          ca_file: ${o.caFile}
        authorization:
          credentials_file: ${o.tokenFile}`
      : `    http_sd_configs:
      - url: ${discovery.url(role)}
        refresh_interval: ${interval}`;
  // The kubelet jobs: straight to the node's address on its kubelet port (Prometheus' node role
  // builds __address__ from them), with the node's labels, as the usual kubelet/cAdvisor jobs do.
  const kubelet = (job: string, path: string) => `  - job_name: ${job}
    scheme: https
    metrics_path: ${path}
${auth}
${sd('node')}
    relabel_configs:
      - action: labelmap
        regex: __meta_kubernetes_node_label_(.+)
      - source_labels: [__meta_kubernetes_node_name]
        target_label: node`;
  return `global:
  scrape_interval: ${interval}
  scrape_timeout: ${interval}
scrape_configs:
  - job_name: kubernetes-apiservers
    scheme: https
${auth}
${sd('endpoints')}
    relabel_configs:
      - source_labels: [__meta_kubernetes_namespace, __meta_kubernetes_service_name, __meta_kubernetes_endpoint_port_name]
        action: keep
        regex: default;kubernetes;https
${kubelet('kubernetes-nodes', '/metrics')}
${kubelet('kubernetes-nodes-cadvisor', '/metrics/cadvisor')}
${kubelet('kubernetes-nodes-resource', '/metrics/resource')}
  - job_name: kubernetes-service-endpoints
${sd('endpointslice')}
    relabel_configs:
      - source_labels: [__meta_kubernetes_service_annotation_prometheus_io_scrape]
        action: keep
        regex: "true"
  - job_name: kubernetes-services
${sd('service')}
    relabel_configs:
      - source_labels: [__meta_kubernetes_service_annotation_prometheus_io_scrape]
        action: keep
        regex: "true"
  - job_name: kubernetes-pods
${sd('pod')}
    relabel_configs:
      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
        action: keep
        regex: "true"
      - source_labels: [__meta_kubernetes_namespace]
        target_label: namespace
      - source_labels: [__meta_kubernetes_pod_name]
        target_label: pod
`;
}

export interface Target {
  scrapePool: string;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
}

export interface Prometheus {
  url: string;
  /** Active and dropped targets (GET /api/v1/targets?state=any). */
  targets(): Promise<{ activeTargets: Target[]; droppedTargets: { discoveredLabels: Record<string, string> }[] }>;
  /** An instant query's vector: each series' labels and value. */
  query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  logs(): string;
  stop(): Promise<void>;
}

function getJson(url: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => {
        try {
          const j = JSON.parse(b);
          if (j.status !== 'success') reject(new Error(`${url}: ${b.slice(0, 500)}`));
          else resolve(j.data);
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
  });
}

/** Start Prometheus (or VictoriaMetrics) with this configuration on 127.0.0.1; stop() kills it and removes its files. */
export async function startPrometheus(config: string, engine: Engine = 'prometheus'): Promise<Prometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const [binary, args] =
    engine === 'prometheus'
      ? [prometheusBinary, ['--config.file', configFile, '--web.listen-address', `127.0.0.1:${port}`, '--storage.tsdb.path', join(dir, 'data'), '--log.level', 'info']]
      : // Queries see samples at once (no 30 s latency offset) and no cached answers.
        [victoriaMetricsBinary, [`-promscrape.config=${configFile}`, `-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${join(dir, 'data')}`, '-retentionPeriod=1d', '-search.latencyOffset=0s', '-search.disableCache', '-loggerLevel=INFO']];
  const proc: ChildProcess = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  const stop = async () => {
    await stopProcess(proc, 5000);
    await rm(dir, { recursive: true, force: true });
  };
  // Ready once its API answers (the TSDB is open and the configuration loaded).
  const end = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) {
      await stop();
      throw new Error(`${engine} exited with ${proc.exitCode}:\n${log}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      http
        .get(`${url}${engine === 'prometheus' ? '/-/ready' : '/health'}`, { timeout: 1000 }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > end) {
      await stop();
      throw new Error(`${engine} did not become ready in 30s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    targets: () => getJson(`${url}/api/v1/targets?state=any`),
    query: async (q) => (await getJson(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).result,
    logs: () => log,
    stop,
  };
}
