// The pod worker's planner, table by table: init containers in order and one at a time, restart per
// restartPolicy with the kubelet's crash back-off, probe-failure restarts, the active deadline, how
// a deleted, vanished or evicted pod is stopped, and sidecars (init containers with restartPolicy Always).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePodActions, DEFAULT_BACKOFF, exitBackoff, gracePeriodSeconds, podDone, type ContainerSnapshot, type PodAction, type PodState } from './plan.js';
import type { Container, Pod, PodSpec } from './types.js';

const NOW = 1_000_000_000;
const c = (name: string, extra: Partial<Container> = {}): Container => ({ name, image: 'busybox:1', ...extra });
const pod = (spec: Partial<PodSpec>, metadata: Partial<Pod['metadata']> = {}, phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed'): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u1', ...metadata },
  spec: { containers: [c('app')], ...spec },
  ...(phase ? { status: { phase } } : {}),
});
const state = (s: Partial<PodState> = {}): PodState => ({ gone: false, published: false, deadlineExceeded: false, initContainers: {}, containers: {}, ...s });
const running: ContainerSnapshot = { state: 'running', backoffMs: 0, backoffUntil: 0 };
const created: ContainerSnapshot = { state: 'created', backoffMs: 0, backoffUntil: 0 };
const exited = (exitCode: number, more: Partial<ContainerSnapshot> = {}): ContainerSnapshot => ({ state: 'exited', exitCode, backoffMs: 0, backoffUntil: 0, ...more });

/** The container actions as short words: "start init/a", "restart app/b", "backoff app/b" (set-up, wake-ups left out). */
function brief(actions: PodAction[]): string[] {
  const out: string[] = [];
  for (const a of actions) {
    const who = 'container' in a ? `${a.container.init ? 'init' : 'app'}/${a.container.name}` : '';
    if (a.type === 'start') out.push(`${a.nextBackoffMs === undefined ? 'start' : 'restart'} ${who}`);
    else if (a.type === 'backOff') out.push(`backoff ${who}`);
    else if (a.type === 'kill') out.push(`kill ${who}`);
    else if (a.type === 'stop') out.push('stop');
    else if (a.type !== 'setUp' && a.type !== 'wake') out.push(a.type);
  }
  return out;
}

test('init containers run one at a time and in order, before any app container', () => {
  const spec = { initContainers: [c('a'), c('b')], containers: [c('app'), c('side')] };
  const cases: [string, Record<string, ContainerSnapshot>, Record<string, ContainerSnapshot>, string[]][] = [
    ['nothing ran yet: the first init container only', {}, {}, ['start init/a']],
    ['the first is being created', { a: created }, {}, []],
    ['the first runs', { a: running }, {}, []],
    ['the first succeeded: the second', { a: exited(0) }, {}, ['start init/b']],
    ['the second runs', { a: exited(0), b: running }, {}, []],
    ['all succeeded: every app container at once', { a: exited(0), b: exited(0) }, {}, ['start app/app', 'start app/side']],
    ['one app container runs: the other starts', { a: exited(0), b: exited(0) }, { app: running }, ['start app/side']],
    ['the first failed (Always): restarted, the second waits', { a: exited(1) }, {}, ['restart init/a']],
    ['a state the runtime cannot tell: started again', { a: { state: 'unknown', backoffMs: 0, backoffUntil: 0 } }, {}, ['restart init/a']],
  ];
  for (const [name, init, apps, want] of cases) {
    assert.deepEqual(brief(computePodActions(pod(spec), state({ initContainers: init, containers: apps }), NOW)), want, name);
  }
});

test('a failed init container: Never fails the pod (nothing more starts), OnFailure and Always retry it with back-off', () => {
  const spec = (restartPolicy: PodSpec['restartPolicy']) => ({ restartPolicy, initContainers: [c('a'), c('b')], containers: [c('app')] });
  assert.deepEqual(brief(computePodActions(pod(spec('Never')), state({ initContainers: { a: exited(1) } }), NOW)), []);
  for (const policy of ['OnFailure', 'Always'] as const) {
    assert.deepEqual(brief(computePodActions(pod(spec(policy)), state({ initContainers: { a: exited(1) } }), NOW)), ['restart init/a'], policy);
    const backingOff = computePodActions(pod(spec(policy)), state({ initContainers: { a: exited(1, { backoffMs: 10_000, backoffUntil: NOW + 4000 }) } }), NOW);
    assert.deepEqual(
      backingOff.find((a) => a.type === 'backOff'),
      { type: 'backOff', container: { name: 'a', init: true }, backoffMs: 10_000, crashLoop: true, retryAt: NOW + 4010 },
      policy,
    );
  }
});

test('app containers that exited restart per restartPolicy', () => {
  const cases: [PodSpec['restartPolicy'], number, boolean][] = [
    ['Always', 0, true],
    ['Always', 1, true],
    [undefined, 0, true], // Always is the default
    ['OnFailure', 0, false],
    ['OnFailure', 137, true],
    ['Never', 0, false],
    ['Never', 1, false],
  ];
  for (const [restartPolicy, exitCode, again] of cases) {
    const actions = computePodActions(pod({ restartPolicy }), state({ containers: { app: exited(exitCode) } }), NOW);
    assert.deepEqual(brief(actions), again ? ['restart app/app'] : [], `${restartPolicy ?? 'default'} after exit ${exitCode}`);
  }
});

test('crash back-off: the first restart at once, then 10 s doubling per restart up to 5 min', () => {
  // What the next restart will back off, given what the last one did (0: it never restarted).
  const steps: [number, number][] = [
    [0, 10_000],
    [10_000, 20_000],
    [20_000, 40_000],
    [160_000, 300_000],
    [300_000, 300_000],
  ];
  for (const [backoffMs, next] of steps) {
    const [start] = computePodActions(pod({}), state({ containers: { app: exited(1, { backoffMs, backoffUntil: NOW - 1 }) } }), NOW).filter((a) => a.type === 'start');
    assert.deepEqual(start, { type: 'start', container: { name: 'app', init: false }, nextBackoffMs: next }, `after ${backoffMs}`);
  }
  // A first start is no restart: no back-off follows it.
  assert.deepEqual(
    computePodActions(pod({}), state(), NOW).filter((a) => a.type === 'start'),
    [{ type: 'start', container: { name: 'app', init: false } }],
  );
  // The node's configured first back-off (--restart-backoff) replaces the 10 s.
  const fast = computePodActions(pod({}), state({ containers: { app: exited(1) } }), NOW, { initialMs: 500, maxMs: DEFAULT_BACKOFF.maxMs });
  assert.deepEqual(
    fast.filter((a) => a.type === 'start'),
    [{ type: 'start', container: { name: 'app', init: false }, nextBackoffMs: 500 }],
  );
  // While in back-off: wait (CrashLoopBackOff after a crash) and sync again just after it ends.
  const waiting = computePodActions(pod({}), state({ containers: { app: exited(1, { backoffMs: 20_000, backoffUntil: NOW + 15_000 }) } }), NOW);
  assert.deepEqual(
    waiting.filter((a) => a.type === 'backOff'),
    [{ type: 'backOff', container: { name: 'app', init: false }, backoffMs: 20_000, crashLoop: true, retryAt: NOW + 15_010 }],
  );
  // An image pull back-off (no instance yet) waits without CrashLoopBackOff.
  const pulling = computePodActions(pod({}), state({ containers: { app: { backoffMs: 0, backoffUntil: NOW + 5000 } } }), NOW);
  assert.deepEqual(
    pulling.filter((a) => a.type === 'backOff'),
    [{ type: 'backOff', container: { name: 'app', init: false }, backoffMs: 0, crashLoop: false, retryAt: NOW + 5010 }],
  );
});

test('when an instance exits: the back-off its restart waits, and whether it is a crash (BackOff event)', () => {
  const cases: [string, PodSpec['restartPolicy'], number | undefined, number, boolean, ReturnType<typeof exitBackoff>][] = [
    ['first crash: restarted at once', 'Always', 1, 0, false, { crash: false }],
    ['a crash after a restart backs off', 'Always', 1, 20_000, false, { backoffUntil: NOW + 20_000, crash: true }],
    ['OnFailure too', 'OnFailure', 1, 10_000, false, { backoffUntil: NOW + 10_000, crash: true }],
    ['no exit code (unknown) counts as a crash', 'Always', undefined, 10_000, false, { backoffUntil: NOW + 10_000, crash: true }],
    ['Never restarts nothing', 'Never', 1, 10_000, false, { crash: false }],
    ['a clean exit under Always still backs off, quietly', 'Always', 0, 10_000, false, { backoffUntil: NOW + 10_000, crash: false }],
    ['a clean exit under OnFailure is final', 'OnFailure', 0, 10_000, false, { crash: false }],
    ['killed while the pod stops: no crash', 'Always', 137, 10_000, true, { backoffUntil: NOW + 10_000, crash: false }],
    ['killed while the pod stops (OnFailure)', 'OnFailure', 137, 10_000, true, { crash: false }],
  ];
  for (const [name, restartPolicy, exitCode, backoffMs, stopping, want] of cases) {
    assert.deepEqual(exitBackoff(pod({ restartPolicy }), { exitCode, backoffMs }, stopping, NOW), want, name);
  }
});

test('a container that ran twice the longest back-off (10 min) restarts at once and its back-off starts over, as the kubelet', () => {
  const crash = (ranMs: number, restartPolicy: PodSpec['restartPolicy'] = 'Always') => exitBackoff(pod({ restartPolicy }), { exitCode: 1, backoffMs: 160_000, startedAt: NOW - ranMs }, false, NOW);
  assert.deepEqual(crash(600_000), { crash: false, resetBackoff: true });
  assert.deepEqual(crash(599_000), { backoffUntil: NOW + 160_000, crash: true });
  assert.deepEqual(crash(3_600_000, 'OnFailure'), { crash: false, resetBackoff: true });
  // Forgotten back-off: the next start is a first restart again, with the initial back-off after it.
  assert.deepEqual(
    computePodActions(pod({}), state({ containers: { app: exited(1, { backoffMs: 0, backoffUntil: 0 }) } }), NOW).filter((a) => a.type === 'start'),
    [{ type: 'start', container: { name: 'app', init: false }, nextBackoffMs: DEFAULT_BACKOFF.initialMs }],
  );
});

test('a failed liveness or startup probe restarts the container with the probe’s grace period, else the pod’s', () => {
  const spec = {
    terminationGracePeriodSeconds: 20,
    containers: [c('live', { livenessProbe: { exec: { command: ['true'] }, terminationGracePeriodSeconds: 3 } }), c('boot', { startupProbe: { exec: { command: ['true'] } } })],
  };
  const actions = computePodActions(pod(spec), state({ containers: { live: { ...running, probeFailure: 'liveness' }, boot: { ...running, probeFailure: 'startup' } } }), NOW);
  assert.deepEqual(
    actions.filter((a) => a.type === 'kill'),
    [
      { type: 'kill', container: { name: 'live', init: false }, probe: 'liveness', graceSeconds: 3 },
      { type: 'kill', container: { name: 'boot', init: false }, probe: 'startup', graceSeconds: 20 },
    ],
  );
  // Before the set-up: a restart the probe asked for does not wait on volumes or the network.
  assert.deepEqual(
    actions.map((a) => a.type),
    ['kill', 'kill', 'setUp'],
  );
  // Already exited (the probe's verdict came late): nothing to kill; it restarts per restartPolicy.
  assert.deepEqual(brief(computePodActions(pod(spec), state({ containers: { live: exited(137, { probeFailure: 'liveness' }), boot: running } }), NOW)), ['restart app/live']);
});

test('activeDeadlineSeconds: a wake-up when it comes, then the pod fails once', () => {
  const spec = { activeDeadlineSeconds: 60, terminationGracePeriodSeconds: 5 };
  assert.deepEqual(computePodActions(pod(spec), state({ startTime: NOW - 20_000, containers: { app: running } }), NOW).at(-1), { type: 'wake', at: NOW + 40_050 });
  // Not started before: it starts now.
  assert.deepEqual(computePodActions(pod(spec), state(), NOW).at(-1), { type: 'wake', at: NOW + 60_050 });
  assert.deepEqual(computePodActions(pod(spec), state({ startTime: NOW - 60_000, containers: { app: running } }), NOW).at(-1), { type: 'failDeadline', graceSeconds: 5 });
  assert.deepEqual(
    computePodActions(pod(spec), state({ startTime: NOW - 90_000, deadlineExceeded: true, containers: { app: running } }), NOW).map((a) => a.type),
    ['setUp'],
  );
  // A far deadline: no longer than a timer can wait.
  assert.deepEqual(computePodActions(pod({ activeDeadlineSeconds: 10 ** 8 }), state({ startTime: NOW }), NOW).at(-1), { type: 'wake', at: NOW + 2 ** 31 - 1 });
});

test('a deleted pod is terminated with the deletion’s grace period; a vanished one at once, without finalizing', () => {
  const deleting = { deletionTimestamp: '2026-12-03T18:00:00Z' };
  const cases: [string, Pod, boolean, PodAction[]][] = [
    ['deletion grace wins', pod({ terminationGracePeriodSeconds: 30 }, { ...deleting, deletionGracePeriodSeconds: 7 }), false, [{ type: 'terminate', graceSeconds: 7, finalize: true }]],
    ['else the spec’s', pod({ terminationGracePeriodSeconds: 12 }, deleting), false, [{ type: 'terminate', graceSeconds: 12, finalize: true }]],
    ['else 30 s', pod({}, deleting), false, [{ type: 'terminate', graceSeconds: 30, finalize: true }]],
    ['gone from the API: no grace, nothing to delete', pod({ terminationGracePeriodSeconds: 12 }), true, [{ type: 'terminate', graceSeconds: 0, finalize: false }]],
  ];
  for (const [name, p, gone, want] of cases) assert.deepEqual(computePodActions(p, state({ gone, containers: { app: running } }), NOW), want, name);
  assert.equal(gracePeriodSeconds(pod({ terminationGracePeriodSeconds: 0 })), 0);
});

test('evicted, finished: nothing runs again', () => {
  assert.deepEqual(computePodActions(pod({}), state({ evicted: { done: false }, containers: { app: running } }), NOW), [{ type: 'evict' }]);
  assert.deepEqual(computePodActions(pod({}), state({ evicted: { done: true } }), NOW), []);
  // Deletion comes before an eviction's bookkeeping.
  assert.equal(computePodActions(pod({}, { deletionTimestamp: 'x' }), state({ evicted: { done: true } }), NOW)[0].type, 'terminate');
  for (const phase of ['Succeeded', 'Failed'] as const) {
    assert.deepEqual(computePodActions(pod({ restartPolicy: 'Always' }, {}, phase), state({ published: true, containers: { app: exited(0) } }), NOW), [], phase);
    // A phase this worker has not published yet (an agent restart) is looked at again.
    assert.deepEqual(brief(computePodActions(pod({ restartPolicy: 'Always' }, {}, phase), state({ containers: { app: exited(0) } }), NOW)), ['restart app/app'], phase);
  }
});

const sidecar = (name: string, extra: Partial<Container> = {}) => c(name, { restartPolicy: 'Always', ...extra });
const up: ContainerSnapshot = { ...running, started: true };

test('sidecars start in order with the init containers; the next goes on once the sidecar has started, not exited', () => {
  const spec = { initContainers: [sidecar('proxy'), c('setup'), sidecar('log')], containers: [c('app')] };
  const cases: [string, Record<string, ContainerSnapshot>, Record<string, ContainerSnapshot>, string[]][] = [
    ['nothing yet: the first sidecar only', {}, {}, ['start init/proxy']],
    ['the sidecar is being created', { proxy: created }, {}, []],
    ['the sidecar runs but its startup probe has not passed: the next waits', { proxy: running }, {}, []],
    ['the sidecar started: the plain init container next', { proxy: up }, {}, ['start init/setup']],
    ['the plain one runs beside it', { proxy: up, setup: running }, {}, []],
    ['the plain one exited 0: the second sidecar', { proxy: up, setup: exited(0) }, {}, ['start init/log']],
    ['both sidecars started: the app containers', { proxy: up, setup: exited(0), log: up }, {}, ['start app/app']],
    ['all running: nothing to do', { proxy: up, setup: exited(0), log: up }, { app: running }, []],
  ];
  for (const [name, init, apps, want] of cases) assert.deepEqual(brief(computePodActions(pod(spec), state({ initContainers: init, containers: apps }), NOW)), want, name);
});

test('a sidecar that exits is restarted with back-off whatever the pod’s restartPolicy; once initialization went past it, nothing waits on it', () => {
  for (const restartPolicy of ['Always', 'OnFailure', 'Never'] as const) {
    const spec = { restartPolicy, initContainers: [sidecar('proxy'), c('setup')], containers: [c('app')] };
    // Exit 0 or not: a sidecar is restarted, as an app container under Always.
    for (const code of [0, 1]) {
      assert.deepEqual(brief(computePodActions(pod(spec), state({ initContainers: { proxy: exited(code), setup: exited(0) }, containers: { app: running } }), NOW)), ['restart init/proxy'], `${restartPolicy} exit ${code}`);
    }
    // In back-off while the app runs: it waits, the app is left alone.
    const waiting = computePodActions(pod(spec), state({ initContainers: { proxy: exited(1, { backoffMs: 10_000, backoffUntil: NOW + 5000 }), setup: exited(0) }, containers: { app: running } }), NOW);
    assert.deepEqual(brief(waiting), ['backoff init/proxy'], restartPolicy);
    // Crashed before the next init container ran: restarted, and the next still waits for it.
    assert.deepEqual(brief(computePodActions(pod(spec), state({ initContainers: { proxy: exited(1) } }), NOW)), ['restart init/proxy'], restartPolicy);
  }
  // Crashed while the plain init container after it runs: restarted; that one goes on.
  const spec = { initContainers: [sidecar('proxy'), c('setup'), c('more')] };
  assert.deepEqual(brief(computePodActions(pod(spec), state({ initContainers: { proxy: exited(1), setup: exited(0) } }), NOW)), ['restart init/proxy', 'start init/more']);
  // A sidecar's exit backs off as under Always, and is no crash while it is being stopped.
  assert.deepEqual(exitBackoff(pod({ restartPolicy: 'Never' }), { exitCode: 1, backoffMs: 10_000, sidecar: true }, false, NOW), { backoffUntil: NOW + 10_000, crash: true });
  assert.deepEqual(exitBackoff(pod({ restartPolicy: 'OnFailure' }), { exitCode: 0, backoffMs: 10_000, sidecar: true }, false, NOW), { backoffUntil: NOW + 10_000, crash: false });
  assert.deepEqual(exitBackoff(pod({ restartPolicy: 'Never' }), { exitCode: 143, backoffMs: 10_000, sidecar: true }, true, NOW), { backoffUntil: NOW + 10_000, crash: false });
});

test('a done pod (Never/OnFailure, its app containers finished for good) stops its sidecars one at a time, the last declared first', () => {
  const spec = (restartPolicy: PodSpec['restartPolicy']) => ({ restartPolicy, terminationGracePeriodSeconds: 9, initContainers: [sidecar('a'), c('setup'), sidecar('b')], containers: [c('job'), c('other')] });
  const inits = { a: up, setup: exited(0), b: up };
  const stops = (p: Pod, s: PodState) => computePodActions(p, s, NOW).filter((x) => x.type === 'stop');
  assert.deepEqual(stops(pod(spec('Never')), state({ initContainers: inits, containers: { job: exited(0), other: exited(3) } })), [{ type: 'stop', container: { name: 'b', init: true }, graceSeconds: 9 }]);
  // Asked already: not again; once b exited, a is next (and b is not restarted).
  assert.deepEqual(stops(pod(spec('Never')), state({ initContainers: { ...inits, b: { ...up, stopping: true } }, containers: { job: exited(0), other: exited(0) } })), []);
  assert.deepEqual(brief(computePodActions(pod(spec('OnFailure')), state({ initContainers: { ...inits, b: exited(143) }, containers: { job: exited(0), other: exited(0) } }), NOW)), ['stop']);
  assert.deepEqual(stops(pod(spec('OnFailure')), state({ initContainers: { ...inits, b: exited(143) }, containers: { job: exited(0), other: exited(0) } }))[0], { type: 'stop', container: { name: 'a', init: true }, graceSeconds: 9 });
  // Not done: an app container still runs, or OnFailure will restart a failed one, or Always.
  const notDone: [PodSpec['restartPolicy'], Record<string, ContainerSnapshot>][] = [
    ['Never', { job: exited(0), other: running }],
    ['OnFailure', { job: exited(0), other: exited(1) }],
    ['Always', { job: exited(0), other: exited(0) }],
  ];
  for (const [policy, apps] of notDone) {
    assert.deepEqual(stops(pod(spec(policy)), state({ initContainers: inits, containers: apps })), [], policy);
    assert.equal(podDone(pod(spec(policy)), state({ initContainers: inits, containers: apps })), false, policy);
  }
  // A plain init container failed under Never: the pod fails, its sidecar stops.
  assert.deepEqual(brief(computePodActions(pod(spec('Never')), state({ initContainers: { a: up, setup: exited(2) } }), NOW)), ['stop']);
});
