// metrics.k8s.io/v1beta1 built into the API server, in place of metrics-server behind an
// APIService: the kinds are ordinary read-only KindDefs (discovery, OpenAPI, RBAC and the local
// APIService v1beta1.metrics.k8s.io follow from the registry), their storage is computed from the
// points a scraper keeps (scraper.ts). Why in the API server rather than the controller manager:
// the kubelet client credentials and the serving-certificate checks live here already (pods/log
// uses them), and the figures are served from here, so nothing crosses a process boundary. Each
// API server scrapes for itself, as each metrics-server replica does. A user who installs the real
// metrics-server replaces the local APIService with theirs and the aggregator proxies to it.

import type { ApiState } from '../context.js';
import { resourcePrefix } from '../storage/keys.js';
import { kubeletClientOf } from '../pod-streams/kubelet-client.js';
import { METRICS_GROUP } from '../../api/kinds/metrics/index.js';
import { ClusterView } from './cluster-view.js';
import { MetricsPoints } from './points.js';
import { NodeMetricsObjects, PodMetricsObjects } from './objects.js';
import { Scraper } from './scraper.js';

export interface MetricsApiOptions {
  /** Scrape period (metrics-server's --metric-resolution): default 15 s. 0 turns scraping off. */
  resolutionMs?: number;
  /** Per-node request deadline (--kubelet-request-timeout): default 10 s. */
  kubeletTimeoutMs?: number;
  /** Nodes scraped at once: default 64. */
  concurrency?: number;
}

export const DEFAULT_METRIC_RESOLUTION_MS = 15_000;

export interface MetricsApi {
  view: ClusterView;
  points: MetricsPoints;
  scraper: Scraper;
  close(): void;
}

export function installMetricsApi(state: ApiState, o: MetricsApiOptions = {}): MetricsApi | undefined {
  const nodeDef = state.registry.byResource(METRICS_GROUP, 'v1beta1', 'nodes');
  const podDef = state.registry.byResource(METRICS_GROUP, 'v1beta1', 'pods');
  if (!nodeDef || !podDef) return undefined;
  const resolutionMs = o.resolutionMs ?? DEFAULT_METRIC_RESOLUTION_MS;
  const view = new ClusterView(state);
  const points = new MetricsPoints(resolutionMs || DEFAULT_METRIC_RESOLUTION_MS);
  const src = { view, points };
  state.storageOverrides.set(resourcePrefix(nodeDef), (store, def) => new NodeMetricsObjects(store, def, src));
  state.storageOverrides.set(resourcePrefix(podDef), (store, def) => new PodMetricsObjects(store, def, src));
  const scraper = new Scraper(view, points, () => kubeletClientOf(state), { resolutionMs: resolutionMs || DEFAULT_METRIC_RESOLUTION_MS, timeoutMs: o.kubeletTimeoutMs ?? 10_000, concurrency: o.concurrency ?? 64 }, state.log.child({ part: 'metrics-scraper' }));
  state.postStartHooks.push({
    name: 'start-metrics-api-scraper',
    // Not awaited: /readyz does not wait for the first figures (metrics-server is ready once it has some; the API answers "not found" until then).
    run: async () => {
      void view.start().then(() => {
        if (resolutionMs > 0) scraper.start();
      });
    },
  });
  return {
    view,
    points,
    scraper,
    close() {
      scraper.close();
      view.close();
    },
  };
}
