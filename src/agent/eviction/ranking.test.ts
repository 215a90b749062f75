import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rankForMemoryEviction, rankForPidEviction, type MemoryCandidate } from './ranking.js';

const MI = 1024 ** 2;
const p = (uid: string, request: number, usage: number | undefined, priority = 0): MemoryCandidate => ({ uid, request: request * MI, usage: usage === undefined ? undefined : usage * MI, priority });

test("the kubelet's memory eviction order", () => {
  const cases: { name: string; pods: MemoryCandidate[]; want: string[] }[] = [
    { name: 'BestEffort before a Guaranteed pod within its request', pods: [p('guaranteed', 64, 10), p('besteffort', 0, 1)], want: ['besteffort', 'guaranteed'] },
    { name: 'over its request beats higher usage within request', pods: [p('big-within', 4096, 4000), p('small-over', 10, 11)], want: ['small-over', 'big-within'] },
    { name: 'among those over their requests: lower priority first', pods: [p('hi', 0, 500, 1000), p('lo', 0, 5, 0)], want: ['lo', 'hi'] },
    { name: 'same priority: furthest above its request first', pods: [p('a', 100, 150), p('b', 0, 100), p('c', 50, 60)], want: ['b', 'a', 'c'] },
    { name: 'priority beats usage among those within their requests', pods: [p('low-pri-small', 100, 1, -10), p('high-pri-big', 1000, 900, 10)], want: ['low-pri-small', 'high-pri-big'] },
    { name: 'unmeasured pods first', pods: [p('measured', 0, 100), p('unknown', 0, undefined)], want: ['unknown', 'measured'] },
    { name: 'exactly at the request does not exceed it', pods: [p('at', 100, 100), p('over', 100, 101)], want: ['over', 'at'] },
    { name: 'empty', pods: [], want: [] },
  ];
  for (const c of cases)
    assert.deepEqual(
      rankForMemoryEviction(c.pods).map((x) => x.uid),
      c.want,
      c.name,
    );
});

test('ranking does not reorder its input', () => {
  const pods = [p('g', 64, 1), p('b', 0, 5)];
  rankForMemoryEviction(pods);
  assert.deepEqual(
    pods.map((x) => x.uid),
    ['g', 'b'],
  );
});

test("the kubelet's PID eviction order: priority, then most processes; unmeasured first among equals", () => {
  const q = (uid: string, processes: number | undefined, priority = 0) => ({ uid, processes, priority });
  const cases: { name: string; pods: ReturnType<typeof q>[]; want: string[] }[] = [
    { name: 'most processes first', pods: [q('few', 3), q('many', 300)], want: ['many', 'few'] },
    { name: 'priority before processes', pods: [q('many-high', 300, 100), q('few-low', 3, 0)], want: ['few-low', 'many-high'] },
    { name: 'unmeasured first among equal priority', pods: [q('many', 300), q('unknown', undefined)], want: ['unknown', 'many'] },
  ];
  for (const c of cases)
    assert.deepEqual(
      rankForPidEviction(c.pods).map((x) => x.uid),
      c.want,
      c.name,
    );
});
