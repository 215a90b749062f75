// CSI volumes in real pods on a real agent, through gifee's own driver over its plugin socket: the
// test creates the volumes itself (CreateVolume on the driver's socket, as a provisioner would) and
// binds static PVs to claims, so the agent's mounter is what is under test. A filesystem volume
// keeps its data across pods and enforces its size (ENOSPC); a Block volume is a device in the
// container (volumeDevices); deleting the pods leaves no mount behind.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_DRIVER } from '../../src/api/storage-names.js';
import { connectCsi, type CsiClient } from '../../src/csi/grpc-client.js';
import { driverSocket } from '../../src/csi/paths.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root' : false;
const MiB = 1 << 20;

let c: Cluster;
let csi: CsiClient | undefined;
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 90_000) =>
  waitUntil(what, fn, { timeoutMs: ms, intervalMs: 250, context: async () => `${(await k(['get', 'pods,pvc,pv', '-o', 'wide'], { allowFail: true })).stdout}\n${(await k(['get', 'events'], { allowFail: true })).stdout.split('\n').slice(-15).join('\n')}` });
const apply = (o: unknown) => k(['apply', '-f', '-'], { input: JSON.stringify(o) });
const exec = async (pod: string, script: string) => (await k(['exec', pod, '--', 'sh', '-c', script], { allowFail: true })).stdout.trim();
const running = (pod: string) => until(`${pod} Running`, async () => (await jp(`pod ${pod}`, '{.status.phase}')) === 'Running');

/** A volume of gifee's driver (made on its socket) behind a static PV bound to a claim of the same name. */
async function volume(name: string, mode: 'Filesystem' | 'Block', bytes: number) {
  const cap = mode === 'Block' ? { block: {}, accessMode: { mode: 'SINGLE_NODE_WRITER' as const } } : { mount: { fsType: 'ext4' }, accessMode: { mode: 'SINGLE_NODE_WRITER' as const } };
  const { volume: v } = await csi!.controller.createVolume({ name, capacityRange: { requiredBytes: bytes }, volumeCapabilities: [cap] });
  await apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], volumeMode: mode, storageClassName: '', volumeName: name, resources: { requests: { storage: `${bytes / MiB}Mi` } } } });
  await apply({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: `${bytes / MiB}Mi` },
      accessModes: ['ReadWriteOnce'],
      volumeMode: mode,
      storageClassName: '',
      persistentVolumeReclaimPolicy: 'Retain',
      claimRef: { namespace: 'default', name },
      csi: { driver: LOCAL_DRIVER, volumeHandle: v.volumeId, ...(mode === 'Filesystem' ? { fsType: 'ext4' } : {}), volumeAttributes: v.volumeContext ?? {} },
    },
  });
  // The PV controller binds the pre-bound pair.
  await until(`claim ${name} Bound`, async () => (await jp(`pvc ${name}`, '{.status.phase}')) === 'Bound');
}

const pod = (name: string, claim: string, use: 'mount' | 'device') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], ...(use === 'mount' ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : { volumeDevices: [{ name: 'data', devicePath: '/dev/xvda' }] }) }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }],
  },
});

const podMounts = () =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m?.startsWith(join(c.dataDir, 'agent', 'pods')));

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: true });
  const { createImageStore } = await import('../../src/agent/images/store.js');
  await createImageStore({ dataDir: c.dataDir }).importFile(images.busybox);
  await until('node Ready', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}')) === 'True');
  const socket = driverSocket(join(c.dataDir, 'agent'), LOCAL_DRIVER);
  await until("gifee's driver serving", async () => existsSync(socket));
  csi = connectCsi(socket);
});

after(async () => {
  csi?.close();
  if (c) await c.stop();
});

test('a CSI filesystem volume: data written by one pod is read by the next, and the size is enforced', { skip }, async () => {
  await volume('pvc-e2e-fs', 'Filesystem', 32 * MiB);
  await apply(pod('writer', 'pvc-e2e-fs', 'mount'));
  await running('writer');
  assert.equal(await exec('writer', 'echo kept > /data/f && cat /data/f'), 'kept');
  assert.match(await exec('writer', 'dd if=/dev/zero of=/data/big bs=1M count=64 2>&1; rm -f /data/big'), /No space left on device/);
  await k(['delete', 'pod', 'writer', '--wait=true', '--timeout=60s']);
  await until('nothing mounted for the deleted pod', async () => podMounts().length === 0, 30_000);
  await apply(pod('reader', 'pvc-e2e-fs', 'mount'));
  await running('reader');
  assert.equal(await exec('reader', 'cat /data/f'), 'kept');
  await k(['delete', 'pod', 'reader', '--wait=true', '--timeout=60s']);
  await until('nothing mounted', async () => podMounts().length === 0, 30_000);
});

test('a CSI Block volume is a device at its devicePath in the container, readable and writable', { skip }, async () => {
  await volume('pvc-e2e-blk', 'Block', 16 * MiB);
  await apply(pod('raw', 'pvc-e2e-blk', 'device'));
  await running('raw');
  assert.match(await exec('raw', 'ls -l /dev/xvda'), /^b/);
  assert.equal(await exec('raw', 'echo gifee | dd of=/dev/xvda bs=512 seek=8 conv=notrunc 2>/dev/null; dd if=/dev/xvda bs=512 skip=8 count=1 2>/dev/null | head -c 5'), 'gifee');
  assert.equal(await exec('raw', 'dd if=/dev/xvda bs=1M 2>/dev/null | wc -c'), String(16 * MiB));
  await k(['delete', 'pod', 'raw', '--wait=true', '--timeout=60s']);
  await until('nothing mounted', async () => podMounts().length === 0, 30_000);
});
