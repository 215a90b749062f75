// A claim's data source as Kubernetes validates it: a VolumeSnapshot of snapshot.storage.k8s.io is
// accepted (restore), the core group means a claim (clone), dataSource and dataSourceRef agree and
// are mirrored on create.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../kind.js';
import { admit, messages } from '../workloads/testing.js';
import { persistentVolumeClaim } from './storage.js';

const claim = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'restore-pvc' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec } });
const snapshot = { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'new-snapshot-test' };

test('a VolumeSnapshot data source is accepted and mirrored into dataSourceRef', () => {
  const { obj, errors } = admit(persistentVolumeClaim, claim({ dataSource: snapshot }));
  assert.deepEqual(messages(errors), []);
  assert.deepEqual((obj.spec as { dataSourceRef?: unknown }).dataSourceRef, snapshot);
  const fromRef = admit(persistentVolumeClaim, claim({ dataSourceRef: snapshot }));
  assert.deepEqual(messages(fromRef.errors), []);
  assert.deepEqual((fromRef.obj.spec as { dataSource?: unknown }).dataSource, snapshot);
  assert.deepEqual(messages(admit(persistentVolumeClaim, claim({ dataSource: { kind: 'PersistentVolumeClaim', name: 'src' } })).errors), [], 'a clone');
});

test("bad data sources are refused with Kubernetes' paths", () => {
  const errs = (spec: Record<string, unknown>) => messages(admit(persistentVolumeClaim, claim(spec)).errors);
  assert.deepEqual(errs({ dataSource: { kind: 'VolumeSnapshot', name: 'x' } }), [
    'spec.dataSource: Invalid value: "VolumeSnapshot": must be \'PersistentVolumeClaim\' when referencing the default apiGroup',
    'spec.dataSourceRef: Invalid value: "VolumeSnapshot": must be \'PersistentVolumeClaim\' when referencing the default apiGroup',
  ]);
  assert.deepEqual(errs({ dataSource: snapshot, dataSourceRef: { ...snapshot, name: 'other' } }), ['spec: Invalid value: spec.dataSource: must match dataSourceRef']);
  assert.deepEqual(errs({ dataSource: { ...snapshot, apiGroup: 'Not_A_Group' } }).length, 2);
});
