import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimPod } from './pod-status.js';
import { syntheticResourceMetrics, type NodeCounter } from './resource-metrics.js';
import { syntheticCadvisorMetrics, syntheticCollection, syntheticSummary } from './synthetic-stats.js';

const STARTED = Date.parse('2026-01-02T03:04:05Z');
const NOW = STARTED + 100_000;

const pod = (name: string, containers: string[], annotations: Record<string, string> = {}, phase = 'Running'): SimPod =>
  ({
    metadata: { namespace: 'ns', name, uid: `uid-${name}`, annotations },
    spec: { nodeName: 'sim-0', containers: containers.map((c) => ({ name: c, image: `registry.local/${c}:1` })) },
    status: { phase, startTime: '2026-01-02T03:04:05Z', containerStatuses: containers.map((c) => ({ name: c, containerID: `sim://uid-${name}-${c}`, state: { running: { startedAt: '2026-01-02T03:04:05Z' } } })) },
  }) as unknown as SimPod;

const PODS = [pod('web', ['app'], { 'sim.gifee.dev/cpu-usage': '250m', 'sim.gifee.dev/memory-usage': '64Mi' }), pod('shop', ['app', 'side'], { 'sim.gifee.dev/cpu-usage': 'app=300m,side=20m', 'sim.gifee.dev/memory-usage': 'app=100Mi,side=10Mi' }), pod('waiting', ['app'], {}, 'Pending')];
const SHAPE = { cpu: '8', memory: '32Gi', pods: '110' };

/** The value of one Prometheus series whose labels include all of `labels`. */
function seriesValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

test('cAdvisor and the Summary API show the figures /metrics/resource shows, container by container', () => {
  const resource = syntheticResourceMetrics(PODS, NOW, { ns: 0n, at: NOW });
  const c = syntheticCollection('sim-0', SHAPE, PODS, NOW, { ns: 0n, at: NOW });
  const cadvisor = syntheticCadvisorMetrics(c);
  const summary = syntheticSummary(c, false) as any;
  for (const [p, ct, nanocores, bytes] of [
    ['web', 'app', 250e6, 64 * 2 ** 20],
    ['shop', 'app', 300e6, 100 * 2 ** 20],
    ['shop', 'side', 20e6, 10 * 2 ** 20],
  ] as const) {
    const labels = { namespace: 'ns', pod: p, container: ct };
    const cpuSeconds = seriesValue(resource, 'container_cpu_usage_seconds_total', labels);
    // 100 s at the rate, plus the 1 ms floor.
    assert.equal(cpuSeconds, (nanocores / 1e9) * 100 + 0.001, `${p}/${ct}`);
    assert.equal(seriesValue(cadvisor, 'container_cpu_usage_seconds_total', { ...labels, cpu: 'total' }), cpuSeconds, `${p}/${ct}`);
    assert.equal(seriesValue(resource, 'container_memory_working_set_bytes', labels), bytes);
    assert.equal(seriesValue(cadvisor, 'container_memory_working_set_bytes', labels), bytes);
    assert.equal(seriesValue(cadvisor, 'container_start_time_seconds', labels), STARTED / 1000);
    const s = summary.pods.find((x: any) => x.podRef.name === p).containers.find((x: any) => x.name === ct);
    assert.equal(s.cpu.usageNanoCores, nanocores);
    assert.equal(s.cpu.usageCoreNanoSeconds, Math.round(cpuSeconds! * 1e9));
    assert.equal(s.memory.workingSetBytes, bytes);
    assert.equal(s.startTime, '2026-01-02T03:04:05Z');
  }
  // cAdvisor's labels for a container: the runtime's id as name, the image, the pod cgroup under id.
  assert.match(cadvisor, /container_memory_working_set_bytes\{container="side",id="\/gifee\/poduid-shop\/uid-shop-side",image="registry.local\/side:1",name="uid-shop-side",namespace="ns",pod="shop"\} 1.048576e\+07 /);
  // Pods: their containers' sums, an eth0 that counts, an ephemeral-storage figure.
  const shop = summary.pods.find((x: any) => x.podRef.name === 'shop');
  assert.deepEqual([shop.podRef, shop.cpu.usageNanoCores, shop.memory.workingSetBytes], [{ name: 'shop', namespace: 'ns', uid: 'uid-shop' }, 320e6, 110 * 2 ** 20]);
  assert.equal(shop.network.interfaces[0].name, 'eth0');
  assert.ok(shop.network.rxBytes > 0 && shop.network.txBytes > 0);
  assert.equal(seriesValue(cadvisor, 'container_network_receive_bytes_total', { pod: 'shop', interface: 'eth0' }), shop.network.rxBytes);
  assert.ok(shop['ephemeral-storage'].usedBytes > 0);
  // A pod not Running has no figures anywhere.
  assert.equal(summary.pods.length, 2);
  assert.doesNotMatch(cadvisor + resource, /pod="waiting"/);
  // The node: its pods plus a base, its advertised capacity.
  assert.equal(summary.node.nodeName, 'sim-0');
  assert.equal(summary.node.cpu.usageNanoCores, 570e6 + 100e6);
  assert.equal(summary.node.memory.workingSetBytes, seriesValue(resource, 'node_memory_working_set_bytes'));
  assert.equal(summary.node.memory.availableBytes, 32 * 2 ** 30 - summary.node.memory.workingSetBytes);
  assert.equal(summary.node.systemContainers[0].name, 'pods');
  assert.equal(summary.node.systemContainers[0].cpu.usageNanoCores, 570e6);
  assert.equal(seriesValue(cadvisor, 'machine_cpu_cores'), 8);
  assert.equal(seriesValue(cadvisor, 'machine_memory_bytes'), 32 * 2 ** 30);
  assert.equal(seriesValue(cadvisor, 'container_memory_working_set_bytes', { id: '/' }), summary.node.memory.workingSetBytes);
  assert.equal(seriesValue(cadvisor, 'container_scrape_error'), 0);
  // only_cpu_and_memory: the pods and node carry CPU and memory alone.
  const only = syntheticSummary(c, true) as any;
  assert.equal(only.pods[0].network, undefined);
  assert.equal(only.node.fs, undefined);
  assert.ok(only.node.cpu.usageNanoCores > 0);
});

test("the node's CPU counter is shared by the endpoints and only grows, at the node's rate", () => {
  const counter: NodeCounter = { ns: 0n, at: NOW };
  const first = syntheticCollection('sim-0', SHAPE, PODS, NOW, counter).node.cpuNs!;
  const resource = syntheticResourceMetrics(PODS, NOW + 10_000, counter);
  const later = syntheticCollection('sim-0', SHAPE, PODS, NOW + 20_000, counter).node.cpuNs!;
  const nodeSeconds = seriesValue(resource, 'node_cpu_usage_seconds_total')!;
  // 670m for 10 s, twice.
  assert.equal(Math.round((nodeSeconds * 1e9 - first) / 1e6), 6700);
  assert.equal(Math.round((later - first) / 1e6), 13_400);
  // A clock that steps back does not make it shrink.
  assert.ok(syntheticCollection('sim-0', SHAPE, PODS, NOW, counter).node.cpuNs! >= later);
});

test('an annotation changed on a running pod sets the rate from then on: the counter never jumps or falls', () => {
  const counter: NodeCounter = { ns: 0n, at: NOW };
  const web = (cpu: string) => [pod('web', ['app'], { 'sim.gifee.dev/cpu-usage': cpu })];
  const cpuAt = (cpu: string, t: number) => seriesValue(syntheticResourceMetrics(web(cpu), t, counter), 'container_cpu_usage_seconds_total', { pod: 'web' })!;
  const t0 = cpuAt('250m', NOW);
  assert.equal(t0, 25.001);
  // Raised to 1 core: 10 s later, 10 more seconds (not 100 s x 1 core).
  const t1 = cpuAt('1', NOW + 10_000);
  assert.equal(Math.round((t1 - t0) * 1000), 10_000);
  // Lowered to 50m: it grows by 0.5 s in 10 s, never down.
  const t2 = cpuAt('50m', NOW + 20_000);
  assert.equal(Math.round((t2 - t1) * 1000), 500);
  // Summary and cAdvisor read the same counters.
  const c = syntheticCollection('sim-0', SHAPE, web('50m'), NOW + 30_000, counter);
  assert.equal(Math.round(c.pods[0].containers[0].cg.cpuNs / 1e6), Math.round(t2 * 1000) + 500);
  // A restarted container (a new start time) starts a counter of its own; one gone is forgotten.
  assert.equal(counter.containers?.size, 1);
  syntheticCollection('sim-0', SHAPE, [], NOW + 40_000, counter);
  assert.equal(counter.containers?.size, 0);
});

test('odd inputs: no shape, a bad quantity, a pod without uid or statuses, no pods', () => {
  const odd = [{ metadata: { name: 'x' }, spec: { containers: [{ name: 'a' }] }, status: { phase: 'Running' } } as unknown as SimPod];
  for (const shape of [undefined, { cpu: 'lots', memory: '-1', pods: '0' }]) {
    const c = syntheticCollection('sim-9', shape, odd, NOW, { ns: 0n, at: NOW });
    assert.equal(c.cpuCores, 1);
    assert.equal(c.node.memory, undefined);
    const text = syntheticCadvisorMetrics(c);
    assert.doesNotMatch(text, /NaN|undefined/);
    assert.match(text, /container_cpu_usage_seconds_total\{container="a",/);
    assert.equal((syntheticSummary(c, false) as any).pods[0].podRef.name, 'x');
  }
  const empty = syntheticCollection('sim-9', SHAPE, [], NOW, { ns: 0n, at: NOW });
  assert.deepEqual((syntheticSummary(empty, false) as any).pods, []);
  assert.doesNotMatch(syntheticCadvisorMetrics(empty), /NaN/);
});
