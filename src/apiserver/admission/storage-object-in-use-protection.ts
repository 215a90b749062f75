// Kubernetes' StorageObjectInUseProtection admission plugin: every new PersistentVolumeClaim gets the
// kubernetes.io/pvc-protection finalizer and every new PersistentVolume kubernetes.io/pv-protection,
// so deleting one that is in use leaves it Terminating until the pvc-protection / pv-protection
// controllers see it unused and remove the finalizer. Only creates are changed.

import { FINALIZER_PV_PROTECTION, FINALIZER_PVC_PROTECTION } from '../../api/storage-names.js';
import type { AdmissionPlugin } from './chain.js';

const FINALIZERS: Record<string, string> = { persistentvolumeclaims: FINALIZER_PVC_PROTECTION, persistentvolumes: FINALIZER_PV_PROTECTION };

export const storageObjectInUseProtection: AdmissionPlugin = {
  name: 'StorageObjectInUseProtection',
  handles: (a) => a.operation === 'CREATE' && a.subresource === '' && a.rc.def.group === '' && FINALIZERS[a.rc.def.plural] !== undefined,
  mutate(a) {
    const meta = a.obj?.metadata;
    if (!meta) return;
    const finalizer = FINALIZERS[a.rc.def.plural];
    const current = Array.isArray(meta.finalizers) ? meta.finalizers : [];
    if (!current.includes(finalizer)) meta.finalizers = [...current, finalizer];
  },
};
