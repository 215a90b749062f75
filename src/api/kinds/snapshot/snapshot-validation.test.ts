// snapshot.storage.k8s.io/v1 validation as the external-snapshotter's CRDs (v8) enforce it: the
// schema's required fields and enums, and the CEL rules (exactly one source, immutable sources, a
// non-empty class name, a volumeSnapshotRef with name and namespace), with the CRD's field paths.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KindDef, KObject } from '../../kind.js';
import { columnsOf, toTable } from '../../table.js';
import { admit } from '../workloads/testing.js';
import { volumeSnapshot } from './volumesnapshot.js';
import { volumeSnapshotClass } from './volumesnapshotclass.js';
import { volumeSnapshotContent } from './volumesnapshotcontent.js';

const lines = (def: KindDef, obj: KObject, old?: KObject) => admit(def, obj, old && admit(def, old).obj).errors.map((e) => `${e.field}: ${e.message}`);

const vsclass = (extra: Record<string, unknown> = {}): KObject => ({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'csi-hostpath-snapclass' }, driver: 'hostpath.csi.k8s.io', deletionPolicy: 'Delete', ...extra });
const vs = (spec: unknown): KObject => ({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'new-snapshot-test' }, spec });
const vsc = (spec: Record<string, unknown>): KObject => ({
  apiVersion: 'snapshot.storage.k8s.io/v1',
  kind: 'VolumeSnapshotContent',
  metadata: { name: 'new-snapshot-content-test' },
  spec: { deletionPolicy: 'Delete', driver: 'hostpath.csi.k8s.io', source: { snapshotHandle: '7bdd0de3-aaeb-11e8-9aae-0242ac110002' }, volumeSnapshotRef: { name: 'new-snapshot-test', namespace: 'default' }, ...spec },
});

test('VolumeSnapshotClass: required driver and deletionPolicy, the policy enum', () => {
  const cases: [string, KObject, string[]][] = [
    ['the docs example', vsclass({ parameters: { foo: 'bar' } }), []],
    ['Retain', vsclass({ deletionPolicy: 'Retain' }), []],
    ['no driver, no policy', { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'x' } }, ['deletionPolicy: Required value', 'driver: Required value']],
    ['unknown policy', vsclass({ deletionPolicy: 'Recycle' }), ['deletionPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"']],
  ];
  for (const [what, obj, want] of cases) assert.deepEqual(lines(volumeSnapshotClass, obj), want, what);
});

test('VolumeSnapshot: exactly one source, a non-empty class name', () => {
  const cases: [string, KObject, string[]][] = [
    ['dynamic', vs({ volumeSnapshotClassName: 'csi-hostpath-snapclass', source: { persistentVolumeClaimName: 'pvc-test' } }), []],
    ['default class', vs({ source: { persistentVolumeClaimName: 'pvc-test' } }), []],
    ['pre-provisioned', vs({ source: { volumeSnapshotContentName: 'test-content' } }), []],
    ['no spec', { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'x' } }, ['spec: Required value']],
    ['no source', vs({}), ['spec.source: Required value']],
    ['empty source', vs({ source: {} }), ['spec.source: Invalid value: "object": exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set']],
    ['both sources', vs({ source: { persistentVolumeClaimName: 'a', volumeSnapshotContentName: 'b' } }), ['spec.source: Invalid value: "object": exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set']],
    ['empty class name', vs({ volumeSnapshotClassName: '', source: { persistentVolumeClaimName: 'a' } }), ['spec.volumeSnapshotClassName: Invalid value: "string": volumeSnapshotClassName must not be the empty string when set']],
    ['a claim name that is not a string', vs({ source: { persistentVolumeClaimName: 5 } }), ['spec.source.persistentVolumeClaimName: Invalid value: 5: must be of type string, not integer']],
  ];
  for (const [what, obj, want] of cases) assert.deepEqual(lines(volumeSnapshot, obj), want, what);
});

test('VolumeSnapshot: the source never changes; the class may be set later', () => {
  const old = vs({ source: { persistentVolumeClaimName: 'pvc-test' } });
  assert.deepEqual(lines(volumeSnapshot, vs({ source: { persistentVolumeClaimName: 'other' } }), old), ['spec.source.persistentVolumeClaimName: Invalid value: "string": persistentVolumeClaimName is immutable']);
  assert.deepEqual(lines(volumeSnapshot, vs({ source: { volumeSnapshotContentName: 'c' } }), old), ['spec.source: Invalid value: "object": persistentVolumeClaimName is required once set']);
  assert.deepEqual(lines(volumeSnapshot, vs({ volumeSnapshotClassName: 'csi-hostpath-snapclass', source: { persistentVolumeClaimName: 'pvc-test' } }), old), [], 'the controller writes the default class');
  const pre = vs({ source: { volumeSnapshotContentName: 'c' } });
  assert.deepEqual(lines(volumeSnapshot, vs({ source: { volumeSnapshotContentName: 'd' } }), pre), ['spec.source.volumeSnapshotContentName: Invalid value: "string": volumeSnapshotContentName is immutable']);
});

test('VolumeSnapshot: status as the controller writes it; restoreSize is a quantity', () => {
  const ok = { ...vs({ source: { persistentVolumeClaimName: 'p' } }), status: { boundVolumeSnapshotContentName: 'snapcontent-1', readyToUse: true, restoreSize: '1Gi', creationTime: '2024-01-01T00:00:00Z', error: { message: 'm', time: '2024-01-01T00:00:00Z' } } };
  assert.deepEqual(lines(volumeSnapshot, ok), []);
  const bad = { ...ok, status: { restoreSize: 'lots' } };
  assert.match(lines(volumeSnapshot, bad).join('\n'), /^status\.restoreSize: Invalid value: "lots": status\.restoreSize in body should match/);
});

test('VolumeSnapshotContent: required fields, exactly one handle, a full volumeSnapshotRef', () => {
  const cases: [string, KObject, string[]][] = [
    ['pre-provisioned (the docs example)', vsc({}), []],
    ['dynamic', vsc({ source: { volumeHandle: 'ee0cfb94-f8d4-11e9-b2d8-0242ac110002' }, volumeSnapshotClassName: 'csi-hostpath-snapclass', sourceVolumeMode: 'Filesystem' }), []],
    ['no spec', { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent', metadata: { name: 'x' } }, ['spec: Required value']],
    ['empty spec', { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent', metadata: { name: 'x' }, spec: {} }, ['spec.deletionPolicy: Required value', 'spec.driver: Required value', 'spec.source: Required value', 'spec.volumeSnapshotRef: Required value']],
    ['both handles', vsc({ source: { volumeHandle: 'v', snapshotHandle: 's' } }), ['spec.source: Invalid value: "object": exactly one of volumeHandle and snapshotHandle must be set']],
    ['no handle', vsc({ source: {} }), ['spec.source: Invalid value: "object": exactly one of volumeHandle and snapshotHandle must be set']],
    ['a ref without namespace', vsc({ volumeSnapshotRef: { name: 'x' } }), ['spec.volumeSnapshotRef: Invalid value: "object": both spec.volumeSnapshotRef.name and spec.volumeSnapshotRef.namespace must be set']],
    ['unknown policy', vsc({ deletionPolicy: 'Keep' }), ['spec.deletionPolicy: Unsupported value: "Keep": supported values: "Delete", "Retain"']],
    ['negative size', { ...vsc({}), status: { restoreSize: -1 } }, ['status.restoreSize: Invalid value: -1: must be greater than or equal to 0']],
  ];
  for (const [what, obj, want] of cases) assert.deepEqual(lines(volumeSnapshotContent, obj), want, what);
});

test('VolumeSnapshotContent: handles and sourceVolumeMode never change; the ref may gain a uid', () => {
  const old = vsc({ source: { volumeHandle: 'v1' }, sourceVolumeMode: 'Filesystem' });
  assert.deepEqual(lines(volumeSnapshotContent, vsc({ source: { volumeHandle: 'v2' }, sourceVolumeMode: 'Filesystem' }), old), ['spec.source.volumeHandle: Invalid value: "string": volumeHandle is immutable']);
  assert.deepEqual(lines(volumeSnapshotContent, vsc({ source: { snapshotHandle: 's' }, sourceVolumeMode: 'Filesystem' }), old), ['spec.source: Invalid value: "object": volumeHandle is required once set']);
  assert.deepEqual(lines(volumeSnapshotContent, vsc({ source: { volumeHandle: 'v1' }, sourceVolumeMode: 'Block' }), old), ['spec.sourceVolumeMode: Invalid value: "string": sourceVolumeMode is immutable']);
  assert.deepEqual(lines(volumeSnapshotContent, vsc({ source: { volumeHandle: 'v1' } }), old), ['spec: Invalid value: "object": sourceVolumeMode is required once set']);
  const pre = vsc({});
  const bound = vsc({ volumeSnapshotRef: { name: 'new-snapshot-test', namespace: 'default', uid: 'u-1' } });
  assert.deepEqual(lines(volumeSnapshotContent, bound, pre), [], 'binding writes the uid');
  assert.deepEqual(lines(volumeSnapshotContent, vsc({ source: { snapshotHandle: 'other' } }), pre), ['spec.source.snapshotHandle: Invalid value: "string": snapshotHandle is immutable']);
});

test("kubectl get columns are the CRDs' additionalPrinterColumns", () => {
  const names = (def: KindDef) => columnsOf(def).map((c) => c.name);
  assert.deepEqual(names(volumeSnapshot), ['Name', 'ReadyToUse', 'SourcePVC', 'SourceSnapshotContent', 'RestoreSize', 'SnapshotClass', 'SnapshotContent', 'CreationTime', 'Age']);
  assert.deepEqual(names(volumeSnapshotContent), ['Name', 'ReadyToUse', 'RestoreSize', 'DeletionPolicy', 'Driver', 'VolumeSnapshotClass', 'VolumeSnapshot', 'VolumeSnapshotNamespace', 'Age']);
  assert.deepEqual(names(volumeSnapshotClass), ['Name', 'Driver', 'DeletionPolicy', 'Age']);
  const content = { ...vsc({}), status: { readyToUse: true, restoreSize: 1073741824 } };
  const row = toTable(volumeSnapshotContent, [content]).rows[0].cells;
  assert.deepEqual(row.slice(0, 8), ['new-snapshot-content-test', true, 1073741824, 'Delete', 'hostpath.csi.k8s.io', '', 'new-snapshot-test', 'default']);
  assert.deepEqual(volumeSnapshot.shortNames, ['vs']);
  assert.deepEqual(volumeSnapshotContent.shortNames, ['vsc', 'vscs']);
  assert.deepEqual(volumeSnapshotClass.shortNames, ['vsclass', 'vsclasses']);
});
