// Raw block CSI volumes (volumeMode: Block through volumeDevices) on a real loop device: staged and
// published by the in-test driver as a bind-mounted device node, handed to the container as an OCI
// linux.devices entry at its devicePath with a device-cgroup rule, torn down again; and the
// kubelet's refusal of a Block claim in volumeMounts (or a Filesystem one in volumeDevices).

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BindMountCsiDriver, StaticCsiRegistry } from '../../../test/helpers/bind-csi-driver.js';
import { blockStagingPath, podBlockPath } from '../../csi/paths.js';
import type { Logger } from '../../util/log.js';
import type { Pod } from '../pods/types.js';
import { buildSpec } from '../runtime/oci-spec.js';
import { mountsUnder } from '../runtime/host.js';
import { testContainerConfig } from '../runtime/test-config.js';
import { devMajor, devMinor } from '../security/devices.js';
import type { ClaimObject, PersistentVolumeObject } from './claims.js';
import { containerDevices } from './container-devices.js';
import { CsiVolumeManager } from './csi-mounter.js';
import type { VolumeError } from './volume-error.js';
import { cleanupVolumes, prepareVolumes, type VolumeSources } from './volumes.js';

const DRIVER = 'block.csi.test';
const isRoot = process.getuid?.() === 0;
const hasLosetup = (() => {
  try {
    execFileSync('losetup', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const log: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => log };

const base = await mkdtemp(join(tmpdir(), 'gifee-csi-block-'));
const agentDir = join(base, 'agent');
let loop: string | undefined;
after(async () => {
  for (const m of (await mountsUnder(base)).sort((a, b) => b.length - a.length)) execFileSync('umount', ['-l', m]);
  if (loop) execFileSync('losetup', ['-d', loop]);
  await rm(base, { recursive: true, force: true });
});

const pvs = new Map<string, PersistentVolumeObject>();
const pvcs = new Map<string, ClaimObject>();
const sources: VolumeSources = {
  configMap: async () => undefined,
  secret: async () => undefined,
  persistentVolumeClaim: async (ns, n) => pvcs.get(`${ns}/${n}`),
  persistentVolume: async (n) => pvs.get(n),
  serviceAccountToken: async () => {
    throw new Error('no tokens');
  },
};
function claim(name: string, mode: 'Block' | 'Filesystem') {
  pvs.set(`pv-${name}`, { metadata: { name: `pv-${name}` }, spec: { accessModes: ['ReadWriteOnce'], volumeMode: mode, csi: { driver: DRIVER, volumeHandle: `vol-${name}` } } });
  pvcs.set(`default/${name}`, { metadata: { name }, spec: { volumeName: `pv-${name}`, volumeMode: mode }, status: { phase: 'Bound' } });
}
const pod = (uid: string, claimName: string, use: 'device' | 'mount', readOnly = false): Pod => ({
  metadata: { name: `p-${uid}`, namespace: 'default', uid },
  spec: {
    containers: [{ name: 'c', image: 'x', ...(use === 'device' ? { volumeDevices: [{ name: 'data', devicePath: '/dev/xvda' }] } : { volumeMounts: [{ name: 'data', mountPath: '/data' }] }) }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName, ...(readOnly ? { readOnly } : {}) } }],
  },
});
const ips = { hostIP: '127.0.0.1', podIP: '127.0.0.1' };

describe('volumeMode and how the pod uses the claim', () => {
  it('a Block claim in volumeMounts and a Filesystem claim in volumeDevices fail as the kubelet refuses them', async () => {
    claim('blk-mounted', 'Block');
    claim('fs-device', 'Filesystem');
    await assert.rejects(prepareVolumes(pod('m1', 'blk-mounted', 'mount'), join(agentDir, 'pods', 'm1'), sources, ips), (e: VolumeError) => {
      assert.equal(e.eventMessage, 'Unable to attach or mount volumes: unmounted volumes=[data], failed to process volumes=[data]: volume data has volumeMode Block, but is specified in volumeMounts');
      return true;
    });
    await assert.rejects(prepareVolumes(pod('m2', 'fs-device', 'device'), join(agentDir, 'pods', 'm2'), sources, ips), /volume data has volumeMode Filesystem, but is specified in volumeDevices/);
  });
});

describe('a raw block CSI volume on a loop device', { skip: (!isRoot || !hasLosetup) && 'needs root and losetup' }, () => {
  it('is staged and published as a device node, given to the container at its devicePath, and torn down', async () => {
    const image = join(base, 'disk.img');
    await writeFile(image, Buffer.alloc(4 << 20));
    loop = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
    const driver = new BindMountCsiDriver(DRIVER, join(base, 'backing'));
    driver.devices.set('vol-blk', loop);
    const mgr = new CsiVolumeManager({ registry: new StaticCsiRegistry(driver), agentDir, nodeName: 'n', api: { csiDriver: async () => ({ spec: { attachRequired: false } }), volumeAttachment: async () => undefined, secret: async () => undefined }, log });
    claim('blk', 'Block');
    const p = pod('b1', 'blk', 'device');
    const podDir = join(agentDir, 'pods', 'b1');
    const vols = await prepareVolumes(p, podDir, sources, ips, mgr);
    const v = vols.get('data')!;
    assert.equal(v.path, podBlockPath(podDir, 'pv-blk'));
    const st = await stat(loop);
    assert.deepEqual({ major: v.device?.major, minor: v.device?.minor }, { major: devMajor(st.rdev), minor: devMinor(st.rdev) });
    assert.deepEqual(
      driver.calls.map((c) => [c.method, c.req.volumeCapability]),
      [
        ['nodeStageVolume', { block: {}, accessMode: { mode: 'SINGLE_NODE_WRITER' } }],
        ['nodePublishVolume', { block: {}, accessMode: { mode: 'SINGLE_NODE_WRITER' } }],
      ],
    );
    assert.equal(driver.calls[0].req.stagingTargetPath, blockStagingPath(agentDir, DRIVER, 'vol-blk'));
    // The published node is the device: bytes written through it land in the disk image.
    const fh = await open(v.path, 'r+');
    await fh.write(Buffer.from('gifee-block'), 0, 11, 4096);
    await fh.sync();
    await fh.close();
    const img = await open(image, 'r');
    const back = Buffer.alloc(11);
    await img.read(back, 0, 11, 4096);
    await img.close();
    assert.equal(back.toString(), 'gifee-block');

    // The container gets it at /dev/xvda, allowed read-write in its device cgroup.
    const devices = containerDevices(p.spec.containers[0], vols);
    assert.ok(Array.isArray(devices));
    const spec = buildSpec(testContainerConfig({ devices }), { podUid: 'b1', dir: podDir }, '/gifee/b1/c') as { linux: { devices: unknown[]; resources: { devices: unknown[] } } };
    const entry = { path: '/dev/xvda', type: 'b', major: devMajor(st.rdev), minor: devMinor(st.rdev), fileMode: st.mode & 0o777, uid: st.uid, gid: st.gid };
    assert.deepEqual(spec.linux.devices, [entry]);
    assert.deepEqual(spec.linux.resources.devices, [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'b', major: entry.major, minor: entry.minor, access: 'rw' },
    ]);
    // A read-only claim: read access only.
    const ro = containerDevices(p.spec.containers[0], new Map([['data', { ...v, readOnly: true }]]));
    assert.equal(Array.isArray(ro) && ro[0].access, 'r');
    // Mounted as a filesystem it is not: a volumeDevices entry needs a block volume.
    assert.match(String(containerDevices(p.spec.containers[0], new Map([['data', { path: '/x' }]]))), /is not a raw block volume/);

    await cleanupVolumes(podDir, mgr);
    assert.deepEqual(
      driver.calls.map((c) => c.method),
      ['nodeStageVolume', 'nodePublishVolume', 'nodeUnpublishVolume', 'nodeUnstageVolume'],
    );
    assert.deepEqual(await mountsUnder(base), []);
    assert.equal(existsSync(join(podDir, 'volumeDevices')), false);
    assert.equal(existsSync(join(podDir, 'volumes')), false);
  });
});

describe('OCI spec devices', () => {
  it('a volume device replaces a host device at the same path of a privileged container, whose cgroup allows everything', () => {
    const dev = { path: '/dev/xvda', type: 'b' as const, major: 7, minor: 3, fileMode: 0o660, uid: 0, gid: 6, access: 'rw' as const };
    const sec = {
      capabilities: [],
      noNewPrivileges: false,
      maskedPaths: [],
      readonlyPaths: [],
      sysctls: {},
      hostPID: false,
      hostIPC: false,
      devices: [
        { path: '/dev/xvda', type: 'b' as const, major: 8, minor: 0, fileMode: 0o660, uid: 0, gid: 6 },
        { path: '/dev/null', type: 'c' as const, major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
      ],
    };
    const spec = buildSpec(testContainerConfig({ privileged: true, security: sec, devices: [dev] }), { podUid: 'u', dir: '/d' }, '/x') as { linux: { devices: { path: string; major: number }[]; resources: { devices: unknown[] } } };
    assert.deepEqual(
      spec.linux.devices.map((d) => [d.path, d.major]),
      [
        ['/dev/null', 1],
        ['/dev/xvda', 7],
      ],
    );
    assert.deepEqual(spec.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
    const plain = buildSpec(testContainerConfig(), { podUid: 'u', dir: '/d' }, '/x') as { linux: Record<string, unknown> };
    assert.equal(plain.linux.devices, undefined);
  });
});
