// Reading an ext4 filesystem's size from its superblock (instead of running dumpe2fs on every
// stage): the same figure dumpe2fs prints, for real images mkfs.ext4 made (32-bit and 64-bit block
// counts), and no figure for anything that is not an ext superblock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.js';
import { ext4SizeBytes, ext4SuperblockSize } from './filesystem.js';

const dumpe2fsSize = async (image: string) => {
  const { stdout } = await run('dumpe2fs', ['-h', image]);
  return Number(/^Block count:\s+(\d+)/m.exec(stdout)![1]) * Number(/^Block size:\s+(\d+)/m.exec(stdout)![1]);
};

test('ext4SizeBytes reads what dumpe2fs reads, for 32- and 64-bit filesystems', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-ext4-'));
  try {
    for (const [name, size, features] of [
      ['small', 16 << 20, '^64bit'],
      ['wide', 64 << 20, '64bit'],
    ] as const) {
      const image = join(dir, `${name}.img`);
      await (await open(image, 'w')).close();
      await truncate(image, size);
      await run('mkfs.ext4', ['-F', '-q', '-O', features, image]);
      const want = await dumpe2fsSize(image);
      assert.equal(await ext4SizeBytes(image), want, name);
      // The image grows (an expansion): the filesystem still says its old size.
      await truncate(image, size * 2);
      assert.equal(await ext4SizeBytes(image), want, `${name} after the image grew`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ext4SuperblockSize: no size for what is not an ext superblock', () => {
  assert.equal(ext4SuperblockSize(Buffer.alloc(1024)), undefined, 'zeros');
  assert.equal(ext4SuperblockSize(Buffer.alloc(10)), undefined, 'short');
  const sb = Buffer.alloc(1024);
  sb.writeUInt16LE(0xef53, 0x38);
  sb.writeUInt32LE(30, 0x18); // an absurd block size
  assert.equal(ext4SuperblockSize(sb), undefined, 'hostile block size');
  sb.writeUInt32LE(2, 0x18);
  sb.writeUInt32LE(1000, 0x04);
  assert.equal(ext4SuperblockSize(sb), 1000 * 4096);
  sb.writeUInt32LE(0x80, 0x60);
  sb.writeUInt32LE(1, 0x150);
  assert.equal(ext4SuperblockSize(sb), (2 ** 32 + 1000) * 4096, '64-bit block count');
});
