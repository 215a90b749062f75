// Pulls from a real registry (Debian's docker-registry on loopback, images pushed with skopeo), and
// mounts what was pulled as an overlayfs the way the runtime does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createImageStore } from './store.js';
import { ImageError } from './types.js';
import { parseChallenge } from './registry/auth.js';
import { hostArchitecture } from './manifest.js';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';

const run = promisify(execFile);
import { makeMultiPlatform, startTestRegistry, testImages, writeOciLayout } from '../../../test/helpers/images.js';

const isRoot = process.getuid?.() === 0;
const haveRegistry = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v docker-registry && command -v skopeo'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = (!isRoot && 'needs root') || (!haveRegistry && 'needs docker-registry and skopeo (apt-get install docker-registry skopeo)');

// bcrypt (cost 4) of "s3cret", made once with crypt(3): the registry's htpasswd accepts only bcrypt.
const HTPASSWD = 'gifee:$2y$04$OHj6qN2vfs4B9YxrRe4B8e2oFOYOMxVbhqKDAQOnHUw6z4iFqLiSG';

async function tempDir(t: { after(fn: () => Promise<void>): void }, prefix: string) {
  const d = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

test('parseChallenge reads Bearer and Basic challenges', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
  });
  assert.deepEqual(parseChallenge('Basic realm="gifee-test"'), { scheme: 'basic', params: { realm: 'gifee-test' } });
});

test('pull from a registry: IfNotPresent pulls once, Always re-resolves, errors say what happened', { skip }, async (t) => {
  const images = await testImages();
  const registry = await startTestRegistry();
  t.after(() => registry.stop());
  await registry.push(`oci-archive:${images.busybox}`, 'test/busybox:1');
  const store = createImageStore({ dataDir: await tempDir(t, 'gifee-pull-') });
  const ref = `${registry.host}/test/busybox:1`;

  // Two pods asking at once share one pull.
  const [a, b] = await Promise.all([store.ensure(ref, 'IfNotPresent'), store.ensure(ref, 'IfNotPresent')]);
  assert.equal(a.id, b.id);
  assert.deepEqual(a.references, [ref]);
  assert.match(a.digest!, /^sha256:/);
  assert.deepEqual(a.config.cmd, ['sh']);
  assert.ok((await lstat(join(a.layerDirs[0], 'bin', 'busybox'))).isFile());
  // Same content as the imported image: same image ID.
  const other = createImageStore({ dataDir: await tempDir(t, 'gifee-pull-') });
  assert.equal((await other.importFile(images.busybox))[0].id, a.id);

  assert.equal((await store.ensure(ref, 'Always')).id, a.id);
  assert.equal((await store.get(`${registry.host}/test/busybox@${a.digest}`))?.id, a.id, 'found by digest too');

  await assert.rejects(store.ensure(`${registry.host}/test/busybox:nope`, 'IfNotPresent'), (e: unknown) => {
    assert.ok(e instanceof ImageError);
    assert.equal(e.reason, 'ErrImagePull');
    assert.match(e.message, new RegExp(`failed to pull "${registry.host}/test/busybox:nope": registry ${registry.host} answered 404 for manifest "nope"`));
    return true;
  });
  await assert.rejects(store.ensure('127.0.0.1:1/x/y:1', 'IfNotPresent'), (e: unknown) => e instanceof ImageError && e.reason === 'ErrImagePull' && /cannot reach 127\.0\.0\.1:1/.test(e.message));
});

test("pull of a multi-platform index chooses this machine's manifest", { skip }, async (t) => {
  const work = await tempDir(t, 'gifee-multi-');
  await mkdir(join(work, 'root', 'etc'), { recursive: true });
  await writeFile(join(work, 'root', 'etc', 'hello'), 'hi\n');
  const layout = await writeOciLayout(join(work, 'layout'), 'test/multi:1', [join(work, 'root')]);
  const indexDigest = await makeMultiPlatform(layout, ['s390x']);
  const registry = await startTestRegistry();
  t.after(() => registry.stop());
  await run('skopeo', ['--insecure-policy', 'copy', '--quiet', '--all', '--dest-tls-verify=false', `oci:${layout}`, `docker://${registry.host}/test/multi:1`]);
  const store = createImageStore({ dataDir: join(work, 'data') });
  const img = await store.ensure(`${registry.host}/test/multi:1`, 'IfNotPresent');
  assert.equal(img.digest, indexDigest, 'known by the index digest, as `docker pull` reports it');
  const config = JSON.parse(await readFile(join(work, 'data', 'images', 'blobs', 'sha256', img.id.slice(7)), 'utf8'));
  assert.equal(config.architecture, hostArchitecture());
  assert.equal(await readFile(join(img.layerDirs[0], 'etc', 'hello'), 'utf8'), 'hi\n');
});

test('pull with basic auth (htpasswd): refused without credentials, works with them', { skip }, async (t) => {
  const images = await testImages();
  const credentials = { username: 'gifee', password: 's3cret' };
  const registry = await startTestRegistry({ htpasswd: HTPASSWD, credentials });
  t.after(() => registry.stop());
  await registry.push(`oci-archive:${images.web1}`, 'private/web:1');
  const store = createImageStore({ dataDir: await tempDir(t, 'gifee-pull-') });
  const ref = `${registry.host}/private/web:1`;
  await assert.rejects(store.ensure(ref, 'IfNotPresent'), (e: unknown) => e instanceof ImageError && e.reason === 'ErrImagePull' && /requires a user name and password/.test(e.message));
  await assert.rejects(store.ensure(ref, 'IfNotPresent', [{ username: 'gifee', password: 'wrong' }]), (e: unknown) => e instanceof ImageError && /refused access/.test(e.message));
  // The first secret is wrong, the second right: like the kubelet, each is tried.
  const img = await store.ensure(ref, 'IfNotPresent', [{ username: 'gifee', password: 'wrong' }, credentials]);
  assert.equal(await readFile(join(img.layerDirs[1], 'www', 'index.html'), 'utf8'), 'hello from gifee web\n');
});

test('pull through a bearer token server (the Docker token flow)', { skip }, async (t) => {
  const images = await testImages();
  const registry = await startTestRegistry();
  t.after(() => registry.stop());
  await registry.push(`oci-archive:${images.busybox}`, 'tok/busybox:1');
  // A front that demands a token from its own /token realm, then proxies to the registry.
  const token = 'gifee-test-token';
  const scopes: string[] = [];
  const front = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/token') {
      scopes.push(`${url.searchParams.get('service')} ${url.searchParams.get('scope')} ${req.headers.authorization ?? 'anonymous'}`);
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ token }));
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.statusCode = 401;
      res.setHeader('www-authenticate', `Bearer realm="http://127.0.0.1:${(front.address() as AddressInfo).port}/token",service="gifee-test",scope="repository:tok/busybox:pull"`);
      return res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    const up = http.request({ host: '127.0.0.1', port: Number(registry.host.split(':')[1]), path: req.url, method: req.method, headers: { ...req.headers, authorization: '' } }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    up.end();
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => front.close(() => r())));
  const store = createImageStore({ dataDir: await tempDir(t, 'gifee-pull-') });
  const img = await store.ensure(`127.0.0.1:${(front.address() as AddressInfo).port}/tok/busybox:1`, 'IfNotPresent');
  assert.deepEqual(img.config.cmd, ['sh']);
  assert.equal(scopes[0], 'gifee-test repository:tok/busybox:pull anonymous');
  assert.equal(scopes.length, 1, 'one token for the whole pull');
});

test('a pulled 2-layer image mounts as an overlayfs: /bin/sh there, whitened file and opaque dir contents gone', { skip }, async (t) => {
  const work = await tempDir(t, 'gifee-overlay-');
  const lower = join(work, 'lower');
  const upper = join(work, 'upper');
  await mkdir(join(lower, 'bin'), { recursive: true });
  await mkdir(join(lower, 'etc'));
  await mkdir(join(lower, 'opaque'));
  await copyFile('/bin/busybox', join(lower, 'bin', 'busybox'));
  await symlink('busybox', join(lower, 'bin', 'sh'));
  await writeFile(join(lower, 'etc', 'keep'), 'kept\n');
  await writeFile(join(lower, 'etc', 'remove-me'), 'gone\n');
  await writeFile(join(lower, 'opaque', 'old'), 'hidden\n');
  await mkdir(join(upper, 'etc'), { recursive: true });
  await mkdir(join(upper, 'opaque'));
  await writeFile(join(upper, 'etc', '.wh.remove-me'), '');
  await writeFile(join(upper, 'opaque', '.wh..wh..opq'), '');
  await writeFile(join(upper, 'opaque', 'new'), 'new\n');
  await writeOciLayout(join(work, 'layout'), 'test/layers:1', [lower, upper], { Cmd: ['sh'] });

  const registry = await startTestRegistry();
  t.after(() => registry.stop());
  await registry.push(`oci:${join(work, 'layout')}`, 'test/layers:1');
  const store = createImageStore({ dataDir: join(work, 'data') });
  const img = await store.ensure(`${registry.host}/test/layers:1`, 'IfNotPresent');
  assert.equal(img.layerDirs.length, 2);

  const mnt = join(work, 'mnt');
  for (const d of ['mnt', 'rw-upper', 'rw-work']) await mkdir(join(work, d));
  // overlayfs lists lowerdirs top first.
  const lowerdir = [...img.layerDirs].reverse().join(':');
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowerdir},upperdir=${join(work, 'rw-upper')},workdir=${join(work, 'rw-work')}`, mnt]);
  // Unmounted here, not in t.after: after-hooks run in registration order, and the temp dir's goes first.
  try {
    assert.ok((await lstat(join(mnt, 'bin', 'sh'))).isSymbolicLink());
    assert.equal(execFileSync('chroot', [mnt, '/bin/sh', '-c', 'echo hello from the image']).toString(), 'hello from the image\n');
    assert.equal(await readFile(join(mnt, 'etc', 'keep'), 'utf8'), 'kept\n');
    await assert.rejects(lstat(join(mnt, 'etc', 'remove-me')), /ENOENT/);
    assert.deepEqual(await readdir(join(mnt, 'opaque')), ['new']);
    await assert.rejects(store.remove(`${registry.host}/test/layers:1`), /is in use: a container has its layer .* mounted/);
  } finally {
    execFileSync('umount', [mnt]);
  }
  await store.remove(`${registry.host}/test/layers:1`);
  await assert.rejects(lstat(img.layerDirs[0]), /ENOENT/);
});
