import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderCadvisorMetrics } from './cadvisor-metrics.js';
import { renderResourceMetrics } from './resource-metrics.js';
import type { Collection } from './types.js';

const T = 1750705768415;
const collection: Collection = {
  nodeName: 'n1',
  time: T,
  node: {
    time: T,
    cpuNs: 6197005020909,
    memory: { total: 4e9, usage: 2e9, workingSet: 1137475584 },
    interfaces: [{ name: 'eth0', rxBytes: 10, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 20, txPackets: 2, txErrors: 0, txDropped: 0 }],
    root: { time: T, cpuNs: 6197005020909, memoryUsage: 2e9, workingSet: 1137475584 },
  },
  device: '/dev/vda1',
  cpuCores: 2,
  pods: [
    {
      target: { uid: 'u1', namespace: 'kube-system', name: 'kube-proxy-t748f', startTime: '2025-06-22T16:00:00Z', hostNetwork: false, containers: [], volumes: [] },
      cgroup: '/gifee/podu1',
      cg: { time: T + 1, cpuNs: 27798782029, memoryUsage: 2e7, workingSet: 14065664 },
      containers: [
        {
          target: { name: 'kube-proxy', id: 'u1-kube-proxy-0', image: 'registry.k8s.io/kube-proxy:v1.32.0', startedAt: '2025-06-22T16:00:36.4870462Z' },
          cgroup: '/gifee/podu1/u1-kube-proxy-0',
          cg: { time: T + 2, cpuNs: 27787800906, cpuUserNs: 2e10, cpuSystemNs: 7e9, memoryUsage: 1.5e7, workingSet: 13893632, rss: 1e7, cache: 5e6 },
          rootfs: { time: T + 3, usedBytes: 8192, capacityBytes: 1e10 },
        },
      ],
      network: { time: T + 4, interfaces: [{ name: 'eth0', rxBytes: 123, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 456, txPackets: 2, txErrors: 0, txDropped: 0 }] },
      volumes: [],
    },
  ],
};

test("/metrics/resource: the kubelet's exact families, help, labels, order and timestamps", () => {
  assert.equal(
    renderResourceMetrics(collection),
    `# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="kube-proxy",namespace="kube-system",pod="kube-proxy-t748f"} 27.787800906 1750705768417
# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="kube-proxy",namespace="kube-system",pod="kube-proxy-t748f"} 1.3893632e+07 1750705768417
# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds
# TYPE container_start_time_seconds gauge
container_start_time_seconds{container="kube-proxy",namespace="kube-system",pod="kube-proxy-t748f"} 1.750608036487e+09
# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds
# TYPE node_cpu_usage_seconds_total counter
node_cpu_usage_seconds_total 6197.005020909 1750705768415
# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes
# TYPE node_memory_working_set_bytes gauge
node_memory_working_set_bytes 1.137475584e+09 1750705768415
# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds
# TYPE pod_cpu_usage_seconds_total counter
pod_cpu_usage_seconds_total{namespace="kube-system",pod="kube-proxy-t748f"} 27.798782029 1750705768416
# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes
# TYPE pod_memory_working_set_bytes gauge
pod_memory_working_set_bytes{namespace="kube-system",pod="kube-proxy-t748f"} 1.4065664e+07 1750705768416
# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise
# TYPE resource_scrape_error gauge
resource_scrape_error 0
`,
  );
});

test('/metrics/resource after a failed collection: only the scrape error', () => {
  assert.equal(renderResourceMetrics(undefined), '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE resource_scrape_error gauge\nresource_scrape_error 1\n');
});

test("/metrics/cadvisor: cAdvisor's names with the kubelet's labels for the node, the pod cgroup and the container", () => {
  const text = renderCadvisorMetrics(collection, { boot_id: 'b', machine_id: 'm', system_uuid: 's' });
  const lines = text.split('\n');
  const has = (l: string) => assert.ok(lines.includes(l), `missing: ${l}\n${text}`);
  has('# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.');
  has('# TYPE container_cpu_usage_seconds_total counter');
  has('container_cpu_usage_seconds_total{container="",cpu="total",id="/",image="",name="",namespace="",pod=""} 6197.005020909 1750705768415');
  has('container_cpu_usage_seconds_total{container="",cpu="total",id="/gifee/podu1",image="",name="",namespace="kube-system",pod="kube-proxy-t748f"} 27.798782029 1750705768416');
  has('container_cpu_usage_seconds_total{container="kube-proxy",cpu="total",id="/gifee/podu1/u1-kube-proxy-0",image="registry.k8s.io/kube-proxy:v1.32.0",name="u1-kube-proxy-0",namespace="kube-system",pod="kube-proxy-t748f"} 27.787800906 1750705768417');
  has('container_memory_working_set_bytes{container="kube-proxy",id="/gifee/podu1/u1-kube-proxy-0",image="registry.k8s.io/kube-proxy:v1.32.0",name="u1-kube-proxy-0",namespace="kube-system",pod="kube-proxy-t748f"} 1.3893632e+07 1750705768417');
  has('container_memory_rss{container="kube-proxy",id="/gifee/podu1/u1-kube-proxy-0",image="registry.k8s.io/kube-proxy:v1.32.0",name="u1-kube-proxy-0",namespace="kube-system",pod="kube-proxy-t748f"} 1e+07 1750705768417');
  has('container_network_receive_bytes_total{container="",id="/gifee/podu1",image="",interface="eth0",name="",namespace="kube-system",pod="kube-proxy-t748f"} 123 1750705768419');
  has('container_network_transmit_bytes_total{container="",id="/gifee/podu1",image="",interface="eth0",name="",namespace="kube-system",pod="kube-proxy-t748f"} 456 1750705768419');
  has('container_fs_usage_bytes{container="kube-proxy",device="/dev/vda1",id="/gifee/podu1/u1-kube-proxy-0",image="registry.k8s.io/kube-proxy:v1.32.0",name="u1-kube-proxy-0",namespace="kube-system",pod="kube-proxy-t748f"} 8192 1750705768418');
  has('container_start_time_seconds{container="kube-proxy",id="/gifee/podu1/u1-kube-proxy-0",image="registry.k8s.io/kube-proxy:v1.32.0",name="u1-kube-proxy-0",namespace="kube-system",pod="kube-proxy-t748f"} 1.750608036e+09');
  has('machine_cpu_cores{boot_id="b",machine_id="m",system_uuid="s"} 2');
  has('container_scrape_error 0');
  // Families in name order, each once.
  const names = lines.filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
  assert.deepEqual(names, [...names].sort());
  assert.equal(new Set(names).size, names.length);
});
