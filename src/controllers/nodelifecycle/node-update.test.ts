import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { nodeUpdateMatters, UNREACHABLE } from './taints.js';

const base = (): KObject =>
  ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n', uid: 'u1', resourceVersion: '1' },
    spec: { taints: [{ key: 'mine', effect: 'NoSchedule' }] },
    status: {
      conditions: [
        { type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z' },
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2026-01-01T00:00:00Z' },
      ],
    },
  }) as KObject;

const cond = (n: KObject, type: string, patch: Record<string, unknown>) => {
  const cs = (n.status as { conditions: Record<string, unknown>[] }).conditions;
  const c = cs.find((x) => x.type === type);
  if (c) Object.assign(c, patch);
  else cs.push({ type, ...patch });
};

const cases: [string, (n: KObject) => void, boolean][] = [
  ['nothing but resourceVersion', (n) => void (n.metadata!.resourceVersion = '2'), false],
  ['heartbeat only', (n) => cond(n, 'Ready', { lastHeartbeatTime: '2026-01-01T00:00:10Z' }), false],
  ['pressure heartbeat only', (n) => cond(n, 'MemoryPressure', { lastHeartbeatTime: '2026-01-01T00:00:10Z' }), false],
  ['Ready message only', (n) => cond(n, 'Ready', { message: 'still fine' }), false],
  ['a label', (n) => void (n.metadata!.labels = { a: 'b' }), false],
  ['Ready True -> False', (n) => cond(n, 'Ready', { status: 'False' }), true],
  ['Ready True -> Unknown', (n) => cond(n, 'Ready', { status: 'Unknown' }), true],
  ['Ready condition removed', (n) => void ((n.status as { conditions: { type: string }[] }).conditions = (n.status as { conditions: { type: string }[] }).conditions.filter((c) => c.type !== 'Ready')), true],
  ['MemoryPressure False -> True', (n) => cond(n, 'MemoryPressure', { status: 'True' }), true],
  ['DiskPressure appears True', (n) => cond(n, 'DiskPressure', { status: 'True' }), true],
  ['NetworkUnavailable appears', (n) => cond(n, 'NetworkUnavailable', { status: 'True' }), true],
  ['a taint added', (n) => (n.spec as { taints: unknown[] }).taints.push({ key: UNREACHABLE, effect: 'NoExecute' }), true],
  ['taints cleared', (n) => void ((n.spec as { taints?: unknown[] }).taints = undefined), true],
  ['cordoned', (n) => void ((n.spec as { unschedulable?: boolean }).unschedulable = true), true],
  ['deletion started', (n) => void (n.metadata!.deletionTimestamp = '2026-01-01T00:01:00Z'), true],
  ['recreated (new uid)', (n) => void (n.metadata!.uid = 'u2'), true],
];

for (const [name, change, want] of cases) {
  test(`node update matters: ${name} -> ${want}`, () => {
    const old = base();
    const cur = base();
    change(cur);
    assert.equal(nodeUpdateMatters(old, cur), want);
  });
}

test('node update matters: add and delete always do', () => {
  assert.equal(nodeUpdateMatters(undefined, base()), true);
  assert.equal(nodeUpdateMatters(base(), undefined), true);
});

test('node update matters: taints given as [] and absent are the same', () => {
  const a = base();
  const b = base();
  (a.spec as { taints?: unknown[] }).taints = [];
  (b.spec as { taints?: unknown[] }).taints = undefined;
  assert.equal(nodeUpdateMatters(a, b), false);
});
