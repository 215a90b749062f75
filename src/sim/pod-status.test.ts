import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { plannedExit, runningStatus, terminatedStatus, type SimPod } from './pod-status.js';

const pod = (restartPolicy: 'Always' | 'OnFailure' | 'Never', annotations: Record<string, string> = {}): SimPod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'u1', annotations },
  spec: {
    nodeName: 'sim-0',
    restartPolicy,
    initContainers: [{ name: 'init', image: 'i' }],
    containers: [
      { name: 'a', image: 'img:1' },
      { name: 'b', image: 'img:2' },
    ],
  },
});

describe('sim pod status', () => {
  it('plans an exit only for pods that may complete and carry the annotation', () => {
    assert.equal(plannedExit(pod('Always', { 'sim.gifee.dev/exit-after': '2s' })), undefined);
    assert.equal(plannedExit(pod('Never')), undefined);
    assert.deepEqual(plannedExit(pod('Never', { 'sim.gifee.dev/exit-after': '2s' })), { afterMs: 2000, exitCode: 0 });
    assert.deepEqual(plannedExit(pod('OnFailure', { 'sim.gifee.dev/exit-after': '250ms', 'sim.gifee.dev/exit-code': '7' })), { afterMs: 250, exitCode: 7 });
    assert.deepEqual(plannedExit(pod('Never', { 'sim.gifee.dev/exit-after': '3' })), { afterMs: 3000, exitCode: 0 }, 'bare numbers are seconds');
    assert.equal(plannedExit(pod('Never', { 'sim.gifee.dev/exit-after': 'soon' })), undefined);
  });

  it('reports running pods Ready with every container running and init containers completed', () => {
    const s = runningStatus(pod('Always'), { podIP: '198.18.0.5', hostIP: '127.0.0.1', startedAt: Date.parse('2026-01-01T00:00:00Z') });
    assert.equal(s.phase, 'Running');
    assert.deepEqual(s.podIPs, [{ ip: '198.18.0.5' }]);
    assert.deepEqual(
      s.conditions.map((c) => [c.type, c.status]),
      [
        ['PodReadyToStartContainers', 'True'],
        ['Initialized', 'True'],
        ['Ready', 'True'],
        ['ContainersReady', 'True'],
        ['PodScheduled', 'True'],
      ],
    );
    assert.deepEqual(
      s.containerStatuses.map((c) => [c.name, c.ready, c.state.running.startedAt]),
      [
        ['a', true, '2026-01-01T00:00:00Z'],
        ['b', true, '2026-01-01T00:00:00Z'],
      ],
    );
    assert.equal(s.initContainerStatuses[0].state.terminated?.reason, 'Completed');
  });

  it('reports a sidecar running, started and ready beside the app containers, and stopped once they finished', () => {
    const withSidecar = pod('Never');
    withSidecar.spec!.initContainers!.push({ name: 'proxy', image: 'p', restartPolicy: 'Always' });
    const p = { podIP: '198.18.0.5', hostIP: '127.0.0.1', startedAt: 0 };
    const [init, proxy] = runningStatus(withSidecar, p).initContainerStatuses;
    assert.equal(init.state.terminated?.reason, 'Completed');
    assert.deepEqual([proxy.state.running, proxy.started, proxy.ready], [{ startedAt: '1970-01-01T00:00:00Z' }, true, true]);
    const stopped = terminatedStatus(withSidecar, p, 0, 2000).initContainerStatuses[1];
    assert.deepEqual([stopped.state.terminated?.finishedAt, stopped.started, stopped.ready], ['1970-01-01T00:00:02Z', false, false]);
  });

  it('reports completed pods Succeeded or Failed by exit code, not Ready', () => {
    const p = { podIP: '198.18.0.5', hostIP: '127.0.0.1', startedAt: 0 };
    const ok = terminatedStatus(pod('Never'), p, 0, 2000);
    assert.equal(ok.phase, 'Succeeded');
    assert.equal(ok.containerStatuses[0].state.terminated.reason, 'Completed');
    assert.equal(ok.conditions.find((c) => c.type === 'Ready')?.status, 'False');
    const bad = terminatedStatus(pod('Never'), p, 2, 2000);
    assert.equal(bad.phase, 'Failed');
    assert.equal(bad.containerStatuses[1].state.terminated.exitCode, 2);
    assert.equal(bad.containerStatuses[1].state.terminated.finishedAt, '1970-01-01T00:00:02Z');
  });
});
