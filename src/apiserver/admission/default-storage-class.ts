// Kubernetes' DefaultStorageClass admission plugin: a new PersistentVolumeClaim that names no class
// (no spec.storageClassName, not even "", and no volume.beta.kubernetes.io/storage-class
// annotation) gets the default StorageClass, the one annotated
// storageclass.kubernetes.io/is-default-class=true (or the beta annotation); with several, the
// newest (first name on a tie), as Kubernetes has since 1.26. Updates are never changed.

import type { KObject } from '../../api/kind.js';
import { isDefaultStorageClass } from '../../api/kinds/storage/index.js';
import type { ApiState } from '../context.js';
import type { AdmissionPlugin } from './chain.js';

export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** The class new claims without one get: the newest of those marked default. */
export function pickDefaultStorageClass(classes: KObject[]): KObject | undefined {
  const created = (o: KObject) => Date.parse(o.metadata?.creationTimestamp ?? '') || 0;
  const name = (o: KObject) => o.metadata?.name ?? '';
  const defaults = classes.filter(isDefaultStorageClass);
  defaults.sort((x, y) => created(y) - created(x) || (name(x) < name(y) ? -1 : name(x) > name(y) ? 1 : 0));
  return defaults[0];
}

export function defaultStorageClassAdmission(state: ApiState): AdmissionPlugin {
  return {
    name: 'DefaultStorageClass',
    handles: (a) => a.operation === 'CREATE' && a.subresource === '' && a.rc.def.group === '' && a.rc.def.plural === 'persistentvolumeclaims',
    async mutate(a) {
      const obj = a.obj;
      if (!obj) return;
      const spec = (obj.spec && typeof obj.spec === 'object' ? obj.spec : {}) as { storageClassName?: string | null };
      if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
      if (obj.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] !== undefined) return;
      const def = state.registry.byResource('storage.k8s.io', 'v1', 'storageclasses');
      if (!def) return;
      const chosen = pickDefaultStorageClass((await state.objects(def).list(undefined)).items);
      if (!chosen?.metadata?.name) return;
      spec.storageClassName = chosen.metadata.name;
      obj.spec = spec;
    },
  };
}
