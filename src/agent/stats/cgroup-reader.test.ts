import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../../../test/helpers/temp-dirs.js';
import { CgroupV1Reader, CgroupV2Reader, detectCgroupReader } from './cgroup-reader.js';
import { v1Cgroup, v2Cgroup, writeTree } from './fixtures.test-util.js';

test('v1: cpuacct usage and user/system split, memory usage, working set (usage - total_inactive_file), rss, limit', () => {
  const root = tempDir('cg1-');
  writeTree(root, v1Cgroup('/gifee/podU/c1', { cpuNs: 2_500_000_000, user: 200, system: 50, usage: 10_000, inactiveFile: 4_000, rss: 3_000, cache: 6_000, limit: '134217728' }));
  const r = new CgroupV1Reader(root);
  const s = r.read('/gifee/podU/c1')!;
  assert.equal(s.cpuNs, 2.5e9);
  assert.equal(s.cpuUserNs, 2e9);
  assert.equal(s.cpuSystemNs, 0.5e9);
  assert.equal(s.memoryUsage, 10_000);
  assert.equal(s.workingSet, 6_000);
  assert.equal(s.rss, 3_000);
  assert.equal(s.cache, 6_000);
  assert.equal(s.pageFaults, 10);
  assert.equal(s.memoryLimit, 134217728);
  assert.ok(Math.abs(s.time - Date.now()) < 5000);
  assert.equal(r.read('/gifee/podU/vanished'), undefined, 'a cgroup that is gone reads as nothing, not an error');
  assert.equal(detectCgroupReader(root).version, 1);
});

test('v1: "cpu,cpuacct" co-mounted hierarchy is found; no memory files leaves memory out', () => {
  const root = tempDir('cg1b-');
  writeTree(root, { 'cpu,cpuacct/cpuacct.usage': '5\n', 'cpu,cpuacct/x/cpuacct.usage': '7\n' });
  const r = new CgroupV1Reader(root);
  assert.equal(r.read('/')?.cpuNs, 5);
  const s = r.read('/x')!;
  assert.equal(s.cpuNs, 7);
  assert.equal(s.memoryUsage, undefined);
  assert.equal(s.workingSet, undefined);
});

test('v2: cpu.stat usage_usec, memory.current minus inactive_file, anon as RSS, file as cache, "max" is no limit', () => {
  const root = tempDir('cg2-');
  writeTree(root, { 'cgroup.controllers': 'cpu memory pids\n', ...v2Cgroup('/gifee/podU/c1', { usageUsec: 1_500_000, userUsec: 1_000_000, systemUsec: 500_000, current: 9_000, anon: 2_000, file: 7_000, inactiveFile: 5_000 }), ...v2Cgroup('/', { usageUsec: 99 }) });
  const r = detectCgroupReader(root);
  assert.ok(r instanceof CgroupV2Reader);
  const s = r.read('/gifee/podU/c1')!;
  assert.equal(s.cpuNs, 1.5e9);
  assert.equal(s.cpuUserNs, 1e9);
  assert.equal(s.workingSet, 4_000);
  assert.equal(s.rss, 2_000);
  assert.equal(s.cache, 7_000);
  assert.equal(s.majorPageFaults, 2);
  assert.equal(s.memoryLimit, undefined);
  // The root has cpu.stat but no memory.current.
  const rootSample = r.read('/')!;
  assert.equal(rootSample.cpuNs, 99_000);
  assert.equal(rootSample.memoryUsage, undefined);
  assert.equal(r.read('/gifee/podU/gone'), undefined);
  writeTree(root, { 'gifee/podU/pids.current': '7\n' });
  assert.equal(r.tasks('/gifee/podU'), 7);
  assert.equal(r.tasks('/gifee/none'), undefined);
});

test('the real machine: the root cgroup reads', { skip: process.platform !== 'linux' }, () => {
  const s = detectCgroupReader().read('/');
  assert.ok(s && s.cpuNs > 0, JSON.stringify(s));
});
