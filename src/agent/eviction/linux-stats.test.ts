import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinuxStats, parseKeyValues, podPidsCurrent, tasksFromLoadavg, workingSet } from './linux-stats.js';
import { tempDir } from '../../../test/helpers/temp-dirs.js';

test('parsers: meminfo in kB, memory.stat, loadavg', () => {
  const m = parseKeyValues('MemTotal:       24683652 kB\nMemAvailable:   1000 kB\nbogus\n');
  assert.equal(m.get('MemTotal'), 24683652 * 1024);
  assert.equal(m.get('MemAvailable'), 1024000);
  assert.equal(workingSet(1000, parseKeyValues('cache 5\ntotal_inactive_file 300\n')), 700);
  assert.equal(workingSet(1000, parseKeyValues('inactive_file 300\n')), 700);
  assert.equal(workingSet(100, parseKeyValues('total_inactive_file 300\n')), 0);
  assert.equal(tasksFromLoadavg('2.86 1.39 0.57 1/220 20392\n'), 220);
  assert.equal(tasksFromLoadavg('garbage'), undefined);
});

test('a made-up machine: memory from the root cgroup, pids from pid_max and tasks, fs from statfs', async () => {
  const root = tempDir('stats-');
  const cg = join(root, 'cg');
  const proc = join(root, 'proc');
  mkdirSync(join(cg, 'memory', 'gifee', 'podU', 'ctr'), { recursive: true });
  mkdirSync(join(proc, 'sys', 'kernel'), { recursive: true });
  writeFileSync(join(proc, 'meminfo'), 'MemTotal: 1000 kB\nMemAvailable: 900 kB\n');
  writeFileSync(join(cg, 'memory', 'memory.usage_in_bytes'), String(600 * 1024));
  writeFileSync(join(cg, 'memory', 'memory.stat'), `total_inactive_file ${200 * 1024}\n`);
  writeFileSync(join(cg, 'memory', 'gifee', 'podU', 'ctr', 'memory.usage_in_bytes'), '5000\n');
  writeFileSync(join(cg, 'memory', 'gifee', 'podU', 'ctr', 'memory.stat'), 'total_inactive_file 1000\n');
  writeFileSync(join(proc, 'sys', 'kernel', 'pid_max'), '32768\n');
  writeFileSync(join(proc, 'sys', 'kernel', 'threads-max'), '1000\n');
  writeFileSync(join(proc, 'loadavg'), '0.00 0.00 0.00 1/400 123\n');
  const s = new LinuxStats({ nodefsPath: root, imagefsPath: join(root, 'missing'), cgroupParent: 'gifee', cgroupRoot: cg, procRoot: proc });
  const obs = await s.node();
  assert.deepEqual(obs['memory.available'], { available: 600 * 1024, capacity: 1000 * 1024 });
  assert.deepEqual(obs['pid.available'], { available: 600, capacity: 1000 });
  assert.ok(obs['nodefs.available']!.capacity > 0);
  assert.equal(obs['imagefs.available'], undefined, 'an unreadable filesystem is not observed');
  assert.equal(await s.containerMemory('U', 'ctr'), 4000);
  assert.equal(await s.containerMemory('U', 'gone'), undefined);
});

test('the real machine answers every signal', { skip: process.platform !== 'linux' }, async () => {
  const obs = await new LinuxStats({ nodefsPath: tmpdir(), imagefsPath: tmpdir(), cgroupParent: 'gifee' }).node();
  for (const k of ['memory.available', 'nodefs.available', 'imagefs.available', 'pid.available'] as const) {
    assert.ok(obs[k] && obs[k]!.available >= 0 && obs[k]!.available <= obs[k]!.capacity, `${k}: ${JSON.stringify(obs[k])}`);
  }
});

test('pod PID use from pids.current (v1 hierarchy, else v2); junk is unknown', async () => {
  const root = tempDir('pids-');
  mkdirSync(join(root, 'pids', 'gifee', 'podA'), { recursive: true });
  writeFileSync(join(root, 'pids', 'gifee', 'podA', 'pids.current'), '17\n');
  mkdirSync(join(root, 'gifee', 'podB'), { recursive: true });
  writeFileSync(join(root, 'gifee', 'podB', 'pids.current'), '4\n');
  mkdirSync(join(root, 'gifee', 'podC'), { recursive: true });
  writeFileSync(join(root, 'gifee', 'podC', 'pids.current'), 'max\n');
  assert.equal(await podPidsCurrent(root, 'gifee', 'A'), 17);
  assert.equal(await podPidsCurrent(root, 'gifee', 'B'), 4);
  assert.equal(await podPidsCurrent(root, 'gifee', 'C'), undefined);
  assert.equal(await podPidsCurrent(root, 'gifee', 'D'), undefined);
});
