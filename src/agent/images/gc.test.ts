import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { testImages } from '../../../test/helpers/images.js';
import type { Logger } from '../../util/log.js';
import { ImageGcManager } from './gc.js';
import { createImageStore } from './store.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const isRoot = process.getuid?.() === 0;

// A real image store with three imported images; the filesystem's figures are made up from what the
// store holds (each image 100 units of 1,000, plus `base`), so thresholds are crossed on purpose.
async function setup(t: { after(fn: () => Promise<void>): void }, base: number) {
  const images = await testImages();
  const dataDir = await mkdtemp(join(tmpdir(), 'gifee-image-gc-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const store = createImageStore({ dataDir, log: quiet });
  for (const f of [images.busybox, images.web1, images.web2]) await store.importFile(f);
  let now = 0;
  let inUse = ['gifee.local/busybox:1'];
  const warnings: { reason: string; message: string }[] = [];
  const gc = new ImageGcManager({
    store,
    policy: { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 },
    referencesInUse: () => inUse,
    warn: (reason, message) => warnings.push({ reason, message }),
    log: quiet,
    now: () => now,
    fsUsage: async () => ({ capacity: 1000, available: 1000 - base - 100 * (await store.list()).length }),
  });
  const names = async () => (await store.list()).flatMap((i) => i.references).sort();
  return { store, gc, warnings, names, images, at: (ms: number) => (now = ms), use: (refs: string[]) => (inUse = refs) };
}

test('past the high threshold the least recently used unused images go until usage is at the low one', { skip: !isRoot && 'needs root to import images' }, async (t) => {
  const s = await setup(t, 600); // 900 of 1,000 used: 90%
  await s.gc.detect(); // t=0: all three first seen
  s.at(1000);
  s.use(['gifee.local/busybox:1', 'gifee.local/web:2']);
  await s.gc.detect(); // web:2 used at t=1s, web:1 never
  s.use(['docker.io/library/nginx:latest', 'gifee.local/busybox:1']); // a reference not in the store is fine
  s.at(200_000);
  assert.equal(await s.gc.garbageCollect(), 100, 'one image brings usage to 80%');
  assert.deepEqual(await s.names(), ['gifee.local/busybox:1', 'gifee.local/web:2'], 'web:1 (never used) went first');
  assert.equal(await s.gc.garbageCollect(), 0, 'below the high threshold: nothing to do');
  assert.deepEqual(s.warnings, []);
  // The eviction manager's reclaim: every unused image old enough, whatever the thresholds.
  assert.equal(await s.gc.deleteUnusedImages(), 100);
  assert.deepEqual(await s.names(), ['gifee.local/busybox:1'], 'the image in use stays');
  // An image imported now is too young to go.
  await s.store.importFile(s.images.web1);
  await s.gc.detect();
  s.at(250_000);
  assert.equal(await s.gc.deleteUnusedImages(), 0);
  assert.deepEqual(await s.names(), ['gifee.local/busybox:1', 'gifee.local/web:1']);
});

test('when unused images cannot free enough: a FreeDiskSpaceFailed warning with the figures, and the images in use stay', { skip: !isRoot && 'needs root to import images' }, async (t) => {
  const s = await setup(t, 650); // 950 used: freeing to 80% needs 150, only web:1 and web:2 (200) could go...
  s.use(['gifee.local/busybox:1', 'gifee.local/web:2']); // ...but web:2 is in use: 100 at most
  await s.gc.detect();
  s.at(200_000);
  await assert.rejects(s.gc.garbageCollect(), /Failed to garbage collect required amount of images\. Attempted to free 150 bytes, but only found 100 bytes eligible to free\./);
  assert.deepEqual(
    s.warnings.map((w) => w.reason),
    ['FreeDiskSpaceFailed'],
  );
  assert.deepEqual(await s.names(), ['gifee.local/busybox:1', 'gifee.local/web:2']);
});
