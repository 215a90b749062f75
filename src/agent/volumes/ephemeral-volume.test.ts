// A generic ephemeral volume is mounted as its claim `<pod>-<volume>` (bound to a local volume here),
// and only when the pod controls that claim: someone else's claim of that name is refused with
// Kubernetes' message, and a claim not made yet keeps the pod waiting.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../pods/types.js';
import { prepareVolumes, type VolumeSources, VolumeError } from './volumes.js';

const dir = await mkdtemp(join(tmpdir(), 'gifee-ephemeral-volume-'));
after(() => rm(dir, { recursive: true, force: true }));

const pod = { metadata: { name: 'app', namespace: 'ns', uid: 'pod-uid' }, spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } }] } } as unknown as Pod;

const sources = (owner: string | undefined, asked: string[]): VolumeSources => ({
  configMap: async () => undefined,
  secret: async () => undefined,
  persistentVolumeClaim: async (ns, name) => {
    asked.push(`${ns}/${name}`);
    if (owner === undefined) return undefined;
    return { metadata: { ownerReferences: [{ uid: owner, controller: true }] }, spec: { volumeName: 'pv-1' }, status: { phase: 'Bound' } };
  },
  persistentVolume: async () => ({ spec: { local: { path: dir } } }),
  serviceAccountToken: async () => Promise.reject(new Error('unused')),
});

test('an ephemeral volume is its claim <pod>-<volume>, when the pod owns it', async () => {
  const asked: string[] = [];
  const vols = await prepareVolumes(pod, join(dir, 'pod'), sources('pod-uid', asked), { hostIP: '127.0.0.1', podIP: '10.0.0.2' });
  assert.deepEqual(asked, ['ns/app-scratch']);
  assert.equal(vols.get('scratch')?.path, dir);
  await assert.rejects(prepareVolumes(pod, join(dir, 'pod'), sources('someone-else', []), { hostIP: '', podIP: '' }), (e) => e instanceof VolumeError && e.message === 'PVC ns/app-scratch was not created for pod ns/app (pod is not owner)');
  await assert.rejects(prepareVolumes(pod, join(dir, 'pod'), sources(undefined, []), { hostIP: '', podIP: '' }), (e) => e instanceof VolumeError && e.message === 'persistentvolumeclaim "app-scratch" not found');
});
