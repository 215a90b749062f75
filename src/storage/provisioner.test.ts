// The node-side provisioner against a real API server, with simulated agents and in-memory drivers:
// WaitForFirstConsumer claims are provisioned by the selected node's agent only, with the PV's
// fields as external-provisioner writes them; an Immediate claim raced by two agents yields exactly
// one volume; a driver error leaves the claim Pending with ProvisioningFailed and is retried; a PV
// that cannot be saved gives its volume back; clones and a missing snapshot API.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KObject } from '../api/kind.js';
import { R } from '../client/resources.js';
import { RestClient, type ResourceRef } from '../client/rest.js';
import { CsiError, GrpcCode } from '../csi/types.js';
import { startSidecarWorld, type SidecarWorld, until } from '../../test/helpers/storage-sidecars.js';
import { ANN_PROVISIONED_BY, ANN_PROVISIONED_ON_NODE, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, FINALIZER_PROVISIONER, LOCAL_DRIVER } from '../api/storage-names.js';
import { SR } from './resources.js';

let w: SidecarWorld;
before(async () => {
  w = await startSidecarWorld();
  await w.admin.create(SR.storageclasses, undefined, {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'wffc' },
    provisioner: LOCAL_DRIVER,
    volumeBindingMode: 'WaitForFirstConsumer',
    reclaimPolicy: 'Retain',
    mountOptions: ['noatime'],
    parameters: { 'csi.storage.k8s.io/fstype': 'xfs', 'csi.storage.k8s.io/provisioner-secret-name': 's', flavour: 'fast' },
  });
  await w.admin.create(SR.storageclasses, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'immediate' }, provisioner: LOCAL_DRIVER, volumeBindingMode: 'Immediate' });
});
after(() => w.stop());

let n = 0;
/** A claim as the PV controller leaves it for a provisioner (and the scheduler, when selected is given). */
async function claim(sc: string, o: { selected?: string; size?: string; spec?: Record<string, unknown>; noProvisioner?: boolean } = {}): Promise<KObject> {
  const annotations: Record<string, string> = o.noProvisioner ? {} : { [ANN_STORAGE_PROVISIONER]: LOCAL_DRIVER };
  if (o.selected) annotations[ANN_SELECTED_NODE] = o.selected;
  return w.admin.create(R.persistentvolumeclaims, 'default', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `c${++n}`, annotations }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: sc, resources: { requests: { storage: o.size ?? '1Gi' } }, ...o.spec } });
}

const pvOf = (c: KObject) => w.admin.get(R.persistentvolumes, undefined, `pvc-${c.metadata!.uid}`);
const waitPv = (c: KObject, timeoutMs = 20_000) => until(`PV of ${c.metadata!.name}`, async () => !!(await pvOf(c)), { timeoutMs });
const waitEvent = (c: KObject, reason: string, includes = '') =>
  until(`${reason} on ${c.metadata!.name}`, async () => (await w.events('default', c.metadata!.name!)).some((e) => e.reason === reason && e.message.includes(includes)), { timeoutMs: 20_000, context: async () => JSON.stringify(await w.events('default', c.metadata!.name!)) });

test('a WaitForFirstConsumer claim is provisioned by the selected node, with the PV as external-provisioner writes it', async () => {
  const a1 = w.agent('n1');
  const a2 = w.agent('n2');
  const c = await claim('wffc', { selected: 'n1', size: '2Gi' });
  await waitPv(c);
  const pv = await pvOf(c);
  const md = pv.metadata!;
  assert.equal(md.annotations?.[ANN_PROVISIONED_BY], LOCAL_DRIVER);
  assert.equal(md.annotations?.[ANN_PROVISIONED_ON_NODE], 'n1');
  assert.ok(md.finalizers?.includes(FINALIZER_PROVISIONER), String(md.finalizers)); // (and pv-protection, from admission)
  const spec = pv.spec as Record<string, any>;
  assert.equal(spec.capacity.storage, '2Gi');
  assert.deepEqual(spec.accessModes, ['ReadWriteOnce']);
  assert.equal(spec.volumeMode, 'Filesystem');
  assert.equal(spec.storageClassName, 'wffc');
  assert.equal(spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.deepEqual(spec.mountOptions, ['noatime']);
  assert.deepEqual({ name: spec.claimRef.name, namespace: spec.claimRef.namespace, uid: spec.claimRef.uid }, { name: c.metadata!.name, namespace: 'default', uid: c.metadata!.uid });
  assert.equal(spec.csi.driver, LOCAL_DRIVER);
  assert.equal(spec.csi.fsType, 'xfs');
  assert.deepEqual(spec.csi.volumeAttributes, { created: 'memory' });
  assert.ok(a1.driver.volumes.has(spec.csi.volumeHandle));
  assert.deepEqual(spec.nodeAffinity.required.nodeSelectorTerms, [{ matchExpressions: [{ key: 'topology.local.csi.gifee.dev/node', operator: 'In', values: ['n1'] }] }]);
  // What the driver was asked: the class's parameters without csi.storage.k8s.io/*, the capability, this node's topology.
  const req = a1.driver.calls.find((x) => x.method === 'createVolume')!.req as any;
  assert.equal(req.name, `pvc-${c.metadata!.uid}`);
  assert.deepEqual(req.capacityRange, { requiredBytes: 2 * 1024 ** 3 });
  assert.deepEqual(req.parameters, { flavour: 'fast' });
  assert.deepEqual(req.volumeCapabilities, [{ mount: { fsType: 'xfs', mountFlags: ['noatime'] }, accessMode: { mode: 'SINGLE_NODE_WRITER' } }]);
  assert.deepEqual(req.accessibilityRequirements.requisite, [{ segments: { 'topology.local.csi.gifee.dev/node': 'n1' } }]);
  assert.equal(a2.driver.count('createVolume'), 0);
  await waitEvent(c, 'Provisioning', `External provisioner is provisioning volume for claim "default/${c.metadata!.name}"`);
  await waitEvent(c, 'ProvisioningSucceeded', `Successfully provisioned volume pvc-${c.metadata!.uid}`);

  // Unselected WFFC claims wait; a Block claim selected for n2 is n2's.
  const waiting = await claim('wffc');
  const block = await claim('wffc', { selected: 'n2', spec: { volumeMode: 'Block', accessModes: ['ReadWriteOncePod'] } });
  await waitPv(block);
  const bspec = (await pvOf(block)).spec as Record<string, any>;
  assert.equal(bspec.volumeMode, 'Block');
  assert.equal(bspec.csi.fsType, undefined);
  const breq = a2.driver.calls.find((x) => x.method === 'createVolume')!.req as any;
  assert.deepEqual(breq.volumeCapabilities, [{ block: {}, accessMode: { mode: 'SINGLE_NODE_WRITER' } }]);
  assert.equal(await pvOf(waiting).catch(() => undefined), undefined);
  assert.equal(a1.driver.count('createVolume'), 1);
  await a1.stop();
  await a2.stop();
});

test("a WaitForFirstConsumer claim is provisioned on the scheduler's selected-node alone, before the PV controller's storage-provisioner annotation", async () => {
  const a1 = w.agent('s1');
  const early = await claim('wffc', { selected: 's1', noProvisioner: true });
  await waitPv(early);
  assert.equal((await pvOf(early)).metadata!.annotations?.[ANN_PROVISIONED_ON_NODE], 's1');
  // Without a selected node (Immediate: the PV controller decides there is no volume to bind first), nothing is made.
  const immediate = await claim('immediate', { noProvisioner: true });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(a1.driver.calls.filter((x) => x.method === 'createVolume' && (x.req as { name: string }).name === `pvc-${immediate.metadata!.uid}`).length, 0);
  await a1.stop();
});

test('two agents racing for an Immediate claim: exactly one volume, on the node that took the claim', async () => {
  const agents = [w.agent('r1'), w.agent('r2'), w.agent('r3')];
  for (let i = 0; i < 3; i++) {
    const c = await claim('immediate');
    await waitPv(c);
    const pv = await pvOf(c);
    const winner = pv.metadata!.annotations![ANN_PROVISIONED_ON_NODE];
    const got = await w.admin.get(R.persistentvolumeclaims, 'default', c.metadata!.name!);
    assert.equal(got.metadata!.annotations![ANN_SELECTED_NODE], winner);
    await new Promise((r) => setTimeout(r, 300)); // time for a loser to (wrongly) provision too
    const made = agents.map((a) => a.driver.calls.filter((x) => x.method === 'createVolume' && (x.req as { name: string }).name === `pvc-${c.metadata!.uid}`).length);
    assert.equal(
      made.reduce((s, k) => s + k, 0),
      1,
      `createVolume calls per agent: ${made}`,
    );
  }
  for (const a of agents) await a.stop();
});

test('a driver error in CreateVolume leaves the claim Pending with ProvisioningFailed, and is retried', async () => {
  const a = w.agent('f1');
  a.driver.fail('createVolume', new CsiError(GrpcCode.UNAVAILABLE, 'the pool is restarting'), 3);
  const c = await claim('wffc', { selected: 'f1' });
  await waitEvent(c, 'ProvisioningFailed', 'failed to provision volume with StorageClass "wffc": rpc error: code = Unavailable desc = the pool is restarting');
  await waitPv(c);
  assert.ok(a.driver.count('createVolume') >= 4);
  assert.equal(a.driver.volumes.size, 1);
  await a.stop();
});

test('a WaitForFirstConsumer claim the node has no room for goes back to the scheduler', async () => {
  const a = w.agent('e1');
  a.driver.fail('createVolume', new CsiError(GrpcCode.RESOURCE_EXHAUSTED, 'no space left on the pool'));
  const c = await claim('wffc', { selected: 'e1' });
  await waitEvent(c, 'ProvisioningFailed', 'rpc error: code = ResourceExhausted desc = no space left on the pool');
  await until('selected-node removed', async () => !(await w.admin.get(R.persistentvolumeclaims, 'default', c.metadata!.name!)).metadata!.annotations?.[ANN_SELECTED_NODE]);
  // The scheduler picks the node again (now with room).
  const cur = await w.admin.get(R.persistentvolumeclaims, 'default', c.metadata!.name!);
  cur.metadata!.annotations = { ...cur.metadata!.annotations, [ANN_SELECTED_NODE]: 'e1' };
  await w.admin.update(R.persistentvolumeclaims, cur);
  await waitPv(c);
  await a.stop();
});

test('an Immediate claim a node has no room for is left to another agent', async () => {
  const full = w.agent('full1');
  const roomy = w.agent('roomy1');
  full.driver.fail('createVolume', new CsiError(GrpcCode.RESOURCE_EXHAUSTED, 'pool full'), 100);
  for (let i = 0; i < 2; i++) {
    const c = await claim('immediate');
    await waitPv(c);
    assert.equal((await pvOf(c)).metadata!.annotations![ANN_PROVISIONED_ON_NODE], 'roomy1');
  }
  assert.equal(full.driver.volumes.size, 0);
  await full.stop();
  await roomy.stop();
});

/** A client whose PV creates fail (an API server that refuses them, a crash between the two steps). */
class PvCreateFails extends RestClient {
  failures = 0;
  constructor(
    config: RestClient['config'],
    public remaining: number,
  ) {
    super(config);
  }
  override create(r: ResourceRef, ns: string | undefined, obj: KObject) {
    if (r.plural === 'persistentvolumes' && this.remaining > 0) {
      this.remaining--;
      this.failures++;
      return Promise.reject(new Error('injected: the PV could not be saved'));
    }
    return super.create(r, ns, obj);
  }
}

test('a volume whose PV cannot be saved is deleted again: nothing is left half-provisioned', async () => {
  const client = new PvCreateFails(w.config, 3);
  const a = w.agent('h1', { client });
  const c = await claim('wffc', { selected: 'h1' });
  await waitEvent(c, 'ProvisioningFailed', 'injected: the PV could not be saved');
  await until('the half-made volume deleted', async () => a.driver.count('deleteVolume') >= 1);
  assert.equal(client.failures, 3);
  // The next attempt succeeds: one volume in the driver, the PV pointing at it.
  await waitPv(c);
  const pv = await pvOf(c);
  assert.deepEqual([...a.driver.volumes.keys()], [(pv.spec as any).csi.volumeHandle]);
  await a.stop();
});

test('a claim stays Pending for good when the PV can never be saved, and the driver holds no volume', async () => {
  const client = new PvCreateFails(w.config, 1e9);
  const a = w.agent('h2', { client });
  const c = await claim('wffc', { selected: 'h2' });
  await until('two rounds of create then delete', async () => a.driver.count('deleteVolume') >= 2);
  await a.stop();
  assert.equal(a.driver.volumes.size, 0);
  assert.equal(a.driver.count('createVolume'), a.driver.count('deleteVolume'));
  assert.equal(await pvOf(c).catch(() => undefined), undefined);
});

test('data sources: a clone names the source PV volume handle; a missing VolumeSnapshot is a clear ProvisioningFailed', async () => {
  const a = w.agent('d1');
  const src = await claim('wffc', { selected: 'd1' });
  await waitPv(src);
  const srcPv = await pvOf(src);
  // Bind it as the PV controller would.
  await w.admin.update(R.persistentvolumeclaims, { ...(await w.admin.get(R.persistentvolumeclaims, 'default', src.metadata!.name!)), spec: { ...(src.spec as object), volumeName: srcPv.metadata!.name } });
  const bound = await w.admin.get(R.persistentvolumeclaims, 'default', src.metadata!.name!);
  await w.admin.update(R.persistentvolumeclaims, { ...bound, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }, 'status');
  const clone = await claim('wffc', { selected: 'd1', spec: { dataSource: { kind: 'PersistentVolumeClaim', name: src.metadata!.name } } });
  await waitPv(clone);
  const req = a.driver.calls
    .filter((x) => x.method === 'createVolume')
    .map((x) => x.req as any)
    .find((r) => r.name === `pvc-${clone.metadata!.uid}`);
  assert.deepEqual(req.volumeContentSource, { volume: { volumeId: (srcPv.spec as any).csi.volumeHandle } });

  const fromSnap = await claim('wffc', { selected: 'd1', spec: { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap-1' } } });
  await waitEvent(fromSnap, 'ProvisioningFailed', 'error getting snapshot snap-1 from api server: volumesnapshots.snapshot.storage.k8s.io "snap-1" not found');
  assert.equal(a.driver.calls.filter((x) => x.method === 'createVolume' && (x.req as { name: string }).name === `pvc-${fromSnap.metadata!.uid}`).length, 0);
  await a.stop();
});

test('a VolumeSnapshot data source: the bound content’s snapshotHandle', async () => {
  await w.admin.create(SR.volumesnapshotcontents, undefined, {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: { name: 'snapcontent-1' },
    spec: { driver: LOCAL_DRIVER, deletionPolicy: 'Delete', source: { snapshotHandle: 'snap-h1' }, volumeSnapshotRef: { namespace: 'default', name: 'snap-2' } },
  });
  await w.admin.update(SR.volumesnapshotcontents, { ...(await w.admin.get(SR.volumesnapshotcontents, undefined, 'snapcontent-1')), status: { snapshotHandle: 'snap-h1', readyToUse: true } }, 'status');
  const snap = await w.admin.create(SR.volumesnapshots, 'default', { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'snap-2' }, spec: { source: { volumeSnapshotContentName: 'snapcontent-1' } } });
  const a = w.agent('s1');
  // Not ready yet: refused, retried.
  const c = await claim('wffc', { selected: 's1', spec: { dataSourceRef: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap-2' } } });
  await waitEvent(c, 'ProvisioningFailed', 'snapshot snap-2 is not Ready');
  await w.admin.update(SR.volumesnapshots, { ...(await w.admin.get(SR.volumesnapshots, 'default', snap.metadata!.name!)), status: { readyToUse: true, boundVolumeSnapshotContentName: 'snapcontent-1' } }, 'status');
  await waitPv(c, 30_000);
  const req = a.driver.calls
    .filter((x) => x.method === 'createVolume')
    .map((x) => x.req as any)
    .find((r) => r.name === `pvc-${c.metadata!.uid}`);
  assert.deepEqual(req.volumeContentSource, { snapshot: { snapshotId: 'snap-h1' } });
  await a.stop();
});

test('a claim whose class does not exist yet gets ProvisioningFailed, and is provisioned once the class appears', async () => {
  const a = w.agent('m1');
  const c = await claim('later', { selected: 'm1' });
  await waitEvent(c, 'ProvisioningFailed', 'storageclass.storage.k8s.io "later" not found');
  await w.admin.create(SR.storageclasses, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'later' }, provisioner: LOCAL_DRIVER, volumeBindingMode: 'WaitForFirstConsumer' });
  await waitPv(c);
  await a.stop();
});
