// The storage resources the node-side sidecars read and write, named once (beside the core ones
// in client/resources.ts).

import type { ResourceRef } from '../client/rest.js';

export const SR = {
  storageclasses: { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', namespaced: false },
  csidrivers: { group: 'storage.k8s.io', version: 'v1', plural: 'csidrivers', namespaced: false },
  csinodes: { group: 'storage.k8s.io', version: 'v1', plural: 'csinodes', namespaced: false },
  volumeattachments: { group: 'storage.k8s.io', version: 'v1', plural: 'volumeattachments', namespaced: false },
  volumesnapshots: { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots' },
  volumesnapshotcontents: { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshotcontents', namespaced: false },
} satisfies Record<string, ResourceRef>;

/** The shapes the sidecars read (only the fields they use). */
export interface ClaimSpec {
  accessModes?: string[];
  resources?: { requests?: Record<string, string> };
  storageClassName?: string;
  volumeName?: string;
  volumeMode?: string;
  dataSource?: { apiGroup?: string; kind?: string; name?: string };
  dataSourceRef?: { apiGroup?: string; kind?: string; name?: string; namespace?: string };
}
export interface ClaimStatus {
  phase?: string;
  capacity?: Record<string, string>;
  conditions?: { type: string; status: string; lastProbeTime?: string | null; lastTransitionTime?: string; reason?: string; message?: string }[];
}
export interface StorageClassFields {
  provisioner?: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  mountOptions?: string[];
  volumeBindingMode?: string;
  allowVolumeExpansion?: boolean;
  allowedTopologies?: { matchLabelExpressions?: { key: string; values: string[] }[] }[];
}
export interface PvSpec {
  capacity?: Record<string, string>;
  accessModes?: string[];
  volumeMode?: string;
  persistentVolumeReclaimPolicy?: string;
  storageClassName?: string;
  claimRef?: { namespace?: string; name?: string; uid?: string };
  csi?: { driver?: string; volumeHandle?: string; fsType?: string; volumeAttributes?: Record<string, string>; readOnly?: boolean };
  mountOptions?: string[];
}
