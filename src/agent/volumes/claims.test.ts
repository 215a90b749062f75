// Resolving a pod's claim volume to its PV with the kubelet's checks and words.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../pods/types.js';
import { type ClaimObject, resolveClaim } from './claims.js';

const pv = { metadata: { name: 'pv-1' }, spec: { csi: { driver: 'd.example.com', volumeHandle: 'h' } } };
const src = (pvc: ClaimObject | undefined) => ({ persistentVolumeClaim: async () => pvc, persistentVolume: async (n: string) => (n === 'pv-1' ? pv : undefined) });
const pod = (phase?: string): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u' },
  spec: { containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/v' }] }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c1', readOnly: true } }] },
  ...(phase ? { status: { phase: phase as 'Running' } } : {}),
});
const bound: ClaimObject = { metadata: { name: 'c1' }, spec: { volumeName: 'pv-1' }, status: { phase: 'Bound' } };

describe('resolveClaim', () => {
  it('a bound claim resolves to its PV, mode and read-only flag; other volumes are not claims', async () => {
    const r = await resolveClaim(pod(), pod().spec.volumes![0], src(bound));
    assert.deepEqual(r, { claimName: 'c1', pvName: 'pv-1', pv, mode: 'Filesystem', readOnly: true });
    assert.equal(await resolveClaim(pod(), { name: 'e', emptyDir: {} }, src(bound)), undefined);
  });

  it('missing, unbound, or a PV that is gone: the pod waits with the reason', async () => {
    await assert.rejects(resolveClaim(pod(), pod().spec.volumes![0], src(undefined)), /persistentvolumeclaim "c1" not found/);
    await assert.rejects(resolveClaim(pod(), pod().spec.volumes![0], src({ ...bound, status: { phase: 'Pending' } })), /persistentvolumeclaim "c1" is not bound/);
    await assert.rejects(resolveClaim(pod(), pod().spec.volumes![0], src({ ...bound, spec: { volumeName: 'pv-2' } })), /persistentvolume "pv-2" not found/);
  });

  it('a claim being deleted stops a new pod, not one already running here (an agent restart)', async () => {
    const deleting = { ...bound, metadata: { ...bound.metadata, deletionTimestamp: '2026-12-01T00:00:00Z' } };
    await assert.rejects(resolveClaim(pod(), pod().spec.volumes![0], src(deleting)), /can't start pod because PVC ns\/c1 is being deleted/);
    await assert.rejects(resolveClaim(pod('Pending'), pod().spec.volumes![0], src(deleting)), /is being deleted/);
    assert.equal((await resolveClaim(pod('Running'), pod().spec.volumes![0], src(deleting)))?.pvName, 'pv-1');
  });
});
