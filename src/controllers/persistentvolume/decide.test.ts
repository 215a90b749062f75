// What the PV controller decides for claims and volumes: binding, waiting (with Kubernetes' events
// and messages), hand-off to a provisioner (and the clear warning when no driver answers to its
// name), lost claims, released volumes and their reclaim.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_PROVISIONED_BY, ANN_SELECTED_NODE } from '../../api/storage-names.js';
import { type ClaimWorld, decideClaim, decideVolume, externalProvisioningMessage, NO_CLASS_MESSAGE, WAIT_FOR_FIRST_CONSUMER_MESSAGE } from './decide.js';
import type { Pv, Pvc, StorageClass } from '../../api/storage/types.js';

const claim = (o: { cls?: string; volumeName?: string; annotations?: Record<string, string>; phase?: string } = {}): Pvc => ({
  metadata: { name: 'data', namespace: 'ns', uid: 'c1', annotations: o.annotations },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: o.cls ?? '', ...(o.volumeName ? { volumeName: o.volumeName } : {}) },
  status: { phase: o.phase ?? 'Pending' },
});
const volume = (name: string, o: { claimRef?: Pv['spec'] extends infer S ? (S extends { claimRef?: infer R } ? R : never) : never; cls?: string; policy?: string; annotations?: Record<string, string>; phase?: string } = {}): Pv => ({
  metadata: { name, annotations: o.annotations },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: o.cls ?? '', persistentVolumeReclaimPolicy: o.policy ?? 'Retain', ...(o.claimRef ? { claimRef: o.claimRef } : {}), hostPath: { path: '/x' } },
  status: { phase: o.phase ?? 'Available' },
});
const classes: Record<string, StorageClass> = {
  local: { metadata: { name: 'local' }, provisioner: 'local.csi.gifee.dev', volumeBindingMode: 'WaitForFirstConsumer' },
  fast: { metadata: { name: 'fast' }, provisioner: 'fast.example.com', volumeBindingMode: 'Immediate' },
  manual: { metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' },
};
const world = (volumes: Pv[] = [], extra: Partial<ClaimWorld> = {}): ClaimWorld => ({
  volume: (n) => volumes.find((v) => v.metadata?.name === n),
  volumes: () => volumes,
  storageClass: (n) => classes[n],
  csiDriverExists: (n) => n === 'local.csi.gifee.dev',
  node: (n) => (n === 'node-1' ? { name: n, labels: {} } : undefined),
  unscheduledPods: () => [],
  ...extra,
});
const reasons = (d: { events: { reason: string }[] }) => d.events.map((e) => e.reason);

test('an unbound claim binds the best match', () => {
  const d = decideClaim(claim(), world([volume('a')]));
  assert.equal(d.action, 'bind');
  assert.equal(d.action === 'bind' && d.volume.metadata?.name, 'a');
});

test('no class, no match: FailedBinding with Kubernetes message', () => {
  const d = decideClaim(claim(), world());
  assert.deepEqual(d, { action: 'pending', events: [{ on: 'claim', type: 'Normal', reason: 'FailedBinding', message: NO_CLASS_MESSAGE }] });
});

test('Immediate class: handed to its provisioner; a provisioner without a CSIDriver gets a clear warning too', () => {
  const d = decideClaim(claim({ cls: 'fast' }), world());
  assert.equal(d.action, 'pending');
  assert.equal(d.action === 'pending' && d.provisioner, 'fast.example.com');
  assert.deepEqual(reasons(d), ['ExternalProvisioning', 'ProvisionerNotFound']);
  assert.equal(d.events[0].message, externalProvisioningMessage('fast.example.com'));
  assert.match(d.events[1].message, /no CSIDriver "fast.example.com" is installed/);
  assert.equal(d.events[1].type, 'Warning');
});

test('WaitForFirstConsumer: waits until the scheduler picks a node, then provisions', () => {
  const wait = decideClaim(claim({ cls: 'local' }), world());
  assert.deepEqual(wait, { action: 'pending', events: [{ on: 'claim', type: 'Normal', reason: 'WaitForFirstConsumer', message: WAIT_FOR_FIRST_CONSUMER_MESSAGE }] });
  const podWaits = decideClaim(claim({ cls: 'local' }), world([], { unscheduledPods: () => ['web-0'] }));
  assert.equal(podWaits.events[0].reason, 'WaitForPodScheduled');
  assert.equal(podWaits.events[0].message, 'waiting for pod web-0 to be scheduled');
  const chosen = decideClaim(claim({ cls: 'local', annotations: { [ANN_SELECTED_NODE]: 'node-1' } }), world());
  assert.equal(chosen.action === 'pending' && chosen.provisioner, 'local.csi.gifee.dev');
  assert.deepEqual(reasons(chosen), ['ExternalProvisioning'], 'the built-in driver exists: no warning');
});

test('a class that does not exist, and in-tree provisioners gifee lacks: ProvisioningFailed', () => {
  assert.deepEqual(decideClaim(claim({ cls: 'gone' }), world()).events[0], { on: 'claim', type: 'Warning', reason: 'ProvisioningFailed', message: 'storageclass.storage.k8s.io "gone" not found' });
  assert.equal(decideClaim(claim({ cls: 'manual' }), world()).events[0].message, 'no volume plugin matched name: kubernetes.io/no-provisioner');
});

test('a claim naming a volume: binds it, waits for it, or says why not', () => {
  assert.equal(decideClaim(claim({ volumeName: 'v' }), world([volume('v')])).action, 'bind');
  assert.deepEqual(decideClaim(claim({ volumeName: 'v' }), world()), { action: 'pending', events: [] });
  const mismatch = decideClaim(claim({ volumeName: 'v' }), world([volume('v', { cls: 'other' })]));
  assert.equal(mismatch.events[0].message, 'Cannot bind to requested volume "v": storageClassName does not match');
  const taken = decideClaim(claim({ volumeName: 'v' }), world([volume('v', { claimRef: { namespace: 'ns', name: 'other', uid: 'o' }, phase: 'Bound' })]));
  assert.deepEqual(reasons(taken), ['FailedBinding']);
  assert.equal(taken.events[0].message, 'volume "v" already bound to a different claim.');
});

test('a bound claim: lost without its volume, misbound when the volume names another claim', () => {
  const bound = { [ANN_BIND_COMPLETED]: 'yes' };
  assert.deepEqual(reasons(decideClaim(claim({ annotations: bound, volumeName: 'v', phase: 'Bound' }), world())), ['ClaimLost']);
  assert.deepEqual(reasons(decideClaim(claim({ annotations: bound, phase: 'Bound' }), world())), ['ClaimLost']);
  assert.deepEqual(reasons(decideClaim(claim({ annotations: bound, volumeName: 'v', phase: 'Bound' }), world([volume('v', { claimRef: { namespace: 'ns', name: 'data', uid: 'other' } })]))), ['ClaimMisbound']);
  assert.equal(decideClaim(claim({ annotations: bound, volumeName: 'v', phase: 'Bound' }), world([volume('v', { claimRef: { namespace: 'ns', name: 'data', uid: 'c1' } })])).action, 'bind');
});

test('volumes: phases, release and reclaim', () => {
  const none = { claim: () => undefined };
  assert.deepEqual(decideVolume(volume('v'), none), { action: 'phase', phase: 'Available', events: [] });
  assert.deepEqual(decideVolume(volume('v', { claimRef: { namespace: 'ns', name: 'data' } }), none), { action: 'phase', phase: 'Available', events: [] });
  const bound = volume('v', { claimRef: { namespace: 'ns', name: 'data', uid: 'c1' }, phase: 'Bound' });
  assert.deepEqual(decideVolume(bound, { claim: () => ({ ...claim({ volumeName: 'v' }) }) }), { action: 'phase', phase: 'Bound', events: [] });
  assert.equal(decideVolume(bound, { claim: () => claim() }).action, 'syncClaim');
  // The claim is gone: Retain keeps the volume; Delete is the provisioner's, or fails without one.
  assert.deepEqual(decideVolume(bound, none), { action: 'release', reclaim: { action: 'none' } });
  const provisioned = volume('v', { claimRef: { namespace: 'ns', name: 'data', uid: 'c1' }, policy: 'Delete', annotations: { [ANN_PROVISIONED_BY]: 'local.csi.gifee.dev' } });
  assert.deepEqual(decideVolume(provisioned, none), { action: 'release', reclaim: { action: 'none' } });
  const manual = decideVolume(volume('v', { claimRef: { namespace: 'ns', name: 'data', uid: 'c1' }, policy: 'Delete' }), none);
  assert.equal(manual.action === 'release' && manual.reclaim.action === 'fail' && manual.reclaim.event.reason, 'VolumeFailedDelete');
  assert.equal(manual.action === 'release' && manual.reclaim.action === 'fail' && manual.reclaim.message, 'error getting deleter volume plugin for volume "v": no deletable volume plugin matched');
  const recycle = decideVolume(volume('v', { claimRef: { namespace: 'ns', name: 'data', uid: 'c1' }, policy: 'Recycle' }), none);
  assert.equal(recycle.action === 'release' && recycle.reclaim.action === 'fail' && recycle.reclaim.event.reason, 'VolumeFailedRecycle');
  // A same-named claim with another uid is not the one it was bound to.
  assert.equal(decideVolume(bound, { claim: () => ({ ...claim(), metadata: { name: 'data', namespace: 'ns', uid: 'new' } }) }).action, 'release');
  // Bound by the controller to a claim that bound elsewhere: undo.
  const ours = volume('v', { claimRef: { namespace: 'ns', name: 'data', uid: 'c1' }, annotations: { [ANN_BOUND_BY_CONTROLLER]: 'yes' } });
  assert.deepEqual(decideVolume(ours, { claim: () => claim({ volumeName: 'other' }) }), { action: 'unbind' });
});
