// Stateful storage as a new user meets it on a fresh cluster with a real agent: the default
// StorageClass `local` (gifee's own CSI driver: one loop-mounted ext4 image per volume), a
// StatefulSet with volumeClaimTemplates gets Bound claims and Running pods, data outlives its pod,
// scaling reuses the claims, the requested size is enforced (ENOSPC), a claim grows online (df in the
// container sees it), a Block claim is a device in the container, Retain keeps data after the
// claim is gone, and a claim no node can hold leaves its pod Pending with the scheduler's reason.
// Everything through kubectl.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { importImages, testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'needs root for loop devices and the node agent' : false;

let c: Cluster;

const jp = async (what: string, path: string) => (await c.kubectl(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 90_000) =>
  waitUntil(what, fn, {
    timeoutMs: ms,
    intervalMs: 250,
    context: async () => `${(await c.kubectl(['get', 'pods,pvc,pv', '-o', 'wide'], { allowFail: true })).stdout}\n${(await c.kubectl(['get', 'events', '--sort-by=.lastTimestamp'], { allowFail: true })).stdout.split('\n').slice(-25).join('\n')}`,
  });
const exec = async (pod: string, script: string) => c.kubectl(['exec', pod, '--', 'sh', '-c', script], { allowFail: true });
const apply = (obj: unknown) => c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) });

const statefulSet = (replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db' },
  spec: {
    serviceName: 'db',
    replicas,
    selector: { matchLabels: { app: 'db' } },
    template: {
      metadata: { labels: { app: 'db' } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
    },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '32Mi' } } } }],
  },
});

before(async () => {
  if (skip) return;
  c = await startCluster({ agent: true });
  await importImages(c.dataDir, [(await testImages()).busybox]);
  await until('node Ready', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}')) === 'True');
});

after(async () => {
  if (c) await c.stop();
});

test('a fresh cluster has the default StorageClass local, served by gifee’s CSI driver', { skip }, async () => {
  const sc = (await c.kubectl(['get', 'sc'])).stdout;
  assert.match(sc, /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE/);
  assert.match(sc, /\nlocal \(default\)\s+local\.csi\.gifee\.dev\s+Delete\s+WaitForFirstConsumer\s+true\s/);
  await until('the driver registered on the node (CSINode)', async () => (await jp('csinodes', '{.items[0].spec.drivers[*].name}')).includes('local.csi.gifee.dev'));
});

test('a StatefulSet with volumeClaimTemplates gets Bound claims and Running pods; data survives pod deletion; scaling reuses claims', { skip }, async () => {
  await apply(statefulSet(2));
  await until('both pods Running', async () => (await jp('pods -l app=db', '{.items[*].status.phase}')) === 'Running Running');
  assert.equal(await jp('pvc data-db-0 data-db-1', '{.items[*].status.phase}'), 'Bound Bound');
  const pvc = (await c.kubectl(['get', 'pvc', 'data-db-0'])).stdout;
  assert.match(pvc, /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE/);
  assert.match(pvc, /\ndata-db-0\s+Bound\s+pvc-[0-9a-f-]+\s+32Mi\s+RWO\s+local\s+<unset>\s/);
  const pv0 = await jp('pvc data-db-0', '{.spec.volumeName}');
  assert.match(await jp(`pv ${pv0}`, '{.spec.csi.driver}/{.spec.persistentVolumeReclaimPolicy}'), /^local\.csi\.gifee\.dev\/Delete$/);

  assert.equal((await exec('db-0', 'echo kept > /data/proof && sync && cat /data/proof')).stdout.trim(), 'kept');
  const uid = await jp('pod db-0', '{.metadata.uid}');
  await c.kubectl(['delete', 'pod', 'db-0']);
  await until('db-0 replaced and Running', async () => {
    const [u, phase] = (await jp('pod db-0', '{.metadata.uid} {.status.phase}')).split(' ');
    return !!u && u !== uid && phase === 'Running';
  });
  assert.equal((await exec('db-0', 'cat /data/proof')).stdout.trim(), 'kept');

  await c.kubectl(['scale', 'statefulset', 'db', '--replicas=1']);
  await until('db-1 gone', async () => (await jp('pods -l app=db', '{.items[*].metadata.name}')) === 'db-0');
  assert.equal(await jp('pvc data-db-1', '{.status.phase}'), 'Bound', 'whenScaled Retain keeps the claim');
  const pv1 = await jp('pvc data-db-1', '{.spec.volumeName}');
  await c.kubectl(['scale', 'statefulset', 'db', '--replicas=2']);
  await until('db-1 back', async () => (await jp('pod db-1', '{.status.phase}')) === 'Running');
  assert.equal(await jp('pvc data-db-1', '{.spec.volumeName}'), pv1, 'the same claim and volume again');
});

test('the requested size is enforced: writing past it fails with ENOSPC in the container', { skip }, async () => {
  const r = await exec('db-0', 'dd if=/dev/zero of=/data/big bs=1M count=64 2>&1; rm -f /data/big');
  assert.match(r.stdout + r.stderr, /No space left on device/);
});

test('kubectl patch pvc to a larger size expands the volume online: df in the container sees it (an xfs class)', { skip }, async () => {
  // ext4 grows online only with CAP_SYS_RESOURCE, which some sandboxes drop; xfs_growfs needs none.
  await apply({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-xfs' }, provisioner: 'local.csi.gifee.dev', parameters: { 'csi.storage.k8s.io/fstype': 'xfs' }, volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true });
  await apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'grow' }, spec: { storageClassName: 'local-xfs', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '320Mi' } } } });
  await apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'grower' },
    spec: { terminationGracePeriodSeconds: 1, volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'grow' } }], containers: [{ name: 'main', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], volumeMounts: [{ name: 'v', mountPath: '/v' }] }] },
  });
  await until('grower Running', async () => (await jp('pod grower', '{.status.phase}')) === 'Running');
  await exec('grower', 'echo before > /v/proof && sync');
  const size = async () => Number((await exec('grower', "df -k /v | tail -1 | awk '{print $2}'")).stdout.trim());
  const before = await size();
  await c.kubectl(['patch', 'pvc', 'grow', '-p', '{"spec":{"resources":{"requests":{"storage":"448Mi"}}}}']);
  await until('claim capacity 448Mi', async () => (await jp('pvc grow', '{.status.capacity.storage}')) === '448Mi');
  await until('df grows while the pod runs', async () => (await size()) > before + 100 * 1024);
  assert.equal((await exec('grower', 'cat /v/proof')).stdout.trim(), 'before');
  assert.equal(await jp('pod grower', '{.status.containerStatuses[0].restartCount}'), '0', 'online: the container never restarted');
  const shrink = await c.kubectl(['patch', 'pvc', 'grow', '-p', '{"spec":{"resources":{"requests":{"storage":"320Mi"}}}}'], { allowFail: true });
  assert.notEqual(shrink.code, 0);
  assert.match(shrink.stderr, /can not be less than/);
  await c.kubectl(['delete', 'pod', 'grower', '--wait=true']);
});

test('a Block claim appears in the container as a device of the requested size', { skip }, async () => {
  await apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'raw' }, spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Block', resources: { requests: { storage: '16Mi' } } } });
  await apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'raw-user' },
    spec: { terminationGracePeriodSeconds: 1, volumes: [{ name: 'raw', persistentVolumeClaim: { claimName: 'raw' } }], containers: [{ name: 'main', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], volumeDevices: [{ name: 'raw', devicePath: '/dev/xvda' }] }] },
  });
  await until('raw-user Running', async () => (await jp('pod raw-user', '{.status.phase}')) === 'Running');
  const r = await exec('raw-user', 'test -b /dev/xvda && blockdev --getsize64 /dev/xvda && echo block-ok | dd of=/dev/xvda conv=fsync 2>/dev/null && head -c 8 /dev/xvda');
  assert.match(r.stdout, /^16777216\nblock-ok$/);
  await c.kubectl(['delete', 'pod', 'raw-user', '--wait=true']);
  await c.kubectl(['delete', 'pvc', 'raw', '--wait=true']);
});

test('Retain keeps the volume and its data after the claim is deleted; it can be bound again', { skip }, async () => {
  await apply({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-retain' }, provisioner: 'local.csi.gifee.dev', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' });
  const claim = (name: string, volumeName?: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { storageClassName: 'local-retain', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } }, ...(volumeName ? { volumeName } : {}) } });
  const user = (name: string, claimName: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 1, volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }], containers: [{ name: 'main', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], volumeMounts: [{ name: 'v', mountPath: '/v' }] }] },
  });
  await apply(claim('keep'));
  await apply(user('writer', 'keep'));
  await until('writer Running', async () => (await jp('pod writer', '{.status.phase}')) === 'Running');
  await exec('writer', 'echo retained > /v/f && sync');
  const pv = await jp('pvc keep', '{.spec.volumeName}');
  await c.kubectl(['delete', 'pod', 'writer', '--wait=true']);
  await c.kubectl(['delete', 'pvc', 'keep', '--wait=true']);
  await until('the PV is Released, not deleted', async () => (await jp(`pv ${pv}`, '{.status.phase}')) === 'Released');
  // An administrator makes it Available again and binds a new claim to it by name.
  await c.kubectl(['patch', 'pv', pv, '--type=json', '-p', '[{"op":"remove","path":"/spec/claimRef"}]']);
  await apply(claim('again', pv));
  await apply(user('reader', 'again'));
  await until('reader Running', async () => (await jp('pod reader', '{.status.phase}')) === 'Running');
  assert.equal((await exec('reader', 'cat /v/f')).stdout.trim(), 'retained');
});

test('a claim larger than any node can hold: its pod stays Pending, the scheduler says no node has the storage', { skip }, async () => {
  await apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'huge' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Ti' } } } });
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'huge-user' }, spec: { terminationGracePeriodSeconds: 1, volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'huge' } }], containers: [{ name: 'main', image: 'gifee.local/busybox:1', command: ['sleep', '3600'] }] } });
  await until('FailedScheduling for lack of storage', async () => /did not have enough free storage/.test((await c.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=huge-user', '-o', 'jsonpath={.items[*].message}'])).stdout));
  assert.equal(await jp('pod huge-user', '{.status.phase}'), 'Pending');
  assert.equal(await jp('pvc huge', '{.status.phase}'), 'Pending');
  assert.equal(await jp('pv', '{.items[?(@.spec.claimRef.name=="huge")].metadata.name}'), '', 'nothing provisioned');
  await c.kubectl(['delete', 'pod', 'huge-user', '--wait=true']);
  await c.kubectl(['delete', 'pvc', 'huge', '--wait=true']);
});

test('deleting the StatefulSet keeps its claims (whenDeleted: Retain)', { skip }, async () => {
  await c.kubectl(['delete', 'statefulset', 'db', '--wait=true']);
  await until('db pods gone', async () => (await jp('pods -l app=db', '{.items[*].metadata.name}')) === '');
  assert.equal(await jp('pvc data-db-0 data-db-1', '{.items[*].status.phase}'), 'Bound Bound');
});
