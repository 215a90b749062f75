// The server pool's policy: which server a request goes to (a table over servers' states and the
// time), the back-off of a failing server, and learned servers joining and leaving beside the seeds.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseServer, MAX_LEARNED_SERVERS, retryDelayMs, ServerPool, type ServerState } from './server-pool.js';

const ok = (url: string): ServerState => ({ url, failures: 0, retryAt: 0 });
const bad = (url: string, retryAt: number, failures = 1): ServerState => ({ url, failures, retryAt });

describe('chooseServer', () => {
  const cases: { name: string; states: ServerState[]; current?: string; now: number; exclude?: string[]; want: string | undefined }[] = [
    { name: 'no servers', states: [], now: 0, want: undefined },
    { name: 'sticks to a healthy current server, not the first', states: [ok('a'), ok('b')], current: 'b', now: 0, want: 'b' },
    { name: 'no current yet: the first healthy', states: [bad('a', 50), ok('b')], now: 0, want: 'b' },
    { name: 'a failing current hands over to the next healthy one', states: [ok('a'), bad('b', 50), ok('c')], current: 'b', now: 0, want: 'c' },
    { name: 'the next after the current wraps around the list', states: [ok('a'), ok('b'), bad('c', 50)], current: 'c', now: 0, want: 'a' },
    { name: 'a recovered server is not switched back to while the current works', states: [ok('a'), ok('b')], current: 'b', now: 100, want: 'b' },
    { name: 'all bad: the first whose back-off is over (probe)', states: [bad('a', 200), bad('b', 50), bad('c', 80)], current: 'a', now: 100, want: 'b' },
    { name: 'all bad, none due: the soonest back-off end', states: [bad('a', 300), bad('b', 500), bad('c', 200)], current: 'a', now: 100, want: 'c' },
    { name: 'a healthy server beats a due bad one', states: [bad('a', 50), bad('b', 50), ok('c')], current: 'a', now: 100, want: 'c' },
    { name: 'excluded servers (already tried by this request) are skipped', states: [ok('a'), ok('b')], current: 'a', now: 0, exclude: ['a'], want: 'b' },
    { name: 'every server excluded: none', states: [ok('a'), ok('b')], current: 'a', now: 0, exclude: ['a', 'b'], want: undefined },
    { name: 'an unknown current server (left the list): the first healthy', states: [ok('a'), ok('b')], current: 'gone', now: 0, want: 'a' },
    { name: 'a single server is used even in back-off', states: [bad('a', 1000, 5)], current: 'a', now: 0, want: 'a' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(chooseServer(c.states, c.current, c.now, new Set(c.exclude ?? [])), c.want));
  }
});

describe('retryDelayMs', () => {
  const cases: [number, number][] = [
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [5, 16_000],
    [6, 30_000],
    [1000, 30_000],
  ];
  for (const [failures, want] of cases) it(`after ${failures} failures: ${want} ms`, () => assert.equal(retryDelayMs(failures), want));
});

describe('ServerPool', () => {
  it('normalises and deduplicates seeds, and refuses none', () => {
    assert.deepEqual(new ServerPool(['https://a:1/', 'https://a:1', 'https://b:1']).servers, ['https://a:1', 'https://b:1']);
    assert.throws(() => new ServerPool([]), /at least one server/);
  });

  it('moves off a failed server, backs it off, and counts a burst of failures once', () => {
    let now = 0;
    const switches: string[] = [];
    const pool = new ServerPool(['a', 'b'], { now: () => now, onSwitch: (from, to) => switches.push(`${from}->${to}`) });
    assert.equal(pool.pick(), 'a');
    pool.failed('a', 'ECONNREFUSED');
    pool.failed('a', 'ECONNRESET'); // another in-flight request saw the same outage
    assert.deepEqual(pool.snapshot()[0], { url: 'a', failures: 1, retryAt: 1000 });
    assert.equal(pool.pick(), 'b');
    assert.deepEqual(switches, ['a->b']);
    // b fails too, before a's back-off is over: b's back-off ends later, so a is probed first once due.
    now = 500;
    pool.failed('b', 'timeout');
    now = 1000;
    assert.equal(pool.pick(), 'a');
    pool.failed('a', 'ECONNREFUSED');
    assert.deepEqual(pool.snapshot()[0], { url: 'a', failures: 2, retryAt: 3000 });
    pool.succeeded('b');
    assert.equal(pool.pick(), 'b');
    assert.equal(pool.snapshot()[1].failures, 0);
  });

  it('keeps seeds, adds learned servers (bounded), drops those no longer listed', () => {
    const pool = new ServerPool(['https://seed:6443']);
    const many = Array.from({ length: 40 }, (_, i) => `https://10.0.0.${i}:6443`);
    pool.setLearned(['https://seed:6443/', ...many]);
    assert.equal(pool.servers.length, 1 + MAX_LEARNED_SERVERS);
    assert.equal(pool.servers[0], 'https://seed:6443');
    pool.failed('https://10.0.0.1:6443', 'x');
    pool.setLearned(['https://10.0.0.1:6443']);
    assert.deepEqual(pool.servers, ['https://seed:6443', 'https://10.0.0.1:6443']);
    assert.equal(pool.snapshot()[1].failures, 1, 'a server still listed keeps its state');
  });

  it('leaves a current server that is no longer listed', () => {
    const pool = new ServerPool(['s1'], { now: () => 0 });
    pool.setLearned(['l1', 'l2']);
    pool.failed('s1', 'x');
    assert.equal(pool.pick(), 'l1');
    pool.setLearned(['l2']);
    assert.equal(pool.pick(), 'l2');
  });
});
