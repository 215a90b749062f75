import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POD_MAX_PIDS, nodeProtectionOf } from './node-protection-flags.js';
import { UsageError } from './args.js';

test("defaults: a PID limit, the kubelet's thresholds (left to the agent), its transition period", () => {
  assert.deepEqual(nodeProtectionOf({}), { podMaxPids: DEFAULT_POD_MAX_PIDS });
});

test('flags parse', () => {
  assert.equal(nodeProtectionOf({ 'pod-max-pids': '100' }).podMaxPids, 100);
  assert.equal(nodeProtectionOf({ 'pod-max-pids': '-1' }).podMaxPids, undefined);
  assert.deepEqual(
    nodeProtectionOf({ 'eviction-hard': 'memory.available<1Gi,nodefs.available<10%' }).evictionHard!.map((t) => t.signal),
    ['memory.available', 'nodefs.available'],
  );
  assert.deepEqual(nodeProtectionOf({ 'eviction-hard': '' }).evictionHard, []);
  assert.equal(nodeProtectionOf({ 'eviction-pressure-transition-period': '30s' }).evictionTransitionMs, 30_000);
  const soft = nodeProtectionOf({ 'eviction-soft': 'memory.available<1Gi', 'eviction-soft-grace-period': 'memory.available=1m30s', 'eviction-max-pod-grace-period': '60' });
  assert.deepEqual(
    soft.evictionSoft?.map((t) => [t.signal, t.text, t.gracePeriodMs]),
    [['memory.available', '1Gi', 90_000]],
  );
  assert.equal(soft.evictionMaxPodGraceSeconds, 60);
  assert.equal(nodeProtectionOf({ 'node-lease-duration-seconds': '4' }).nodeLeaseSeconds, 4);
});

test('bad values are usage errors that say what is expected', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'pod-max-pids': '0' }, /positive number of processes, or -1/],
    [{ 'pod-max-pids': '-5' }, /positive number/],
    [{ 'pod-max-pids': '1e3' }, /positive number/],
    [{ 'pod-max-pids': '99999999999999999999' }, /positive number/],
    [{ 'eviction-hard': 'memory.available>1Gi' }, /--eviction-hard: .*unsupported operator/],
    [{ 'eviction-pressure-transition-period': 'soon' }, /duration/],
    [{ 'eviction-soft': 'memory.available<1Gi' }, /--eviction-soft: .*needs a grace period/],
    [{ 'eviction-soft': 'memory.available<1Gi', 'eviction-soft-grace-period': 'memory.available=later' }, /duration/],
    [{ 'eviction-max-pod-grace-period': '-1' }, /whole number of seconds/],
    [{ 'node-lease-duration-seconds': '0' }, /--node-lease-duration-seconds must be a whole number of seconds from 1 to 3600/],
    [{ 'node-lease-duration-seconds': '1e9' }, /whole number of seconds/],
  ];
  for (const [f, re] of cases)
    assert.throws(
      () => nodeProtectionOf(f),
      (e: Error) => e instanceof UsageError && re.test(e.message),
      JSON.stringify(f),
    );
});
