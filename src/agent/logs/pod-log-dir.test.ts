import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { containerLogDir, findPodLogDirs, logDirUids, podLogDir, uidOfLogDirName } from './pod-log-dir.js';

const pod = { metadata: { namespace: 'ns1', name: 'web-0', uid: '1234-abcd' } };

test('podLogDir and containerLogDir follow <data>/logs/<ns>_<name>_<uid>/<container>', () => {
  assert.equal(podLogDir('/d', pod), join('/d', 'logs', 'ns1_web-0_1234-abcd'));
  assert.equal(containerLogDir('/d', pod, 'app'), join('/d', 'logs', 'ns1_web-0_1234-abcd', 'app'));
  assert.equal(podLogDir('/d', pod, 'other'), join('/d', 'logs', 'ns1_web-0_other'));
});

test('uidOfLogDirName takes the part after the last "_" of a well-formed name', () => {
  assert.equal(uidOfLogDirName('ns1_web-0_1234-abcd'), '1234-abcd');
  assert.equal(uidOfLogDirName('junk'), undefined);
  assert.equal(uidOfLogDirName('a_b'), undefined);
  assert.equal(uidOfLogDirName('a__c'), undefined);
});

test('findPodLogDirs finds a pod log directory by uid alone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-logdir-'));
  try {
    assert.deepEqual(await findPodLogDirs(dir, '1234-abcd'), []); // no logs dir yet
    await mkdir(containerLogDir(dir, pod, 'app'), { recursive: true });
    await mkdir(join(dir, 'logs', 'ns2_other_9999'), { recursive: true });
    await mkdir(join(dir, 'logs', 'ns3_x_1234-abcdX'), { recursive: true });
    assert.deepEqual(await findPodLogDirs(dir, '1234-abcd'), [podLogDir(dir, pod)]);
    assert.deepEqual(await findPodLogDirs(dir, ''), []);
    assert.deepEqual((await logDirUids(dir)).sort(), ['1234-abcd', '1234-abcdX', '9999']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
