// Where the HPA controller gets its figures, through the API server as kube-controller-manager's
// REST metrics client does: metrics.k8s.io/v1beta1 PodMetrics (resource metrics: gifee's built-in
// metrics API or metrics-server behind an APIService), custom.metrics.k8s.io (Pods and Object
// metrics, v1beta2 preferred, v1beta1 understood) and external.metrics.k8s.io/v1beta1 (External).
// Errors carry Kubernetes' wording; the figures come back in milli-units.

import type { RestClient } from '../../client/rest.js';
import { milliValue, type PodMetric, type PodMetrics } from './replica-calculator.js';

/** What the planner needs fetched; a fake in tests. */
export interface MetricsSource {
  /** Per pod (summed over its containers, or the one container named), with the oldest timestamp. */
  resource(namespace: string, selector: string, resource: string, container: string): Promise<{ metrics: PodMetrics; timestamp: number }>;
  /** A custom metric of each selected pod. */
  pods(namespace: string, selector: string, metric: string, metricSelector: string): Promise<{ metrics: PodMetrics; timestamp: number }>;
  /** A custom metric of one object (the value, milli). */
  object(namespace: string, ref: { apiVersion?: string; kind: string; name: string }, metric: string, metricSelector: string): Promise<{ value: number; timestamp: number }>;
  /** Every value of an external metric (milli). */
  external(namespace: string, metric: string, metricSelector: string): Promise<{ values: number[]; timestamp: number }>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const items = (v: unknown): Obj[] => (isObj(v) && Array.isArray(v.items) ? v.items.filter(isObj) : []);
const ts = (v: unknown) => {
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isNaN(t) ? 0 : t;
};
const DEFAULT_WINDOW_MS = 60_000;

/** A Go duration as metrics-server writes it ("15s", "1m0s", "500ms"). */
export function durationMs(v: unknown): number {
  if (typeof v !== 'string' || v === '') return DEFAULT_WINDOW_MS;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = '';
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * unit[m[2]];
    matched += m[0];
  }
  return matched === v ? total : DEFAULT_WINDOW_MS;
}

const query = (params: Record<string, string>) => {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
  const s = q.toString();
  return s ? `?${s}` : '';
};

const wrap = (what: string) => (e: unknown) => {
  throw new Error(`unable to fetch metrics from ${what}: ${(e as Error)?.message ?? String(e)}`);
};

/** PodMetrics items to figures: the pod's containers summed (a container without the resource drops the pod), or one container. */
export function podMetricsFrom(list: Obj[], resource: string, container: string): PodMetrics {
  const out: PodMetrics = new Map();
  for (const m of list) {
    const meta = isObj(m.metadata) ? m.metadata : {};
    const name = String(meta.name ?? '');
    const containers = Array.isArray(m.containers) ? m.containers.filter(isObj) : [];
    const base = { timestamp: ts(m.timestamp), windowMs: durationMs(m.window) };
    if (container !== '') {
      const c = containers.find((x) => x.name === container);
      if (!c) throw new Error(`failed to get container metrics: container ${container} not present in metrics for pod ${String(meta.namespace ?? '')}/${name}`);
      const q = isObj(c.usage) ? c.usage[resource] : undefined;
      if (q !== undefined) out.set(name, { ...base, value: milliValue(q) });
      continue;
    }
    if (containers.length === 0) continue;
    let sum = 0;
    let missing = false;
    for (const c of containers) {
      const q = isObj(c.usage) ? c.usage[resource] : undefined;
      if (q === undefined) {
        missing = true;
        break;
      }
      sum += milliValue(q);
    }
    if (!missing) out.set(name, { ...base, value: sum });
  }
  return out;
}

export class RestMetricsSource implements MetricsSource {
  private customVersion?: { version: string; at: number };

  constructor(
    private client: RestClient,
    /** Which resource a kind is (for Object metrics), from discovery. */
    private resourceOf: (apiVersion: string, kind: string) => Promise<string | undefined>,
    private discoveryTtlMs = 15_000,
  ) {}

  async resource(namespace: string, selector: string, resource: string, container: string) {
    const list = await this.client.request<Obj>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods${query({ labelSelector: selector })}`).catch(wrap('resource metrics API'));
    const raw = items(list);
    if (raw.length === 0) throw new Error('no metrics returned from resource metrics API');
    return { metrics: podMetricsFrom(raw, resource, container), timestamp: ts(raw[0].timestamp) };
  }

  /** The custom metrics API's preferred version (v1beta2 unless only v1beta1 is served), re-read each resync. */
  private async customMetricsVersion(): Promise<string> {
    const now = Date.now();
    if (this.customVersion && now - this.customVersion.at < this.discoveryTtlMs) return this.customVersion.version;
    let version = 'v1beta2';
    try {
      const g = await this.client.request<Obj>('GET', '/apis/custom.metrics.k8s.io');
      const versions = (Array.isArray(g.versions) ? g.versions.filter(isObj) : []).map((v) => String(v.version));
      if (!versions.includes('v1beta2') && versions.includes('v1beta1')) version = 'v1beta1';
    } catch {
      /* not served: the request below fails with the API server's answer */
    }
    this.customVersion = { version, at: now };
    return version;
  }

  private static valueOf(item: Obj): PodMetric & { name: string } {
    const described = isObj(item.describedObject) ? item.describedObject : {};
    const window = typeof item.windowSeconds === 'number' ? item.windowSeconds * 1000 : typeof item.window === 'string' ? durationMs(item.window) : DEFAULT_WINDOW_MS;
    return { name: String(described.name ?? ''), value: milliValue(item.value as string), timestamp: ts(item.timestamp), windowMs: window };
  }

  async pods(namespace: string, selector: string, metric: string, metricSelector: string) {
    const v = await this.customMetricsVersion();
    const path = `/apis/custom.metrics.k8s.io/${v}/namespaces/${encodeURIComponent(namespace)}/pods/*/${encodeURIComponent(metric)}${query({ labelSelector: selector, metricLabelSelector: metricSelector })}`;
    const raw = items(await this.client.request<Obj>('GET', path).catch(wrap('custom metrics API')));
    if (raw.length === 0) throw new Error('no metrics returned from custom metrics API');
    const metrics: PodMetrics = new Map();
    for (const it of raw) {
      const { name, ...m } = RestMetricsSource.valueOf(it);
      metrics.set(name, m);
    }
    return { metrics, timestamp: ts(raw[0].timestamp) };
  }

  async object(namespace: string, ref: { apiVersion?: string; kind: string; name: string }, metric: string, metricSelector: string) {
    const v = await this.customMetricsVersion();
    const group = ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0] : '';
    const ns = encodeURIComponent(namespace);
    let path: string;
    if (ref.kind === 'Namespace' && group === '') {
      // The namespace's own metrics: never another namespace's (the reference's name is ignored).
      path = `/apis/custom.metrics.k8s.io/${v}/namespaces/${ns}/metrics/${encodeURIComponent(metric)}`;
    } else {
      const plural = await this.resourceOf(ref.apiVersion || 'v1', ref.kind);
      if (!plural) throw new Error(`unable to fetch metrics from custom metrics API: no matches for kind "${ref.kind}" in group "${group}"`);
      const gr = group ? `${plural}.${group}` : plural;
      path = `/apis/custom.metrics.k8s.io/${v}/namespaces/${ns}/${gr}/${encodeURIComponent(ref.name)}/${encodeURIComponent(metric)}`;
    }
    const raw = items(await this.client.request<Obj>('GET', `${path}${query({ metricLabelSelector: metricSelector })}`).catch(wrap('custom metrics API')));
    if (raw.length === 0) throw new Error('unable to fetch metrics from custom metrics API: no metrics returned');
    const m = RestMetricsSource.valueOf(raw[0]);
    return { value: m.value, timestamp: m.timestamp };
  }

  async external(namespace: string, metric: string, metricSelector: string) {
    const path = `/apis/external.metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/${encodeURIComponent(metric)}${query({ labelSelector: metricSelector })}`;
    const raw = items(await this.client.request<Obj>('GET', path).catch(wrap('external metrics API')));
    if (raw.length === 0) throw new Error('no metrics returned from external metrics API');
    return { values: raw.map((m) => milliValue(m.value as string)), timestamp: ts(raw[0].timestamp) };
  }
}
