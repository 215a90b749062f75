import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choosePlatform, hostArchitecture, parseManifest, parseConfig, isIndex, MediaType, runConfig } from './manifest.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;

test('choosePlatform picks linux/<host arch> and skips attestations and other OSes', () => {
  const index = {
    schemaVersion: 2,
    manifests: [
      { mediaType: MediaType.ociManifest, digest: d('1'), size: 1, platform: { os: 'windows', architecture: hostArchitecture() } },
      { mediaType: MediaType.ociManifest, digest: d('2'), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
      { mediaType: MediaType.dockerManifest, digest: d('3'), size: 1, platform: { os: 'linux', architecture: 's390x' } },
      { mediaType: MediaType.dockerManifest, digest: d('4'), size: 1, platform: { os: 'linux', architecture: hostArchitecture() } },
    ],
  };
  assert.equal(choosePlatform(index)?.digest, d('4'));
  assert.equal(choosePlatform(index, 's390x')?.digest, d('3'));
  assert.equal(choosePlatform(index, 'mips64le'), undefined);
  const arm = {
    schemaVersion: 2,
    manifests: [
      { digest: d('5'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v9' } },
      { digest: d('6'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ],
  };
  assert.equal(choosePlatform(arm, 'arm64')?.digest, d('6'));
  assert.ok(isIndex(index));
  assert.ok(isIndex({}, MediaType.dockerList));
  assert.ok(!isIndex({ layers: [] }, MediaType.ociManifest));
});

test('parseManifest and parseConfig refuse what a node cannot run, with reasons', () => {
  assert.throws(() => parseManifest({ schemaVersion: 1 }, 'm'), /schema 1 manifest/);
  assert.throws(() => parseManifest({ schemaVersion: 2, config: { digest: 'md5:x', size: 1 }, layers: [] }, 'm'), /m config has no valid sha256 digest/);
  assert.throws(() => parseManifest({ schemaVersion: 2, config: { digest: d('a'), size: 1 }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: d('b'), size: 2 }] }, 'm'), /zstd/);
  const m = parseManifest({ schemaVersion: 2, config: { digest: d('a'), size: 1 }, layers: [{ digest: d('b'), size: 2 }] }, 'm');
  assert.throws(() => parseConfig({ rootfs: { diff_ids: [] } }, m, 'm'), /lists 0 layer diff IDs but the manifest 1/);
  const cfg = parseConfig({ config: { Cmd: ['sh'], Entrypoint: null, User: '65534', WorkingDir: '/w' }, rootfs: { diff_ids: [d('c')] } }, m, 'm');
  assert.deepEqual(runConfig(cfg), { cmd: ['sh'], user: '65534', workingDir: '/w' });
});
