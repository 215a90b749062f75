// The snapshot controller's pure parts: what a dynamic snapshot needs before its content is made
// (and the refusals users see in status.error), and the status mirrored from the content.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANN_NODE_OF_VOLUME, DEFAULT_SNAPSHOT_CLASS_ANNOTATION, type VolumeSnapshot, type VolumeSnapshotClass, type VolumeSnapshotContent } from '../../api/kinds/snapshot/index.js';
import { ANN_PROVISIONED_ON_NODE } from '../../api/storage-names.js';
import { createInput, restoresFrom, SnapshotProblem, type Lookups, type Pv, type Pvc } from './create-input.js';
import { bytesToQuantity, nanosToTime, statusFromContent } from './status.js';

const snap = (spec: VolumeSnapshot['spec']): VolumeSnapshot => ({ metadata: { name: 's1', namespace: 'ns', uid: 'u1' }, spec });
const pvc: Pvc = { metadata: { name: 'data', namespace: 'ns', uid: 'c1' }, spec: { volumeName: 'pv-1' }, status: { phase: 'Bound' } };
const pv: Pv = { metadata: { name: 'pv-1' }, spec: { csi: { driver: 'local.csi.gifee.dev', volumeHandle: 'vol-1' }, claimRef: { namespace: 'ns', name: 'data', uid: 'c1' } } };
const cls = (name: string, driver: string, isDefault = false): VolumeSnapshotClass => ({ metadata: { name, ...(isDefault ? { annotations: { [DEFAULT_SNAPSHOT_CLASS_ANNOTATION]: 'true' } } : {}) }, driver, deletionPolicy: 'Delete' });

const lookups = (o: { pvc?: Pvc; pv?: Pv; classes?: VolumeSnapshotClass[] } = {}): Lookups => ({
  pvc: (ns, n) => (('pvc' in o ? o.pvc : pvc)?.metadata?.name === n && ns === 'ns' ? ('pvc' in o ? o.pvc : pvc) : undefined),
  pv: (n) => (('pv' in o ? o.pv : pv)?.metadata?.name === n ? ('pv' in o ? o.pv : pv) : undefined),
  snapshotClass: (n) => (o.classes ?? []).find((c) => c.metadata?.name === n),
  snapshotClasses: () => o.classes ?? [],
});

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof SnapshotProblem);
    return `${e.reason}: ${e.message}`;
  }
  assert.fail('no refusal');
};

test("createInput: the named class, or the driver's single default", () => {
  const named = createInput(snap({ source: { persistentVolumeClaimName: 'data' }, volumeSnapshotClassName: 'gold' }), lookups({ classes: [cls('gold', 'local.csi.gifee.dev')] }));
  assert.equal(named.volumeHandle, 'vol-1');
  assert.equal(named.driver, 'local.csi.gifee.dev');
  assert.equal(named.defaultedClass, undefined);
  const defaulted = createInput(snap({ source: { persistentVolumeClaimName: 'data' } }), lookups({ classes: [cls('other', 'ebs.csi.aws.com', true), cls('local', 'local.csi.gifee.dev', true), cls('plain', 'local.csi.gifee.dev')] }));
  assert.equal(defaulted.defaultedClass, 'local');
});

test('createInput: unknown class, driver mismatch, unbound claim and friends are refused clearly', () => {
  const s = snap({ source: { persistentVolumeClaimName: 'data' }, volumeSnapshotClassName: 'gold' });
  assert.match(
    refusal(() => createInput(s, lookups())),
    /^SnapshotContentCreationFailed: .*volumesnapshotclass.snapshot.storage.k8s.io "gold" not found/,
  );
  assert.match(
    refusal(() => createInput(s, lookups({ classes: [cls('gold', 'ebs.csi.aws.com')] }))),
    /VolumeSnapshotClass gold is for driver ebs.csi.aws.com, but the volume of PVC data belongs to driver local.csi.gifee.dev/,
  );
  assert.match(
    refusal(() => createInput(s, lookups({ pvc: { ...pvc, status: { phase: 'Pending' } } }))),
    /the PVC data is not yet bound to a PV, will not attempt to take a snapshot/,
  );
  assert.match(
    refusal(() => createInput(s, lookups({ pvc: undefined }))),
    /persistentvolumeclaim "data" not found/,
  );
  assert.match(
    refusal(() => createInput(s, lookups({ pv: { ...pv, spec: { claimRef: pv.spec?.claimRef } } }))),
    /the PV pv-1 is not provisioned by a CSI driver/,
  );
  assert.match(
    refusal(() => createInput(s, lookups({ pv: { ...pv, spec: { ...pv.spec, claimRef: { namespace: 'ns', name: 'data', uid: 'other' } } } }))),
    /not yet bound/,
  );
  const none = snap({ source: { persistentVolumeClaimName: 'data' } });
  assert.match(
    refusal(() => createInput(none, lookups())),
    /^SetDefaultSnapshotClassFailed: Failed to set default snapshot class with error cannot find default snapshot class for driver local.csi.gifee.dev/,
  );
  assert.match(
    refusal(() => createInput(none, lookups({ classes: [cls('a', 'local.csi.gifee.dev', true), cls('b', 'local.csi.gifee.dev', true)] }))),
    /2 default snapshot classes were found/,
  );
});

test('status mirrors the content: nanoseconds become a time, bytes a quantity', () => {
  assert.equal(bytesToQuantity(1073741824), '1Gi');
  assert.equal(bytesToQuantity(1000), '1000');
  assert.equal(bytesToQuantity(3 * 1024 * 1024), '3Mi');
  assert.equal(bytesToQuantity(0), '0');
  assert.equal(nanosToTime(1_700_000_000_123_456_000), '2023-11-14T22:13:20Z');
  const content: VolumeSnapshotContent = { metadata: { name: 'snapcontent-u1' }, status: { snapshotHandle: 'h', readyToUse: true, restoreSize: 1048576, creationTime: 1_700_000_000_000_000_000 } };
  assert.deepEqual(statusFromContent(snap({}), content), { boundVolumeSnapshotContentName: 'snapcontent-u1', readyToUse: true, creationTime: '2023-11-14T22:13:20Z', restoreSize: '1Mi' });
  assert.deepEqual(statusFromContent(snap({}), { metadata: { name: 'c' } }), { boundVolumeSnapshotContentName: 'c', readyToUse: false });
});

test('a claim restoring from a snapshot names it through dataSource or dataSourceRef', () => {
  const restoring: Pvc = { metadata: { name: 'r', namespace: 'ns' }, spec: { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 's1' } } };
  assert.equal(restoresFrom(restoring, 'ns', 's1'), true);
  assert.equal(restoresFrom(restoring, 'ns', 's2'), false);
  assert.equal(restoresFrom({ ...restoring, spec: { dataSource: { kind: 'VolumeSnapshot', name: 's1' } } }, 'ns', 's1'), false, 'the core group has no VolumeSnapshot');
});

test("the node annotation is the storage skeleton's", () => {
  assert.equal(ANN_NODE_OF_VOLUME, ANN_PROVISIONED_ON_NODE);
});
