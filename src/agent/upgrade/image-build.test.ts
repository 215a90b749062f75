// imageBuildPath on a real image store and real overlay mounts (root): a two-layer image whose upper
// layer deletes a file of the build and adds one; the build comes out merged, once (a second call
// finds it); an image without /gifee is refused with the reason and leaves nothing behind. The switch
// itself, pulled from a registry by a real agent, is test/e2e/upgrade.test.ts.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeOciLayout } from '../../../test/helpers/images.js';
import { logger } from '../../util/log.js';
import { createImageStore } from '../images/store.js';
import { mountsUnder } from '../runtime/host.js';
import { imageBuildPath, upgradeBuildsDir } from './image-build.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'needs Linux and root (overlay mounts)' : false;
const log = logger('image-build-test');

test('an upgrade image becomes a build directory in the data dir: layers merged by overlayfs, made once; an image without /gifee is refused', { skip }, async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'gifee-image-build-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const lower = join(work, 'lower');
  const upper = join(work, 'upper');
  await mkdir(join(lower, 'gifee', 'bin'), { recursive: true });
  await writeFile(join(lower, 'gifee', 'package.json'), JSON.stringify({ name: 'gifee', version: '0.9.0' }));
  await writeFile(join(lower, 'gifee', 'bin', 'gifee.js'), '#!/usr/bin/env node\n', { mode: 0o755 });
  await writeFile(join(lower, 'gifee', 'stale.txt'), 'deleted by the upper layer\n');
  await mkdir(join(upper, 'gifee'), { recursive: true });
  await writeFile(join(upper, 'gifee', '.wh.stale.txt'), '');
  await writeFile(join(upper, 'gifee', 'added.txt'), 'from the upper layer\n');
  await writeOciLayout(join(work, 'layout'), 'gifee.local/gifee:0.9.0', [lower, upper]);
  const empty = join(work, 'empty');
  await mkdir(join(empty, 'etc'), { recursive: true });
  await writeFile(join(empty, 'etc', 'hostname'), 'x\n');
  await writeOciLayout(join(work, 'no-build'), 'gifee.local/not-gifee:1', [empty]);

  const dataDir = join(work, 'data');
  const images = createImageStore({ dataDir, log });
  await images.importFile(join(work, 'layout'));
  await images.importFile(join(work, 'no-build'));

  const build = await imageBuildPath({ images, ref: 'gifee.local/gifee:0.9.0', dataDir, log });
  const image = await images.get('gifee.local/gifee:0.9.0');
  assert.equal(build, join(upgradeBuildsDir(dataDir), image!.id.replace('sha256:', ''), 'gifee'));
  assert.deepEqual((await readdir(build)).sort(), ['added.txt', 'bin', 'package.json']);
  assert.equal(JSON.parse(await readFile(join(build, 'package.json'), 'utf8')).version, '0.9.0');
  assert.deepEqual(await mountsUnder(upgradeBuildsDir(dataDir)), [], 'nothing left mounted');
  // Made once: a second ask (a restart, a rollback) finds it without mounting again.
  await writeFile(join(build, 'marker'), '');
  assert.equal(await imageBuildPath({ images, ref: 'gifee.local/gifee:0.9.0', dataDir, log }), build);
  assert.ok(existsSync(join(build, 'marker')));

  await assert.rejects(imageBuildPath({ images, ref: 'gifee.local/not-gifee:1', dataDir, log }), /image gifee\.local\/not-gifee:1 holds no gifee build under \/gifee/);
  // Not present: pulled, here from a loopback port nothing listens on (tests dial only loopback).
  await assert.rejects(imageBuildPath({ images, ref: '127.0.0.1:1/absent:1', dataDir, log }), /failed to pull "127\.0\.0\.1:1\/absent:1"/);
  assert.deepEqual((await readdir(upgradeBuildsDir(dataDir))).length, 1, 'no partial build left');
  assert.deepEqual(await mountsUnder(upgradeBuildsDir(dataDir)), []);
});
