// A small CSI driver for tests, in process: each volume is a directory under its root (or, for Block
// volumes, a device node the test registers, e.g. a loop device), staged and published with real
// bind mounts (root only), as a real node plugin does it. Every call is recorded in order so tests
// can check what the agent asked, and failures can be injected per method.

import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CsiError, type CsiDriver, type CsiRegistry, GrpcCode, type NodeCapabilityName, type NodeService } from '../../src/csi/types.js';

const run = promisify(execFile);

export interface BindDriverCall {
  method: string;
  req: Record<string, unknown>;
}

async function isMountPoint(path: string): Promise<boolean> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text.split('\n').some((l) => l.split(' ')[4] === path);
}

export class BindMountCsiDriver implements CsiDriver {
  readonly calls: BindDriverCall[] = [];
  /** Block volumes: volume id -> device node on the host. */
  readonly devices = new Map<string, string>();
  /** Make the next call of a method fail with this error (once). */
  readonly failNext = new Map<string, CsiError>();
  readonly node: NodeService;

  constructor(
    readonly name: string,
    /** Where each filesystem volume's data lives: <root>/<volumeId>. */
    readonly root: string,
    readonly capabilities: NodeCapabilityName[] = ['STAGE_UNSTAGE_VOLUME'],
  ) {
    const self = this;
    const record = (method: string, req: object) => {
      self.calls.push({ method, req: { ...req } as Record<string, unknown> });
      const fail = self.failNext.get(method);
      if (fail) {
        self.failNext.delete(method);
        throw fail;
      }
    };
    const source = async (volumeId: string) => {
      if (!/^[\w.-]+$/.test(volumeId)) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `bad volume id ${volumeId}`);
      const dir = join(self.root, volumeId);
      await mkdir(dir, { recursive: true });
      return dir;
    };
    this.node = {
      nodeGetInfo: async () => ({ nodeId: 'test-node' }),
      nodeGetCapabilities: async () => ({ capabilities: self.capabilities.map((type) => ({ rpc: { type } })) }),
      async nodeStageVolume(req) {
        record('nodeStageVolume', req);
        if (req.volumeCapability.block) {
          const dev = self.devices.get(req.volumeId);
          if (!dev) throw new CsiError(GrpcCode.NOT_FOUND, `no device for ${req.volumeId}`);
          const file = join(req.stagingTargetPath, 'dev');
          await writeFile(file, '', { flag: 'a' });
          if (!(await isMountPoint(file))) await run('mount', ['--bind', dev, file]);
          return;
        }
        await mkdir(req.stagingTargetPath, { recursive: true });
        if (!(await isMountPoint(req.stagingTargetPath))) await run('mount', ['--bind', await source(req.volumeId), req.stagingTargetPath]);
      },
      async nodeUnstageVolume(req) {
        record('nodeUnstageVolume', req);
        const file = join(req.stagingTargetPath, 'dev');
        if (await isMountPoint(file)) await run('umount', [file]);
        await rm(file, { force: true });
        if (await isMountPoint(req.stagingTargetPath)) await run('umount', [req.stagingTargetPath]);
      },
      async nodePublishVolume(req) {
        record('nodePublishVolume', req);
        // Inline ephemeral volumes are never staged, whatever the driver can do.
        const staged = self.capabilities.includes('STAGE_UNSTAGE_VOLUME') && !!req.stagingTargetPath;
        if (req.volumeCapability.block) {
          const dev = staged ? join(req.stagingTargetPath ?? '', 'dev') : self.devices.get(req.volumeId);
          if (!dev) throw new CsiError(GrpcCode.NOT_FOUND, `no device for ${req.volumeId}`);
          await writeFile(req.targetPath, '', { flag: 'a' });
          if (!(await isMountPoint(req.targetPath))) await run('mount', ['--bind', dev, req.targetPath]);
          return;
        }
        if (staged && !(await isMountPoint(req.stagingTargetPath ?? ''))) throw new CsiError(GrpcCode.FAILED_PRECONDITION, 'volume is not staged');
        await mkdir(req.targetPath, { recursive: true });
        if (await isMountPoint(req.targetPath)) return;
        await run('mount', ['--bind', staged ? req.stagingTargetPath! : await source(req.volumeId), req.targetPath]);
        if (req.readonly) await run('mount', ['-o', 'remount,bind,ro', req.targetPath]);
      },
      async nodeUnpublishVolume(req) {
        record('nodeUnpublishVolume', req);
        if (await isMountPoint(req.targetPath)) await run('umount', [req.targetPath]);
        // CSI: the plugin deletes what it created at the target path.
        const st = await stat(req.targetPath).catch(() => undefined);
        if (st?.isDirectory()) await rmdir(req.targetPath);
        else if (st) await rm(req.targetPath);
      },
      nodeGetVolumeStats: async () => ({ usage: [] }),
      nodeExpandVolume: async () => ({ capacityBytes: 0 }),
    };
  }

  getPluginInfo = async () => ({ name: this.name, vendorVersion: 'test' });
  getPluginCapabilities = async () => ({ capabilities: [] });
  probe = async () => ({ ready: { value: true } });

  /** The methods called so far, in order (NodeGetCapabilities left out). */
  methods(): string[] {
    return this.calls.map((c) => c.method);
  }
}

/** A CsiRegistry over fixed drivers; add/remove simulate registration and a driver going away. */
export class StaticCsiRegistry implements CsiRegistry {
  private drivers = new Map<string, CsiDriver & { name?: string }>();
  private listeners: ((name: string) => void)[] = [];
  constructor(...drivers: BindMountCsiDriver[]) {
    for (const d of drivers) this.drivers.set(d.name, d);
  }
  get = (name: string) => this.drivers.get(name);
  names = () => [...this.drivers.keys()];
  onChange = (fn: (name: string) => void) => void this.listeners.push(fn);
  add(name: string, d: CsiDriver) {
    this.drivers.set(name, d);
    for (const l of this.listeners) l(name);
  }
  remove(name: string) {
    this.drivers.delete(name);
    for (const l of this.listeners) l(name);
  }
}
