// A CSI driver with its volumes in memory, for tests of what talks to drivers (the node-side
// sidecars, the mounter): CreateVolume idempotent by name, snapshots and clones as records, errors
// injected per call, every call counted. Plus a CsiRegistry holding such drivers.

import { randomUUID } from 'node:crypto';
import type { ControllerCapabilityName, ControllerService, CreateVolumeRequest, CsiDriver, CsiRegistry, PluginCapability, Topology, Volume } from '../../src/csi/types.js';
import { CsiError, GrpcCode } from '../../src/csi/types.js';

type Method = keyof ControllerService | 'nodeGetInfo';

export interface MemoryDriverOptions {
  name: string;
  nodeId: string;
  /** This node's topology (NodeGetInfo.accessible_topology). */
  topology?: Topology;
  /** Controller capabilities (default: create/delete, expand, clone, snapshots). */
  rpcs?: ControllerCapabilityName[];
  /** Whether ControllerExpandVolume answers node_expansion_required. */
  nodeExpansionRequired?: boolean;
  /** Advertise CONTROLLER_SERVICE (default true). */
  controllerService?: boolean;
}

export class MemoryCsiDriver implements CsiDriver {
  readonly volumes = new Map<string, Volume & { name: string; parameters?: Record<string, string> }>();
  readonly calls: { method: Method; req: unknown }[] = [];
  /** What GetCapacity answers (the test may change it). */
  availableCapacity = 2 ** 40;
  /** Errors to throw: the next calls of a method fail with these, in order. */
  private faults = new Map<Method, Error[]>();
  readonly controller: ControllerService;
  readonly node: NonNullable<CsiDriver['node']>;

  constructor(readonly o: MemoryDriverOptions) {
    const rpcs = o.rpcs ?? ['CREATE_DELETE_VOLUME', 'EXPAND_VOLUME', 'CLONE_VOLUME', 'CREATE_DELETE_SNAPSHOT'];
    const self = this;
    this.controller = {
      async controllerGetCapabilities() {
        return { capabilities: rpcs.map((type) => ({ rpc: { type } })) };
      },
      async createVolume(req: CreateVolumeRequest) {
        self.enter('createVolume', req);
        const existing = [...self.volumes.values()].find((v) => v.name === req.name);
        if (existing) return { volume: existing };
        const topo = req.accessibilityRequirements?.preferred?.[0] ?? req.accessibilityRequirements?.requisite?.[0];
        const v = {
          name: req.name,
          volumeId: `mem-${randomUUID()}`,
          capacityBytes: req.capacityRange?.requiredBytes ?? 1 << 30,
          volumeContext: { created: 'memory' },
          parameters: req.parameters,
          ...(req.volumeContentSource ? { contentSource: req.volumeContentSource } : {}),
          ...(topo ? { accessibleTopology: [topo] } : {}),
        };
        self.volumes.set(v.volumeId, v);
        return { volume: v };
      },
      async deleteVolume(req) {
        self.enter('deleteVolume', req);
        self.volumes.delete(req.volumeId);
      },
      async controllerPublishVolume(req) {
        self.enter('controllerPublishVolume', req);
        if (!self.volumes.has(req.volumeId)) throw new CsiError(GrpcCode.NOT_FOUND, `volume ${req.volumeId} not found`);
        return { publishContext: { devicePath: `/dev/mem/${req.volumeId}` } };
      },
      async controllerUnpublishVolume(req) {
        self.enter('controllerUnpublishVolume', req);
      },
      async getCapacity(req) {
        self.enter('getCapacity', req);
        return { availableCapacity: self.availableCapacity };
      },
      async controllerExpandVolume(req) {
        self.enter('controllerExpandVolume', req);
        const v = self.volumes.get(req.volumeId);
        if (!v) throw new CsiError(GrpcCode.NOT_FOUND, `volume ${req.volumeId} not found`);
        v.capacityBytes = Math.max(v.capacityBytes, req.capacityRange.requiredBytes ?? 0);
        return { capacityBytes: v.capacityBytes, nodeExpansionRequired: o.nodeExpansionRequired ?? false };
      },
      async createSnapshot(req) {
        self.enter('createSnapshot', req);
        return { snapshot: { snapshotId: `snap-${req.name}`, sourceVolumeId: req.sourceVolumeId, sizeBytes: self.volumes.get(req.sourceVolumeId)?.capacityBytes ?? 0, readyToUse: true } };
      },
      async deleteSnapshot(req) {
        self.enter('deleteSnapshot', req);
      },
    };
    this.node = {
      async nodeGetInfo() {
        self.enter('nodeGetInfo', {});
        return { nodeId: o.nodeId, ...(o.topology ? { accessibleTopology: o.topology } : {}) };
      },
      async nodeGetCapabilities() {
        return { capabilities: [] };
      },
      async nodeStageVolume() {},
      async nodeUnstageVolume() {},
      async nodePublishVolume() {},
      async nodeUnpublishVolume() {},
      async nodeGetVolumeStats() {
        return { usage: [] };
      },
      async nodeExpandVolume(req) {
        return { capacityBytes: req.capacityRange?.requiredBytes ?? 0 };
      },
    };
  }

  /** The next n calls of method fail with err. */
  fail(method: Method, err: Error, n = 1) {
    const list = this.faults.get(method) ?? [];
    for (let i = 0; i < n; i++) list.push(err);
    this.faults.set(method, list);
  }

  count(method: Method) {
    return this.calls.filter((c) => c.method === method).length;
  }

  private enter(method: Method, req: unknown) {
    this.calls.push({ method, req });
    const err = this.faults.get(method)?.shift();
    if (err) throw err;
  }

  async getPluginInfo() {
    return { name: this.o.name, vendorVersion: 'test' };
  }

  async getPluginCapabilities(): Promise<{ capabilities: PluginCapability[] }> {
    return { capabilities: this.o.controllerService === false ? [] : [{ service: { type: 'CONTROLLER_SERVICE' } }, { service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } }] };
  }

  async probe() {
    return { ready: { value: true } };
  }
}

/** A node's registered drivers, set by the test. */
export class MemoryCsiRegistry implements CsiRegistry {
  private drivers = new Map<string, CsiDriver>();
  private listeners: ((name: string) => void)[] = [];

  register(name: string, d: CsiDriver) {
    this.drivers.set(name, d);
    for (const l of this.listeners) l(name);
  }

  unregister(name: string) {
    this.drivers.delete(name);
    for (const l of this.listeners) l(name);
  }

  get(name: string) {
    return this.drivers.get(name);
  }

  names() {
    return [...this.drivers.keys()];
  }

  onChange(fn: (name: string) => void) {
    this.listeners.push(fn);
  }
}
