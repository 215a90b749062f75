// The LimitRanger admission plugin: a pod created in a namespace with LimitRanges gets the default
// requests and limits its containers leave out, then is refused (403, as Kubernetes) if a container,
// the pod as a whole, or a volume claim is outside a range's min, max or limit/request ratio. The
// rules themselves are pure (api/quota/limit-ranger.ts); ranges are read from memory.

import { forbidden } from '../../api/errors.js';
import type { KObject } from '../../api/kind.js';
import { aggregate, defaultPod, podViolations, pvcViolations } from '../../api/quota/limit-ranger.js';
import type { AdmissionPlugin, AdmissionRequest } from './chain.js';
import type { NamespacedCache } from './namespaced-cache.js';

const resourceOf = (a: AdmissionRequest) => `${a.rc.def.group}/${a.rc.def.plural}`;
const nameOf = (o: KObject | undefined) => o?.metadata?.name || o?.metadata?.generateName || '';

export function limitRangerPlugin(ranges: NamespacedCache): AdmissionPlugin {
  return {
    name: 'LimitRanger',
    handles: (a) => {
      if (a.subresource !== '' || !a.obj) return false;
      // Objects being deleted are left alone.
      if (a.old?.metadata?.deletionTimestamp) return false;
      const r = resourceOf(a);
      // Containers cannot change after create: pods are checked once.
      if (r === '/pods') return a.operation === 'CREATE';
      return r === '/persistentvolumeclaims' && (a.operation === 'CREATE' || a.operation === 'UPDATE');
    },
    mutate: async (a) => {
      if (resourceOf(a) !== '/pods') return;
      for (const lr of await ranges.list(a.obj!.metadata?.namespace ?? '')) defaultPod(lr, a.obj!);
    },
    validate: async (a) => {
      const pod = resourceOf(a) === '/pods';
      const errs: string[] = [];
      for (const lr of await ranges.list(a.obj!.metadata?.namespace ?? '')) errs.push(...(pod ? podViolations(lr, a.obj!) : pvcViolations(lr, a.obj!)));
      if (errs.length) throw forbidden({ group: '', resource: a.rc.def.plural }, nameOf(a.obj), aggregate(errs));
    },
  };
}
