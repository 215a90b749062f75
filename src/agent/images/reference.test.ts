import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference, normalizeReference, familiarName } from './reference.js';
import { ImageError } from './types.js';

test('Docker Hub short names get docker.io, library/ and :latest', () => {
  assert.equal(normalizeReference('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeReference('busybox:1.36'), 'docker.io/library/busybox:1.36');
  assert.equal(normalizeReference('bitnami/nginx'), 'docker.io/bitnami/nginx:latest');
  assert.equal(normalizeReference('index.docker.io/library/alpine:3'), 'docker.io/library/alpine:3');
  assert.equal(familiarName('docker.io/library/busybox:latest'), 'busybox:latest');
});

test('a registry host (dot, port or localhost) stays', () => {
  assert.equal(normalizeReference('registry.local/web:1'), 'registry.local/web:1');
  assert.equal(normalizeReference('127.0.0.1:5000/test/busybox:1'), '127.0.0.1:5000/test/busybox:1');
  assert.equal(normalizeReference('localhost/app'), 'localhost/app:latest');
  const r = parseReference('127.0.0.1:5000/a/b:2');
  assert.equal(r.domain, '127.0.0.1:5000');
  assert.equal(r.path, 'a/b');
  assert.equal(r.tag, '2');
});

test('digests pin and keep the tag when both are given', () => {
  const d = 'sha256:' + 'a'.repeat(64);
  assert.equal(normalizeReference(`busybox@${d}`), `docker.io/library/busybox@${d}`);
  assert.equal(normalizeReference(`busybox:1@${d}`), `docker.io/library/busybox:1@${d}`);
  assert.equal(parseReference(`busybox@${d}`).tag, undefined);
});

test('invalid references are InvalidImageName with a reason', () => {
  for (const [ref, why] of [
    ['', /empty/],
    ['Busybox', /lowercase/],
    ['busybox:bad tag', /tag/],
    ['busybox@sha256:xyz', /digest/],
    ['a//b', /path component/],
  ] as const) {
    assert.throws(
      () => parseReference(ref),
      (e: unknown) => e instanceof ImageError && e.reason === 'InvalidImageName' && why.test(e.message),
      ref,
    );
  }
});
