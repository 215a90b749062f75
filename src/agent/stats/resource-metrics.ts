// /metrics/resource: the kubelet's resource metrics endpoint (pkg/kubelet/metrics/collectors),
// what metrics-server scrapes for metrics.k8s.io and so for `kubectl top` and the HPA. Names,
// HELP texts (with their [STABLE] stability prefix), types, labels and per-sample timestamps (the
// time each cgroup was read) are the kubelet's; a failed collection is resource_scrape_error 1.

import { type Family, renderFamilies, type Sample } from './prom-text.js';
import type { Collection } from './types.js';

const STABLE = '[STABLE] ';

export function renderResourceMetrics(c: Collection | undefined): string {
  const fam = (name: string, help: string, type: Family['type']): Family => ({ name, help: STABLE + help, type, samples: [] });
  const nodeCpu = fam('node_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the node in core-seconds', 'counter');
  const nodeMem = fam('node_memory_working_set_bytes', 'Current working set of the node in bytes', 'gauge');
  const podCpu = fam('pod_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the pod in core-seconds', 'counter');
  const podMem = fam('pod_memory_working_set_bytes', 'Current working set of the pod in bytes', 'gauge');
  const ctrCpu = fam('container_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the container in core-seconds', 'counter');
  const ctrMem = fam('container_memory_working_set_bytes', 'Current working set of the container in bytes', 'gauge');
  const ctrStart = fam('container_start_time_seconds', 'Start time of the container since unix epoch in seconds', 'gauge');
  const scrapeError = fam('resource_scrape_error', '1 if there was an error while getting container metrics, 0 otherwise', 'gauge');
  scrapeError.samples.push({ labels: {}, value: c ? 0 : 1 });
  if (c) {
    if (c.node.cpuNs !== undefined) nodeCpu.samples.push({ labels: {}, value: c.node.cpuNs / 1e9, timestamp: c.node.time });
    if (c.node.memory) nodeMem.samples.push({ labels: {}, value: c.node.memory.workingSet, timestamp: c.node.time });
    for (const p of c.pods) {
      const podLabels = { namespace: p.target.namespace, pod: p.target.name };
      if (p.cg) {
        podCpu.samples.push({ labels: podLabels, value: p.cg.cpuNs / 1e9, timestamp: p.cg.time });
        if (p.cg.workingSet !== undefined) podMem.samples.push({ labels: podLabels, value: p.cg.workingSet, timestamp: p.cg.time });
      }
      for (const ct of p.containers) {
        const labels = { container: ct.target.name, ...podLabels };
        ctrCpu.samples.push({ labels, value: ct.cg.cpuNs / 1e9, timestamp: ct.cg.time });
        if (ct.cg.workingSet !== undefined) ctrMem.samples.push({ labels, value: ct.cg.workingSet, timestamp: ct.cg.time });
        const started = ct.target.startedAt ? Date.parse(ct.target.startedAt) : Number.NaN;
        if (started > 0) ctrStart.samples.push({ labels, value: started / 1000 } satisfies Sample);
      }
    }
  }
  return renderFamilies([nodeCpu, nodeMem, podCpu, podMem, ctrCpu, ctrMem, ctrStart, scrapeError]);
}
