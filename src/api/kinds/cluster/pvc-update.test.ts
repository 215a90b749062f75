// Claim updates as Kubernetes 1.32 validates them: expansion of a bound claim only, never down to
// status.capacity, volumeName set once, a class set where there was none, nothing else.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../kind.js';
import { IMMUTABLE_SPEC, validatePersistentVolumeClaimUpdate } from './pvc-update.js';

const claim = (storage: string, o: { phase?: string; capacity?: string; cls?: string | null; volumeName?: string; modes?: string[]; volumeMode?: string } = {}): KObject => ({
  metadata: { name: 'data', namespace: 'ns' },
  spec: { accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage } }, volumeMode: o.volumeMode ?? 'Filesystem', ...(o.cls !== null ? { storageClassName: o.cls ?? 'local' } : {}), ...(o.volumeName ? { volumeName: o.volumeName } : {}) },
  status: { phase: o.phase ?? 'Pending', ...(o.capacity ? { capacity: { storage: o.capacity } } : {}) },
});
const bound = (storage: string, capacity = '1Gi') => claim(storage, { phase: 'Bound', capacity, volumeName: 'pv-1' });
const fields = (errs: { field: string; message: string }[]) => errs.map((e) => `${e.field}: ${e.message.split('\n')[0]}`);

test('a bound claim may grow; an unbound one may not change its request', () => {
  assert.deepEqual(validatePersistentVolumeClaimUpdate(bound('2Gi'), bound('1Gi')), []);
  assert.deepEqual(validatePersistentVolumeClaimUpdate(bound('1024Mi'), bound('1Gi')), [], 'same quantity in other units');
  assert.deepEqual(fields(validatePersistentVolumeClaimUpdate(claim('2Gi'), claim('1Gi'))), [`spec: Forbidden: ${IMMUTABLE_SPEC}`]);
});

test('shrinking: never down to status.capacity (recovery above it is allowed)', () => {
  assert.deepEqual(fields(validatePersistentVolumeClaimUpdate(bound('512Mi'), bound('1Gi'))), ['spec.resources.requests.storage: Forbidden: field can not be less than status.capacity']);
  assert.deepEqual(fields(validatePersistentVolumeClaimUpdate(bound('1Gi', '1Gi'), bound('2Gi', '1Gi'))), ['spec.resources.requests.storage: Forbidden: field can not be less than status.capacity']);
  assert.deepEqual(validatePersistentVolumeClaimUpdate(bound('3Gi', '1Gi'), bound('4Gi', '1Gi')), []);
});

test('volumeName once, a class where there was none, nothing else', () => {
  assert.deepEqual(validatePersistentVolumeClaimUpdate(claim('1Gi', { volumeName: 'pv-1' }), claim('1Gi')), []);
  assert.equal(validatePersistentVolumeClaimUpdate(claim('1Gi', { volumeName: 'pv-2' }), claim('1Gi', { volumeName: 'pv-1' }))[0].field, 'spec');
  assert.deepEqual(validatePersistentVolumeClaimUpdate(claim('1Gi', { cls: 'local' }), claim('1Gi', { cls: null })), []);
  const changed = validatePersistentVolumeClaimUpdate(bound('1Gi'), { ...bound('1Gi'), spec: { ...(bound('1Gi').spec as object), storageClassName: 'other' } });
  assert.equal(changed.length, 1);
  assert.match(changed[0].message, /StorageClassName: "other"/);
  assert.deepEqual(fields(validatePersistentVolumeClaimUpdate(claim('1Gi', { modes: ['ReadWriteMany'] }), claim('1Gi'))), [`spec: Forbidden: ${IMMUTABLE_SPEC}`]);
  assert.deepEqual(fields(validatePersistentVolumeClaimUpdate(claim('1Gi', { volumeMode: 'Block' }), claim('1Gi'))), [`spec: Forbidden: ${IMMUTABLE_SPEC}`, 'volumeMode: Invalid value: "Block": field is immutable']);
});
