import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evictionMessage, formatBytes } from './message.js';

test('bytes print as Kubernetes quantities', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [1023, '1023'],
    [1024, '1Ki'],
    [100 * 1024 ** 2, '100Mi'],
    [1536 * 1024, '1536Ki'],
    [3 * 1024 ** 3, '3Gi'],
    [1025, '1025'],
  ];
  for (const [n, s] of cases) assert.equal(formatBytes(n), s);
});

test("the kubelet's eviction message: node, threshold, and the containers above their requests", () => {
  assert.equal(
    evictionMessage('memory', '100Mi', '51200Ki', [
      { name: 'app', usage: 80 * 1024 ** 2, request: 0 },
      { name: 'quiet', usage: 1024, request: 2048 },
    ]),
    'The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. Container app was using 80Mi, request is 0, has larger consumption of memory. ',
  );
});
