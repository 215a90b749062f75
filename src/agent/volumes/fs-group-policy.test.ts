import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chown, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFsGroupWithPolicy, rootNeedsFsGroup } from './volumes.js';

const skip = process.getuid?.() !== 0 ? 'changing group ownership needs root' : false;

test('fsGroupChangePolicy: OnRootMismatch walks only while the root lacks the group; Always walks every time', { skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-fsgroup-'));
  try {
    const file = join(dir, 'f');
    await writeFile(file, 'x');
    assert.equal(await rootNeedsFsGroup(dir, 4321, false), true);
    await applyFsGroupWithPolicy(dir, 4321, false, 'OnRootMismatch');
    assert.equal((await stat(file)).gid, 4321);
    assert.equal(((await stat(dir)).mode & 0o2000) !== 0, true, 'setgid directory');
    assert.equal(await rootNeedsFsGroup(dir, 4321, false), false);
    // A file changed behind the agent's back: OnRootMismatch leaves it (the root is right), Always fixes it.
    await chown(file, 0, 0);
    await applyFsGroupWithPolicy(dir, 4321, false, 'OnRootMismatch');
    assert.equal((await stat(file)).gid, 0);
    await applyFsGroupWithPolicy(dir, 4321, false, 'Always');
    assert.equal((await stat(file)).gid, 4321);
    await applyFsGroupWithPolicy(dir, 4321, false, undefined);
    assert.equal(await rootNeedsFsGroup(dir, 9999, false), true, 'another group');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
