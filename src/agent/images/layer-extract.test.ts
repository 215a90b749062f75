import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir, symlink, link, chmod, chown, lstat, readlink, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractLayerFile, extractLayerStream, cleanEntryPath, LayerFormatError } from './layer-extract.js';
import { classifyName } from './whiteouts.js';
import { writeTar } from './tar-writer.js';
import { sha256Digest } from './digest.js';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

const isRoot = process.getuid?.() === 0;

/** The xattrs GNU tar sees on path (it is the tool we have to read trusted.* xattrs). */
function xattrsOf(dir: string, name: string): string {
  return execFileSync('tar', ['--xattrs', '--xattrs-include=trusted.*', '--no-recursion', '-cf', '-', '-C', dir, name]).toString('latin1');
}

test('classifyName tells whiteouts, opaque markers and aufs metadata apart', () => {
  assert.deepEqual(classifyName('.wh.foo'), { kind: 'whiteout', target: 'foo' });
  assert.deepEqual(classifyName('.wh..wh..opq'), { kind: 'opaque' });
  assert.deepEqual(classifyName('.wh..wh.plnk'), { kind: 'aufs-meta' });
  assert.equal(classifyName('foo.wh.bar'), undefined);
  assert.equal(classifyName('.whatever'), undefined);
});

test('cleanEntryPath normalizes and refuses escapes', () => {
  assert.equal(cleanEntryPath('./a/b/'), 'a/b');
  assert.equal(cleanEntryPath('/etc/passwd'), 'etc/passwd');
  assert.equal(cleanEntryPath('./'), '');
  assert.equal(cleanEntryPath('a//b/./c'), 'a/b/c');
  assert.throws(() => cleanEntryPath('../etc'), LayerFormatError);
  assert.throws(() => cleanEntryPath('a/../../etc'), LayerFormatError);
});

test('whiteouts become 0/0 character devices and opaque markers the overlay xattr; modes, owners, links kept', { skip: !isRoot && 'needs root' }, async (t) => {
  const src = await mkdtemp(join(tmpdir(), 'gifee-layer-src-'));
  const dest = await mkdtemp(join(tmpdir(), 'gifee-layer-dest-'));
  t.after(() => Promise.all([rm(src, { recursive: true, force: true }), rm(dest, { recursive: true, force: true })]));
  await mkdir(join(src, 'etc/conf.d'), { recursive: true });
  await mkdir(join(src, 'bin'));
  await writeFile(join(src, 'etc/.wh.gone'), '');
  await writeFile(join(src, 'etc/conf.d/.wh..wh..opq'), '');
  await writeFile(join(src, 'etc/conf.d/kept'), 'kept\n');
  await writeFile(join(src, 'bin/tool'), '#!/bin/sh\n');
  await chown(join(src, 'bin/tool'), 1000, 1001);
  await chmod(join(src, 'bin/tool'), 0o4755);
  await link(join(src, 'bin/tool'), join(src, 'bin/tool2'));
  await symlink('tool', join(src, 'bin/alias'));
  const layer = join(src, '..', `${src.split('/').pop()}.tar`);
  t.after(() => rm(layer, { force: true }));
  execFileSync('tar', ['--numeric-owner', '-cf', layer, '-C', src, '.']);

  const stats = await extractLayerFile(layer, dest);
  assert.equal(stats.diffID, sha256Digest(await readFile(layer)));
  assert.equal(stats.whiteouts, 1);
  assert.equal(stats.opaqueDirs, 1);

  const gone = await lstat(join(dest, 'etc/gone'));
  assert.ok(gone.isCharacterDevice(), 'whiteout is a character device');
  assert.equal(gone.rdev, 0);
  await assert.rejects(lstat(join(dest, 'etc/.wh.gone')), /ENOENT/);
  await assert.rejects(lstat(join(dest, 'etc/conf.d/.wh..wh..opq')), /ENOENT/);
  assert.match(xattrsOf(dest, 'etc/conf.d'), /SCHILY\.xattr\.trusted\.overlay\.opaque=y/);
  assert.doesNotMatch(xattrsOf(dest, 'etc'), /trusted\.overlay\.opaque/);
  assert.equal(await readFile(join(dest, 'etc/conf.d/kept'), 'utf8'), 'kept\n');

  const tool = await stat(join(dest, 'bin/tool'));
  assert.equal(tool.mode & 0o7777, 0o4755, 'setuid bit survives the chown');
  assert.equal(tool.uid, 1000);
  assert.equal(tool.gid, 1001);
  assert.equal(tool.ino, (await stat(join(dest, 'bin/tool2'))).ino, 'hardlink kept');
  assert.equal(await readlink(join(dest, 'bin/alias')), 'tool');
});

test('gzip layers are read, and an entry through a symlink is refused', { skip: !isRoot && 'needs root' }, async (t) => {
  const dest = await mkdtemp(join(tmpdir(), 'gifee-layer-dest-'));
  t.after(() => rm(dest, { recursive: true, force: true }));
  // A hand-made archive: "evil" -> /etc, then "evil/x": must not write /etc/x.
  const evil = writeTar([
    { path: 'evil', type: 'symlink', linkpath: '/etc', mode: 0o777 },
    { path: 'evil/gifee-should-not-exist', type: 'file', mode: 0o644, data: Buffer.from('x') },
  ]);
  const gz = join(dest, '..', `${dest.split('/').pop()}.tar.gz`);
  t.after(() => rm(gz, { force: true }));
  await writeFile(gz, gzipSync(evil));
  await assert.rejects(extractLayerFile(gz, dest), /goes through "evil", which is not a directory but a symlink/);
  await assert.rejects(stat('/etc/gifee-should-not-exist'), /ENOENT/);
});

test('a file that is not a tar is a clear error', async (t) => {
  const dest = await mkdtemp(join(tmpdir(), 'gifee-layer-dest-'));
  t.after(() => rm(dest, { recursive: true, force: true }));
  await assert.rejects(extractLayerStream(Readable.from([Buffer.from('this is not a tar archive at all, not even close'.repeat(20))]), dest), /not a readable tar archive|TAR_/);
});
