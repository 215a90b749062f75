import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerOomScoreAdj } from './oom-score.js';
import type { Container, Pod } from '../pods/types.js';

const GI = 1024 ** 3;
const pod = (containers: Container[], extra: Partial<Pod['spec']> = {}): Pod => ({ metadata: { name: 'p', namespace: 'd', uid: 'u' }, spec: { containers, ...extra } });
const c = (requests?: Record<string, string>, limits?: Record<string, string>): Container => ({ name: 'c', image: 'i', resources: { requests, limits } }) as Container;

test('oom_score_adj by QoS class, as the kubelet computes it', () => {
  const cases: { name: string; pod: Pod; capacity: number; want: number }[] = [
    { name: 'BestEffort', pod: pod([c()]), capacity: 8 * GI, want: 1000 },
    { name: 'Guaranteed', pod: pod([c({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })]), capacity: 8 * GI, want: -997 },
    { name: 'Guaranteed from limits only', pod: pod([c(undefined, { cpu: '1', memory: '1Gi' })]), capacity: 8 * GI, want: -997 },
    { name: 'Burstable, 1/4 of memory requested', pod: pod([c({ memory: '2Gi' })]), capacity: 8 * GI, want: 750 },
    { name: 'Burstable, integer division rounds the share down', pod: pod([c({ memory: '1Gi' })]), capacity: 3 * GI, want: 667 },
    { name: 'Burstable, cpu only: 999 (never as bad as BestEffort)', pod: pod([c({ cpu: '100m' })]), capacity: 8 * GI, want: 999 },
    { name: 'Burstable, tiny request: 999', pod: pod([c({ memory: '1Ki' })]), capacity: 8 * GI, want: 999 },
    { name: 'Burstable, request over capacity: clamped to 3 (above Guaranteed)', pod: pod([c({ memory: '16Gi' })]), capacity: 8 * GI, want: 3 },
    { name: 'Burstable, request of all memory: 3', pod: pod([c({ memory: '8Gi' })]), capacity: 8 * GI, want: 3 },
    { name: 'Burstable, limit alone defaults the request', pod: pod([c(undefined, { memory: '4Gi' })]), capacity: 8 * GI, want: 500 },
    { name: 'Burstable, unknown capacity treated as no request', pod: pod([c({ memory: '1Gi' })]), capacity: 0, want: 999 },
    { name: 'system-node-critical counts as Guaranteed', pod: pod([c()], { priorityClassName: 'system-node-critical' }), capacity: 8 * GI, want: -997 },
  ];
  for (const t of cases) assert.equal(containerOomScoreAdj(t.pod, t.pod.spec.containers[0], t.capacity), t.want, t.name);
});

test('each container of a Burstable pod is scored by its own request', () => {
  const p = pod([
    { ...c({ memory: '4Gi' }), name: 'big' },
    { ...c(), name: 'none' },
  ]);
  assert.equal(containerOomScoreAdj(p, p.spec.containers[0], 8 * GI), 500);
  assert.equal(containerOomScoreAdj(p, p.spec.containers[1], 8 * GI), 999);
});
