// Kubernetes' PersistentVolumeClaimResize admission plugin: a claim may ask for more storage only
// when it is Bound and its StorageClass (the same one it had) exists with allowVolumeExpansion: true;
// otherwise 403 with Kubernetes' message. Smaller requests are validation's business (422).

import { forbidden } from '../../api/errors.js';
import type { KObject } from '../../api/kind.js';
import { parseQuantity } from '../../api/quantity.js';
import type { ApiState } from '../context.js';
import type { AdmissionPlugin, AdmissionRequest } from './chain.js';
import { BETA_STORAGE_CLASS_ANNOTATION } from './default-storage-class.js';

export const RESIZE_NOT_ALLOWED = 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize';

type Claim = KObject & { spec?: { storageClassName?: string | null; resources?: { requests?: { storage?: string | number } } }; status?: { phase?: string } };

const size = (c: Claim | undefined) => {
  try {
    const q = c?.spec?.resources?.requests?.storage;
    return q === undefined ? 0 : parseQuantity(q);
  } catch {
    return 0;
  }
};

/** Kubernetes' GetPersistentVolumeClaimClass: the beta annotation first. */
const classOf = (c: Claim | undefined) => c?.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? c?.spec?.storageClassName ?? '';

export function persistentVolumeClaimResize(state: ApiState): AdmissionPlugin {
  const refuse = (a: AdmissionRequest, why: string) => forbidden({ group: '', resource: 'persistentvolumeclaims' }, a.old?.metadata?.name ?? '', why);
  return {
    name: 'PersistentVolumeClaimResize',
    handles: (a) => a.operation === 'UPDATE' && a.subresource === '' && a.rc.def.group === '' && a.rc.def.plural === 'persistentvolumeclaims',
    async validate(a) {
      const claim = a.obj as Claim | undefined;
      const old = a.old as Claim | undefined;
      if (size(claim) <= size(old)) return;
      if (old?.status?.phase !== 'Bound') throw refuse(a, 'Only bound persistent volume claims can be expanded');
      const cls = classOf(claim);
      if (cls === '' || cls !== classOf(old)) throw refuse(a, RESIZE_NOT_ALLOWED);
      const def = state.registry.byResource('storage.k8s.io', 'v1', 'storageclasses');
      const sc = def ? (await state.objects(def).get(undefined, cls))?.obj : undefined;
      if ((sc as { allowVolumeExpansion?: boolean } | undefined)?.allowVolumeExpansion !== true) throw refuse(a, RESIZE_NOT_ALLOWED);
    },
  };
}
