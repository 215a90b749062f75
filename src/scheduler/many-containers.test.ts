// A pod with thousands of containers costs the scheduler one pass over them per pod version (podInfo
// sums its requests), never one per node: filters and scores read only the precomputed sums. A pod
// of this shape once froze the API server for 35-48 s per attempt; that cost was in field ownership
// on its binding and status writes (see src/apiserver/patch/patch-limits.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Algorithm } from './algorithm.js';
import { Framework } from './framework.js';
import { defaultPlugins } from './plugins/index.js';
import { cacheOf, info, makeNode, makePod } from './test-objects.js';
import type { Container } from './types.js';

test('5,000 containers are read once per pod, not once per node', () => {
  const N = 5000;
  let reads = 0;
  const list: Container[] = Array.from({ length: N }, (_, i) => ({ name: `c${i}`, image: 'i', resources: { requests: { cpu: '1m', memory: '1Mi' } }, ports: [{ containerPort: 80 + i }] }) as Container);
  // Counts every element read of spec.containers.
  const counted = new Proxy(list, {
    get(t, k, r) {
      if (typeof k === 'string' && /^\d+$/.test(k)) reads++;
      return Reflect.get(t, k, r);
    },
  });
  const pod = makePod('wide');
  pod.spec = { ...pod.spec, containers: counted };
  const p = info(pod);
  assert.deepEqual({ cpu: p.requests.cpu, memory: p.requests.memory }, { cpu: N, memory: N * 2 ** 20 });
  const afterInfo = reads;
  assert.ok(afterInfo <= 2 * N, `podInfo read ${afterInfo} containers`);
  const nodes = Array.from({ length: 200 }, (_, i) => makeNode(`n${i}`, { cpu: i % 2 ? '4' : '8', memory: '64Gi' }));
  const result = new Algorithm(new Framework(defaultPlugins()), cacheOf(nodes)).schedule(p);
  assert.ok(result.evaluated > 0);
  assert.equal(reads, afterInfo, 'filters and scores over 200 nodes read no container');
});
