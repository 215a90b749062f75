// What the provisioner asks a driver for and what it records afterwards, as external-provisioner
// does: the CreateVolume request from a claim and its StorageClass (pure, so it is tested alone),
// and the PersistentVolume for the volume the driver made.

import type { KObject } from '../api/kind.js';
import type { AccessModeName, CreateVolumeRequest, Topology, Volume, VolumeCapability, VolumeContentSource } from '../csi/types.js';
import { ANN_PROVISIONED_BY, ANN_PROVISIONED_ON_NODE, FINALIZER_PROVISIONER } from '../api/storage-names.js';
import { bytesQuantity, quantityBytes } from './quantity.js';
import type { ClaimSpec, PvSpec, StorageClassFields } from './resources.js';

/** StorageClass parameters the provisioner reads itself and never passes to the driver. */
const RESERVED_PARAMETER_PREFIX = 'csi.storage.k8s.io/';
export const PARAM_FSTYPE = 'csi.storage.k8s.io/fstype';

/** A claim's access mode as CSI's (external-provisioner's mapping). */
const ACCESS_MODES: Record<string, AccessModeName> = {
  ReadWriteOnce: 'SINGLE_NODE_WRITER',
  ReadOnlyMany: 'MULTI_NODE_READER_ONLY',
  ReadWriteMany: 'MULTI_NODE_MULTI_WRITER',
  ReadWriteOncePod: 'SINGLE_NODE_SINGLE_WRITER',
};

/** A refusal the claim's owner must fix (recorded as ProvisioningFailed): no point asking the driver. */
export class ProvisioningError extends Error {}

export const volumeNameFor = (claim: KObject) => `pvc-${claim.metadata?.uid}`;

/** The capabilities a claim asks for: one per access mode, block or mount (with the class's fsType and mount options). */
export function volumeCapabilities(spec: ClaimSpec, sc: StorageClassFields, singleNodeMultiWriter = false): VolumeCapability[] {
  const modes = spec.accessModes?.length ? spec.accessModes : ['ReadWriteOnce'];
  return modes.map((m) => {
    let mode = ACCESS_MODES[m];
    if (!mode) throw new ProvisioningError(`unsupported access mode "${m}"`);
    // Without SINGLE_NODE_MULTI_WRITER a driver knows only the older single-node mode.
    if (mode === 'SINGLE_NODE_SINGLE_WRITER' && !singleNodeMultiWriter) mode = 'SINGLE_NODE_WRITER';
    if (spec.volumeMode === 'Block') return { block: {}, accessMode: { mode } };
    const fsType = sc.parameters?.[PARAM_FSTYPE];
    return { mount: { ...(fsType ? { fsType } : {}), ...(sc.mountOptions?.length ? { mountFlags: [...sc.mountOptions] } : {}) }, accessMode: { mode } };
  });
}

/** The class's parameters without the csi.storage.k8s.io/ ones (secrets, fstype). */
export function driverParameters(sc: StorageClassFields): Record<string, string> {
  return Object.fromEntries(Object.entries(sc.parameters ?? {}).filter(([k]) => !k.startsWith(RESERVED_PARAMETER_PREFIX)));
}

/** Whether a topology satisfies the class's allowedTopologies (any term; every expression of a term). */
export function topologyAllowed(t: Topology | undefined, sc: StorageClassFields): boolean {
  const terms = sc.allowedTopologies ?? [];
  if (!terms.length) return true;
  if (!t) return false;
  return terms.some((term) => (term.matchLabelExpressions ?? []).every((e) => e.values.includes(t.segments[e.key])));
}

/**
 * Accessibility requirements for a volume made on this node: this node's topology, which must be
 * allowed by the class (distributed provisioning makes volumes only where the agent runs).
 */
export function accessibility(nodeTopology: Topology | undefined, sc: StorageClassFields): CreateVolumeRequest['accessibilityRequirements'] {
  if (!nodeTopology) return undefined;
  if (!topologyAllowed(nodeTopology, sc)) throw new ProvisioningError(`the node's topology ${JSON.stringify(nodeTopology.segments)} is not among the StorageClass's allowedTopologies`);
  return { requisite: [nodeTopology], preferred: [nodeTopology] };
}

export function createVolumeRequest(claim: KObject, sc: StorageClassFields, o: { nodeTopology?: Topology; contentSource?: VolumeContentSource; singleNodeMultiWriter?: boolean }): CreateVolumeRequest {
  const spec = (claim.spec ?? {}) as ClaimSpec;
  const requested = quantityBytes(spec.resources?.requests?.storage);
  if (requested === undefined) throw new ProvisioningError('the claim has no valid spec.resources.requests.storage');
  const accessibilityRequirements = accessibility(o.nodeTopology, sc);
  return {
    name: volumeNameFor(claim),
    capacityRange: { requiredBytes: requested },
    volumeCapabilities: volumeCapabilities(spec, sc, o.singleNodeMultiWriter),
    parameters: driverParameters(sc),
    ...(o.contentSource ? { volumeContentSource: o.contentSource } : {}),
    ...(accessibilityRequirements ? { accessibilityRequirements } : {}),
  };
}

/** The PV for a volume the driver made for claim (external-provisioner's shape plus gifee's node annotation). */
export function persistentVolumeFor(claim: KObject, className: string, sc: StorageClassFields, driver: string, nodeName: string, volume: Volume): KObject {
  const spec = (claim.spec ?? {}) as ClaimSpec;
  const md = claim.metadata ?? {};
  const capacity = volume.capacityBytes > 0 ? volume.capacityBytes : (quantityBytes(spec.resources?.requests?.storage) ?? 0);
  const block = spec.volumeMode === 'Block';
  const fsType = sc.parameters?.[PARAM_FSTYPE];
  const topologies = (volume.accessibleTopology ?? []).filter((t) => t.segments && Object.keys(t.segments).length);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name: volumeNameFor(claim),
      annotations: { [ANN_PROVISIONED_BY]: driver, [ANN_PROVISIONED_ON_NODE]: nodeName },
      finalizers: [FINALIZER_PROVISIONER],
    },
    spec: {
      capacity: { storage: bytesQuantity(capacity) },
      accessModes: [...(spec.accessModes ?? ['ReadWriteOnce'])],
      volumeMode: block ? 'Block' : 'Filesystem',
      storageClassName: className,
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      ...(sc.mountOptions?.length ? { mountOptions: [...sc.mountOptions] } : {}),
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: md.namespace, name: md.name, uid: md.uid, resourceVersion: md.resourceVersion },
      csi: {
        driver,
        volumeHandle: volume.volumeId,
        ...(fsType && !block ? { fsType } : {}),
        ...(volume.volumeContext && Object.keys(volume.volumeContext).length ? { volumeAttributes: { ...volume.volumeContext } } : {}),
      },
      ...(topologies.length ? { nodeAffinity: { required: { nodeSelectorTerms: topologies.map((t) => ({ matchExpressions: Object.entries(t.segments).map(([key, v]) => ({ key, operator: 'In', values: [v] })) })) } } } : {}),
    },
  };
}

/** A PV's volume as one CSI capability (ControllerExpandVolume's and ControllerPublishVolume's volume_capability). */
export function pvCapability(spec: PvSpec): VolumeCapability {
  const modes = spec.accessModes ?? [];
  const mode: AccessModeName = modes.includes('ReadWriteMany') ? 'MULTI_NODE_MULTI_WRITER' : modes.includes('ReadOnlyMany') ? 'MULTI_NODE_READER_ONLY' : 'SINGLE_NODE_WRITER';
  if (spec.volumeMode === 'Block') return { block: {}, accessMode: { mode } };
  return { mount: { ...(spec.csi?.fsType ? { fsType: spec.csi.fsType } : {}), ...(spec.mountOptions?.length ? { mountFlags: [...spec.mountOptions] } : {}) }, accessMode: { mode } };
}
