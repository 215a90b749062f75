// Synthetic /metrics/resource of a simulated node, so `kubectl top` and the HPA work at scale
// without containers: deterministic figures, in the kubelet's own format and names.
// - A container's CPU rate and memory come from the pod's annotations when set:
//   sim.gifee.dev/cpu-usage ("250m" for every container, or "app=250m,sidecar=10m") and
//   sim.gifee.dev/memory-usage (same forms, e.g. "64Mi"); otherwise from a hash of
//   namespace/pod/container (1m-100m CPU, 8Mi-135Mi memory), stable across runs.
// - Its cumulative CPU counter is rate x time since the container started, written exactly, so
//   two scrapes give exactly the rate; when the annotation changes, the counter grows at the new
//   rate from then on (it never jumps or falls). The node's figures are its pods' sums plus a base.

import { createHash } from 'node:crypto';
import type { SimPod } from './pod-status.js';

export const CPU_USAGE_ANNOTATION = 'sim.gifee.dev/cpu-usage';
export const MEMORY_USAGE_ANNOTATION = 'sim.gifee.dev/memory-usage';

/** What the node itself uses besides its pods. */
const NODE_BASE_NANOCORES = 100_000_000;
const NODE_BASE_BYTES = 512 * 2 ** 20;

const UNITS: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

function amount(q: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)(n|u|m|k|M|G|Ki|Mi|Gi)?\s*$/.exec(q);
  return m ? Number(m[1]) * UNITS[m[2] ?? ''] : undefined;
}

/** The annotation's figure for a container: "250m" for all, or "name=250m,other=10m". */
export function annotated(value: string | undefined, container: string): number | undefined {
  if (!value || value.length > 1024) return undefined;
  if (!value.includes('=')) return amount(value);
  for (const part of value.split(',')) {
    const [k, v] = part.split('=');
    if (k?.trim() === container && v !== undefined) return amount(v);
  }
  return undefined;
}

function hashOf(s: string): number {
  return createHash('sha256').update(s).digest().readUInt32BE(0);
}

/** A container's CPU rate (nanocores) and working set (bytes). */
export function containerUsage(pod: SimPod, container: string): { nanocores: number; bytes: number } {
  const a = pod.metadata?.annotations ?? {};
  const key = `${pod.metadata?.namespace}/${pod.metadata?.name}/${container}`;
  const h = hashOf(key);
  const cpu = annotated(a[CPU_USAGE_ANNOTATION], container);
  const mem = annotated(a[MEMORY_USAGE_ANNOTATION], container);
  const nanocores = cpu !== undefined ? Math.round(cpu * 1e9) : (1 + (h % 100)) * 1_000_000;
  const bytes = mem !== undefined ? Math.round(mem) : (8 + ((h >>> 8) % 128)) * 2 ** 20;
  return { nanocores, bytes: Math.max(bytes, 4096) };
}

/** Nanoseconds of CPU as Prometheus seconds, exactly ("12.345000000"). */
const seconds = (ns: bigint) => `${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** A node's CPU counter, kept between scrapes so it only grows as its pods come and go. */
export interface NodeCounter {
  ns: bigint;
  at: number;
  /**
   * Each container's counter (by pod uid and container name) when last advanced: a rate changed by
   * an annotation then applies from that moment on, as a real container's counter would, instead
   * of rewriting its past. Containers no longer running are dropped.
   */
  containers?: Map<string, { ns: bigint; at: number; startedAt: number }>;
}

/** One running container's figures at a moment: its rate, working set and cumulative CPU. */
export interface SyntheticContainer {
  pod: SimPod;
  name: string;
  /** When it started (ms since the epoch). */
  startedAt: number;
  nanocores: number;
  bytes: number;
  /** Cumulative CPU (ns) since it started, at the rate of each moment, plus a small floor. */
  cpuNs: bigint;
}

/** A small constant in every counter: a counter at 0 means "no metrics yet" to metrics-server. */
const FLOOR_NS = 1_000_000n;

/**
 * The figures of a simulated node at `now`: its running containers, and the node's own (its pods'
 * sums plus a base). The node's CPU counter grows at its current rate since the counter was last
 * advanced (a first call starts it): every endpoint of the node shares one counter, so each shows
 * the same figures and the counter only grows as its pods come and go.
 */
export function syntheticNodeFigures(pods: SimPod[], now: number, counter: NodeCounter) {
  const containers: SyntheticContainer[] = [];
  const seen = new Map<string, { ns: bigint; at: number; startedAt: number }>();
  let nodeRate = BigInt(NODE_BASE_NANOCORES);
  let nodeBytes = NODE_BASE_BYTES;
  for (const pod of pods) {
    if (pod.status?.phase !== 'Running') continue;
    const statuses = pod.status?.containerStatuses ?? [];
    const podStart = Date.parse(pod.status?.startTime ?? pod.metadata?.creationTimestamp ?? '') || now;
    for (const c of pod.spec?.containers ?? []) {
      const st = statuses.find((s) => s.name === c.name);
      const startedAt = Date.parse(st?.state?.running?.startedAt ?? '') || podStart;
      const u = containerUsage(pod, c.name);
      const key = `${pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`}/${c.name}`;
      const kept = counter.containers?.get(key);
      // The same container (not restarted) grows from where it was; a new one from its start.
      const from = kept && kept.startedAt === startedAt ? kept : { ns: FLOOR_NS, at: startedAt };
      const elapsedMs = BigInt(Math.max(0, Math.floor(now - from.at)));
      const cpuNs = from.ns + (BigInt(u.nanocores) * elapsedMs) / 1000n;
      seen.set(key, { ns: cpuNs, at: Math.max(from.at, Math.floor(now)), startedAt });
      containers.push({ pod, name: c.name, startedAt, ...u, cpuNs });
      nodeRate += BigInt(u.nanocores);
      nodeBytes += u.bytes;
    }
  }
  const since = BigInt(Math.max(0, Math.floor(now - counter.at)));
  counter.ns = (counter.ns || FLOOR_NS) + (nodeRate * since) / 1000n;
  counter.at = Math.max(counter.at, Math.floor(now));
  counter.containers = seen;
  return { containers, node: { nanocores: Number(nodeRate), bytes: nodeBytes, cpuNs: counter.ns } };
}

/** The /metrics/resource text of one simulated node at `now` (ms), for the pods running on it. */
export function syntheticResourceMetrics(pods: SimPod[], now: number, counter: NodeCounter = { ns: 0n, at: now }): string {
  const figures = syntheticNodeFigures(pods, now, counter);
  const cpu: string[] = [];
  const mem: string[] = [];
  const start: string[] = [];
  for (const c of figures.containers) {
    const labels = `container="${esc(c.name)}",namespace="${esc(c.pod.metadata?.namespace ?? '')}",pod="${esc(c.pod.metadata?.name ?? '')}"`;
    cpu.push(`container_cpu_usage_seconds_total{${labels}} ${seconds(c.cpuNs)} ${Math.floor(now)}`);
    mem.push(`container_memory_working_set_bytes{${labels}} ${c.bytes} ${Math.floor(now)}`);
    start.push(`container_start_time_seconds{${labels}} ${(c.startedAt / 1000).toFixed(3)} ${Math.floor(now)}`);
  }
  const nodeNs = figures.node.cpuNs;
  const nodeBytes = figures.node.bytes;
  return [
    '# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds',
    '# TYPE container_cpu_usage_seconds_total counter',
    ...cpu,
    '# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes',
    '# TYPE container_memory_working_set_bytes gauge',
    ...mem,
    '# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds',
    '# TYPE container_start_time_seconds gauge',
    ...start,
    '# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds',
    '# TYPE node_cpu_usage_seconds_total counter',
    `node_cpu_usage_seconds_total ${seconds(nodeNs)} ${Math.floor(now)}`,
    '# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes',
    '# TYPE node_memory_working_set_bytes gauge',
    `node_memory_working_set_bytes ${nodeBytes} ${Math.floor(now)}`,
    '# HELP scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
    '# TYPE scrape_error gauge',
    'scrape_error 0',
    '',
  ].join('\n');
}
