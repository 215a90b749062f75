import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podRequests } from './resources.js';
import type { Pod } from './types.js';

const pod = (spec: object): Pod => ({ metadata: { name: 'p' }, spec: spec as Pod['spec'] });
const c = (requests: Record<string, string>, restartPolicy?: string) => ({ name: 'x', restartPolicy, resources: { requests } });

test('containers add up; cpu in millicores, memory in bytes', () => {
  assert.deepEqual(podRequests(pod({ containers: [c({ cpu: '250m', memory: '64Mi' }), c({ cpu: '0.5', memory: '1Gi' })] })), { cpu: 750, memory: 64 * 2 ** 20 + 2 ** 30 });
});

test('the largest init container wins when it is bigger than the app containers', () => {
  const r = podRequests(pod({ containers: [c({ cpu: '100m' })], initContainers: [c({ cpu: '2' }), c({ cpu: '500m', memory: '1Gi' })] }));
  assert.deepEqual(r, { cpu: 2000, memory: 2 ** 30 });
});

test('sidecars (restartable init containers) run beside the app containers', () => {
  const r = podRequests(pod({ containers: [c({ cpu: '1' })], initContainers: [c({ cpu: '200m' }, 'Always'), c({ cpu: '500m' })] }));
  assert.equal(r.cpu, 1200);
});

test('overhead and extended resources are counted', () => {
  const r = podRequests(pod({ containers: [c({ cpu: '1', 'example.com/gpu': '2' })], overhead: { cpu: '250m' } }));
  assert.deepEqual(r, { cpu: 1250, 'example.com/gpu': 2 });
});

test('a malformed quantity is an error naming the resource', () => {
  assert.throws(() => podRequests(pod({ containers: [c({ cpu: 'lots' })] })), /lots/);
});
