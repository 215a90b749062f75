// Kubernetes' warnings (WarningsOnCreate/WarningsOnUpdate) for StorageClasses and
// CSIStorageCapacities: topology keyed by deprecated node labels. Sent as `Warning:` headers through
// the kinds' warnings hooks.

import type { KObject } from '../../kind.js';
import { isObj, objects } from '../workloads/checks.js';
import { nodeLabelDeprecation } from '../workloads/pod-warnings.js';

const deprecated = (key: unknown) => (typeof key === 'string' ? nodeLabelDeprecation(key) : undefined);

export function storageClassWarnings(o: KObject): string[] {
  const out: string[] = [];
  objects(o.allowedTopologies).forEach((term, i) => {
    objects(term.matchLabelExpressions).forEach((e, j) => {
      const msg = deprecated(e.key);
      if (msg) out.push(`allowedTopologies[${i}].matchLabelExpressions[${j}]: ${msg}`);
    });
  });
  return out;
}

export function csiStorageCapacityWarnings(o: KObject): string[] {
  const topo = isObj(o.nodeTopology) ? o.nodeTopology : {};
  const out: string[] = [];
  objects(topo.matchExpressions).forEach((e, i) => {
    const msg = deprecated(e.key);
    if (msg) out.push(`nodeTopology.matchExpressions[${i}]: ${String(e.key)} is ${msg}`);
  });
  for (const label of Object.keys(isObj(topo.matchLabels) ? topo.matchLabels : {})) {
    const msg = deprecated(label);
    if (msg) out.push(`nodeTopology.matchLabels.${label}: ${msg}`);
  }
  return out;
}
