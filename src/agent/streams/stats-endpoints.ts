// The kubelet's statistics endpoints on the agent's port: /metrics/resource and /metrics/cadvisor
// (Prometheus text) and /stats/summary (JSON). Who serves the figures is an interface: the node
// agent's collector (agent/stats), or synthetic figures for simulated nodes. The request is passed
// along so a process serving several simulated nodes can tell which node it is for (its TLS
// server name). Authentication and authorization happened before (auth.ts: nodes/metrics,
// nodes/stats), as for the kubelet's /metrics.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendStatus } from './http-util.js';

export interface KubeletStatsEndpoints {
  /** /metrics/resource: the kubelet's resource metrics (what metrics-server scrapes). */
  resourceMetrics(req: IncomingMessage): Promise<string>;
  /** /metrics/cadvisor: cAdvisor's container_* and machine_* series. */
  cadvisorMetrics(req: IncomingMessage): Promise<string>;
  /** /stats/summary: the Summary API object; only CPU and memory with ?only_cpu_and_memory=true. */
  summary(req: IncomingMessage, onlyCpuAndMemory: boolean): Promise<object>;
  /** kubelet_* families appended to the port's /metrics (kubelet_volume_stats_*); optional. */
  kubeletMetrics?(req: IncomingMessage): Promise<string>;
}

export const STATS_PATHS = new Set(['/metrics/resource', '/metrics/cadvisor', '/stats/summary', '/stats/summary/']);

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/** Serves one of STATS_PATHS (the caller checked the path and the caller's rights). */
export async function serveStats(url: URL, req: IncomingMessage, res: ServerResponse, stats: KubeletStatsEndpoints): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendStatus(res, 405, `${url.pathname} is read with GET`);
  if (url.pathname.startsWith('/stats/')) {
    const only = url.searchParams.get('only_cpu_and_memory') === 'true';
    const body = JSON.stringify(await stats.summary(req, only), null, 2);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return void res.end(req.method === 'HEAD' ? undefined : body);
  }
  const body = url.pathname === '/metrics/resource' ? await stats.resourceMetrics(req) : await stats.cadvisorMetrics(req);
  res.writeHead(200, { 'Content-Type': PROMETHEUS_TEXT });
  res.end(req.method === 'HEAD' ? undefined : body);
}
