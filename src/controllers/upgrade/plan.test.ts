import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UpgradeNodeStatus } from '../../api/kinds/upgrade/index.js';
import { type NodeView, planNext } from './plan.js';

const T = '0.2.0';
const agent = (name: string, version = '0.1.0', ready = true): NodeView => ({ name, server: false, version, ready });
const server = (name: string, version = '0.1.0', ready = true): NodeView => ({ name, server: true, version, ready });
const st = (name: string, state: string, message?: string): UpgradeNodeStatus => ({ name, state, message });

test('planNext: servers first and alone, then agents up to the concurrency; done, NotReady and failed nodes', () => {
  const cases: { name: string; nodes: NodeView[]; progress: UpgradeNodeStatus[]; concurrency: number; want: Partial<ReturnType<typeof planNext>> }[] = [
    { name: 'a server first, even with agents sorted before it', nodes: [agent('a'), server('s2'), server('s1')], progress: [], concurrency: 5, want: { start: ['s1'], complete: false } },
    { name: 'the next server waits for the one in flight', nodes: [server('s1'), server('s2'), agent('a')], progress: [st('s1', 'Switching')], concurrency: 5, want: { start: [] } },
    { name: 'no agent while a server is in flight, even the last one', nodes: [server('s1'), agent('a')], progress: [st('s1', 'Draining')], concurrency: 5, want: { start: [] } },
    { name: 'servers done: agents up to the concurrency, by name', nodes: [server('s1', T), agent('c'), agent('a'), agent('b')], progress: [], concurrency: 2, want: { start: ['a', 'b'] } },
    { name: 'in-flight agents use up slots', nodes: [agent('a'), agent('b'), agent('c')], progress: [st('a', 'Switching')], concurrency: 2, want: { start: ['b'] } },
    { name: 'a free slot beside one in flight starts the last ready node', nodes: [agent('a'), agent('b')], progress: [st('a', 'Draining')], concurrency: 2, want: { start: ['b'] } },
    { name: 'a full window starts nothing', nodes: [agent('a'), agent('b'), agent('c')], progress: [st('a', 'Switching'), st('b', 'Draining')], concurrency: 2, want: { start: [] } },
    { name: 'nodes already at the target are never touched', nodes: [agent('a', T), agent('b', T)], progress: [], concurrency: 1, want: { start: [], complete: true } },
    { name: 'Done nodes count as done even before their version shows', nodes: [agent('a')], progress: [st('a', 'Done')], concurrency: 1, want: { start: [], complete: true } },
    { name: 'a NotReady node is not started and blocks completion', nodes: [agent('a', '0.1.0', false), agent('b', T)], progress: [], concurrency: 3, want: { start: [], waiting: ['a'], complete: false } },
    { name: 'a NotReady server does not hold back the ready one', nodes: [server('s1', '0.1.0', false), server('s2')], progress: [], concurrency: 1, want: { start: ['s2'], waiting: ['s1'] } },
    { name: 'a failed node halts: nothing starts', nodes: [agent('a'), agent('b')], progress: [st('a', 'Failed', 'not Ready within 60s')], concurrency: 5, want: { start: [], complete: false, halted: 'node a failed: not Ready within 60s' } },
    { name: "a failed node's reason is the halt's", nodes: [agent('a')], progress: [{ ...st('a', 'Failed', 'drain did not finish within 5s'), reason: 'DrainTimeout' }], concurrency: 1, want: { start: [], halted: 'node a failed: drain did not finish within 5s', haltedReason: 'DrainTimeout' } },
    { name: 'no reason recorded: none given (NodeUpgradeFailed by default)', nodes: [agent('a')], progress: [st('a', 'Failed', 'x')], concurrency: 1, want: { haltedReason: undefined } },
    { name: 'a halt stops the drains in flight', nodes: [agent('a'), agent('b'), agent('c')], progress: [st('a', 'Failed', 'x'), st('b', 'Draining'), st('c', 'Draining')], concurrency: 3, want: { start: [], cancel: ['b', 'c'], settling: false } },
    { name: 'a halt lets switched nodes finish: settling', nodes: [agent('a'), agent('b'), agent('c')], progress: [st('a', 'Failed', 'x'), st('b', 'Switching'), st('c', 'RollingBack')], concurrency: 3, want: { start: [], cancel: [], settling: true } },
    { name: 'a halt with nothing in flight is settled', nodes: [agent('a'), agent('b')], progress: [st('a', 'Failed', 'x'), st('b', 'Cancelled')], concurrency: 2, want: { start: [], cancel: [], settling: false, complete: false } },
    { name: 'a deleted node in flight does not keep a halt settling', nodes: [agent('a')], progress: [st('a', 'Failed', 'x'), st('gone', 'Switching')], concurrency: 2, want: { cancel: [], settling: false } },
    { name: 'no halt: nothing to cancel', nodes: [agent('a'), agent('b')], progress: [st('a', 'Draining')], concurrency: 2, want: { start: ['b'], cancel: [], settling: false } },
    { name: 'a node deleted mid-upgrade frees its slot', nodes: [agent('b')], progress: [st('gone', 'Switching')], concurrency: 1, want: { start: ['b'] } },
    { name: 'a node reporting no version is upgraded', nodes: [{ name: 'x', server: false, ready: true }], progress: [], concurrency: 1, want: { start: ['x'] } },
    { name: 'an empty cluster is complete', nodes: [], progress: [], concurrency: 1, want: { start: [], complete: true } },
  ];
  for (const c of cases) {
    const got = planNext(c.nodes, c.progress, T, c.concurrency);
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k as keyof typeof got], v, `${c.name}: ${k}`);
  }
});
