import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionEventReason, pressureConditions, PressureTracker } from './pressure.js';
import { parseEvictionThresholds } from './thresholds.js';

const [mem, disk, pid] = parseEvictionThresholds('memory.available<1Gi,nodefs.available<10%,pid.available<10');

test('pressure starts at once and ends only after the transition period without a crossing', () => {
  const t = new PressureTracker(300_000);
  const steps: { at: number; met: (typeof mem)[]; want: string[] }[] = [
    { at: 0, met: [], want: [] },
    { at: 10_000, met: [mem], want: ['MemoryPressure'] },
    { at: 20_000, met: [], want: ['MemoryPressure'] }, // gone for 10 s: still True (no flapping)
    { at: 309_999, met: [], want: ['MemoryPressure'] },
    { at: 310_000, met: [], want: [] }, // 5 min since the last crossing
    { at: 320_000, met: [disk, pid], want: ['DiskPressure', 'PIDPressure'] },
    { at: 330_000, met: [mem], want: ['DiskPressure', 'PIDPressure', 'MemoryPressure'] },
    { at: 625_000, met: [mem], want: ['MemoryPressure'] },
  ];
  for (const s of steps) assert.deepEqual([...t.observe(s.met, s.at)].sort(), s.want.sort(), `at ${s.at}`);
});

test('a zero transition period follows the thresholds exactly', () => {
  const t = new PressureTracker(0);
  assert.deepEqual([...t.observe([mem], 0)], ['MemoryPressure']);
  assert.deepEqual([...t.observe([], 1)], []);
});

test("conditions carry the kubelet's reasons and messages, and keep their transition time", () => {
  const calm = pressureConditions(new Set(), [], 'T0');
  assert.deepEqual(
    calm.map((c) => [c.type, c.status, c.reason, c.message]),
    [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
    ],
  );
  const hot = pressureConditions(new Set(['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const), calm, 'T1');
  assert.deepEqual(
    hot.map((c) => [c.type, c.status, c.reason, c.message, c.lastTransitionTime]),
    [
      ['MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available', 'T1'],
      ['DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure', 'T1'],
      ['PIDPressure', 'True', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available', 'T1'],
    ],
  );
  assert.equal(pressureConditions(new Set(['MemoryPressure'] as const), hot, 'T2')[0].lastTransitionTime, 'T1');
  assert.equal(pressureConditions(new Set(['MemoryPressure'] as const), hot, 'T2')[1].lastTransitionTime, 'T2');
  assert.deepEqual(hot.map(conditionEventReason), ['NodeHasInsufficientMemory', 'NodeHasDiskPressure', 'NodeHasInsufficientPID']);
  assert.equal(conditionEventReason(calm[1]), 'NodeHasNoDiskPressure');
});
