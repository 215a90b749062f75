import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, lstat, copyFile, mkdir, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createImageStore } from './store.js';
import { ImageError } from './types.js';
import { makeMultiPlatform, testImages, writeOciLayout } from '../../../test/helpers/images.js';

const isRoot = process.getuid?.() === 0;

async function tempStore(t: { after(fn: () => Promise<void>): void }) {
  const dataDir = await mkdtemp(join(tmpdir(), 'gifee-images-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  return { dataDir, store: createImageStore({ dataDir }) };
}

test('importing an OCI layout tar makes the image usable at once', { skip: !isRoot && 'needs root' }, async (t) => {
  const images = await testImages();
  const { store, dataDir } = await tempStore(t);
  const [img] = await store.importFile(images.web1);
  assert.deepEqual(img.references, ['gifee.local/web:1']);
  assert.match(img.id, /^sha256:[a-f0-9]{64}$/);
  assert.match(img.digest!, /^sha256:/);
  assert.deepEqual(img.config.cmd, ['httpd', '-f', '-v', '-p', '8080', '-h', '/www']);
  assert.equal(img.layerDirs.length, 2);
  assert.ok(img.size > 500_000);
  assert.equal((await lstat(join(img.layerDirs[0], 'bin/busybox'))).mode & 0o777, 0o755);
  assert.equal((await lstat(join(img.layerDirs[0], 'bin/sh'))).isSymbolicLink(), true);
  assert.equal(await readFile(join(img.layerDirs[1], 'www/index.html'), 'utf8'), 'hello from gifee web\n');
  assert.ok(img.layerDirs.every((d) => d.startsWith(join(dataDir, 'images', 'layers'))));

  // web:2 shares the busybox layer: extracted once.
  const [v2] = await store.importFile(images.web2);
  assert.equal(v2.layerDirs[0], img.layerDirs[0]);
  assert.notEqual(v2.layerDirs[1], img.layerDirs[1]);
  assert.equal((await store.get('gifee.local/web:2'))?.id, v2.id);
  assert.equal((await store.list()).length, 2);
  // Nothing left behind in scratch space.
  assert.deepEqual(await readdir(join(dataDir, 'images', 'tmp')), []);
});

test('importing a docker-archive (docker save) gives the same image ID as the OCI layout', { skip: !isRoot && 'needs root' }, async (t) => {
  const images = await testImages();
  const { store } = await tempStore(t);
  const [fromDocker] = await store.importFile(images.busyboxDocker);
  assert.deepEqual(fromDocker.references, ['gifee.local/busybox:1']);
  assert.equal(fromDocker.digest, undefined, 'a docker-archive has no registry digest');
  assert.deepEqual(fromDocker.config.cmd, ['sh']);
  const { store: other } = await tempStore(t);
  const [fromOci] = await other.importFile(images.busybox);
  assert.equal(fromDocker.id, fromOci.id);
});

test('an OCI layout directory imports, and IfNotPresent/Never find it without a registry', { skip: !isRoot && 'needs root' }, async (t) => {
  const { store, dataDir } = await tempStore(t);
  const root = join(dataDir, 'src');
  await mkdir(join(root, 'l1', 'etc'), { recursive: true });
  await writeFile(join(root, 'l1', 'etc', 'hello'), 'hi\n');
  const layout = await writeOciLayout(join(dataDir, 'layout'), 'registry.local/hello:1', [join(root, 'l1')], { Cmd: ['cat', '/etc/hello'] });
  const [img] = await store.importFile(layout);
  assert.deepEqual(img.references, ['registry.local/hello:1']);
  assert.equal((await store.ensure('registry.local/hello:1', 'IfNotPresent')).id, img.id);
  assert.equal((await store.ensure('registry.local/hello:1', 'Never')).id, img.id);
  await assert.rejects(store.ensure('registry.local/absent:1', 'Never'), (e: unknown) => e instanceof ImageError && e.reason === 'ErrImageNeverPull' && /not present on this node/.test(e.message));
  await assert.rejects(store.ensure('Bad Name', 'IfNotPresent'), (e: unknown) => e instanceof ImageError && e.reason === 'InvalidImageName');
});

test("a multi-platform OCI layout imports this machine's platform, known by the index digest", { skip: !isRoot && 'needs root' }, async (t) => {
  const { store, dataDir } = await tempStore(t);
  await mkdir(join(dataDir, 'src', 'etc'), { recursive: true });
  await writeFile(join(dataDir, 'src', 'etc', 'hello'), 'hi\n');
  const layout = await writeOciLayout(join(dataDir, 'layout'), 'registry.local/multi:1', [join(dataDir, 'src')]);
  const indexDigest = await makeMultiPlatform(layout, ['s390x', 'riscv64']);
  const [img] = await store.importFile(layout);
  assert.equal(img.digest, indexDigest);
  const { hostArchitecture } = await import('./manifest.js');
  const config = JSON.parse(await readFile(join(dataDir, 'images', 'blobs', 'sha256', img.id.slice(7)), 'utf8'));
  assert.equal(config.architecture, hostArchitecture());
  assert.equal((await store.get(`registry.local/multi@${indexDigest}`))?.id, img.id);
});

test('remove drops a reference, and the blobs and layers once nothing names the image', { skip: !isRoot && 'needs root' }, async (t) => {
  const images = await testImages();
  const { store, dataDir } = await tempStore(t);
  const [w1] = await store.importFile(images.web1);
  const [w2] = await store.importFile(images.web2);
  await store.remove('gifee.local/web:1');
  assert.equal(await store.get('gifee.local/web:1'), undefined);
  await assert.rejects(lstat(w1.layerDirs[1]), /ENOENT/, 'web:1 top layer removed');
  await lstat(w2.layerDirs[0]); // the shared busybox layer stays for web:2
  await store.remove('gifee.local/web:2');
  await assert.rejects(lstat(w2.layerDirs[0]), /ENOENT/);
  assert.deepEqual(await readdir(join(dataDir, 'images', 'blobs', 'sha256')), []);
  await assert.rejects(store.remove('gifee.local/web:2'), /not present/);
});

test('the import directory is scanned once per file (name, size, mtime)', { skip: !isRoot && 'needs root' }, async (t) => {
  const images = await testImages();
  const { store, dataDir } = await tempStore(t);
  const dir = join(dataDir, 'images', 'import');
  await mkdir(dir, { recursive: true });
  await copyFile(images.busybox, join(dir, 'busybox.tar'));
  await writeFile(join(dir, 'junk.tar'), 'not an image');
  const first = await store.scanImportDir();
  assert.deepEqual(first.map((i) => i.references).flat(), ['gifee.local/busybox:1']);
  assert.deepEqual(await store.scanImportDir(), [], 'already imported');
  assert.ok(await store.get('gifee.local/busybox:1'));
});

test('a gzipped tar and a second process see the same store (no stale in-memory state)', { skip: !isRoot && 'needs root' }, async (t) => {
  const images = await testImages();
  const { store, dataDir } = await tempStore(t);
  assert.equal(await store.get('gifee.local/busybox:1'), undefined);
  const gz = join(dataDir, 'busybox.tar.gz');
  execFileSync('sh', ['-c', `gzip -c "${images.busybox}" > "${gz}"`]);
  // Another store object over the same directory stands in for `gifee images import` in another process.
  await createImageStore({ dataDir }).importFile(gz);
  assert.ok((await store.get('busybox-not-there:1')) === undefined);
  assert.deepEqual((await store.get('gifee.local/busybox:1'))?.references, ['gifee.local/busybox:1']);
});

test('a file that is no image is a clear error', async (t) => {
  const { store, dataDir } = await tempStore(t);
  await writeFile(join(dataDir, 'x.tar'), 'hello');
  await assert.rejects(store.importFile(join(dataDir, 'x.tar')), /not a tar archive|neither an OCI image layout/);
  await assert.rejects(store.importFile(join(dataDir, 'nope.tar')), /no such file/);
});
