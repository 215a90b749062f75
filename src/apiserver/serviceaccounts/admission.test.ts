import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountServiceAccountToken, randomSuffix, TOKEN_MOUNT_PATH, tokenVolumeSource } from './admission.js';

const mount = (name: string) => ({ name, readOnly: true, mountPath: TOKEN_MOUNT_PATH });

test('every container and init container mounts one generated token volume, read-only', () => {
  const spec = { containers: [{ name: 'a' }, { name: 'b', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], initContainers: [{ name: 'i' }], volumes: [{ name: 'data' }] };
  mountServiceAccountToken(spec, () => 'xyz12');
  assert.deepEqual(spec.volumes, [{ name: 'data' }, { name: 'kube-api-access-xyz12', projected: tokenVolumeSource() }]);
  assert.deepEqual((spec.containers[0] as { volumeMounts?: unknown[] }).volumeMounts, [mount('kube-api-access-xyz12')]);
  assert.deepEqual(spec.containers[1].volumeMounts, [{ name: 'data', mountPath: '/data' }, mount('kube-api-access-xyz12')]);
  assert.deepEqual((spec.initContainers[0] as { volumeMounts?: unknown[] }).volumeMounts, [mount('kube-api-access-xyz12')]);
});

test('a container with its own mount at the token path is left alone; if none needs it there is no volume', () => {
  const own = { name: 'a', volumeMounts: [{ name: 'mine', mountPath: TOKEN_MOUNT_PATH }] };
  const spec: { containers: (typeof own)[]; volumes?: { name: string }[] } = { containers: [own] };
  mountServiceAccountToken(spec, () => 'xyz12');
  assert.equal(spec.volumes, undefined);
  assert.deepEqual(own.volumeMounts, [{ name: 'mine', mountPath: TOKEN_MOUNT_PATH }]);
});

test('an existing kube-api-access volume is reused, not doubled', () => {
  const spec = { containers: [{ name: 'a' }], volumes: [{ name: 'kube-api-access-abcde' }] };
  mountServiceAccountToken(spec, () => 'xyz12');
  assert.deepEqual(spec.volumes, [{ name: 'kube-api-access-abcde' }]);
  assert.deepEqual((spec.containers[0] as { volumeMounts?: unknown[] }).volumeMounts, [mount('kube-api-access-abcde')]);
});

test("the projected source is Kubernetes': a 3607 s token, the root CA's ca.crt, the namespace", () => {
  assert.deepEqual(tokenVolumeSource(), {
    defaultMode: 420,
    sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } }],
  });
  for (let i = 0; i < 50; i++) assert.match(randomSuffix(), /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});
