// The Container Storage Interface (CSI spec v1) as gifee uses it: the messages of the Identity,
// Controller and Node services in the camelCase shape @grpc/proto-loader produces (int64 as
// number, enums as their names, oneofs as optional fields). Everything that talks to a driver —
// the agent's mounter, the provisioner, resizer and snapshotter — codes against these interfaces;
// src/csi/grpc-*.ts carries them over gRPC on unix sockets, so gifee's own driver and third-party
// drivers are reached the same way. A driver refuses a call by throwing CsiError with a gRPC code.

export type Segments = Record<string, string>;
export interface Topology {
  segments: Segments;
}

export type AccessModeName = 'SINGLE_NODE_WRITER' | 'SINGLE_NODE_READER_ONLY' | 'MULTI_NODE_READER_ONLY' | 'MULTI_NODE_SINGLE_WRITER' | 'MULTI_NODE_MULTI_WRITER' | 'SINGLE_NODE_SINGLE_WRITER' | 'SINGLE_NODE_MULTI_WRITER';

/** Either block or mount is set. */
export interface VolumeCapability {
  block?: Record<string, never>;
  mount?: { fsType?: string; mountFlags?: string[]; volumeMountGroup?: string };
  accessMode: { mode: AccessModeName };
}

export interface CapacityRange {
  requiredBytes?: number;
  limitBytes?: number;
}

export interface VolumeContentSource {
  snapshot?: { snapshotId: string };
  volume?: { volumeId: string };
}

export interface Volume {
  capacityBytes: number;
  volumeId: string;
  volumeContext?: Record<string, string>;
  contentSource?: VolumeContentSource;
  accessibleTopology?: Topology[];
}

export interface Snapshot {
  sizeBytes: number;
  snapshotId: string;
  sourceVolumeId: string;
  creationTime?: { seconds: number; nanos: number };
  readyToUse: boolean;
}

type Secrets = Record<string, string>;

// ---- Identity ----
export interface PluginInfo {
  name: string;
  vendorVersion?: string;
  manifest?: Record<string, string>;
}
export type PluginCapability = { service: { type: 'CONTROLLER_SERVICE' | 'VOLUME_ACCESSIBILITY_CONSTRAINTS' | 'GROUP_CONTROLLER_SERVICE' } } | { volumeExpansion: { type: 'ONLINE' | 'OFFLINE' } };

export interface IdentityService {
  getPluginInfo(): Promise<PluginInfo>;
  getPluginCapabilities(): Promise<{ capabilities: PluginCapability[] }>;
  probe(): Promise<{ ready?: { value: boolean } }>;
}

// ---- Controller ----
export type ControllerCapabilityName =
  | 'CREATE_DELETE_VOLUME'
  | 'PUBLISH_UNPUBLISH_VOLUME'
  | 'LIST_VOLUMES'
  | 'GET_CAPACITY'
  | 'CREATE_DELETE_SNAPSHOT'
  | 'LIST_SNAPSHOTS'
  | 'CLONE_VOLUME'
  | 'PUBLISH_READONLY'
  | 'EXPAND_VOLUME'
  | 'LIST_VOLUMES_PUBLISHED_NODES'
  | 'VOLUME_CONDITION'
  | 'GET_VOLUME'
  | 'SINGLE_NODE_MULTI_WRITER';

export interface CreateVolumeRequest {
  /** Idempotency key: the same name twice must return the same volume (gifee uses pvc-<claim uid>). */
  name: string;
  capacityRange?: CapacityRange;
  volumeCapabilities: VolumeCapability[];
  parameters?: Record<string, string>;
  secrets?: Secrets;
  volumeContentSource?: VolumeContentSource;
  accessibilityRequirements?: { requisite?: Topology[]; preferred?: Topology[] };
}

export interface ControllerService {
  controllerGetCapabilities(): Promise<{ capabilities: { rpc: { type: ControllerCapabilityName } }[] }>;
  createVolume(req: CreateVolumeRequest): Promise<{ volume: Volume }>;
  deleteVolume(req: { volumeId: string; secrets?: Secrets }): Promise<void>;
  controllerPublishVolume(req: { volumeId: string; nodeId: string; volumeCapability: VolumeCapability; readonly?: boolean; secrets?: Secrets; volumeContext?: Record<string, string> }): Promise<{ publishContext?: Record<string, string> }>;
  controllerUnpublishVolume(req: { volumeId: string; nodeId?: string; secrets?: Secrets }): Promise<void>;
  getCapacity(req: { volumeCapabilities?: VolumeCapability[]; parameters?: Record<string, string>; accessibleTopology?: Topology }): Promise<{ availableCapacity: number; maximumVolumeSize?: number; minimumVolumeSize?: number }>;
  controllerExpandVolume(req: { volumeId: string; capacityRange: CapacityRange; secrets?: Secrets; volumeCapability?: VolumeCapability }): Promise<{ capacityBytes: number; nodeExpansionRequired: boolean }>;
  createSnapshot(req: { sourceVolumeId: string; name: string; secrets?: Secrets; parameters?: Record<string, string> }): Promise<{ snapshot: Snapshot }>;
  deleteSnapshot(req: { snapshotId: string; secrets?: Secrets }): Promise<void>;
}

// ---- Node ----
export type NodeCapabilityName = 'STAGE_UNSTAGE_VOLUME' | 'GET_VOLUME_STATS' | 'EXPAND_VOLUME' | 'VOLUME_CONDITION' | 'SINGLE_NODE_MULTI_WRITER' | 'VOLUME_MOUNT_GROUP';

export interface VolumeUsage {
  available: number;
  total: number;
  used: number;
  unit: 'BYTES' | 'INODES';
}

export interface NodeService {
  nodeGetInfo(): Promise<{ nodeId: string; maxVolumesPerNode?: number; accessibleTopology?: Topology }>;
  nodeGetCapabilities(): Promise<{ capabilities: { rpc: { type: NodeCapabilityName } }[] }>;
  nodeStageVolume(req: { volumeId: string; publishContext?: Record<string, string>; stagingTargetPath: string; volumeCapability: VolumeCapability; secrets?: Secrets; volumeContext?: Record<string, string> }): Promise<void>;
  nodeUnstageVolume(req: { volumeId: string; stagingTargetPath: string }): Promise<void>;
  nodePublishVolume(req: { volumeId: string; publishContext?: Record<string, string>; stagingTargetPath?: string; targetPath: string; volumeCapability: VolumeCapability; readonly?: boolean; secrets?: Secrets; volumeContext?: Record<string, string> }): Promise<void>;
  nodeUnpublishVolume(req: { volumeId: string; targetPath: string }): Promise<void>;
  nodeGetVolumeStats(req: { volumeId: string; volumePath: string; stagingTargetPath?: string }): Promise<{ usage: VolumeUsage[]; volumeCondition?: { abnormal: boolean; message: string } }>;
  nodeExpandVolume(req: { volumeId: string; volumePath: string; capacityRange?: CapacityRange; stagingTargetPath?: string; volumeCapability?: VolumeCapability; secrets?: Secrets }): Promise<{ capacityBytes: number }>;
}

/** A whole driver, as its own process serves it (a driver may leave out Controller or Node). */
export interface CsiDriver extends IdentityService {
  controller?: ControllerService;
  node?: NodeService;
}

/** gRPC status codes a CSI driver answers with (the spec gives each RPC's meaning for them). */
export enum GrpcCode {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
}

/** A driver's refusal: thrown by implementations, and by clients when the driver answers with an error. */
export class CsiError extends Error {
  constructor(
    readonly code: GrpcCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The drivers registered on one node (kubelet's csi plugin registry): filled by the plugin watcher
 * from the plugin-registration sockets, read by the mounter, the node-side provisioner and others.
 */
export interface CsiRegistry {
  /** A connected client for a registered driver, or undefined while it is not registered. */
  get(driverName: string): CsiDriver | undefined;
  names(): string[];
  /** Called after a driver registers or goes away. */
  onChange(fn: (driverName: string) => void): void;
}
