// A CSI driver reached over gRPC on its unix socket, as a CsiDriver (types.ts): what the agent's
// mounter, the node-side provisioner and the other sidecars call, the same for gifee's own driver
// and for third-party ones. Every call has a deadline: long for the calls that do work on storage
// (create, delete, stage, publish, expand, snapshot), short for the ones that only report
// (identity, capabilities, node info, capacity, stats). Both Controller and Node are present on the
// client: a driver without one answers UNIMPLEMENTED, and callers learn what it serves from
// GetPluginCapabilities, as Kubernetes' sidecars do.

import * as grpc from '@grpc/grpc-js';
import { UNIX_CHANNEL_OPTIONS, unaryCall, unixTarget } from './grpc-call.js';
import { csiProtocols } from './proto.js';
import { CsiError, GrpcCode, type ControllerService, type CsiDriver, type NodeService, type PluginInfo } from './types.js';

export interface CsiClientOptions {
  /** Deadline of calls that work on storage (create/delete/stage/publish/expand/snapshot). Default 2 min. */
  timeoutMs?: number;
  /** Deadline of calls that only report (identity, capabilities, node info, capacity, stats). Default 10 s. */
  infoTimeoutMs?: number;
}

export const DEFAULT_OPERATION_TIMEOUT_MS = 120_000;
export const DEFAULT_INFO_TIMEOUT_MS = 10_000;

/** A connected driver: all three services, and close() to drop the connection. */
export interface CsiClient extends CsiDriver {
  readonly socketPath: string;
  controller: ControllerService;
  node: NodeService;
  close(): void;
}

/** The driver broke the protocol: an answer without a field the spec makes REQUIRED. */
function missing(rpc: string, socketPath: string, what: string): CsiError {
  return new CsiError(GrpcCode.INTERNAL, `${rpc}: the plugin at ${socketPath} answered without ${what}`);
}

export function connectCsi(socketPath: string, o: CsiClientOptions = {}): CsiClient {
  const target = unixTarget(socketPath);
  const p = csiProtocols();
  const identity = new p.identity(target, grpc.credentials.createInsecure(), UNIX_CHANNEL_OPTIONS);
  // One channel for the three services.
  const shared = { ...UNIX_CHANNEL_OPTIONS, channelOverride: identity.getChannel() } as grpc.ClientOptions;
  const controller = new p.controller(target, grpc.credentials.createInsecure(), shared);
  const node = new p.node(target, grpc.credentials.createInsecure(), shared);
  const op = { socketPath, timeoutMs: o.timeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS };
  const info = { socketPath, timeoutMs: o.infoTimeoutMs ?? DEFAULT_INFO_TIMEOUT_MS };
  const call = <T>(client: grpc.Client, method: string, req: object, opts: typeof op) => unaryCall<T>(client, method, req, opts);
  const none = async (p: Promise<unknown>) => {
    await p;
  };

  const controllerService: ControllerService = {
    controllerGetCapabilities: async () => ({ capabilities: (await call<{ capabilities?: [] }>(controller, 'ControllerGetCapabilities', {}, info)).capabilities ?? [] }),
    createVolume: async (req) => {
      const r = await call<{ volume?: { volumeId?: string } }>(controller, 'CreateVolume', req, op);
      if (!r.volume?.volumeId) throw missing('CreateVolume', socketPath, 'a volume id');
      return r as Awaited<ReturnType<ControllerService['createVolume']>>;
    },
    deleteVolume: (req) => none(call(controller, 'DeleteVolume', req, op)),
    controllerPublishVolume: (req) => call(controller, 'ControllerPublishVolume', req, op),
    controllerUnpublishVolume: (req) => none(call(controller, 'ControllerUnpublishVolume', req, op)),
    getCapacity: async (req) => {
      const r = await call<{ availableCapacity?: number; maximumVolumeSize?: { value?: number }; minimumVolumeSize?: { value?: number } }>(controller, 'GetCapacity', req, info);
      // The wrappers (Int64Value) are unwrapped: absent stays absent.
      return { availableCapacity: r.availableCapacity ?? 0, maximumVolumeSize: r.maximumVolumeSize?.value, minimumVolumeSize: r.minimumVolumeSize?.value };
    },
    controllerExpandVolume: (req) => call(controller, 'ControllerExpandVolume', req, op),
    createSnapshot: async (req) => {
      const r = await call<{ snapshot?: { snapshotId?: string } }>(controller, 'CreateSnapshot', req, op);
      if (!r.snapshot?.snapshotId) throw missing('CreateSnapshot', socketPath, 'a snapshot id');
      return r as Awaited<ReturnType<ControllerService['createSnapshot']>>;
    },
    deleteSnapshot: (req) => none(call(controller, 'DeleteSnapshot', req, op)),
  };

  const nodeService: NodeService = {
    nodeGetInfo: async () => {
      const r = await call<{ nodeId?: string; maxVolumesPerNode?: number; accessibleTopology?: { segments?: Record<string, string> } }>(node, 'NodeGetInfo', {}, info);
      if (!r.nodeId) throw missing('NodeGetInfo', socketPath, 'a node id');
      return { nodeId: r.nodeId, maxVolumesPerNode: r.maxVolumesPerNode, accessibleTopology: r.accessibleTopology ? { segments: r.accessibleTopology.segments ?? {} } : undefined };
    },
    nodeGetCapabilities: async () => ({ capabilities: (await call<{ capabilities?: [] }>(node, 'NodeGetCapabilities', {}, info)).capabilities ?? [] }),
    nodeStageVolume: (req) => none(call(node, 'NodeStageVolume', req, op)),
    nodeUnstageVolume: (req) => none(call(node, 'NodeUnstageVolume', req, op)),
    nodePublishVolume: (req) => none(call(node, 'NodePublishVolume', req, op)),
    nodeUnpublishVolume: (req) => none(call(node, 'NodeUnpublishVolume', req, op)),
    nodeGetVolumeStats: async (req) => {
      const r = await call<{ usage?: []; volumeCondition?: { abnormal: boolean; message: string } }>(node, 'NodeGetVolumeStats', req, info);
      return { usage: r.usage ?? [], volumeCondition: r.volumeCondition };
    },
    nodeExpandVolume: (req) => call(node, 'NodeExpandVolume', req, op),
  };

  return {
    socketPath,
    getPluginInfo: async () => {
      const r = await call<PluginInfo>(identity, 'GetPluginInfo', {}, info);
      if (!r.name) throw missing('GetPluginInfo', socketPath, 'a name');
      return r;
    },
    getPluginCapabilities: async () => ({ capabilities: (await call<{ capabilities?: [] }>(identity, 'GetPluginCapabilities', {}, info)).capabilities ?? [] }),
    probe: () => call(identity, 'Probe', {}, info),
    controller: controllerService,
    node: nodeService,
    close: () => {
      controller.close();
      node.close();
      identity.close();
    },
  };
}
