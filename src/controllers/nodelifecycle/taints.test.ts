import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredTaints, evictionTime, NOT_READY, UNREACHABLE } from './taints.js';

const node = (ready: string, taints: unknown[] = []) => ({ metadata: { name: 'n' }, spec: { taints }, status: { conditions: [{ type: 'Ready', status: ready }] } });

test('readiness taints follow the Ready condition', () => {
  assert.deepEqual(
    desiredTaints(node('Unknown'), 'T').map((t) => `${t.key}:${t.effect}`),
    [`${UNREACHABLE}:NoSchedule`, `${UNREACHABLE}:NoExecute`],
  );
  assert.deepEqual(
    desiredTaints(node('False'), 'T').map((t) => `${t.key}:${t.effect}`),
    [`${NOT_READY}:NoSchedule`, `${NOT_READY}:NoExecute`],
  );
  assert.deepEqual(
    desiredTaints(
      node('True', [
        { key: UNREACHABLE, effect: 'NoExecute' },
        { key: 'mine', effect: 'NoSchedule' },
      ]),
      'T',
    ),
    [{ key: 'mine', effect: 'NoSchedule' }],
  );
  const kept = { key: UNREACHABLE, effect: 'NoExecute', timeAdded: 'EARLIER' };
  assert.equal(desiredTaints(node('Unknown', [kept]), 'T').find((t) => t.effect === 'NoExecute')!.timeAdded, 'EARLIER');
});

test('eviction is immediate without a toleration, delayed by tolerationSeconds, never with an unbounded one', () => {
  const taints = [{ key: UNREACHABLE, effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' }];
  assert.equal(evictionTime(taints, [], 0), 0);
  assert.equal(evictionTime(taints, [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }], 0), Date.parse('2024-01-01T00:00:05Z'));
  assert.equal(evictionTime(taints, [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }], 0), undefined);
  assert.equal(evictionTime([{ key: 'x', effect: 'NoSchedule' }], [], 0), undefined);
});

test('pressure conditions add and remove their NoSchedule taints (TaintNodesByCondition)', () => {
  const withConds = (conds: [string, string][], taints: unknown[] = []) => ({ metadata: { name: 'n' }, spec: { taints }, status: { conditions: conds.map(([type, status]) => ({ type, status })) } });
  const keys = (n: ReturnType<typeof withConds>) => desiredTaints(n, 'T').map((t) => `${t.key}:${t.effect}`);
  const cases: { name: string; node: ReturnType<typeof withConds>; want: string[] }[] = [
    {
      name: 'calm',
      node: withConds([
        ['Ready', 'True'],
        ['MemoryPressure', 'False'],
        ['DiskPressure', 'False'],
        ['PIDPressure', 'False'],
      ]),
      want: [],
    },
    {
      name: 'memory',
      node: withConds([
        ['Ready', 'True'],
        ['MemoryPressure', 'True'],
      ]),
      want: ['node.kubernetes.io/memory-pressure:NoSchedule'],
    },
    {
      name: 'all three',
      node: withConds([
        ['Ready', 'True'],
        ['MemoryPressure', 'True'],
        ['DiskPressure', 'True'],
        ['PIDPressure', 'True'],
      ]),
      want: ['node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule'],
    },
    {
      name: 'Unknown pressure is no taint',
      node: withConds([
        ['Ready', 'Unknown'],
        ['MemoryPressure', 'Unknown'],
      ]),
      want: [`${UNREACHABLE}:NoSchedule`, `${UNREACHABLE}:NoExecute`],
    },
    {
      name: 'pressure over: the taint goes, others stay',
      node: withConds(
        [
          ['Ready', 'True'],
          ['MemoryPressure', 'False'],
        ],
        [
          { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
          { key: 'mine', effect: 'NoSchedule' },
        ],
      ),
      want: ['mine:NoSchedule'],
    },
    { name: 'a user NoExecute with the same key is not ours', node: withConds([['Ready', 'True']], [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoExecute' }]), want: ['node.kubernetes.io/memory-pressure:NoExecute'] },
  ];
  for (const c of cases) assert.deepEqual(keys(c.node), c.want, c.name);
  const kept = { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule', timeAdded: 'EARLIER' };
  assert.equal(
    desiredTaints(
      withConds(
        [
          ['Ready', 'True'],
          ['MemoryPressure', 'True'],
        ],
        [kept],
      ),
      'T',
    )[0].timeAdded,
    'EARLIER',
  );
});
