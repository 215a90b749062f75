// A pod worker with CSI volumes, against a recording runtime and the in-test bind-mount driver: the
// pod waits with the kubelet's FailedMount event while the driver is not registered, then its
// container gets the published directory (and a raw block volume as a device); deleting the pod
// unpublishes and unstages through the driver before the pod's directory goes. Needs root (mount).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BindMountCsiDriver, StaticCsiRegistry } from '../../../test/helpers/bind-csi-driver.js';
import { podBlockPath, podMountPath } from '../../csi/paths.js';
import { podWorkerDeps, quietLog } from '../../../test/helpers/pod-worker-deps.js';
import { mountsUnder } from '../runtime/host.js';
import type { ContainerConfig } from '../runtime/types.js';
import type { ClaimObject, PersistentVolumeObject } from '../volumes/claims.js';
import { CsiVolumeManager } from '../volumes/csi-mounter.js';
import type { Pod } from './types.js';
import { PodWorker } from './worker.js';

const skip = process.getuid?.() !== 0 ? 'needs root (mount)' : false;
const hasLosetup = (() => {
  try {
    execFileSync('losetup', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const DRIVER = 'worker.csi.test';

const base = await mkdtemp(join(tmpdir(), 'gifee-csi-worker-'));
const agentDir = join(base, 'agent');
let loop: string | undefined;
after(async () => {
  for (const m of (await mountsUnder(base)).sort((a, b) => b.length - a.length)) execFileSync('umount', ['-l', m]);
  if (loop) execFileSync('losetup', ['-d', loop]);
  await rm(base, { recursive: true, force: true });
});

const pvs = new Map<string, PersistentVolumeObject>([
  ['pv-fs', { metadata: { name: 'pv-fs' }, spec: { accessModes: ['ReadWriteOnce'], csi: { driver: DRIVER, volumeHandle: 'vol-fs' } } }],
  ['pv-blk', { metadata: { name: 'pv-blk' }, spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Block', csi: { driver: DRIVER, volumeHandle: 'vol-blk' } } }],
]);
const pvcs = new Map<string, ClaimObject>([
  ['default/fs', { metadata: { name: 'fs' }, spec: { volumeName: 'pv-fs' }, status: { phase: 'Bound' } }],
  ['default/blk', { metadata: { name: 'blk' }, spec: { volumeName: 'pv-blk', volumeMode: 'Block' }, status: { phase: 'Bound' } }],
]);

/** csiDir: --kubelet-dir, where CSI targets go instead of the agent's own pod directories. */
function setup(block: boolean, csiDir = agentDir) {
  const driver = new BindMountCsiDriver(DRIVER, join(base, 'backing'));
  const registry = new StaticCsiRegistry();
  const created: ContainerConfig[] = [];
  const pod: Pod = {
    metadata: { name: 'db', namespace: 'default', uid: block ? 'uid-block-0001' : 'uid-fs-000001' },
    spec: {
      hostNetwork: true,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '1'], ...(block ? { volumeDevices: [{ name: 'data', devicePath: '/dev/xvda' }] } : { volumeMounts: [{ name: 'data', mountPath: '/data' }] }) }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: block ? 'blk' : 'fs' } }],
    },
    status: { phase: 'Pending' },
  };
  // A runtime that records what it creates and keeps every container running.
  const runtime = {
    name: 'runc',
    capabilities: { isolation: block, podNetwork: false, cgroups: false, oomScoreAdj: false },
    list: () => [],
    createSandbox: async (cfg: { podUid: string; dir: string }) => ({ podUid: cfg.podUid, dir: cfg.dir, hostNetwork: true }),
    removeSandbox: async () => undefined,
    createContainer: async (_s: unknown, cfg: ContainerConfig) => {
      created.push(cfg);
      return { id: cfg.id, podUid: cfg.podUid, name: cfg.name, state: 'created', logPath: cfg.logPath };
    },
    start: async (id: string) => ({ id, podUid: pod.metadata.uid, name: 'c', state: 'running', logPath: '' }),
    waitExit: () => new Promise(() => undefined),
    stop: async () => undefined,
    remove: async () => undefined,
  };
  const { deps, events, deleted } = podWorkerDeps(pod, runtime, agentDir, {
    sources: {
      configMap: async () => undefined,
      secret: async () => undefined,
      persistentVolumeClaim: async (ns: string, n: string) => pvcs.get(`${ns}/${n}`),
      persistentVolume: async (n: string) => pvs.get(n),
      serviceAccountToken: async () => ({ token: 't', expirationTimestamp: '' }),
      configMapData: async () => undefined,
      secretData: async () => undefined,
    },
  });
  deps.csiDir = csiDir;
  deps.csiVolumes = new CsiVolumeManager({ registry, agentDir: csiDir, nodeName: 'n1', api: { csiDriver: async () => ({ spec: { attachRequired: false } }), volumeAttachment: async () => undefined, secret: async () => undefined }, log: quietLog });
  const worker = new PodWorker(pod, deps);
  return { driver, registry, events, created, worker, pod, deleted };
}

const until = async (what: string, fn: () => boolean) => {
  for (let i = 0; i < 300; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
};

test('a pod with a CSI volume: FailedMount until the driver registers, then the container mounts the published volume; deletion unpublishes and unstages first', { skip }, async () => {
  const kubeletDir = join(base, 'kubelet');
  const t = setup(false, kubeletDir);
  t.worker.kick();
  await until('FailedMount', () => t.events.some((e) => e.reason === 'FailedMount'));
  assert.equal(t.events.find((e) => e.reason === 'FailedMount')?.message, `MountVolume.MountDevice failed for volume "pv-fs" : kubernetes.io/csi: attacher.MountDevice failed to create newCsiDriverClient: driver name ${DRIVER} not found in the list of registered CSI drivers`);
  t.registry.add(DRIVER, t.driver);
  t.worker.kick();
  await until('the container created', () => t.created.length > 0);
  // Under --kubelet-dir, where a third-party driver's pod sees it, not in the agent's pod directory.
  const target = podMountPath(join(kubeletDir, 'pods', t.pod.metadata.uid), 'pv-fs');
  assert.deepEqual(
    t.created[0].mounts.filter((m) => m.destination === '/data'),
    [{ source: target, destination: '/data', readOnly: false }],
  );
  await writeFile(join(target, 'row'), '42');
  t.worker.update({ ...t.pod, metadata: { ...t.pod.metadata, deletionTimestamp: new Date().toISOString() } });
  await until('the pod finalized', () => t.deleted());
  assert.deepEqual(t.driver.methods(), ['nodeStageVolume', 'nodePublishVolume', 'nodeUnpublishVolume', 'nodeUnstageVolume']);
  assert.equal(existsSync(t.worker.dir), false);
  assert.equal(existsSync(join(kubeletDir, 'pods', t.pod.metadata.uid)), false);
  assert.equal(await readFile(join(t.driver.root, 'vol-fs', 'row'), 'utf8'), '42');
  assert.deepEqual(await mountsUnder(base), []);
});

test('a raw block CSI volume reaches the container as a device at its devicePath', { skip: skip || (!hasLosetup && 'needs losetup') }, async () => {
  const t = setup(true);
  t.registry.add(DRIVER, t.driver);
  const image = join(base, 'blk.img');
  await writeFile(image, Buffer.alloc(1 << 20));
  loop = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
  t.driver.devices.set('vol-blk', loop);
  t.worker.kick();
  await until('the container created', () => t.created.length > 0);
  const dev = t.created[0].devices?.[0];
  assert.equal(dev?.path, '/dev/xvda');
  assert.equal(dev?.type, 'b');
  assert.equal(dev?.major, 7, 'a loop device');
  assert.equal(dev?.access, 'rw');
  assert.ok(existsSync(podBlockPath(t.worker.dir, 'pv-blk')));
  t.worker.update({ ...t.pod, metadata: { ...t.pod.metadata, deletionTimestamp: new Date().toISOString() } });
  await until('the pod finalized', () => t.deleted());
  assert.deepEqual(t.driver.methods(), ['nodeStageVolume', 'nodePublishVolume', 'nodeUnpublishVolume', 'nodeUnstageVolume']);
  assert.deepEqual(await mountsUnder(agentDir), []);
});
