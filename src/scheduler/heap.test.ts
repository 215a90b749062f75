import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedHeap } from './heap.js';

test('pops in order through random pushes, updates and deletes', () => {
  const h = new KeyedHeap<{ k: string; v: number }>(
    (x) => x.k,
    (a, b) => a.v < b.v,
  );
  const model = new Map<string, number>();
  let seed = 42;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let i = 0; i < 2000; i++) {
    const k = `k${rand(200)}`;
    const op = rand(3);
    if (op < 2) {
      const v = rand(1000);
      h.push({ k, v });
      model.set(k, v);
    } else {
      h.delete(k);
      model.delete(k);
    }
  }
  assert.equal(h.size, model.size);
  const out: number[] = [];
  for (let x = h.pop(); x; x = h.pop()) {
    assert.equal(model.get(x.k), x.v);
    out.push(x.v);
  }
  assert.deepEqual(
    out,
    [...model.values()].sort((a, b) => a - b),
  );
});
