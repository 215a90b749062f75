import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskUsage } from './disk-usage.js';

test('disk usage: files under every path counted once, symlinks not followed, the entry budget bounds the walk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-du-'));
  try {
    await mkdir(join(dir, 'a/b'), { recursive: true });
    await writeFile(join(dir, 'a/b/big'), Buffer.alloc(256 * 1024, 1));
    await writeFile(join(dir, 'a/small'), 'x');
    // A link to a huge tree elsewhere (the host's /usr) must count as one link, not the tree.
    await symlink('/usr', join(dir, 'a/usr'));
    const u = await diskUsage([join(dir, 'a'), join(dir, 'missing')]);
    assert.ok(u.bytes >= 256 * 1024 && u.bytes < 1024 * 1024, `about 256 KiB, got ${u.bytes}`);
    assert.equal(u.inodes, 5); // a, b, big, small, usr
    const bounded = await diskUsage([join(dir, 'a')], 2);
    assert.ok(bounded.inodes <= 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
