// StorageObjectInUseProtection (finalizers on new claims and volumes) and PersistentVolumeClaimResize
// (growing only bound claims of classes that allow expansion, 403 with Kubernetes' message).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import type { ApiState, RequestContext } from '../context.js';
import type { AdmissionRequest } from './chain.js';
import { persistentVolumeClaimResize, RESIZE_NOT_ALLOWED } from './persistent-volume-claim-resize.js';
import { storageObjectInUseProtection } from './storage-object-in-use-protection.js';

const rc = (plural: string) => ({ def: { group: '', plural } }) as unknown as RequestContext;

test('new claims and volumes get their protection finalizer, once', () => {
  const a: AdmissionRequest = { rc: rc('persistentvolumeclaims'), operation: 'CREATE', obj: { metadata: { name: 'c', finalizers: ['x'] } }, subresource: '', dryRun: false };
  assert.ok(storageObjectInUseProtection.handles(a));
  storageObjectInUseProtection.mutate!(a);
  storageObjectInUseProtection.mutate!(a);
  assert.deepEqual(a.obj?.metadata?.finalizers, ['x', 'kubernetes.io/pvc-protection']);
  const v: AdmissionRequest = { rc: rc('persistentvolumes'), operation: 'CREATE', obj: { metadata: { name: 'v' } }, subresource: '', dryRun: false };
  storageObjectInUseProtection.mutate!(v);
  assert.deepEqual(v.obj?.metadata?.finalizers, ['kubernetes.io/pv-protection']);
  assert.ok(!storageObjectInUseProtection.handles({ ...v, operation: 'UPDATE' }));
  assert.ok(!storageObjectInUseProtection.handles({ ...v, rc: rc('pods') }));
});

const classes: Record<string, KObject> = { grow: { metadata: { name: 'grow' }, allowVolumeExpansion: true }, fixed: { metadata: { name: 'fixed' } } };
const state = {
  registry: { byResource: () => ({ group: 'storage.k8s.io', plural: 'storageclasses' }) },
  objects: () => ({ get: async (_ns: string | undefined, name: string) => (classes[name] ? { obj: classes[name] } : undefined) }),
} as unknown as ApiState;
const plugin = persistentVolumeClaimResize(state);
const claim = (storage: string, cls: string, phase = 'Bound'): KObject => ({ metadata: { name: 'data' }, spec: { storageClassName: cls, resources: { requests: { storage } } }, status: { phase } });
const update = (from: KObject, to: KObject): AdmissionRequest => ({ rc: rc('persistentvolumeclaims'), operation: 'UPDATE', obj: to, old: from, subresource: '', dryRun: false });
const refusal = async (a: AdmissionRequest) => {
  try {
    await plugin.validate!(a);
    return undefined;
  } catch (e) {
    return e as { code: number; message: string };
  }
};

test('growing a claim: only bound ones, of a class that allows expansion', async () => {
  assert.equal(await refusal(update(claim('1Gi', 'grow'), claim('2Gi', 'grow'))), undefined);
  assert.equal(await refusal(update(claim('2Gi', 'fixed'), claim('1Gi', 'fixed'))), undefined, 'not growing: validation decides');
  const fixed = await refusal(update(claim('1Gi', 'fixed'), claim('2Gi', 'fixed')));
  assert.equal(fixed?.code, 403);
  assert.equal(fixed?.message, `persistentvolumeclaims "data" is forbidden: ${RESIZE_NOT_ALLOWED}`);
  assert.equal((await refusal(update(claim('1Gi', 'gone'), claim('2Gi', 'gone'))))?.code, 403);
  assert.equal((await refusal(update(claim('1Gi', ''), claim('2Gi', ''))))?.code, 403);
  assert.match((await refusal(update(claim('1Gi', 'grow', 'Pending'), claim('2Gi', 'grow', 'Pending'))))?.message ?? '', /Only bound persistent volume claims can be expanded/);
});
