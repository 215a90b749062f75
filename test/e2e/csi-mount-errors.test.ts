// A real agent with CSI-backed claims it cannot mount, as a user sees it with kubectl: a claim whose
// driver is not registered on the node, and a Block claim mounted as a filesystem. Each pod waits in
// ContainerCreating with the kubelet's FailedMount message, and deleting it leaves nothing behind.
// gifee's own driver answers through its plugin socket. (Mounting through a driver is covered by the
// unit tests with in-process drivers, gifee's included, and by the storage acceptance e2e.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root' : false;
const DRIVER = 'absent.csi.example.com';

let c: Cluster;
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 60_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 250, context: async () => (await k(['get', 'pods,pvc,pv,events', '-o', 'wide'], { allowFail: true })).stdout });
const apply = (o: unknown) => k(['apply', '-f', '-'], { input: JSON.stringify(o) });

/** A static CSI PV pre-bound to a claim (prefixed e2e-), bound by the PV controller. */
async function boundClaim(name: string, volumeMode: 'Filesystem' | 'Block', driver = DRIVER) {
  await apply({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `e2e-${name}` },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], volumeMode, storageClassName: '', persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name }, csi: { driver, volumeHandle: `handle-${name}` } },
  });
  await apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], volumeMode, storageClassName: '', volumeName: `e2e-${name}`, resources: { requests: { storage: '1Gi' } } } });
  // The PV controller binds the pre-bound pair.
  await until(`claim ${name} Bound`, async () => (await jp(`pvc ${name}`, '{.status.phase}')) === 'Bound');
}

const pod = (name: string, claim: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] },
});

const failedMount = async (name: string) => (await jp(`events --field-selector involvedObject.name=${name},reason=FailedMount`, '{.items[*].message}')).trim();

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: true });
  const { createImageStore } = await import('../../src/agent/images/store.js');
  await createImageStore({ dataDir: c.dataDir }).importFile(images.busybox);
  await until('node Ready', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}')) === 'True');
});

after(async () => {
  if (c) await c.stop();
});

test('a claim whose CSI driver is not registered on the node: FailedMount with the kubelet message, ContainerCreating, clean deletion', { skip }, async () => {
  await boundClaim('nodriver', 'Filesystem');
  await apply(pod('nodriver', 'nodriver'));
  const want = `MountVolume.MountDevice failed for volume "e2e-nodriver" : kubernetes.io/csi: attacher.MountDevice failed to create newCsiDriverClient: driver name ${DRIVER} not found in the list of registered CSI drivers`;
  await until('FailedMount event', async () => (await failedMount('nodriver')).includes(want));
  assert.equal(await jp('pod nodriver', '{.status.phase}'), 'Pending');
  assert.equal(await jp('pod nodriver', '{.status.containerStatuses[0].state.waiting.reason}'), 'ContainerCreating');
  await k(['delete', 'pod', 'nodriver', '--wait=true', '--timeout=60s']);
});

test('a Block claim used in volumeMounts fails as the kubelet refuses it', { skip }, async () => {
  await boundClaim('rawmounted', 'Block');
  await apply(pod('rawmounted', 'rawmounted'));
  await until('FailedMount event', async () => (await failedMount('rawmounted')).includes('volume data has volumeMode Block, but is specified in volumeMounts'));
  assert.equal(await jp('pod rawmounted', '{.status.phase}'), 'Pending');
  await k(['delete', 'pod', 'rawmounted', '--wait=true', '--timeout=60s']);
});

test("gifee's own driver, through its registration and gRPC socket: a volume it does not have fails NodeStageVolume with its gRPC status; the pod still goes cleanly", { skip }, async () => {
  await boundClaim('missing', 'Filesystem', 'local.csi.gifee.dev');
  await apply(pod('missing', 'missing'));
  const node = await jp('nodes', '{.items[0].metadata.name}');
  const want = `MountVolume.MountDevice failed for volume "e2e-missing" : rpc error: code = NotFound desc = volume handle-missing does not exist on node ${node}`;
  await until('FailedMount event', async () => (await failedMount('missing')).includes(want));
  await k(['delete', 'pod', 'missing', '--wait=true', '--timeout=60s']);
});
