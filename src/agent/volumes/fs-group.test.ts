// The fsGroup walk on a real tree: group, group permissions and setgid directories, symlinks
// re-grouped but never followed out of the volume, OnRootMismatch's root check, and the entry bound.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, lstat, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFsGroup, requiresPermissionChange } from './fs-group.js';

const skip = process.getuid?.() !== 0 ? 'needs root (chown to another group)' : false;
const base = await mkdtemp(join(tmpdir(), 'gifee-fsgroup-'));
after(() => rm(base, { recursive: true, force: true }));

async function tree(name: string) {
  const root = join(base, name);
  await mkdir(join(root, 'a', 'b'), { recursive: true });
  await writeFile(join(root, 'a', 'b', 'f'), 'x', { mode: 0o600 });
  await writeFile(join(base, `${name}-outside`), 'host file', { mode: 0o600 });
  await symlink(join(base, `${name}-outside`), join(root, 'escape'));
  return root;
}

describe('applyFsGroup', { skip }, () => {
  it('gives every entry the group, group rw, setgid+search on directories, and never follows a symlink out', async () => {
    const root = await tree('all');
    const r = await applyFsGroup(root, 2000, false);
    assert.deepEqual(r, { entries: 5, skipped: false, truncated: false });
    const f = await stat(join(root, 'a', 'b', 'f'));
    assert.equal(f.gid, 2000);
    assert.equal(f.mode & 0o777, 0o660);
    const d = await stat(join(root, 'a'));
    assert.equal(d.gid, 2000);
    assert.equal(d.mode & 0o2070, 0o2070);
    assert.equal((await lstat(join(root, 'escape'))).gid, 2000, 'the link itself');
    const outside = await stat(join(base, 'all-outside'));
    assert.deepEqual([outside.gid, outside.mode & 0o777], [0, 0o600], 'its target untouched');
  });

  it('read-only volumes get group read, not write', async () => {
    const root = await tree('ro');
    await applyFsGroup(root, 2001, true);
    assert.equal((await stat(join(root, 'a', 'b', 'f'))).mode & 0o070, 0o040);
  });

  it('OnRootMismatch: skipped when the root has the group, setgid and group rwx; walked otherwise', async () => {
    const root = await tree('orm');
    await chown(root, 0, 3000);
    await chmod(root, 0o2770);
    assert.equal(await requiresPermissionChange(root, 3000, false), false);
    assert.deepEqual(await applyFsGroup(root, 3000, false, 'OnRootMismatch'), { entries: 0, skipped: true, truncated: false });
    assert.equal((await stat(join(root, 'a', 'b', 'f'))).gid, 0);
    await chmod(root, 0o0770);
    assert.equal(await requiresPermissionChange(root, 3000, false), true, 'no setgid');
    await chmod(root, 0o2750);
    assert.equal(await requiresPermissionChange(root, 3000, false), true, 'no group write');
    assert.equal(await requiresPermissionChange(root, 3000, true), false, 'enough for read-only');
    assert.equal(await requiresPermissionChange(root, 3001, true), true, 'another group');
    assert.equal((await applyFsGroup(root, 3000, false, 'OnRootMismatch')).skipped, false);
    assert.equal((await stat(join(root, 'a', 'b', 'f'))).gid, 3000);
  });

  it('stops at its entry bound', async () => {
    const root = join(base, 'many');
    await mkdir(root);
    for (let i = 0; i < 50; i++) await writeFile(join(root, `f${i}`), '');
    const r = await applyFsGroup(root, 4000, false, 'Always', 10);
    assert.equal(r.truncated, true);
    assert.equal(r.entries, 10);
  });
});
