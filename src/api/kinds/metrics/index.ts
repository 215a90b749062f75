// metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics: resource usage (CPU as a rate in nanocores,
// memory as the working set) computed by the API server from the nodes' kubelet /metrics/resource
// (src/apiserver/metrics-api/), as metrics-server serves them. Read-only: get and list, never
// stored; the objects carry the node's or pod's labels, so label selectors work as with metrics-server.

import type { KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { listOf, mapOf, quantity, str, struct, time } from '../../schema.js';
import { cpuQuantity, memoryQuantity, quantityUnits } from './format.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';

const usage = mapOf(quantity(), 'The memory and CPU usage.');
const containerMetrics = struct('io.k8s.metrics.pkg.apis.metrics.v1beta1.ContainerMetrics', 'ContainerMetrics sets resource usage metrics of a container.', { name: str('Container name corresponding to the one from pod.spec.containers.'), usage }, { required: ['name', 'usage'] });
const window = str('The window of the usage: the time between the two samples the rate was computed from (a duration, e.g. "15.003s").');
const timestamp = time('The time the usage was measured at: the end of the window.');

type Usage = Record<string, string>;
const usageOf = (o: KObject): Usage => ((o as { usage?: Usage }).usage ?? {}) as Usage;
const containersOf = (o: KObject) => ((o as { containers?: { usage?: Usage }[] }).containers ?? []) as { usage?: Usage }[];

export const nodeMetrics: KindDef = {
  group: METRICS_GROUP,
  version: METRICS_VERSION,
  kind: 'NodeMetrics',
  plural: 'nodes',
  singular: '',
  namespaced: false,
  verbs: ['get', 'list'],
  schema: kindSchema('io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetrics', 'NodeMetrics sets resource usage metrics of a node.', { timestamp, window, usage }, { required: ['timestamp', 'window', 'usage'] }),
  // metrics-server's table: Name, cpu, memory, Window.
  printerColumns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', cell: (o) => o.metadata?.name ?? '' },
    { name: 'cpu', type: 'string', format: 'quantity', cell: (o) => usageOf(o).cpu ?? '' },
    { name: 'memory', type: 'string', format: 'quantity', cell: (o) => usageOf(o).memory ?? '' },
    { name: 'Window', type: 'string', format: 'duration', cell: (o) => String((o as { window?: string }).window ?? '') },
  ],
  noAgeColumn: true,
};

export const podMetrics: KindDef = {
  group: METRICS_GROUP,
  version: METRICS_VERSION,
  kind: 'PodMetrics',
  plural: 'pods',
  singular: '',
  namespaced: true,
  verbs: ['get', 'list'],
  schema: kindSchema('io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics', 'PodMetrics sets resource usage metrics of a pod.', { timestamp, window, containers: listOf(containerMetrics, 'Metrics for all containers are collected within the same time window.') }, { required: ['timestamp', 'window', 'containers'] }),
  // metrics-server's table: the containers' usage summed per resource.
  printerColumns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', cell: (o) => o.metadata?.name ?? '' },
    { name: 'cpu', type: 'string', format: 'quantity', cell: (o) => cpuQuantity(containersOf(o).reduce((n, c) => n + quantityUnits(c.usage?.cpu ?? '0', 'nano'), 0)) },
    { name: 'memory', type: 'string', format: 'quantity', cell: (o) => memoryQuantity(containersOf(o).reduce((n, c) => n + quantityUnits(c.usage?.memory ?? '0', 'one'), 0)) },
    { name: 'Window', type: 'string', format: 'duration', cell: (o) => String((o as { window?: string }).window ?? '') },
  ],
  noAgeColumn: true,
};

export const metricsKinds: KindDef[] = [nodeMetrics, podMetrics];
