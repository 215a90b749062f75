import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErr, invalid, MAX_SHOWN_VALUE, shownValue } from '../api/errors.js';

test('field errors show long bad values cut short, so a 2 MiB value does not come back twice', () => {
  assert.equal(shownValue('short'), '"short"');
  assert.equal(shownValue(42), '42');
  assert.equal(shownValue('x'.repeat(MAX_SHOWN_VALUE)), JSON.stringify('x'.repeat(MAX_SHOWN_VALUE)));
  assert.equal(shownValue('x'.repeat(MAX_SHOWN_VALUE + 10)), `${JSON.stringify('x'.repeat(MAX_SHOWN_VALUE))}...(10 more characters)`);
  const huge = 'v'.repeat(2 * 1024 * 1024);
  const e = invalid('ConfigMap', '', 'x', [fieldErr.invalid('metadata.labels', huge, 'must be no more than 63 characters')]);
  assert.ok(JSON.stringify(e.toStatus()).length < 2000);
  assert.match(e.message, /metadata\.labels: Invalid value: "v{256}"\.\.\.\(2096896 more characters\): must be no more than 63 characters/);
});

test('store size refusals are recognised (etcd server and its gRPC layer), other errors are not', async () => {
  const { isStoreSizeRefusal } = await import('./object-size.js');
  const cases: [unknown, boolean][] = [
    [new Error('etcdserver: request is too large'), true],
    [new Error('8 RESOURCE_EXHAUSTED: grpc: received message larger than max (2980883 vs. 2097152)'), true],
    [new Error('14 UNAVAILABLE: connection refused'), false],
    ['RESOURCE_EXHAUSTED: too many requests', false],
  ];
  for (const [e, want] of cases) assert.equal(isStoreSizeRefusal(e), want, String(e));
});

test('warnings: duplicates dropped; past 4096 characters each is cut to 256 and the rest left out', async () => {
  const { boundedWarnings, warningHeaders } = await import('./context.js');
  assert.deepEqual(boundedWarnings(['a', 'b', 'a']), ['a', 'b']);
  const long = Array.from({ length: 40 }, (_, i) => `${i}:${'x'.repeat(1000)}`);
  const kept = boundedWarnings(long);
  assert.ok(kept.every((w) => w.length === 256 && w.endsWith('...')));
  assert.equal(kept.length, 16);
  assert.ok(warningHeaders(long).Warning.length < 5000);
});
