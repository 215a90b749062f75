// The deleter, resizer and attacher against a real API server with in-memory drivers: a Released
// Delete volume is deleted by its node's agent (VolumeFailedDelete while the driver refuses), a
// Retain one keeps its volume when the PV goes; a larger request expands the volume, then waits for
// the node (FileSystemResizePending) or finishes at once (status.capacity); a VolumeAttachment for
// a third-party driver that asks for the agent's sidecars is attached and detached.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KObject } from '../api/kind.js';
import { R } from '../client/resources.js';
import { isNotFound } from '../client/rest.js';
import { CsiError, GrpcCode } from '../csi/types.js';
import { type SidecarWorld, startSidecarWorld, until } from '../../test/helpers/storage-sidecars.js';
import { ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, ANN_STORAGE_RESIZER, LABEL_AGENT_SIDECARS, LOCAL_DRIVER } from '../api/storage-names.js';
import { SR } from './resources.js';

let w: SidecarWorld;
before(async () => {
  w = await startSidecarWorld();
  for (const [name, reclaimPolicy] of [
    ['del', 'Delete'],
    ['keep', 'Retain'],
  ])
    await w.admin.create(SR.storageclasses, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: LOCAL_DRIVER, volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy, allowVolumeExpansion: true });
});
after(() => w.stop());

let n = 0;
const gone = async (p: Promise<unknown>) =>
  p.then(
    () => false,
    (e) => isNotFound(e),
  );

/** A claim provisioned on node and bound to its PV (the test plays the PV controller). */
async function boundClaim(sc: string, node: string): Promise<{ claim: KObject; pv: KObject }> {
  const c = await w.admin.create(R.persistentvolumeclaims, 'default', {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `l${++n}`, annotations: { [ANN_STORAGE_PROVISIONER]: LOCAL_DRIVER, [ANN_SELECTED_NODE]: node } },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: sc, resources: { requests: { storage: '1Gi' } } },
  });
  const pvName = `pvc-${c.metadata!.uid}`;
  await until(`PV ${pvName}`, async () => !(await gone(w.admin.get(R.persistentvolumes, undefined, pvName))));
  const cur = await w.admin.get(R.persistentvolumeclaims, 'default', c.metadata!.name!);
  (cur.spec as Record<string, unknown>).volumeName = pvName;
  const upd = await w.admin.update(R.persistentvolumeclaims, cur);
  const claim = await w.admin.update(R.persistentvolumeclaims, { ...upd, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }, 'status');
  const pv = await w.admin.get(R.persistentvolumes, undefined, pvName);
  await w.admin.update(R.persistentvolumes, { ...pv, status: { phase: 'Bound' } }, 'status');
  return { claim, pv: await w.admin.get(R.persistentvolumes, undefined, pvName) };
}

/** The claim is deleted and the PV controller marks its PV Released. */
async function release(claim: KObject, pvName: string) {
  await w.admin.delete(R.persistentvolumeclaims, 'default', claim.metadata!.name!);
  await until('claim gone', () => gone(w.admin.get(R.persistentvolumeclaims, 'default', claim.metadata!.name!)));
  const pv = await w.admin.get(R.persistentvolumes, undefined, pvName);
  await w.admin.update(R.persistentvolumes, { ...pv, status: { phase: 'Released' } }, 'status');
}

test('a Released Delete volume is deleted by the agent that made it, after VolumeFailedDelete while the driver refuses', async () => {
  const a = w.agent('x1');
  const other = w.agent('x2');
  const { claim, pv } = await boundClaim('del', 'x1');
  const name = pv.metadata!.name!;
  const handle = (pv.spec as any).csi.volumeHandle;
  a.driver.fail('deleteVolume', new CsiError(GrpcCode.FAILED_PRECONDITION, 'volume is busy'), 2);
  await release(claim, name);
  await until('VolumeFailedDelete', async () => (await w.events('default', name)).some((e) => e.reason === 'VolumeFailedDelete' && e.message === 'rpc error: code = FailedPrecondition desc = volume is busy' && e.type === 'Warning'), {
    timeoutMs: 20_000,
    context: async () => JSON.stringify(await w.events('default', name)),
  });
  await until('PV gone', () => gone(w.admin.get(R.persistentvolumes, undefined, name)), { timeoutMs: 20_000 });
  assert.equal(a.driver.volumes.has(handle), false);
  assert.equal(other.driver.count('deleteVolume'), 0);
  await a.stop();
  await other.stop();
});

test('a volume still attached to a node is not deleted until the attachment goes', async () => {
  const a = w.agent('w1');
  const { claim, pv } = await boundClaim('del', 'w1');
  const name = pv.metadata!.name!;
  await w.admin.create(SR.volumeattachments, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'va-w1' }, spec: { attacher: LOCAL_DRIVER, nodeName: 'w1', source: { persistentVolumeName: name } } });
  await release(claim, name);
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(a.driver.count('deleteVolume'), 0);
  await w.admin.delete(SR.volumeattachments, undefined, 'va-w1');
  await until('PV gone', () => gone(w.admin.get(R.persistentvolumes, undefined, name)), { timeoutMs: 30_000 });
  assert.equal(a.driver.count('deleteVolume'), 1);
  await a.stop();
});

test('a Retain volume keeps its data: deleting its PV only removes the finalizer', async () => {
  const a = w.agent('y1');
  const { claim, pv } = await boundClaim('keep', 'y1');
  const name = pv.metadata!.name!;
  await release(claim, name);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!(await gone(w.admin.get(R.persistentvolumes, undefined, name))), 'a Released Retain PV stays');
  await w.admin.delete(R.persistentvolumes, undefined, name);
  await until('PV gone', () => gone(w.admin.get(R.persistentvolumes, undefined, name)), { timeoutMs: 20_000 });
  assert.equal(a.driver.count('deleteVolume'), 0);
  assert.equal(a.driver.volumes.size, 1);
  await a.stop();
});

async function expand(claim: KObject, size: string) {
  const cur = await w.admin.get(R.persistentvolumeclaims, 'default', claim.metadata!.name!);
  (cur.spec as any).resources.requests.storage = size;
  // The expand controller hands the claim to its resizer.
  cur.metadata!.annotations = { ...cur.metadata!.annotations, [ANN_STORAGE_RESIZER]: LOCAL_DRIVER };
  await w.admin.update(R.persistentvolumeclaims, cur);
}

test('a larger request expands the volume: FileSystemResizePending when the node must grow the filesystem', async () => {
  const a = w.agent('z1', { nodeExpansionRequired: true });
  const { claim, pv } = await boundClaim('del', 'z1');
  a.driver.fail('controllerExpandVolume', new CsiError(GrpcCode.INTERNAL, 'pool offline'), 1);
  await expand(claim, '3Gi');
  const name = claim.metadata!.name!;
  await until(
    'VolumeResizeFailed then success',
    async () => {
      const ev = await w.events('default', name);
      return ev.some((e) => e.reason === 'VolumeResizeFailed' && e.message === `resize volume "${pv.metadata!.name}" by resizer "${LOCAL_DRIVER}" failed: rpc error: code = Internal desc = pool offline`) && ev.some((e) => e.reason === 'FileSystemResizeRequired');
    },
    { timeoutMs: 20_000, context: async () => JSON.stringify(await w.events('default', name)) },
  );
  const got = await w.admin.get(R.persistentvolumes, undefined, pv.metadata!.name!);
  assert.equal((got.spec as any).capacity.storage, '3Gi');
  const c = await w.admin.get(R.persistentvolumeclaims, 'default', name);
  const conds = ((c.status as any).conditions ?? []) as { type: string; status: string; message?: string }[];
  assert.deepEqual(
    conds.map((x) => [x.type, x.status]),
    [['FileSystemResizePending', 'True']],
  );
  assert.equal((c.status as any).capacity.storage, '1Gi', 'the node finishes it');
  assert.ok((await w.events('default', name)).some((e) => e.reason === 'Resizing' && e.message === `External resizer is resizing volume ${pv.metadata!.name}`));
  const req = a.driver.calls.filter((x) => x.method === 'controllerExpandVolume').at(-1)!.req as any;
  assert.deepEqual(req.capacityRange, { requiredBytes: 3 * 1024 ** 3 });
  await a.stop();
});

test('without node expansion the claim gets its new capacity at once', async () => {
  const a = w.agent('z2');
  const { claim } = await boundClaim('del', 'z2');
  await expand(claim, '2Gi');
  await until('status.capacity 2Gi', async () => ((await w.admin.get(R.persistentvolumeclaims, 'default', claim.metadata!.name!)).status as any)?.capacity?.storage === '2Gi', { timeoutMs: 20_000 });
  const c = await w.admin.get(R.persistentvolumeclaims, 'default', claim.metadata!.name!);
  assert.equal((c.status as any).conditions, undefined);
  assert.ok((await w.events('default', claim.metadata!.name!)).some((e) => e.reason === 'VolumeResizeSuccessful'));
  await a.stop();
});

test('attach and detach for a third-party driver that asks for the agent sidecars (attachRequired)', async () => {
  const driverName = 'mem.csi.example.com';
  await w.admin.create(SR.csidrivers, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: driverName, labels: { [LABEL_AGENT_SIDECARS]: 'true' } }, spec: { attachRequired: true } });
  const a = w.agent('v1', { driverName, rpcs: ['CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME'] });
  const vol = (await a.driver.controller.createVolume({ name: 'pre', volumeCapabilities: [], capacityRange: { requiredBytes: 1 << 20 } })).volume;
  await w.admin.create(R.persistentvolumes, undefined, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pre-pv' }, spec: { capacity: { storage: '1Mi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', csi: { driver: driverName, volumeHandle: vol.volumeId } } });
  await w.admin.create(SR.volumeattachments, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'va-1' }, spec: { attacher: driverName, nodeName: 'v1', source: { persistentVolumeName: 'pre-pv' } } });
  await until('attached', async () => ((await w.admin.get(SR.volumeattachments, undefined, 'va-1')).status as any)?.attached === true, { timeoutMs: 20_000 });
  const va = await w.admin.get(SR.volumeattachments, undefined, 'va-1');
  assert.deepEqual((va.status as any).attachmentMetadata, { devicePath: `/dev/mem/${vol.volumeId}` });
  assert.deepEqual(va.metadata!.finalizers, ['external-attacher/mem.csi.example.com']);
  const pub = a.driver.calls.find((x) => x.method === 'controllerPublishVolume')!.req as any;
  assert.equal(pub.nodeId, 'id-v1');
  await w.admin.delete(SR.volumeattachments, undefined, 'va-1');
  await until('detached and gone', () => gone(w.admin.get(SR.volumeattachments, undefined, 'va-1')), { timeoutMs: 20_000 });
  assert.equal(a.driver.count('controllerUnpublishVolume'), 1);
  await a.stop();
});

test('storage capacity: one CSIStorageCapacity per class for the node’s topology, following GetCapacity, gone with the class', async () => {
  const driverName = 'cap.csi.example.com';
  await w.admin.create(SR.csidrivers, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: driverName, labels: { [LABEL_AGENT_SIDECARS]: 'true' } }, spec: { attachRequired: false, storageCapacity: true } });
  await w.admin.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'k1' } });
  await w.admin.create(SR.storageclasses, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'capclass' }, provisioner: driverName, volumeBindingMode: 'WaitForFirstConsumer', parameters: { tier: 'gold' } });
  const a = w.agent('k1', { driverName, rpcs: ['CREATE_DELETE_VOLUME', 'GET_CAPACITY'] });
  const caps = async () => (await w.admin.list(R.csistoragecapacities, 'kube-system')).items as any[];
  await until('a CSIStorageCapacity', async () => (await caps()).length === 1, { timeoutMs: 20_000 });
  const [cap] = await caps();
  assert.equal(cap.storageClassName, 'capclass');
  assert.equal(cap.capacity, '1Ti');
  assert.deepEqual(cap.nodeTopology, { matchLabels: { 'topology.local.csi.gifee.dev/node': 'k1' } });
  assert.deepEqual(cap.metadata.labels, { 'csi.storage.k8s.io/drivername': driverName, 'csi.storage.k8s.io/managed-by': 'external-provisioner-k1' });
  assert.equal(cap.metadata.ownerReferences[0].kind, 'Node');
  const req = a.driver.calls.find((x) => x.method === 'getCapacity')!.req as any;
  assert.deepEqual(req.parameters, { tier: 'gold' });
  a.driver.availableCapacity = 5 * 1024 ** 3;
  await until('capacity follows GetCapacity', async () => (await caps())[0]?.capacity === '5Gi', { timeoutMs: 20_000 });
  await w.admin.delete(SR.storageclasses, undefined, 'capclass');
  await until('gone with the class', async () => (await caps()).length === 0, { timeoutMs: 20_000 });
  await a.stop();
});
