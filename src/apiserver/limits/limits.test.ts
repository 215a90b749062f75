import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration } from '../../util/go-duration.js';
import { requestDeadlineMs } from './deadline.js';
import { InflightLimiter } from './inflight.js';
import { isLongRunning } from './long-running.js';
import { parseRequestInfo } from '../request-info.js';
import { ApiError } from '../../api/errors.js';

test('Go durations as ?timeout= takes them', () => {
  assert.equal(parseGoDuration('300ms'), 300);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('2h'), 7_200_000);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('-1s'), -1000);
  for (const bad of ['', '5', 's', '1x', '1s2', '..s', 'x'.repeat(100), '1e9s']) assert.equal(parseGoDuration(bad), undefined, bad);
});

test('?timeout= shortens the server timeout, never lengthens it; a bad one is a 400', () => {
  const q = (s: string) => new URLSearchParams(s);
  assert.equal(requestDeadlineMs(q(''), 60_000), 60_000);
  assert.equal(requestDeadlineMs(q('timeout=5s'), 60_000), 5_000);
  assert.equal(requestDeadlineMs(q('timeout=5m'), 60_000), 60_000);
  assert.equal(requestDeadlineMs(q('timeout=0s'), 60_000), 60_000);
  assert.equal(requestDeadlineMs(q('timeout=-3s'), 60_000), 60_000);
  assert.throws(
    () => requestDeadlineMs(q('timeout=soon'), 60_000),
    (e: unknown) => e instanceof ApiError && e.code === 400,
  );
});

test('in-flight caps count read-only and mutating requests apart and release once', () => {
  const l = new InflightLimiter({ maxReadOnly: 2, maxMutating: 1 });
  const r1 = l.tryAcquire(false)!;
  const r2 = l.tryAcquire(false)!;
  assert.equal(l.tryAcquire(false), undefined);
  const w = l.tryAcquire(true)!;
  assert.equal(l.tryAcquire(true), undefined);
  r1();
  r1();
  assert.deepEqual(l.counts, { readOnly: 1, mutating: 1 });
  assert.ok(l.tryAcquire(false));
  w();
  r2();
  assert.equal(new InflightLimiter({ maxReadOnly: 0, maxMutating: 0 }).tryAcquire(true) !== undefined, true);
});

test('long-running requests: watches, logs, exec, attach, port-forward; not lists or gets', () => {
  const lr = (method: string, path: string) => {
    const u = new URL(path, 'https://x');
    return isLongRunning(parseRequestInfo(method, u.pathname, u.searchParams));
  };
  assert.equal(lr('GET', '/api/v1/namespaces/default/pods?watch=true'), true);
  assert.equal(lr('GET', '/api/v1/watch/pods'), false); // the legacy watch path is not served as a watch
  assert.equal(lr('GET', '/api/v1/namespaces/default/pods/p/log'), true);
  assert.equal(lr('POST', '/api/v1/namespaces/default/pods/p/exec'), true);
  assert.equal(lr('GET', '/api/v1/namespaces/default/pods/p/portforward'), true);
  assert.equal(lr('GET', '/api/v1/namespaces/default/pods'), false);
  assert.equal(lr('GET', '/api/v1/namespaces/default/pods/p'), false);
  assert.equal(lr('GET', '/version'), false);
});
