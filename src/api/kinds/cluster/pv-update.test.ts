// Volume updates as Kubernetes validates them: the source and volumeMode are fixed, node affinity may
// be added but not changed; everything else (capacity, claimRef, reclaim policy) may change.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../kind.js';
import { validatePersistentVolumeUpdate } from './pv-update.js';

const SOURCES = ['hostPath', 'nfs', 'local', 'csi'];
const pv = (spec: Record<string, unknown>): KObject => ({ metadata: { name: 'v' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem', ...spec } });
const affinity = (host: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [host] }] }] } });

test('a volume keeps its source, volumeMode and node affinity', () => {
  const base = pv({ hostPath: { path: '/a' } });
  assert.deepEqual(validatePersistentVolumeUpdate(pv({ hostPath: { path: '/a' }, capacity: { storage: '2Gi' }, persistentVolumeReclaimPolicy: 'Delete', claimRef: { name: 'c' } }), base, SOURCES), []);
  const moved = validatePersistentVolumeUpdate(pv({ hostPath: { path: '/b' } }), base, SOURCES);
  assert.equal(moved[0].field, 'spec.persistentvolumesource');
  assert.match(moved[0].message, /^Forbidden: spec\.persistentvolumesource is immutable after creation\n/);
  assert.equal(validatePersistentVolumeUpdate(pv({ hostPath: { path: '/a' }, volumeMode: 'Block' }), base, SOURCES)[0].message, 'Invalid value: "Block": field is immutable');
  assert.deepEqual(validatePersistentVolumeUpdate(pv({ hostPath: { path: '/a' }, nodeAffinity: affinity('n1') }), base, SOURCES), [], 'affinity may be set');
  const pinned = pv({ hostPath: { path: '/a' }, nodeAffinity: affinity('n1') });
  assert.equal(validatePersistentVolumeUpdate(pv({ hostPath: { path: '/a' }, nodeAffinity: affinity('n2') }), pinned, SOURCES)[0].field, 'nodeAffinity');
});
