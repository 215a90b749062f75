// Filesystems on the local driver's images: ext4 by default, xfs where mkfs.xfs is installed.
// Formatting happens once, at CreateVolume; growing happens online (resize2fs on the mounted device,
// xfs_growfs on the mount point) when a staged volume is expanded, or offline when a volume whose
// image grew while it was not staged (an expansion, a clone or restore into a larger size) is staged.

import { open } from 'node:fs/promises';
import { CsiError, GrpcCode } from '../types.js';
import { CommandError, hasCommand, run } from './exec.js';
import { ignoreError } from '../../util/best-effort.js';

export const DEFAULT_FS_TYPE = 'ext4';

/** The fsType a volume gets, or INVALID_ARGUMENT naming what this node can make. */
export async function checkFsType(fsType: unknown): Promise<string> {
  if (fsType !== undefined && typeof fsType !== 'string') throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'fsType must be a string');
  const t = (fsType ?? '').trim().toLowerCase() || DEFAULT_FS_TYPE;
  if (t === 'ext4') return t;
  if (t === 'xfs') {
    if (await hasCommand('mkfs.xfs')) return t;
    throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'fsType xfs needs mkfs.xfs (package xfsprogs), which is not installed on this node; use ext4');
  }
  throw new CsiError(GrpcCode.INVALID_ARGUMENT, `fsType ${JSON.stringify(t.slice(0, 40))} is not supported by ${'local.csi.gifee.dev'}: use ext4 (default) or xfs`);
}

export async function format(image: string, fsType: string) {
  if (fsType === 'xfs') {
    await run('mkfs.xfs', ['-f', '-q', image], { timeoutMs: 300_000 });
    return;
  }
  // -m 0: no blocks reserved for root, so a volume holds what was asked for (the 5% default would
  // hide 5% of a small volume from a non-root pod). Tables initialized now (mkfs zeroes them by
  // punching holes in the sparse image, cheaply): no background ext4lazyinit writes after mount.
  await run('mkfs.ext4', ['-F', '-q', '-m', '0', '-E', 'lazy_itable_init=0,lazy_journal_init=0', image], { timeoutMs: 300_000 });
}

/**
 * The size an ext4 filesystem thinks it has, to tell whether it must grow: read from its superblock
 * (1024 bytes at offset 1024) directly, which spares a dumpe2fs process on every stage; dumpe2fs
 * when the superblock is not one this reads (not ext2/3/4's magic).
 */
export async function ext4SizeBytes(device: string): Promise<number> {
  const fromSuperblock = await readExt4Size(device).catch(ignoreError('not a superblock this reads: dumpe2fs below reads it, and fails on its own'));
  if (fromSuperblock !== undefined) return fromSuperblock;
  const { stdout } = await run('dumpe2fs', ['-h', device]);
  const count = /^Block count:\s+(\d+)/m.exec(stdout);
  const size = /^Block size:\s+(\d+)/m.exec(stdout);
  if (!count || !size) throw new CsiError(GrpcCode.INTERNAL, `cannot read the filesystem size of ${device}`);
  return Number(count[1]) * Number(size[1]);
}

const EXT4_MAGIC = 0xef53;
const INCOMPAT_64BIT = 0x80;

/** Parses an ext2/3/4 superblock: block count (64-bit when the feature says so) times block size; undefined when it is not one. */
export function ext4SuperblockSize(sb: Buffer): number | undefined {
  if (sb.length < 1024 || sb.readUInt16LE(0x38) !== EXT4_MAGIC) return undefined;
  const logBlockSize = sb.readUInt32LE(0x18);
  if (logBlockSize > 6) return undefined; // blocks of 1 KiB to 64 KiB only
  const incompat = sb.readUInt32LE(0x60);
  const hi = incompat & INCOMPAT_64BIT ? sb.readUInt32LE(0x150) : 0;
  const blocks = hi * 2 ** 32 + sb.readUInt32LE(0x04);
  return blocks * (1024 << logBlockSize);
}

async function readExt4Size(device: string): Promise<number | undefined> {
  const fh = await open(device, 'r');
  try {
    const sb = Buffer.alloc(1024);
    const { bytesRead } = await fh.read(sb, 0, 1024, 1024);
    return bytesRead === 1024 ? ext4SuperblockSize(sb) : undefined;
  } finally {
    await fh.close();
  }
}

/** Grows an unmounted ext4 filesystem to its device (resize2fs insists on a fresh fsck first). */
export async function growOffline(device: string, fsType: string) {
  if (fsType !== 'ext4') return; // xfs grows only mounted: done after mount
  await run('e2fsck', ['-f', '-p', device], { timeoutMs: 600_000 }).catch((e) => {
    // 1: errors corrected; anything else is a real problem.
    if (e instanceof CommandError && String(e.exitCode) === '1') return;
    throw e;
  });
  await run('resize2fs', [device], { timeoutMs: 600_000 });
}

/** Grows a mounted filesystem to its device. */
export async function growOnline(device: string, mountPoint: string, fsType: string) {
  try {
    if (fsType === 'xfs') await run('xfs_growfs', [mountPoint], { timeoutMs: 600_000 });
    else await run('resize2fs', [device], { timeoutMs: 600_000 });
  } catch (e) {
    // ext4's online resize ioctl needs CAP_SYS_RESOURCE, which some sandboxes drop.
    if (e instanceof CommandError && /Permission denied to resize|Operation not permitted/i.test(e.stderr)) {
      throw new CsiError(GrpcCode.FAILED_PRECONDITION, `cannot grow the mounted filesystem on ${device}: the kernel refused online resize (the agent needs CAP_SYS_RESOURCE); it will grow when the volume is next staged`);
    }
    throw e;
  }
}
