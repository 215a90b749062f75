// The agent's volume extras on a real node: a pod writing past its emptyDir's sizeLimit is evicted
// with the kubelet's message (local storage capacity isolation, no node pressure needed); a claim's
// volume shows up in kubelet_volume_stats_* on /metrics; an nfs or iscsi volume on a host without the
// client tools waits in ContainerCreating with a FailedMount that names what to install.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { importImages, testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';
import { findExecutable } from '../../src/agent/volumes/host-support.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'needs root for the node agent' : false;

let c: Cluster;
let hostDir = '';

const jp = async (what: string, path: string) => (await c.kubectl(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 90_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 500, context: async () => (await c.kubectl(['get', 'pods,pvc', '-o', 'wide'], { allowFail: true })).stdout });
const apply = (o: object) => c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(o) });
const busybox = (command: string, mounts: { name: string; mountPath: string }[]) => [{ name: 'main', image: 'gifee.local/busybox:1', command: ['sh', '-c', command], volumeMounts: mounts }];
const podEvents = async (name: string) => (await c.kubectl(['get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}'], { allowFail: true })).stdout;

before(async () => {
  if (skip) return;
  hostDir = await mkdtemp(join(tmpdir(), 'gifee-pv-'));
  c = await startCluster({ agent: true });
  await importImages(c.dataDir, [(await testImages()).busybox]);
  await until('node Ready', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}')) === 'True');
});

after(async () => {
  if (c) await c.stop();
  if (hostDir) await rm(hostDir, { recursive: true, force: true });
});

test('a pod writing past its emptyDir sizeLimit is evicted with the kubelet’s message', { skip }, async () => {
  await apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'filler' },
    spec: { terminationGracePeriodSeconds: 1, volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '1Mi' } }], containers: busybox('dd if=/dev/zero of=/data/fill bs=1M count=3 && sleep 3600', [{ name: 'scratch', mountPath: '/data' }]) },
  });
  await until('filler evicted', async () => (await jp('pod filler', '{.status.phase}/{.status.reason}')) === 'Failed/Evicted', 60_000);
  assert.equal(await jp('pod filler', '{.status.message}'), 'Usage of EmptyDir volume "scratch" exceeds the limit "1Mi". ');
  assert.match(await podEvents('filler'), /Evicted: Usage of EmptyDir volume "scratch" exceeds the limit "1Mi"\./);
});

test('a container writing past its ephemeral-storage limit into its own filesystem is evicted', { skip }, async () => {
  const containers = busybox('dd if=/dev/zero of=/fill bs=1M count=4 && sleep 3600', []).map((x) => ({ ...x, resources: { limits: { 'ephemeral-storage': '2Mi' } } }));
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'layer-filler' }, spec: { terminationGracePeriodSeconds: 1, containers } });
  await until('layer-filler evicted', async () => (await jp('pod layer-filler', '{.status.phase}/{.status.reason}')) === 'Failed/Evicted', 60_000);
  // The pod's total is checked before each container's, as the kubelet does: with one container it is the first to go over.
  assert.equal(await jp('pod layer-filler', '{.status.message}'), 'Pod ephemeral local storage usage exceeds the total limit of containers 2Mi. ');
});

test('a claim’s volume in use is reported in kubelet_volume_stats_* on /metrics', { skip }, async () => {
  await writeFile(join(hostDir, 'hello'), 'hi');
  await apply({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'stats-pv' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: hostDir }, claimRef: { namespace: 'default', name: 'stats-data' }, storageClassName: '' } });
  await apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'stats-data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'stats-pv', storageClassName: '' } });
  // The PV controller binds the pre-bound pair.
  await until('claim Bound', async () => (await jp('pvc stats-data', '{.status.phase}')) === 'Bound');
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stats-user' }, spec: { terminationGracePeriodSeconds: 1, volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'stats-data' } }], containers: busybox('sleep 3600', [{ name: 'data', mountPath: '/data' }]) } });
  await until('stats-user Running', async () => (await jp('pod stats-user', '{.status.phase}')) === 'Running');
  let page = '';
  await until('kubelet_volume_stats_capacity_bytes for the claim', async () => {
    page = (await c.kubectl(['get', '--raw', '/metrics'], { allowFail: true })).stdout;
    return /^kubelet_volume_stats_capacity_bytes\{[^}]*persistentvolumeclaim="stats-data"[^}]*\} [1-9]\d*$/m.test(page);
  });
  for (const name of ['available_bytes', 'used_bytes', 'inodes', 'inodes_free', 'inodes_used']) assert.match(page, new RegExp(`^kubelet_volume_stats_${name}\\{[^}]*namespace="default"[^}]*persistentvolumeclaim="stats-data"[^}]*\\} \\d+$`, 'm'), name);
  await c.kubectl(['delete', 'pod', 'stats-user', '--grace-period=0', '--force'], { allowFail: true });
});

test('nfs and iscsi volumes on a host without their clients wait with a FailedMount naming what to install', { skip }, async () => {
  const node = await jp('nodes', '{.items[0].metadata.name}');
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nfs-user' }, spec: { terminationGracePeriodSeconds: 1, volumes: [{ name: 'share', nfs: { server: 'nfs.invalid', path: '/exports' } }], containers: busybox('sleep 3600', [{ name: 'share', mountPath: '/share' }]) } });
  await apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'iscsi-user' },
    spec: { terminationGracePeriodSeconds: 1, volumes: [{ name: 'disk', iscsi: { targetPortal: '127.0.0.1:3260', iqn: 'iqn.2001-04.com.example:disk1', lun: 0, fsType: 'ext4' } }], containers: busybox('sleep 3600', [{ name: 'disk', mountPath: '/disk' }]) },
  });
  if (!(await findExecutable('mount.nfs'))) {
    await until('nfs FailedMount', async () => (await podEvents('nfs-user')).includes(`FailedMount: MountVolume.SetUp failed: volume "share": mount.nfs not found: install nfs-common (Debian, Ubuntu) or nfs-utils (Fedora, RHEL) on node ${node}`));
    assert.equal(await jp('pod nfs-user', '{.status.phase}'), 'Pending');
    assert.equal(await jp('pod nfs-user', '{.status.containerStatuses[0].state.waiting.reason}'), 'ContainerCreating');
  }
  if (!(await findExecutable('iscsiadm'))) {
    await until('iscsi FailedMount', async () => (await podEvents('iscsi-user')).includes(`FailedMount: MountVolume.SetUp failed: volume "disk": iscsiadm not found: install open-iscsi (Debian, Ubuntu) or iscsi-initiator-utils (Fedora, RHEL) on node ${node}`));
    assert.equal(await jp('pod iscsi-user', '{.status.phase}'), 'Pending');
  }
  // Deleting a pod that never got its volume is clean.
  await c.kubectl(['delete', 'pod', 'nfs-user', 'iscsi-user', '--wait=true', '--timeout=60s']);
});
