// An upgrade whose target is an OCI image (docs/upgrades.md): the agent pulls the image into its
// image store as it would a pod's, then makes the build the image holds under /gifee a plain
// directory in its data dir, <data dir>/upgrade-builds/<image id>/gifee, and runs it from there as it
// runs a path target. The layers are merged by the kernel, as for a container: an overlay mount of
// the extracted layers (whiteouts and opaque directories applied), copied out with `cp -a`, then
// unmounted. The copy is renamed into place only once whole, so a directory there is always a
// complete build; it stays until the data dir is reset, since a rollback or a restart runs it again.

import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE_BUILD_DIR } from '../../api/kinds/upgrade/index.js';
import { execFileHelped } from '../../util/exec-helper.js';
import type { Logger } from '../../util/log.js';
import { parseReference } from '../images/reference.js';
import type { FsImageStore } from '../images/store.js';
import { mountOverlay, unmount } from '../runtime/host.js';

/** Where the builds of upgrade images are kept, by image id. */
export const upgradeBuildsDir = (dataDir: string) => join(dataDir, 'upgrade-builds');

/**
 * The directory of the gifee build `ref` holds, pulled (if not present) and copied out once.
 * Throws with what went wrong (the reference, the pull, an image without /gifee).
 */
export async function imageBuildPath(o: { images: FsImageStore; ref: string; dataDir: string; log: Logger }): Promise<string> {
  const ref = parseReference(o.ref).normalized;
  const image = await o.images.ensure(ref, 'IfNotPresent');
  const id = image.id.replace(/^sha256:/, '');
  const dir = join(upgradeBuildsDir(o.dataDir), id);
  const build = join(dir, IMAGE_BUILD_DIR);
  if (existsSync(dir)) return build;
  const tmp = `${dir}.partial`;
  // What an agent killed mid-unpack left: its overlay may still be mounted.
  await unmount(tmp);
  await rm(tmp, { recursive: true, force: true });
  const merged = join(tmp, 'merged');
  for (const d of ['merged', 'upper', 'work', 'out']) await mkdir(join(tmp, d), { recursive: true });
  try {
    await mountOverlay(image.layerDirs, join(tmp, 'upper'), join(tmp, 'work'), merged);
    try {
      if (!existsSync(join(merged, IMAGE_BUILD_DIR, 'package.json'))) throw new Error(`image ${ref} holds no gifee build under ${IMAGE_BUILD_DIR} (no ${IMAGE_BUILD_DIR}/package.json)`);
      await execFileHelped('cp', ['-a', join(merged, IMAGE_BUILD_DIR), join(tmp, 'out')]);
    } finally {
      await unmount(merged);
    }
    await rename(join(tmp, 'out'), dir);
    o.log.info('upgrade image unpacked', { image: ref, id: image.id, build });
    return build;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
