// Admission for the storage, networking and node kinds (issue 11): RuntimeClass on pods,
// DefaultStorageClass, PersistentVolumeClaimResize and StorageObjectInUseProtection on claims (and
// volumes), DefaultIngressClass on Ingresses, registered in their places in
// ADMISSION_ORDER.

import type { ApiState } from '../context.js';
import { defaultIngressClassAdmission } from './default-ingress-class.js';
import { defaultStorageClassAdmission } from './default-storage-class.js';
import { runtimeClassAdmission } from './runtime-class.js';
import { persistentVolumeClaimResize } from './persistent-volume-claim-resize.js';
import { storageObjectInUseProtection } from './storage-object-in-use-protection.js';

export function installServedKindsAdmission(state: ApiState) {
  state.admission.register(runtimeClassAdmission(state));
  state.admission.register(defaultStorageClassAdmission(state));
  state.admission.register(defaultIngressClassAdmission(state));
  state.admission.register(persistentVolumeClaimResize(state));
  state.admission.register(storageObjectInUseProtection);
}
