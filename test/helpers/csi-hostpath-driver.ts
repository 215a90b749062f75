// A third-party CSI driver that really mounts, for running AS A POD (test/helpers/csi-driver-image.ts
// packs it into an image): like kubernetes-csi's csi-driver-host-path, a volume is a directory
// under --data-dir (a hostPath the pod mounts), NodeStageVolume bind-mounts it at the staging path
// and NodePublishVolume bind-mounts that at the pod's target. The mounts are made in the driver
// container's mount namespace, so they reach the host (and the app's container) only through the
// pod's `mountPropagation: Bidirectional` mounts of the agent's pods/ and plugins/ directories:
// exactly what a test of a driver pod must prove. Filesystem volumes only; no sizes enforced.
//
//   node csi-hostpath-driver.js --name NAME --endpoint /csi/csi.sock --data-dir /csi-data --node-id ID

import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { serveCsi } from '../../src/csi/grpc-server.js';
import { CsiError, GrpcCode, type CsiDriver, type VolumeCapability } from '../../src/csi/types.js';

const run = promisify(execFile);
const VOLUME_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Whether path is a mount point in this mount namespace (mountinfo's 5th field, octal escapes undone). */
async function isMountPoint(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const p = resolve(path);
  return info.split('\n').some((l) => l.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))) === p);
}

function checkId(id: string | undefined): string {
  if (!id || !VOLUME_ID.test(id) || id === '.' || id === '..') throw new CsiError(GrpcCode.INVALID_ARGUMENT, `volume id ${JSON.stringify(id)} is not 1-128 of [A-Za-z0-9._-]`);
  return id;
}

function checkPath(what: string, p: string | undefined): string {
  if (!p || !isAbsolute(p)) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `${what} must be an absolute path`);
  return p;
}

function checkCapability(c: VolumeCapability | undefined) {
  if (!c) throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'volume capability is required');
  if (c.block) throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'this driver has filesystem volumes only');
}

const unimplemented = async (): Promise<never> => {
  throw new CsiError(GrpcCode.UNIMPLEMENTED, 'not supported by this driver');
};

export function hostPathDriver(o: { name: string; dataDir: string; nodeId: string; log?: (msg: string) => void }): CsiDriver {
  const log = o.log ?? (() => {});
  const volumeDir = (id: string) => join(o.dataDir, checkId(id));
  const exists = async (p: string) => !!(await stat(p).catch(() => undefined));
  /** Bind-mounts src at target (made if missing) unless target is already a mount point (idempotent, as CSI requires). */
  const bind = async (src: string, target: string, readonly: boolean) => {
    await mkdir(target, { recursive: true });
    if (await isMountPoint(target)) return;
    await run('mount', ['--bind', src, target]);
    if (readonly) await run('mount', ['-o', 'remount,bind,ro', target]);
  };
  const unbind = async (target: string) => {
    if (await isMountPoint(target)) await run('umount', [target]);
    await rmdir(target).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  };
  return {
    getPluginInfo: async () => ({ name: o.name, vendorVersion: '1.0.0-gifee-test' }),
    getPluginCapabilities: async () => ({ capabilities: [{ service: { type: 'CONTROLLER_SERVICE' } }] }),
    probe: async () => ({ ready: { value: true } }),
    controller: {
      controllerGetCapabilities: async () => ({ capabilities: [{ rpc: { type: 'CREATE_DELETE_VOLUME' } }] }),
      createVolume: async (r) => {
        const id = checkId(r.name);
        if (!r.volumeCapabilities?.length) throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'volume capabilities are required');
        for (const c of r.volumeCapabilities) checkCapability(c);
        await mkdir(volumeDir(id), { recursive: true });
        log(`created volume ${id}`);
        return { volume: { volumeId: id, capacityBytes: r.capacityRange?.requiredBytes ?? 0, volumeContext: {} } };
      },
      deleteVolume: async (r) => {
        await rm(volumeDir(r.volumeId), { recursive: true, force: true });
        log(`deleted volume ${r.volumeId}`);
      },
      controllerPublishVolume: unimplemented,
      controllerUnpublishVolume: unimplemented,
      getCapacity: unimplemented,
      controllerExpandVolume: unimplemented,
      createSnapshot: unimplemented,
      deleteSnapshot: unimplemented,
    },
    node: {
      nodeGetInfo: async () => ({ nodeId: o.nodeId, maxVolumesPerNode: 0 }),
      nodeGetCapabilities: async () => ({ capabilities: [{ rpc: { type: 'STAGE_UNSTAGE_VOLUME' } }] }),
      nodeStageVolume: async (r) => {
        checkCapability(r.volumeCapability);
        const src = volumeDir(r.volumeId);
        if (!(await exists(src))) throw new CsiError(GrpcCode.NOT_FOUND, `volume ${r.volumeId} does not exist`);
        await bind(src, checkPath('staging_target_path', r.stagingTargetPath), false);
        log(`staged ${r.volumeId} at ${r.stagingTargetPath}`);
      },
      nodeUnstageVolume: async (r) => {
        checkId(r.volumeId);
        await unbind(checkPath('staging_target_path', r.stagingTargetPath));
        log(`unstaged ${r.volumeId}`);
      },
      nodePublishVolume: async (r) => {
        checkCapability(r.volumeCapability);
        checkId(r.volumeId);
        const staging = checkPath('staging_target_path', r.stagingTargetPath);
        if (!(await isMountPoint(staging))) throw new CsiError(GrpcCode.FAILED_PRECONDITION, `volume ${r.volumeId} is not staged at ${staging}`);
        await bind(staging, checkPath('target_path', r.targetPath), r.readonly === true);
        log(`published ${r.volumeId} at ${r.targetPath}`);
      },
      nodeUnpublishVolume: async (r) => {
        checkId(r.volumeId);
        await unbind(checkPath('target_path', r.targetPath));
        log(`unpublished ${r.volumeId}`);
      },
      nodeGetVolumeStats: unimplemented,
      nodeExpandVolume: unimplemented,
    },
  };
}

// Run as a program (in the driver's container): serve on --endpoint until SIGTERM.
if (process.argv[1]?.endsWith('csi-hostpath-driver.js')) {
  const { values } = parseArgs({ options: { name: { type: 'string' }, endpoint: { type: 'string' }, 'data-dir': { type: 'string' }, 'node-id': { type: 'string' } } });
  if (!values.name || !values.endpoint || !values['data-dir'] || !values['node-id']) {
    console.error('usage: csi-hostpath-driver --name NAME --endpoint /abs/csi.sock --data-dir DIR --node-id ID');
    process.exit(2);
  }
  await mkdir(values['data-dir'], { recursive: true });
  const server = await serveCsi(hostPathDriver({ name: values.name, dataDir: values['data-dir'], nodeId: values['node-id'], log: (m) => console.log(m) }), values.endpoint);
  console.log(`serving ${values.name} on ${values.endpoint}`);
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
}
