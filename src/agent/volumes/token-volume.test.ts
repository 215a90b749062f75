// The token volume as the node agent writes it: the projected token, CA and namespace files, the
// token bound to the pod, and a refresh that swaps in a new token in one rename (as root the
// volume is a tmpfs mount, removed by cleanupVolumes).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupVolumes, prepareVolumes, refreshVolume, type VolumeSources } from './volumes.js';
import type { Pod } from '../pods/types.js';

const dir = await mkdtemp(join(tmpdir(), 'gifee-token-volume-'));
after(async () => {
  await cleanupVolumes(dir);
  await rm(dir, { recursive: true, force: true });
});

const pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'pod-uid' },
  spec: {
    serviceAccountName: 'robot',
    containers: [{ name: 'c', image: 'x' }],
    volumes: [
      {
        name: 'kube-api-access-abcde',
        projected: {
          defaultMode: 0o644,
          sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } }],
        },
      },
    ],
  },
} as unknown as Pod;

test('the token volume holds a pod-bound token, the CA and the namespace; a refresh swaps the token atomically', async () => {
  const asked: unknown[] = [];
  let n = 0;
  const src: VolumeSources = {
    configMap: async (ns, name) => (ns === 'ns' && name === 'kube-root-ca.crt' ? { data: { 'ca.crt': 'CA PEM' }, binaryData: {} } : undefined),
    secret: async () => undefined,
    persistentVolumeClaim: async () => undefined,
    persistentVolume: async () => undefined,
    serviceAccountToken: async (ns, sa, req) => {
      asked.push({ ns, sa, ...req });
      return { token: `token-${++n}`, expirationTimestamp: new Date(Date.now() + req.expirationSeconds * 1000).toISOString() };
    },
  };
  const before = Date.now();
  const vols = await prepareVolumes(pod, dir, src, { hostIP: '127.0.0.1', podIP: '10.0.0.2' });
  const v = vols.get('kube-api-access-abcde')!;
  assert.equal(v.readOnly, true);
  assert.deepEqual(asked, [{ ns: 'ns', sa: 'robot', audience: undefined, expirationSeconds: 3607, pod: { name: 'p', uid: 'pod-uid' } }]);
  assert.equal(await readFile(join(v.path, 'token'), 'utf8'), 'token-1');
  assert.equal(await readFile(join(v.path, 'ca.crt'), 'utf8'), 'CA PEM');
  assert.equal(await readFile(join(v.path, 'namespace'), 'utf8'), 'ns');
  // 80% of 3607 s from now.
  assert.ok(v.refreshAt! >= before + 2885_000 && v.refreshAt! <= Date.now() + 2886_000, String(v.refreshAt));
  const firstPayload = await readlink(join(v.path, '..data'));

  const again = await refreshVolume(pod, dir, 'kube-api-access-abcde', src, { hostIP: '127.0.0.1', podIP: '10.0.0.2' });
  assert.equal(again?.path, v.path);
  assert.equal(await readFile(join(v.path, 'token'), 'utf8'), 'token-2');
  assert.notEqual(await readlink(join(v.path, '..data')), firstPayload);
  // The old payload is gone: only the new one, the ..data link and the top-level links remain.
  assert.deepEqual((await readdir(v.path)).filter((e) => e.startsWith('..')).length, 2);
});

test('a token that cannot be had is a volume error naming why', async () => {
  const src = { configMap: async () => undefined, secret: async () => undefined, persistentVolumeClaim: async () => undefined, persistentVolume: async () => undefined, serviceAccountToken: async () => Promise.reject(new Error('serviceaccounts "robot" not found')) } as VolumeSources;
  const other = { ...pod, metadata: { ...pod.metadata, uid: 'other' }, spec: { ...pod.spec, volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }] } } as unknown as Pod;
  await assert.rejects(prepareVolumes(other, join(dir, 'other'), src, { hostIP: '', podIP: '' }), /failed to fetch token: serviceaccounts "robot" not found/);
  await cleanupVolumes(join(dir, 'other'));
});
