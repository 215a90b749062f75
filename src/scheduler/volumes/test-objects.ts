// Builders of claims, volumes, classes and CSI objects for the volume plugins' unit tests: plain
// objects in the API's shapes, as the informers deliver them.

import type { Volume } from '../../api/core/index.js';
import type { Pod } from '../types.js';
import { makePod } from '../test-objects.js';
import type { Pv, Pvc, StorageClass } from '../../api/storage/types.js';
import type { CsiDriverObject, CsiNode, CsiStorageCapacity } from './types.js';

let seq = 0;

export function pvc(name: string, o: { ns?: string; size?: string; cls?: string | null; modes?: string[]; volumeName?: string; bound?: boolean; annotations?: Record<string, string>; deleting?: boolean; volumeMode?: string; selector?: object; owner?: string } = {}): Pvc {
  const annotations = { ...(o.bound ? { 'pv.kubernetes.io/bind-completed': 'yes' } : {}), ...(o.annotations ?? {}) };
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: `uid-${name}`,
      resourceVersion: String(++seq),
      annotations,
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: o.owner, controller: true }] } : {}),
    },
    spec: {
      accessModes: o.modes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: o.size ?? '1Gi' } },
      ...(o.cls !== null ? { storageClassName: o.cls ?? 'wffc' } : {}),
      ...(o.volumeName ? { volumeName: o.volumeName } : {}),
      ...(o.volumeMode ? { volumeMode: o.volumeMode } : {}),
      ...(o.selector ? { selector: o.selector } : {}),
    },
    status: { phase: o.bound ? 'Bound' : 'Pending' },
  };
}

export function pv(name: string, o: { size?: string; cls?: string; modes?: string[]; node?: string; claim?: Pvc; phase?: string; labels?: Record<string, string>; volumeMode?: string; csi?: { driver: string; volumeHandle: string } } = {}): Pv {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, resourceVersion: String(++seq), labels: o.labels },
    spec: {
      capacity: { storage: o.size ?? '1Gi' },
      accessModes: o.modes ?? ['ReadWriteOnce'],
      storageClassName: o.cls ?? 'wffc',
      ...(o.volumeMode ? { volumeMode: o.volumeMode } : {}),
      ...(o.node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [o.node] }] }] } } } : {}),
      ...(o.claim ? { claimRef: { kind: 'PersistentVolumeClaim', namespace: o.claim.metadata?.namespace, name: o.claim.metadata?.name, uid: o.claim.metadata?.uid } } : {}),
      ...(o.csi ? { csi: o.csi } : {}),
    },
    status: { phase: o.phase ?? (o.claim ? 'Bound' : 'Available') },
  };
}

export function storageClass(name: string, o: { provisioner?: string; wffc?: boolean; zones?: string[] } = {}): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name },
    provisioner: o.provisioner ?? 'kubernetes.io/no-provisioner',
    volumeBindingMode: o.wffc === false ? 'Immediate' : 'WaitForFirstConsumer',
    ...(o.zones ? { allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: o.zones }] }] } : {}),
  };
}

export const csiDriver = (name: string, storageCapacity: boolean): CsiDriverObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name }, spec: { storageCapacity } });

export const csiNode = (node: string, drivers: Record<string, number | undefined>): CsiNode => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'CSINode',
  metadata: { name: node },
  spec: { drivers: Object.entries(drivers).map(([name, count]) => ({ name, nodeID: node, ...(count === undefined ? {} : { allocatable: { count } }) })) },
});

export const capacity = (cls: string, node: string, o: { capacity?: string; max?: string }): CsiStorageCapacity => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'CSIStorageCapacity',
  metadata: { name: `cap-${node}-${++seq}`, namespace: 'kube-system' },
  storageClassName: cls,
  nodeTopology: { matchLabels: { 'kubernetes.io/hostname': node } },
  ...(o.capacity ? { capacity: o.capacity } : {}),
  ...(o.max ? { maximumVolumeSize: o.max } : {}),
});

/** A pod with persistentVolumeClaim volumes for `claims` and generic ephemeral volumes for `ephemeral`. */
export function podWithClaims(name: string, claims: string[], o: { ephemeral?: string[]; nodeName?: string; priority?: number; extraVolumes?: Volume[] } = {}): Pod {
  const volumes = [...claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })), ...(o.ephemeral ?? []).map((v) => ({ name: v, ephemeral: { volumeClaimTemplate: { spec: {} } } })), ...(o.extraVolumes ?? [])];
  return makePod(name, { nodeName: o.nodeName, priority: o.priority, spec: { volumes } });
}
