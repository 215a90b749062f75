import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeStatus, type ContainerRecord } from './status.js';
import type { Pod } from './types.js';

const pod: Pod = { metadata: { name: 'p', namespace: 'd', uid: 'u' }, spec: { containers: [{ name: 'c', image: 'i' }] } as Pod['spec'] };
const killed: ContainerRecord = {
  spec: pod.spec.containers[0],
  init: false,
  restartCount: 0,
  backoffMs: 0,
  backoffUntil: 0,
  ready: false,
  started: false,
  probes: [],
  current: { id: 'u-c-0', podUid: 'u', name: 'c', state: 'exited', exitCode: 137, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z', logPath: '/l' },
};
const input = { records: [killed], podIP: '10.0.0.2', hostIP: '10.0.0.1', startTime: '2026-01-01T00:00:00Z', sandboxReady: true, qos: 'BestEffort', deadlineExceeded: false };

test('an evicted pod is Failed with reason Evicted, the message, and DisruptionTarget by the kubelet', () => {
  const s = computeStatus(pod, { ...input, evicted: { message: 'The node was low on resource: memory. ' } });
  assert.equal(s.phase, 'Failed');
  assert.equal(s.reason, 'Evicted');
  assert.equal(s.message, 'The node was low on resource: memory. ');
  const dt = s.conditions!.find((c) => c.type === 'DisruptionTarget')!;
  assert.deepEqual([dt.status, dt.reason, dt.message], ['True', 'TerminationByKubelet', 'The node was low on resource: memory. ']);
  assert.equal(s.conditions!.find((c) => c.type === 'Ready')!.status, 'False');
});

test('without eviction, a killed container of an Always pod leaves it Running (restarting)', () => {
  const s = computeStatus(pod, input);
  assert.equal(s.phase, 'Running');
  assert.equal(s.reason, undefined);
  assert.equal(
    s.conditions!.some((c) => c.type === 'DisruptionTarget'),
    false,
  );
});
