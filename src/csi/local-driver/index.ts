// gifee's built-in CSI driver, local.csi.gifee.dev: node-local volumes as sparse image files under
// <data dir>/storage/local, loop-mounted ext4 (size enforced by the filesystem) or raw loop devices
// for Block, online expansion, snapshots and clones by copy. Identity, Controller and Node in one
// object; the agent serves it over gRPC on its plugin socket (serveDriver in src/csi).

import { join } from 'node:path';
import { LOCAL_DRIVER } from '../../api/storage-names.js';
import { logger, type Logger } from '../../util/log.js';
import type { CsiDriver, PluginCapability } from '../types.js';
import type { DriverContext } from './context.js';
import { reconcile, type ReconcileResult } from './cleanup.js';
import { LocalController } from './controller.js';
import { KeyedMutex } from './lock.js';
import { LocalNode } from './node.js';
import { LocalStore } from './store.js';

export const LOCAL_DRIVER_VERSION = '1.0.0';

export interface LocalDriverOptions {
  /** gifee's data dir: volumes live under <dataDir>/storage/local. */
  dataDir: string;
  nodeName: string;
  /** Staging and target paths must lie under it (default <dataDir>/agent, the agent's directory). */
  agentDir?: string;
  log?: Logger;
  /** What NodeGetInfo reports (default 256: loop devices are cheap, but not free). */
  maxVolumesPerNode?: number;
}

export class LocalDriver implements CsiDriver {
  readonly controller: LocalController;
  readonly node: LocalNode;
  private readonly ctx: DriverContext;
  private started?: Promise<ReconcileResult>;

  constructor(opts: LocalDriverOptions) {
    const log = opts.log ?? logger('local-csi');
    this.ctx = {
      store: new LocalStore(opts.dataDir),
      nodeName: opts.nodeName,
      agentDir: opts.agentDir ?? join(opts.dataDir, 'agent'),
      log,
      locks: new KeyedMutex(),
      maxVolumesPerNode: opts.maxVolumesPerNode ?? 256,
      ready: () => this.start().then(() => {}),
    };
    this.controller = new LocalController(this.ctx);
    this.node = new LocalNode(this.ctx);
  }

  /** The start-up reconciliation (cleanup.ts), once; every call waits for it. A failed one is tried again by the next call. */
  start(): Promise<ReconcileResult> {
    if (!this.started) {
      this.started = reconcile(this.ctx).catch((e) => {
        this.started = undefined;
        throw e;
      });
    }
    return this.started;
  }

  async getPluginInfo() {
    return { name: LOCAL_DRIVER, vendorVersion: LOCAL_DRIVER_VERSION };
  }

  async getPluginCapabilities(): Promise<{ capabilities: PluginCapability[] }> {
    return { capabilities: [{ service: { type: 'CONTROLLER_SERVICE' } }, { service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } }, { volumeExpansion: { type: 'ONLINE' } }] };
  }

  async probe() {
    try {
      await this.start();
      return { ready: { value: true } };
    } catch (e) {
      this.ctx.log.warn('local driver is not ready', { err: e });
      return { ready: { value: false } };
    }
  }
}

/** The agent's constructor of the built-in driver: `serveDriver(createLocalDriver({ dataDir, nodeName, log }))`. */
export function createLocalDriver(opts: LocalDriverOptions): LocalDriver {
  return new LocalDriver(opts);
}
