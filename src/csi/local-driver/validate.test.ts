import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CsiError, GrpcCode } from '../types.js';
import { sizeFor } from './controller.js';
import { parseDeviceNames } from './loop.js';
import { parseMountinfo, usesOf } from './mounts.js';
import { capabilityMode, checkId, checkMountFlags, checkPathUnder, modeOf } from './validate.js';

const code = (c: GrpcCode) => (e: unknown) => e instanceof CsiError && e.code === c;
const MiB = 1024 * 1024;

test('ids and names: what Kubernetes generates passes, paths and oversized names do not', () => {
  assert.equal(checkId('volume id', 'pvc-0f6a4c1e-5b7d-4d0b-9d39-8f7d8c0e1a2b'), 'pvc-0f6a4c1e-5b7d-4d0b-9d39-8f7d8c0e1a2b');
  assert.equal(checkId('snapshot name', 'snapshot-1.2_3'), 'snapshot-1.2_3');
  for (const bad of ['', '../etc', 'a/b', '..', 'a..b', '.hidden', '-x', 'x'.repeat(129), 'a b', 'a\0b', 'ä', undefined, 7]) {
    assert.throws(() => checkId('volume id', bad), code(GrpcCode.INVALID_ARGUMENT), String(bad));
  }
});

test('paths must lie under the agent dir, symlinks resolved', async () => {
  const root = await mkdtemp(join(tmpdir(), 'gifee-validate-'));
  try {
    const agent = join(root, 'agent');
    await mkdir(join(agent, 'pods'), { recursive: true });
    assert.equal(await checkPathUnder('target path', join(agent, 'pods', 'x', 'mount'), agent), join(agent, 'pods', 'x', 'mount'));
    for (const bad of [agent, '/etc', join(agent, '..', 'x'), 'relative/path', '', `${agent}/../../etc/passwd`, `${agent}x/y`]) {
      await assert.rejects(checkPathUnder('target path', bad, agent), code(GrpcCode.INVALID_ARGUMENT), bad);
    }
    await symlink('/etc', join(agent, 'pods', 'escape'));
    await assert.rejects(checkPathUnder('target path', join(agent, 'pods', 'escape', 'x'), agent), code(GrpcCode.INVALID_ARGUMENT));
    await assert.rejects(checkPathUnder('target path', join(agent, 'pods', 'escape'), agent), code(GrpcCode.INVALID_ARGUMENT));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('capabilities: block or mount, single-node modes only, never mixed', () => {
  assert.equal(capabilityMode({ mount: {}, accessMode: { mode: 'SINGLE_NODE_WRITER' } }), 'Filesystem');
  assert.equal(capabilityMode({ block: {}, accessMode: { mode: 'SINGLE_NODE_SINGLE_WRITER' } }), 'Block');
  assert.throws(() => capabilityMode({ mount: {}, accessMode: { mode: 'MULTI_NODE_MULTI_WRITER' } }), code(GrpcCode.INVALID_ARGUMENT));
  assert.throws(() => capabilityMode({ accessMode: { mode: 'SINGLE_NODE_WRITER' } }), code(GrpcCode.INVALID_ARGUMENT));
  assert.throws(
    () =>
      modeOf([
        { mount: {}, accessMode: { mode: 'SINGLE_NODE_WRITER' } },
        { block: {}, accessMode: { mode: 'SINGLE_NODE_WRITER' } },
      ]),
    code(GrpcCode.INVALID_ARGUMENT),
  );
  assert.throws(() => modeOf([]), code(GrpcCode.INVALID_ARGUMENT));
});

test('mount flags are plain tokens', () => {
  assert.deepEqual(checkMountFlags(['noatime', 'discard,nodiratime']), ['noatime', 'discard', 'nodiratime']);
  for (const bad of [['a b'], ['x;rm'], ['a,,b'], 'noatime', Array(33).fill('ro')]) assert.throws(() => checkMountFlags(bad), code(GrpcCode.INVALID_ARGUMENT));
});

test('sizes round up to whole MiB, at least the minimum, within the limit', () => {
  assert.equal(sizeFor({ requiredBytes: 1 }), 16 * MiB);
  assert.equal(sizeFor({ requiredBytes: 100 * MiB + 1 }), 101 * MiB);
  assert.equal(sizeFor(undefined), 1024 * MiB);
  assert.equal(sizeFor({ limitBytes: 64 * MiB }), 64 * MiB);
  assert.throws(() => sizeFor({ requiredBytes: 10, limitBytes: 5 }), code(GrpcCode.INVALID_ARGUMENT));
  assert.throws(() => sizeFor({ requiredBytes: 100 * MiB + 1, limitBytes: 100 * MiB + 2 }), code(GrpcCode.OUT_OF_RANGE));
  assert.throws(() => sizeFor({ requiredBytes: -1 }), code(GrpcCode.INVALID_ARGUMENT));
  assert.throws(() => sizeFor({ requiredBytes: 2 ** 60 }), code(GrpcCode.INVALID_ARGUMENT));
});

test('mountinfo and losetup output parse, escapes and device-node binds included', () => {
  const info = ['36 35 98:0 / /mnt/with\\040space rw,noatime shared:1 - ext4 /dev/loop3 rw', '37 35 0:6 /loop3 /pods/x/dev rw,nosuid - devtmpfs devtmpfs rw', '38 35 0:6 /loop30 /pods/y/dev rw,nosuid - devtmpfs devtmpfs rw'].join('\n');
  const m = parseMountinfo(info);
  assert.equal(m[0].mountPoint, '/mnt/with space');
  assert.equal(m[0].source, '/dev/loop3');
  assert.deepEqual(
    usesOf(m, '/dev/loop3').map((x) => x.mountPoint),
    ['/mnt/with space', '/pods/x/dev'],
  );
  assert.deepEqual(parseDeviceNames('/dev/loop0: [65024]:2148128 (/tmp/t.img)\n/dev/loop12: []: (/x)\n'), ['/dev/loop0', '/dev/loop12']);
});
