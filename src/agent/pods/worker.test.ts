// The pod worker carrying out its plan against the fake runtime (test/helpers/fake-runtime.ts): init
// containers start one after another before the app containers, a crashing container is restarted
// at once and then after a growing back-off (CrashLoopBackOff meanwhile), a failed liveness probe
// restarts its container, the active deadline fails the pod, and a deleted pod is stopped with its
// grace period (preStop first), cleaned up and deleted from the API. No root, no runc: the pod's
// files go to a temporary directory.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeRuntime } from '../../../test/helpers/fake-runtime.js';
import { podWorkerDeps } from '../../../test/helpers/pod-worker-deps.js';
import type { Container, Pod } from './types.js';
import { PodWorker } from './worker.js';

const base = await mkdtemp(join(tmpdir(), 'gifee-pod-worker-'));
after(() => rm(base, { recursive: true, force: true }));

const c = (name: string, extra: Partial<Container> = {}): Container => ({ name, image: 'gifee.local/busybox:1', command: ['sleep', '1'], ...extra });
let pods = 0;

function setup(spec: Pod['spec'], restartBackoffMs = 10_000) {
  const runtime = new FakeRuntime();
  const pod: Pod = { metadata: { name: `p${++pods}`, namespace: 'default', uid: `uid-${pods}-0000-worker` }, spec: { terminationGracePeriodSeconds: 0, ...spec }, status: { phase: 'Pending' } };
  const { deps, events, statuses, deleted } = podWorkerDeps(pod, runtime, join(base, pod.metadata.uid), { restartBackoffMs });
  const worker = new PodWorker(pod, deps);
  return { runtime, events, statuses, worker, pod, deleted };
}

const until = async (what: string, fn: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('init containers start one after another, each once the previous exited 0, then the app containers', async () => {
  const t = setup({ initContainers: [c('first'), c('second')], containers: [c('web'), c('side')] });
  t.runtime.script.set('first', [0]);
  t.runtime.script.set('second', [0]);
  t.worker.kick();
  await until('both app containers started', () => t.runtime.calledFor('start').length === 4);
  assert.deepEqual(
    t.runtime.calledFor('start').map((s) => s.name),
    ['first', 'second', 'web', 'side'],
  );
  // Each init container was created only after the one before it had exited.
  const created = t.runtime.calledFor('createContainer').map((s) => s.name);
  assert.deepEqual(created, ['first', 'second', 'web', 'side']);
  await until('Running published', () => t.statuses.at(-1)?.phase === 'Running');
  assert.deepEqual(
    t.statuses.at(-1)?.initContainerStatuses?.map((s) => s.state.terminated?.reason),
    ['Completed', 'Completed'],
  );
  t.worker.forget();
  await until('cleaned up', () => t.runtime.calledFor('removeSandbox').length > 0);
});

test('a failing init container under restartPolicy Never fails the pod; the app container never starts', async () => {
  const t = setup({ restartPolicy: 'Never', initContainers: [c('setup')], containers: [c('web')] });
  t.runtime.script.set('setup', [3]);
  t.worker.kick();
  await until('Failed published', () => t.statuses.at(-1)?.phase === 'Failed');
  assert.deepEqual(
    t.runtime.calledFor('start').map((s) => s.name),
    ['setup'],
  );
  assert.equal(t.statuses.at(-1)?.initContainerStatuses?.[0].state.terminated?.exitCode, 3);
  t.worker.forget();
  await until('cleaned up', () => t.runtime.calledFor('removeSandbox').length > 0);
});

test('a crashing container: restarted at once, then after the back-off, doubled each time (CrashLoopBackOff meanwhile)', async () => {
  const backoff = 800;
  const t = setup({ containers: [c('crash')] }, backoff);
  t.runtime.script.set('crash', [1, 1, 1, 'run']);
  t.worker.kick();
  await until('the fourth start', () => t.runtime.calledFor('start').length === 4);
  const at = t.runtime.calledFor('start').map((s) => s.at);
  // The first restart does not wait; the next ones wait 800 ms, then 1600 ms (give or take the timer).
  assert.ok(at[1] - at[0] < backoff, `first restart after ${at[1] - at[0]} ms`);
  assert.ok(at[2] - at[1] >= backoff - 20, `second restart after ${at[2] - at[1]} ms`);
  assert.ok(at[3] - at[2] >= 2 * backoff - 20, `third restart after ${at[3] - at[2]} ms`);
  const waiting = t.statuses.map((s) => s.containerStatuses?.[0].state.waiting?.reason).filter(Boolean);
  assert.ok(waiting.includes('CrashLoopBackOff'), `waiting reasons: ${waiting}`);
  assert.equal(t.events.filter((e) => e.reason === 'BackOff').length, 2, 'a BackOff event per crash that backs off');
  await until('running again, restartCount 3', () => t.statuses.at(-1)?.containerStatuses?.[0].restartCount === 3 && !!t.statuses.at(-1)?.containerStatuses?.[0].state.running);
  t.worker.forget();
  await until('cleaned up', () => t.runtime.calledFor('removeSandbox').length > 0);
});

test('restartPolicy OnFailure: a clean exit is final, the pod Succeeded', async () => {
  const t = setup({ restartPolicy: 'OnFailure', containers: [c('job')] });
  t.runtime.script.set('job', [2, 0]);
  t.worker.kick();
  await until('Succeeded published', () => t.statuses.at(-1)?.phase === 'Succeeded');
  assert.equal(t.runtime.calledFor('start').length, 2);
  t.worker.forget();
  await until('cleaned up', () => t.runtime.calledFor('removeSandbox').length > 0);
});

test('a failed liveness probe kills the container with the probe’s grace period; it is started again', async () => {
  const t = setup({ containers: [c('web', { livenessProbe: { exec: { command: ['healthy'] }, periodSeconds: 1, failureThreshold: 1, terminationGracePeriodSeconds: 4 } })] });
  // Unhealthy until it was killed once: the next instance passes.
  t.runtime.execExitCode = () => (t.runtime.calledFor('stop').length === 0 ? 1 : 0);
  t.worker.kick();
  await until('killed', () => t.runtime.calledFor('stop').length > 0);
  assert.equal(t.runtime.calledFor('stop')[0].graceSeconds, 4);
  assert.ok(t.events.some((e) => e.reason === 'Killing' && e.message === 'Container web failed liveness probe, will be restarted'));
  await until('started again', () => t.runtime.calledFor('start').length === 2);
  assert.equal(t.runtime.calledFor('stop').length, 1);
  t.worker.forget();
  await until('cleaned up', () => t.runtime.calledFor('removeSandbox').length > 0);
});

test('a deleted pod: preStop, then stop with what is left of the deletion grace period, clean-up, and the pod deleted from the API', async () => {
  const t = setup({ terminationGracePeriodSeconds: 30, containers: [c('web', { lifecycle: { preStop: { exec: { command: ['drain'] } } } })] });
  t.worker.kick();
  await until('running', () => t.statuses.at(-1)?.phase === 'Running');
  const id = t.runtime.idOf('web')!;
  t.worker.update({ ...t.pod, metadata: { ...t.pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 7 } });
  await until('deleted from the API', () => t.deleted());
  assert.deepEqual(
    t.runtime.calls.filter((x) => x.id === id && x.op !== 'createContainer' && x.op !== 'start').map((x) => x.op),
    ['exec', 'stop', 'remove'],
  );
  assert.deepEqual(t.runtime.calledFor('exec')[0].command, ['drain']);
  const grace = t.runtime.calledFor('stop')[0].graceSeconds!;
  assert.ok(grace > 6 && grace <= 7, `stopped with ${grace} s`);
  assert.equal(t.runtime.list().length, 0);
  assert.equal(t.runtime.calledFor('removeSandbox').length, 1);
});

test('activeDeadlineSeconds: the pod fails with DeadlineExceeded when it comes, and what runs is stopped', async () => {
  const t = setup({ activeDeadlineSeconds: 1, terminationGracePeriodSeconds: 2, containers: [c('web')] });
  t.worker.kick();
  await until('running', () => t.statuses.at(-1)?.phase === 'Running');
  await until('Failed published', () => t.statuses.at(-1)?.phase === 'Failed');
  assert.equal(t.statuses.at(-1)?.reason, 'DeadlineExceeded');
  assert.deepEqual(
    t.runtime.calledFor('stop').map((s) => s.graceSeconds),
    [2],
  );
  assert.ok(t.events.some((e) => e.reason === 'DeadlineExceeded'));
  t.worker.forget();
  await until('cleaned up', () => t.runtime.calledFor('removeSandbox').length > 0);
});

const sidecar = (name: string, extra: Partial<Container> = {}) => c(name, { restartPolicy: 'Always', ...extra });

test('a sidecar starts before the next init container and keeps running beside the app; its readiness counts towards the pod’s', async () => {
  const t = setup({ initContainers: [sidecar('proxy', { readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 } }), c('setup')], containers: [c('web')] });
  t.runtime.script.set('setup', [0]);
  let proxyReady = false;
  t.runtime.execExitCode = (_id, command) => (command[0] === 'ready' && !proxyReady ? 1 : 0);
  t.worker.kick();
  await until('the app started', () => t.runtime.calledFor('start').length === 3);
  assert.deepEqual(
    t.runtime.calledFor('start').map((s) => s.name),
    ['proxy', 'setup', 'web'],
  );
  await until('Running published', () => t.statuses.at(-1)?.phase === 'Running');
  const cond = (type: string) => t.statuses.at(-1)?.conditions?.find((x) => x.type === type);
  const proxy = () => t.statuses.at(-1)?.initContainerStatuses?.[0];
  assert.ok(proxy()?.state.running, 'the sidecar runs');
  assert.equal(proxy()?.started, true);
  assert.equal(proxy()?.ready, false);
  assert.equal(cond('Initialized')?.status, 'True');
  assert.equal(cond('Ready')?.status, 'False');
  assert.equal(cond('Ready')?.message, 'containers with unready status: [proxy]');
  proxyReady = true;
  await until('Ready', () => cond('Ready')?.status === 'True');
  assert.equal(proxy()?.ready, true);
  t.worker.forget();
  await until('cleaned up', () => t.runtime.calledFor('removeSandbox').length > 0);
});

test('a sidecar with a startup probe holds the next init container back until the probe passes', async () => {
  const t = setup({ initContainers: [sidecar('proxy', { startupProbe: { exec: { command: ['booted'] }, periodSeconds: 1 } }), c('setup')], containers: [c('web')] });
  t.runtime.script.set('setup', [0]);
  let booted = false;
  t.runtime.execExitCode = (_id, command) => (command[0] === 'booted' && !booted ? 1 : 0);
  t.worker.kick();
  await until('the startup probe tried', () => t.runtime.calledFor('exec').length > 0);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(
    t.runtime.calledFor('start').map((s) => s.name),
    ['proxy'],
  );
  assert.equal(t.statuses.at(-1)?.initContainerStatuses?.[0].started, false);
  assert.equal(t.statuses.at(-1)?.conditions?.find((x) => x.type === 'Initialized')?.status, 'False');
  booted = true;
  await until('the app started', () => t.runtime.calledFor('start').length === 3);
  assert.deepEqual(
    t.runtime.calledFor('start').map((s) => s.name),
    ['proxy', 'setup', 'web'],
  );
  t.worker.forget();
  await until('cleaned up', () => t.runtime.calledFor('removeSandbox').length > 0);
});

test('a sidecar that exits is restarted even under restartPolicy Never', async () => {
  const t = setup({ restartPolicy: 'Never', initContainers: [sidecar('proxy')], containers: [c('web')] });
  t.runtime.script.set('proxy', ['run', 'run']);
  t.worker.kick();
  await until('Running published', () => t.statuses.at(-1)?.phase === 'Running');
  t.runtime.exit(t.runtime.idOf('proxy')!, 1);
  await until('restarted', () => t.runtime.calledFor('start').filter((s) => s.name === 'proxy').length === 2);
  await until('restartCount 1, running', () => t.statuses.at(-1)?.initContainerStatuses?.[0].restartCount === 1 && !!t.statuses.at(-1)?.initContainerStatuses?.[0].state.running);
  assert.equal(t.statuses.at(-1)?.phase, 'Running');
  t.worker.forget();
  await until('cleaned up', () => t.runtime.calledFor('removeSandbox').length > 0);
});

test('a pod whose app containers finished (a Job’s) stops its sidecars, the last declared first, and Succeeds', async () => {
  const t = setup({ restartPolicy: 'Never', terminationGracePeriodSeconds: 5, initContainers: [sidecar('first'), sidecar('second')], containers: [c('job')] });
  t.runtime.script.set('job', ['run']);
  t.worker.kick();
  await until('Running published', () => t.statuses.at(-1)?.phase === 'Running');
  t.runtime.exit(t.runtime.idOf('job')!, 0);
  await until('Succeeded published', () => t.statuses.at(-1)?.phase === 'Succeeded');
  assert.deepEqual(
    t.runtime.calledFor('stop').map((s) => [t.runtime.list().find((i) => i.id === s.id)?.name, Math.round(s.graceSeconds!)]),
    [
      ['second', 5],
      ['first', 5],
    ],
  );
  // No phase went terminal while a sidecar still ran, and neither was restarted nor reported as a crash.
  assert.ok(t.statuses.every((s) => s.phase !== 'Succeeded' || s.initContainerStatuses?.every((x) => !x.state.running)));
  assert.equal(t.runtime.calledFor('start').length, 3);
  assert.ok(!t.events.some((e) => e.reason === 'BackOff'));
  assert.equal(t.statuses.at(-1)?.conditions?.find((x) => x.type === 'Initialized')?.status, 'True');
  t.worker.forget();
  await until('cleaned up', () => t.runtime.calledFor('removeSandbox').length > 0);
});

test('a deleted pod stops its app containers first, then its sidecars, the last declared first', async () => {
  const t = setup({ terminationGracePeriodSeconds: 30, initContainers: [sidecar('first'), sidecar('second')], containers: [c('web')] });
  t.worker.kick();
  await until('running', () => t.statuses.at(-1)?.phase === 'Running');
  const names = new Map(t.runtime.list().map((i) => [i.id, i.name]));
  t.worker.update({ ...t.pod, metadata: { ...t.pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 10 } });
  await until('deleted from the API', () => t.deleted());
  assert.deepEqual(
    t.runtime.calledFor('stop').map((s) => names.get(s.id)),
    ['web', 'second', 'first'],
  );
});
