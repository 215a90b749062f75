// storage.k8s.io/v1 validation and defaults, as Kubernetes': tables of good and bad objects with the
// field paths (and reasons) Kubernetes reports.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KindDef, KObject } from '../../kind.js';
import { columnsOf } from '../../table.js';
import { admit } from '../workloads/testing.js';
import { csiDriver } from './csidriver.js';
import { csiNode } from './csinode.js';
import { csiStorageCapacity } from './csistoragecapacity.js';
import { storageClass } from './storageclass.js';
import { volumeAttachment } from './volumeattachment.js';

const paths = (def: KindDef, obj: KObject, old?: KObject) => admit(def, obj, old && admit(def, old).obj).errors.map((e) => `${e.field} ${e.reason}`);

const sc = (extra: Record<string, unknown> = {}): KObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'ebs.csi.aws.com', ...extra });

test('StorageClass: good and bad classes', () => {
  const cases: [string, KObject, string[]][] = [
    ['minimal', sc(), []],
    [
      'everything',
      sc({ parameters: { type: 'gp3', 'csi.storage.k8s.io/fstype': 'ext4' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true, mountOptions: ['debug'], allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['us-east-2c'] }] }] }),
      [],
    ],
    ['in-tree provisioner', sc({ provisioner: 'kubernetes.io/no-provisioner' }), []],
    ['no provisioner', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'x' } }, ['provisioner FieldValueRequired']],
    ['empty provisioner', sc({ provisioner: '' }), ['provisioner FieldValueRequired']],
    ['bad provisioner', sc({ provisioner: 'not a name!' }), ['provisioner FieldValueInvalid']],
    ['Recycle is not for classes', sc({ reclaimPolicy: 'Recycle' }), ['reclaimPolicy FieldValueNotSupported']],
    ['unknown binding mode', sc({ volumeBindingMode: 'Later' }), ['volumeBindingMode FieldValueNotSupported']],
    ['empty parameter key', sc({ parameters: { '': 'x' } }), ['parameters FieldValueInvalid']],
    ['topology without values', sc({ allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: [] }] }] }), ['allowedTopologies[0].matchLabelExpressions[0].values FieldValueRequired']],
    [
      'topology key twice',
      sc({
        allowedTopologies: [
          {
            matchLabelExpressions: [
              { key: 'zone', values: ['a'] },
              { key: 'zone', values: ['b'] },
            ],
          },
        ],
      }),
      ['allowedTopologies[0].matchLabelExpressions[1].key FieldValueDuplicate'],
    ],
    ['topology value twice', sc({ allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a', 'a'] }] }] }), ['allowedTopologies[0].matchLabelExpressions[0].values[1] FieldValueDuplicate']],
    ['same term twice', sc({ allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }, { matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }] }), ['allowedTopologies[1].matchLabelExpressions FieldValueDuplicate']],
    ['bad topology key', sc({ allowedTopologies: [{ matchLabelExpressions: [{ key: 'a b', values: ['a'] }] }] }), ['allowedTopologies[0].matchLabelExpressions[0].key FieldValueInvalid']],
  ];
  for (const [what, obj, want] of cases) assert.deepEqual(paths(storageClass, obj), want, what);
});

test('StorageClass: defaults, immutable fields, the (default) marker', () => {
  const { obj } = admit(storageClass, sc());
  assert.equal(obj.reclaimPolicy, 'Delete');
  assert.equal(obj.volumeBindingMode, 'Immediate');
  assert.deepEqual(paths(storageClass, sc({ allowVolumeExpansion: true, mountOptions: ['ro'] }), sc()), [], 'expansion and mount options may change');
  assert.deepEqual(paths(storageClass, sc({ provisioner: 'other.example.com' }), sc()), ['provisioner FieldValueForbidden']);
  assert.deepEqual(paths(storageClass, sc({ parameters: { a: 'b' } }), sc()), ['parameters FieldValueForbidden']);
  assert.deepEqual(paths(storageClass, sc({ reclaimPolicy: 'Retain' }), sc()), ['reclaimPolicy FieldValueForbidden']);
  assert.deepEqual(paths(storageClass, sc({ volumeBindingMode: 'WaitForFirstConsumer' }), sc()), ['volumeBindingMode FieldValueInvalid']);

  const cols = columnsOf(storageClass);
  assert.deepEqual(
    cols.map((c) => c.name),
    ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age'],
  );
  const row = (o: KObject) => cols.slice(0, 5).map((c) => c.cell?.(admit(storageClass, o).obj));
  assert.deepEqual(row(sc({ metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } })), ['standard (default)', 'ebs.csi.aws.com', 'Delete', 'Immediate', 'false']);
  assert.deepEqual(row(sc({ metadata: { name: 'old', annotations: { 'storageclass.beta.kubernetes.io/is-default-class': 'true' } } })).slice(0, 1), ['old (default)']);
  assert.deepEqual(row(sc({ metadata: { name: 'plain', annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } }, allowVolumeExpansion: true })), ['plain', 'ebs.csi.aws.com', 'Delete', 'Immediate', 'true']);
});

const driver = (spec: Record<string, unknown> = {}): KObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'hostpath.csi.k8s.io' }, spec });

test('CSIDriver: defaults, good and bad drivers, immutable fields', () => {
  const { obj } = admit(csiDriver, driver());
  assert.deepEqual(obj.spec, { attachRequired: true, podInfoOnMount: false, storageCapacity: false, fsGroupPolicy: 'ReadWriteOnceWithFSType', requiresRepublish: false, seLinuxMount: false, volumeLifecycleModes: ['Persistent'] });
  const cases: [string, KObject, string[]][] = [
    ['minimal', driver(), []],
    ['ephemeral with tokens', driver({ volumeLifecycleModes: ['Persistent', 'Ephemeral'], podInfoOnMount: true, tokenRequests: [{ audience: 'vault', expirationSeconds: 3600 }, { audience: '' }], requiresRepublish: true }), []],
    ['no spec: an empty one, defaulted', { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'x' } }, []],
    ['bad fsGroupPolicy', driver({ fsGroupPolicy: 'Always' }), ['spec.fsGroupPolicy FieldValueNotSupported']],
    ['bad mode', driver({ volumeLifecycleModes: ['Forever'] }), ['spec.volumeLifecycleModes FieldValueNotSupported']],
    ['duplicate audience', driver({ tokenRequests: [{ audience: 'a' }, { audience: 'a' }] }), ['spec.tokenRequests[1].audience FieldValueDuplicate']],
    ['short token', driver({ tokenRequests: [{ audience: 'a', expirationSeconds: 60 }] }), ['spec.tokenRequests[0].expirationSeconds FieldValueInvalid']],
    ['long token', driver({ tokenRequests: [{ audience: 'a', expirationSeconds: 2 ** 33 }] }), ['spec.tokenRequests[0].expirationSeconds FieldValueInvalid']],
  ];
  for (const [what, o, want] of cases) assert.deepEqual(paths(csiDriver, o), want, what);
  assert.deepEqual(paths(csiDriver, driver({ attachRequired: false }), driver()), ['spec.attachedRequired FieldValueInvalid']);
  assert.deepEqual(paths(csiDriver, driver({ volumeLifecycleModes: ['Ephemeral'] }), driver()), ['spec.volumeLifecycleModes FieldValueInvalid']);
  assert.deepEqual(paths(csiDriver, driver({ storageCapacity: true, requiresRepublish: true, podInfoOnMount: true, fsGroupPolicy: 'File' }), driver()), [], 'these may change (podInfoOnMount and fsGroupPolicy since 1.29)');
  const cols = columnsOf(csiDriver).map((c) => c.cell?.(admit(csiDriver, driver({ tokenRequests: [{ audience: 'vault' }] })).obj));
  assert.deepEqual(cols.slice(1, 7), [true, false, false, 'vault', false, 'Persistent']);
});

const csinode = (drivers: unknown[]): KObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-1' }, spec: { drivers } });

test('CSINode: drivers, node ids, topology keys, immutable entries', () => {
  const d = { name: 'ebs.csi.aws.com', nodeID: 'i-0123', topologyKeys: ['topology.ebs.csi.aws.com/zone'], allocatable: { count: 25 } };
  const cases: [string, KObject, string[]][] = [
    ['good', csinode([d]), []],
    ['no drivers yet', csinode([]), []],
    ['no spec', { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-1' } }, []],
    ['no node id', csinode([{ name: 'a.example.com', nodeID: '' }]), ['spec.drivers[0].nodeID FieldValueRequired']],
    ['long node id', csinode([{ name: 'a.example.com', nodeID: 'x'.repeat(193) }]), ['spec.drivers[0].nodeID FieldValueInvalid']],
    ['bad driver name', csinode([{ name: 'Not_A_Name', nodeID: 'n' }]), ['spec.drivers[0].name FieldValueInvalid']],
    ['negative count', csinode([{ name: 'a.example.com', nodeID: 'n', allocatable: { count: -1 } }]), ['spec.drivers[0].allocatable.count FieldValueInvalid']],
    ['topology key twice', csinode([{ name: 'a.example.com', nodeID: 'n', topologyKeys: ['zone', 'zone'] }]), ['spec.drivers[0] FieldValueDuplicate']],
    ['driver twice', csinode([d, d]), ['spec.drivers[1] FieldValueDuplicate']],
  ];
  for (const [what, o, want] of cases) assert.deepEqual(paths(csiNode, o), want, what);
  assert.deepEqual(paths(csiNode, csinode([d, { name: 'b.example.com', nodeID: 'n' }]), csinode([d])), [], 'drivers may be added');
  assert.deepEqual(paths(csiNode, csinode([{ ...d, nodeID: 'i-9' }]), csinode([d])), ['CSINodeDriver FieldValueInvalid']);
});

const va = (spec: Record<string, unknown>, status?: Record<string, unknown>): KObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'csi-123' }, spec, ...(status ? { status } : {}) });

test('VolumeAttachment: source, attacher, node, status, immutable spec', () => {
  const good = { attacher: 'ebs.csi.aws.com', nodeName: 'node-1', source: { persistentVolumeName: 'pv-1' } };
  const cases: [string, KObject, string[]][] = [
    ['good', va(good), []],
    ['attached status', va(good, { attached: true, attachmentMetadata: { devicePath: '/dev/xvdba' } }), []],
    ['no source', va({ ...good, source: {} }), ['spec.source FieldValueRequired']],
    ['no spec', { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'x' } }, ['spec.attacher FieldValueRequired', 'spec.source FieldValueRequired', 'spec.nodeName FieldValueInvalid']],
    ['both sources', va({ ...good, source: { persistentVolumeName: 'pv', inlineVolumeSpec: { csi: { driver: 'd', volumeHandle: 'h' } } } }), ['spec.source FieldValueForbidden']],
    ['empty pv name', va({ ...good, source: { persistentVolumeName: '' } }), ['spec.source.persistentVolumeName FieldValueRequired']],
    ['no attacher', va({ ...good, attacher: '' }), ['spec.attacher FieldValueRequired']],
    ['bad node name', va({ ...good, nodeName: 'Node_1' }), ['spec.nodeName FieldValueInvalid']],
  ];
  for (const [what, o, want] of cases) assert.deepEqual(paths(volumeAttachment, o), want, what);
  // A client's status is dropped on create: status is validated on update (the status subresource).
  assert.deepEqual(paths(volumeAttachment, va(good, { attached: false, attachError: { message: 'x'.repeat(1025) } }), va(good)), ['status.attachError.message FieldValueTooLong'], 'long error message');
  assert.deepEqual(paths(volumeAttachment, va({ ...good, nodeName: 'node-2' }), va(good)), ['spec FieldValueInvalid']);
  assert.deepEqual(paths(volumeAttachment, va(good, { attached: true }), va(good)), [], 'the status may change');
});

const cap = (extra: Record<string, unknown>): KObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIStorageCapacity', metadata: { name: 'cap-1', namespace: 'kube-system' }, storageClassName: 'fast', ...extra });

test('CSIStorageCapacity: class name, topology, capacity, immutable inputs', () => {
  const cases: [string, KObject, string[]][] = [
    ['good', cap({ nodeTopology: { matchLabels: { 'topology.hostpath.csi/node': 'node-1' } }, capacity: '100Gi', maximumVolumeSize: '10Gi' }), []],
    ['no class', cap({ storageClassName: '' }), ['storageClassName FieldValueInvalid']],
    ['negative capacity', cap({ capacity: '-1Gi' }), ['capacity FieldValueInvalid']],
    ['bad quantity', cap({ capacity: 'lots' }), ['capacity FieldValueInvalid']],
    ['bad selector', cap({ nodeTopology: { matchExpressions: [{ key: 'zone', operator: 'In', values: [] }] } }), ['nodeTopology.matchExpressions[0].values FieldValueRequired']],
  ];
  for (const [what, o, want] of cases) assert.deepEqual(paths(csiStorageCapacity, o), want, what);
  assert.deepEqual(paths(csiStorageCapacity, cap({ storageClassName: 'slow' }), cap({})), ['storageClassName FieldValueInvalid']);
  assert.deepEqual(paths(csiStorageCapacity, cap({ capacity: '5Gi' }), cap({})), [], 'the capacity may change');
});
