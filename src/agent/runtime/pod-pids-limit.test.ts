import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setPodPidsLimit } from './pod-pids-limit.js';

// Fake cgroup trees in temporary directories, removed when the tests end.
const made: string[] = [];
const fakeCgroupRoot = () => {
  const d = mkdtempSync(join(tmpdir(), 'cg-'));
  made.push(d);
  return d;
};
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

test('cgroup v1: pids.max of the pod cgroup under the pids hierarchy', async () => {
  const root = fakeCgroupRoot();
  mkdirSync(join(root, 'pids'));
  writeFileSync(join(root, 'pids', 'cgroup.procs'), '');
  const f = await setPodPidsLimit('gifee', 'abc', 1024, root);
  assert.equal(f, join(root, 'pids', 'gifee', 'podabc', 'pids.max'));
  assert.equal(readFileSync(f, 'utf8'), '1024');
});

test('cgroup v2: the controller is delegated down to the pod cgroup', async () => {
  const root = fakeCgroupRoot();
  writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory pids\n');
  const f = await setPodPidsLimit('gifee', 'abc', 50, root);
  assert.equal(f, join(root, 'gifee', 'podabc', 'pids.max'));
  assert.equal(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8'), '+pids');
  assert.equal(readFileSync(join(root, 'gifee', 'cgroup.subtree_control'), 'utf8'), '+pids');
  assert.equal(readFileSync(f, 'utf8'), '50');
});

test('no pids controller, or a nonsense limit: an error, never a silent no-op', async () => {
  const root = fakeCgroupRoot();
  await assert.rejects(setPodPidsLimit('gifee', 'abc', 10, root), /no pids cgroup controller/);
  for (const bad of [0, -1, 1.5, NaN, Infinity]) await assert.rejects(setPodPidsLimit('gifee', 'abc', bad, root), /positive integer/);
});
