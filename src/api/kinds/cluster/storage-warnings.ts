// The warnings Kubernetes 1.32 returns for PersistentVolumes and PersistentVolumeClaims: the beta
// storage-class and mount-options annotations, the Recycle policy, beta node labels in a volume's
// node affinity, removed volume plugins and fractional storage sizes (pkg/api/persistentvolume and
// pkg/api/persistentvolumeclaim).

import type { KObject } from '../../kind.js';
import { isObj, objects } from '../workloads/checks.js';
import { nodeSelectorTermWarnings, pvcSpecWarnings } from '../workloads/pod-warnings.js';

const STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
const MOUNT_OPTIONS = 'volume.beta.kubernetes.io/mount-options';
const STORAGE_CLASS_MSG = 'deprecated since v1.8; use "storageClassName" attribute instead';

const annotationsOf = (o: KObject) => (isObj(o.metadata?.annotations) ? o.metadata.annotations : {});

const PV_REMOVED_PLUGINS: [string, string][] = [
  ['cephfs', 'deprecated in v1.28, non-functional in v1.31+'],
  ['photonPersistentDisk', 'deprecated in v1.11, non-functional in v1.16+'],
  ['rbd', 'deprecated in v1.28, non-functional in v1.31+'],
  ['scaleIO', 'deprecated in v1.16, non-functional in v1.22+'],
  ['storageos', 'deprecated in v1.22, non-functional in v1.25+'],
  ['glusterfs', 'deprecated in v1.25, non-functional in v1.26+'],
];

export function persistentVolumeWarnings(pv: KObject): string[] {
  const out: string[] = [];
  const ann = annotationsOf(pv);
  if (Object.hasOwn(ann, STORAGE_CLASS)) out.push(`metadata.annotations[${STORAGE_CLASS}]: ${STORAGE_CLASS_MSG}`);
  if (Object.hasOwn(ann, MOUNT_OPTIONS)) out.push(`metadata.annotations[${MOUNT_OPTIONS}]: deprecated since v1.31; use "mountOptions" attribute instead`);
  const spec = isObj(pv.spec) ? pv.spec : {};
  if (spec.persistentVolumeReclaimPolicy === 'Recycle') out.push('spec.persistentVolumeReclaimPolicy: The Recycle reclaim policy is deprecated. Instead, the recommended approach is to use dynamic provisioning.');
  const required = isObj(spec.nodeAffinity) && isObj(spec.nodeAffinity.required) ? spec.nodeAffinity.required : undefined;
  if (required)
    objects(required.nodeSelectorTerms).forEach((t, i) => {
      out.push(...nodeSelectorTermWarnings(t, `spec.nodeAffinity.required.nodeSelectorTerms[${i}]`));
    });
  for (const [k, msg] of PV_REMOVED_PLUGINS) if (spec[k] !== undefined && spec[k] !== null) out.push(`spec.${k}: ${msg}`);
  return out;
}

export function persistentVolumeClaimWarnings(pvc: KObject): string[] {
  const out: string[] = [];
  if (Object.hasOwn(annotationsOf(pvc), STORAGE_CLASS)) out.push(`metadata.annotations[${STORAGE_CLASS}]: ${STORAGE_CLASS_MSG}`);
  out.push(...pvcSpecWarnings(pvc.spec, 'spec'));
  return out;
}
