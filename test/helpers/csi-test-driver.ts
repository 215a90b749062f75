// A small in-memory CSI driver for tests of the transport and of plugin registration: it keeps
// volumes and snapshots in maps, records every call, and answers with fixed, recognizable values.
// Not a storage driver (nothing is mounted): gifee's real one is src/csi/local-driver.

import { CsiError, GrpcCode, type CsiDriver } from '../../src/csi/types.js';

export interface TestDriverOptions {
  name: string;
  nodeId?: string;
  maxVolumesPerNode?: number;
  topology?: Record<string, string>;
  /** Leave out the Controller service (a node-only driver). */
  nodeOnly?: boolean;
}

export interface TestDriver extends CsiDriver {
  calls: { rpc: string; request: unknown }[];
}

export function testDriver(o: TestDriverOptions): TestDriver {
  const calls: { rpc: string; request: unknown }[] = [];
  const volumes = new Map<string, { capacityBytes: number; volumeId: string; volumeContext: Record<string, string> }>();
  const record = (rpc: string, request: unknown = {}) => {
    calls.push({ rpc, request });
  };
  const driver: TestDriver = {
    calls,
    getPluginInfo: async () => {
      record('GetPluginInfo');
      return { name: o.name, vendorVersion: '0.0.1-test', manifest: { purpose: 'test' } };
    },
    getPluginCapabilities: async () => {
      record('GetPluginCapabilities');
      return { capabilities: [...(o.nodeOnly ? [] : [{ service: { type: 'CONTROLLER_SERVICE' as const } }]), { service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } }, { volumeExpansion: { type: 'ONLINE' } }] };
    },
    probe: async () => {
      record('Probe');
      return { ready: { value: true } };
    },
    node: {
      nodeGetInfo: async () => {
        record('NodeGetInfo');
        return { nodeId: o.nodeId ?? 'node-1', maxVolumesPerNode: o.maxVolumesPerNode ?? 0, accessibleTopology: o.topology ? { segments: o.topology } : undefined };
      },
      nodeGetCapabilities: async () => {
        record('NodeGetCapabilities');
        return { capabilities: [{ rpc: { type: 'STAGE_UNSTAGE_VOLUME' } }, { rpc: { type: 'GET_VOLUME_STATS' } }, { rpc: { type: 'EXPAND_VOLUME' } }] };
      },
      nodeStageVolume: async (r) => record('NodeStageVolume', r),
      nodeUnstageVolume: async (r) => record('NodeUnstageVolume', r),
      nodePublishVolume: async (r) => record('NodePublishVolume', r),
      nodeUnpublishVolume: async (r) => record('NodeUnpublishVolume', r),
      nodeGetVolumeStats: async (r) => {
        record('NodeGetVolumeStats', r);
        return {
          usage: [
            { available: 600, total: 1000, used: 400, unit: 'BYTES' },
            { available: 90, total: 100, used: 10, unit: 'INODES' },
          ],
          volumeCondition: { abnormal: false, message: 'fine' },
        };
      },
      nodeExpandVolume: async (r) => {
        record('NodeExpandVolume', r);
        return { capacityBytes: r.capacityRange?.requiredBytes ?? 0 };
      },
    },
  };
  if (!o.nodeOnly) {
    driver.controller = {
      controllerGetCapabilities: async () => {
        record('ControllerGetCapabilities');
        return { capabilities: [{ rpc: { type: 'CREATE_DELETE_VOLUME' } }, { rpc: { type: 'EXPAND_VOLUME' } }, { rpc: { type: 'CREATE_DELETE_SNAPSHOT' } }] };
      },
      createVolume: async (r) => {
        record('CreateVolume', r);
        if (!r.name) throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'name is required');
        const v = volumes.get(r.name) ?? { capacityBytes: r.capacityRange?.requiredBytes ?? 1 << 20, volumeId: `vol-${r.name}`, volumeContext: { created: 'yes' } };
        volumes.set(r.name, v);
        return { volume: { ...v, accessibleTopology: o.topology ? [{ segments: o.topology }] : [] } };
      },
      deleteVolume: async (r) => {
        record('DeleteVolume', r);
      },
      controllerPublishVolume: async (r) => {
        record('ControllerPublishVolume', r);
        return { publishContext: { device: '/dev/test0' } };
      },
      controllerUnpublishVolume: async (r) => {
        record('ControllerUnpublishVolume', r);
      },
      getCapacity: async (r) => {
        record('GetCapacity', r);
        return { availableCapacity: 5 * 2 ** 40, maximumVolumeSize: 2 ** 40 };
      },
      controllerExpandVolume: async (r) => {
        record('ControllerExpandVolume', r);
        return { capacityBytes: r.capacityRange.requiredBytes ?? 0, nodeExpansionRequired: true };
      },
      createSnapshot: async (r) => {
        record('CreateSnapshot', r);
        return { snapshot: { sizeBytes: 1024, snapshotId: `snap-${r.name}`, sourceVolumeId: r.sourceVolumeId, creationTime: { seconds: 1_700_000_000, nanos: 5 }, readyToUse: true } };
      },
      deleteSnapshot: async (r) => {
        record('DeleteSnapshot', r);
      },
    };
  }
  return driver;
}
