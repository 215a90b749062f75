// The effective pod amount with sidecars, table by table (Kubernetes' PodRequests rule).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectivePodAmounts, isSidecar, type AmountMath } from './sidecars.js';

const numbers: AmountMath<number> = { add: (a, b) => a + b, less: (a, b) => a < b };
const m = (cpu: number, memory?: number) => new Map(Object.entries(memory === undefined ? { cpu } : { cpu, memory }));
const init = (cpu: number, memory?: number) => ({ amounts: m(cpu, memory), sidecar: false });
const side = (cpu: number, memory?: number) => ({ amounts: m(cpu, memory), sidecar: true });

test('effective pod amount: max(apps + all sidecars, each init container + the sidecars declared before it)', () => {
  const cases: [string, Map<string, number>[], ReturnType<typeof init>[], Record<string, number>][] = [
    ['apps alone add up', [m(1, 10), m(2, 20)], [], { cpu: 3, memory: 30 }],
    ['a bigger plain init container wins', [m(1)], [init(5), init(2)], { cpu: 5 }],
    ['a smaller one does not', [m(4)], [init(2)], { cpu: 4 }],
    ['sidecars run beside the apps', [m(1)], [side(2), side(3)], { cpu: 6 }],
    ['an init container after a sidecar runs beside it', [m(1)], [side(2), init(5)], { cpu: 7 }],
    ['an init container before a sidecar does not', [m(1)], [init(5), side(2)], { cpu: 5 }],
    ['apps + sidecars beat a smaller init step', [m(4)], [side(2), init(3)], { cpu: 6 }],
    ['per resource: cpu from one step, memory from another', [m(1, 100)], [side(1, 1), init(9, 1)], { cpu: 10, memory: 101 }],
    ['a resource only an init container asks for counts', [m(1)], [init(0, 64)], { cpu: 1, memory: 64 }],
  ];
  for (const [name, apps, inits, want] of cases) assert.deepEqual(Object.fromEntries(effectivePodAmounts(apps, inits, numbers)), want, name);
});

test('a sidecar is an init container with restartPolicy Always', () => {
  assert.equal(isSidecar({ name: 'a', restartPolicy: 'Always' }), true);
  for (const c of [{ name: 'a' }, { restartPolicy: 'Never' }, null, undefined, 'Always']) assert.equal(isSidecar(c), false, JSON.stringify(c));
});
