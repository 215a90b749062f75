// PersistentVolumes and claims through kubectl against a real server and its controllers: static
// volumes bind to claims (the smallest that fits, Kubernetes' columns and annotations), Retain keeps
// a released volume Released and a Delete volume no provisioner made fails as Kubernetes says,
// WaitForFirstConsumer claims wait for the scheduler's node then go to their provisioner, a class
// whose provisioner has no CSIDriver gets a clear warning, a claim a running pod uses stays
// Terminating until the pod goes, growing a claim needs a class that allows it (403) and shrinking
// is refused (422), a grown CSI claim is handed to its driver's resizer, and a pod's generic
// ephemeral volume gets its claim (and a claim it does not own is refused with Kubernetes' event).
// Nodes are played by the fake kubelet: nothing here mounts anything.

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { startFakeKubelet, type FakeKubelet } from '../helpers/fake-kubelet.js';
import { until as waitUntil } from '../helpers/wait.js';

const NODE = 'pv-node';

describe('persistent volumes', () => {
  let cluster: Cluster;
  let kubelet: FakeKubelet;
  const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => cluster.kubectl(args, o);
  const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
  const apply = (...objs: unknown[]) => k(['apply', '-f', '-'], { input: objs.map((o) => JSON.stringify(o)).join('\n') });
  const until = (what: string, fn: () => Promise<boolean>, ms = 30_000) =>
    waitUntil(what, fn, {
      timeoutMs: ms,
      intervalMs: 200,
      context: async () => `${(await k(['get', 'pv,pvc,pods', '-A', '-o', 'wide'], { allowFail: true })).stdout}\n${(await k(['get', 'events', '-A'], { allowFail: true })).stdout.split('\n').slice(-20).join('\n')}`,
    });
  const pv = (name: string, size: string, o: { cls?: string; policy?: string; csi?: string; claimRef?: Record<string, string> } = {}) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: o.policy ?? 'Retain',
      storageClassName: o.cls ?? 'manual',
      ...(o.claimRef ? { claimRef: o.claimRef } : {}),
      ...(o.csi ? { csi: { driver: o.csi, volumeHandle: name } } : { hostPath: { path: `/tmp/gifee-e2e-pv/${name}` } }),
    },
  });
  const pvc = (ns: string, name: string, size: string, cls = 'manual', extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: ns },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: cls, ...extra },
  });
  const phase = async (what: string, ns?: string) => (await k(['get', ...what.split(' '), ...(ns ? ['-n', ns] : []), '-o', 'jsonpath={.status.phase}'], { allowFail: true })).stdout;
  const events = async (ns: string, name: string) => (await json(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name}`])).items as { type: string; reason: string; message: string; source?: { component?: string } }[];
  const namespace = async (ns: string) => {
    await k(['create', 'namespace', ns]);
    await until(`${ns}/default service account`, async () => (await k(['get', 'serviceaccount', 'default', '-n', ns], { allowFail: true })).code === 0);
  };

  before(async () => {
    cluster = await startCluster();
    kubelet = await startFakeKubelet(cluster.kubeconfig, [NODE]);
  });
  after(async () => {
    await kubelet?.stop();
    await cluster?.stop();
  });

  test('a static claim binds the smallest volume that fits; kubectl shows both with Kubernetes columns; Retain keeps it Released', async () => {
    await namespace('static');
    await apply(pv('pv-1g', '1Gi'), pv('pv-5g', '5Gi'), pv('pv-10g', '10Gi'), pv('pv-other-class', '3Gi', { cls: 'other' }));
    await until('volumes Available', async () => (await k(['get', 'pv', '-o', 'jsonpath={.items[*].status.phase}'])).stdout.split(' ').filter((p) => p === 'Available').length === 4);
    await apply(pvc('static', 'data', '3Gi'));
    await until('claim Bound', async () => (await phase('pvc data', 'static')) === 'Bound');
    const claim = await json(['get', 'pvc', 'data', '-n', 'static']);
    assert.equal(claim.spec.volumeName, 'pv-5g', 'the smallest of the class that fits');
    assert.equal(claim.metadata.annotations['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(claim.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.deepEqual(claim.metadata.finalizers, ['kubernetes.io/pvc-protection']);
    assert.deepEqual(claim.status.capacity, { storage: '5Gi' });
    const vol = await json(['get', 'pv', 'pv-5g']);
    assert.deepEqual({ kind: vol.spec.claimRef.kind, namespace: vol.spec.claimRef.namespace, name: vol.spec.claimRef.name, uid: vol.spec.claimRef.uid }, { kind: 'PersistentVolumeClaim', namespace: 'static', name: 'data', uid: claim.metadata.uid });
    assert.equal(vol.metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.deepEqual(vol.metadata.finalizers, ['kubernetes.io/pv-protection']);
    assert.equal(vol.status.phase, 'Bound');
    assert.match(vol.status.lastPhaseTransitionTime, /^\d{4}-\d\d-\d\dT/);
    const pvs = (await k(['get', 'pv', 'pv-5g'])).stdout;
    assert.match(pvs, /^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE\n/);
    assert.match(pvs, /\npv-5g\s+5Gi\s+RWO\s+Retain\s+Bound\s+static\/data\s+manual\s+<unset>\s+\S+/);
    const pvcs = (await k(['get', 'pvc', '-n', 'static'])).stdout;
    assert.match(pvcs, /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\ndata\s+Bound\s+pv-5g\s+5Gi\s+RWO\s+manual\s+<unset>\s+\S+/);

    // The claim goes: a Retain volume is Released and stays so, its data (claimRef) kept.
    await k(['delete', 'pvc', 'data', '-n', 'static']);
    await until('volume Released', async () => (await phase('pv pv-5g')) === 'Released');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await phase('pv pv-5g'), 'Released');
    assert.match((await k(['get', 'pv', 'pv-5g'])).stdout, /\npv-5g\s+5Gi\s+RWO\s+Retain\s+Released\s+static\/data\s+manual/);
    // A new claim of the same name does not take the released volume back.
    await apply(pvc('static', 'data', '3Gi'));
    await until('new claim Bound', async () => (await phase('pvc data', 'static')) === 'Bound');
    assert.equal((await json(['get', 'pvc', 'data', '-n', 'static'])).spec.volumeName, 'pv-10g');
  });

  test('a Delete volume no provisioner made fails when released, as Kubernetes says', async () => {
    await namespace('deleting');
    await apply(pv('pv-delete', '1Gi', { cls: 'scratch', policy: 'Delete' }), pvc('deleting', 'tmp', '1Gi', 'scratch'));
    await until('claim Bound', async () => (await phase('pvc tmp', 'deleting')) === 'Bound');
    await k(['delete', 'pvc', 'tmp', '-n', 'deleting']);
    await until('volume Failed', async () => (await phase('pv pv-delete')) === 'Failed');
    const msg = 'error getting deleter volume plugin for volume "pv-delete": no deletable volume plugin matched';
    assert.equal((await json(['get', 'pv', 'pv-delete'])).status.message, msg);
    await until('VolumeFailedDelete event', async () => (await events('default', 'pv-delete')).some((e) => e.type === 'Warning' && e.reason === 'VolumeFailedDelete' && e.message === msg));
  });

  test('WaitForFirstConsumer: the claim waits for a node, then is handed to its provisioner', async () => {
    await namespace('wffc');
    await apply({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'later' }, provisioner: 'later.example.com', volumeBindingMode: 'WaitForFirstConsumer' }, pvc('wffc', 'w', '1Gi', 'later'));
    await until('WaitForFirstConsumer event', async () => (await events('wffc', 'w')).some((e) => e.reason === 'WaitForFirstConsumer' && e.message === 'waiting for first consumer to be created before binding' && e.source?.component === 'persistentvolume-controller'));
    assert.equal(await phase('pvc w', 'wffc'), 'Pending');
    assert.equal((await json(['get', 'pvc', 'w', '-n', 'wffc'])).metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], undefined);
    // The scheduler's choice: now the provisioner is asked.
    await k(['annotate', 'pvc', 'w', '-n', 'wffc', `volume.kubernetes.io/selected-node=${NODE}`]);
    await until('provisioner annotations', async () => {
      const a = (await json(['get', 'pvc', 'w', '-n', 'wffc'])).metadata.annotations ?? {};
      return a['volume.kubernetes.io/storage-provisioner'] === 'later.example.com' && a['volume.beta.kubernetes.io/storage-provisioner'] === 'later.example.com';
    });
    await until('ExternalProvisioning event', async () =>
      (await events('wffc', 'w')).some(
        (e) => e.reason === 'ExternalProvisioning' && e.message === "Waiting for a volume to be created either by the external provisioner 'later.example.com' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
      ),
    );
  });

  test('a class naming a provisioner no CSIDriver answers to gets a clear warning; no class and no volume: FailedBinding', async () => {
    await namespace('unknown');
    await apply({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'nobody' }, provisioner: 'nobody.example.com', volumeBindingMode: 'Immediate' }, pvc('unknown', 'u', '1Gi', 'nobody'), pvc('unknown', 'bare', '1Gi', ''));
    await until('the warning', async () => (await events('unknown', 'u')).some((e) => e.type === 'Warning' && e.reason === 'ProvisionerNotFound'));
    const described = (await k(['describe', 'pvc', 'u', '-n', 'unknown'])).stdout;
    assert.match(described, /Warning\s+ProvisionerNotFound\s+.*no CSIDriver "nobody\.example\.com" is installed in this cluster/);
    assert.match(described, /Normal\s+ExternalProvisioning\s+.*external provisioner 'nobody\.example\.com'/);
    await until('FailedBinding', async () => (await events('unknown', 'bare')).some((e) => e.reason === 'FailedBinding' && e.message === 'no persistent volumes available for this claim and no storage class is set'));
  });

  test('a claim a running pod uses stays Terminating until the pod goes', async () => {
    await namespace('inuse');
    await apply(pv('pv-inuse', '1Gi', { cls: 'inuse' }), pvc('inuse', 'held', '1Gi', 'inuse'));
    await until('claim Bound', async () => (await phase('pvc held', 'inuse')) === 'Bound');
    await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user', namespace: 'inuse' }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'registry.local/busybox:1', command: ['sleep', '3600'] }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'held' } }] } });
    await until('pod Running', async () => (await phase('pod user', 'inuse')) === 'Running');
    await k(['delete', 'pvc', 'held', '-n', 'inuse', '--wait=false']);
    await until('Terminating', async () => / Terminating /.test((await k(['get', 'pvc', 'held', '-n', 'inuse'])).stdout));
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual((await json(['get', 'pvc', 'held', '-n', 'inuse'])).metadata.finalizers, ['kubernetes.io/pvc-protection'], 'still protected while the pod runs');
    // A bound volume is protected too.
    await k(['delete', 'pv', 'pv-inuse', '--wait=false']);
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok((await json(['get', 'pv', 'pv-inuse'])).metadata.deletionTimestamp);
    await k(['delete', 'pod', 'user', '-n', 'inuse']);
    await until('claim gone', async () => (await k(['get', 'pvc', 'held', '-n', 'inuse'], { allowFail: true })).code !== 0);
    await until('volume gone once released', async () => (await k(['get', 'pv', 'pv-inuse'], { allowFail: true })).code !== 0);
  });

  test('resizing: 403 without allowVolumeExpansion, 422 when shrinking, a grown CSI claim goes to its resizer', async () => {
    await namespace('resize');
    await apply(
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fixed' }, provisioner: 'fixed.example.com', volumeBindingMode: 'Immediate' },
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'growing' }, provisioner: 'grow.example.com', volumeBindingMode: 'Immediate', allowVolumeExpansion: true },
      pv('pv-fixed', '2Gi', { cls: 'fixed' }),
      pv('pv-grow', '2Gi', { cls: 'growing', csi: 'grow.example.com' }),
      pvc('resize', 'fixed', '2Gi', 'fixed'),
      pvc('resize', 'grow', '2Gi', 'growing'),
    );
    await until('claims Bound', async () => (await phase('pvc fixed', 'resize')) === 'Bound' && (await phase('pvc grow', 'resize')) === 'Bound');
    const bigger = JSON.stringify({ spec: { resources: { requests: { storage: '4Gi' } } } });
    const refused = await k(['patch', 'pvc', 'fixed', '-n', 'resize', '-p', bigger], { allowFail: true });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /persistentvolumeclaims "fixed" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize/);
    const raw = await cluster.request('PATCH', '/api/v1/namespaces/resize/persistentvolumeclaims/fixed', bigger, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(raw.status, 403);
    const shrink = await cluster.request('PATCH', '/api/v1/namespaces/resize/persistentvolumeclaims/grow', { spec: { resources: { requests: { storage: '1Gi' } } } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(shrink.status, 422, shrink.body);
    assert.equal(shrink.json.message, 'PersistentVolumeClaim "grow" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity');
    assert.deepEqual(shrink.json.details.causes, [{ reason: 'FieldValueForbidden', message: 'Forbidden: field can not be less than status.capacity', field: 'spec.resources.requests.storage' }]);
    const kshrink = await k(['patch', 'pvc', 'grow', '-n', 'resize', '-p', JSON.stringify({ spec: { resources: { requests: { storage: '1Gi' } } } })], { allowFail: true });
    assert.match(kshrink.stderr, /The PersistentVolumeClaim "grow" is invalid: spec\.resources\.requests\.storage: Forbidden: field can not be less than status\.capacity/);
    // Other fields of a bound claim are immutable.
    const immutable = await k(['patch', 'pvc', 'grow', '-n', 'resize', '-p', JSON.stringify({ spec: { accessModes: ['ReadWriteMany'] } })], { allowFail: true });
    assert.match(immutable.stderr, /spec: Forbidden: spec is immutable after creation except resources\.requests and volumeAttributesClassName for bound claims/);
    // Growing a claim of a class that allows it: accepted, and handed to the CSI driver's resizer.
    await k(['patch', 'pvc', 'grow', '-n', 'resize', '-p', bigger]);
    await until('resizer annotation', async () => (await json(['get', 'pvc', 'grow', '-n', 'resize'])).metadata.annotations?.['volume.kubernetes.io/storage-resizer'] === 'grow.example.com');
    await until('ExternalExpanding event', async () => (await events('resize', 'grow')).some((e) => e.reason === 'ExternalExpanding' && e.message === 'waiting for an external controller to expand this PVC'));
  });

  test('a generic ephemeral volume gets its claim, owned by the pod; a claim the pod does not own is refused', async () => {
    await namespace('eph');
    const template = { volumeClaimTemplate: { metadata: { labels: { kind: 'scratch' } }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'manual', resources: { requests: { storage: '1Gi' } } } } };
    const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'eph' }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'registry.local/busybox:1', command: ['sleep', '3600'] }], volumes: [{ name: 'scratch', ephemeral: template }] } });
    await apply(pod('p1'));
    await until('claim p1-scratch', async () => (await k(['get', 'pvc', 'p1-scratch', '-n', 'eph'], { allowFail: true })).code === 0);
    const claim = await json(['get', 'pvc', 'p1-scratch', '-n', 'eph']);
    const owner = (await json(['get', 'pod', 'p1', '-n', 'eph'])).metadata.uid;
    assert.deepEqual(claim.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Pod', name: 'p1', uid: owner, controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(claim.metadata.labels, { kind: 'scratch' });
    assert.equal(claim.spec.storageClassName, 'manual');
    // Someone else's claim of the name the pod would use.
    await apply(pvc('eph', 'p2-scratch', '1Gi'));
    await apply(pod('p2'));
    await until('conflict event', async () => (await events('eph', 'p2')).some((e) => e.type === 'Warning' && e.reason === 'FailedBinding' && e.message === 'ephemeral volume scratch: PVC eph/p2-scratch was not created for pod eph/p2 (pod is not owner)'));
  });
});
