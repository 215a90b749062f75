// Kubernetes' warnings (WarningsOnCreate/WarningsOnUpdate) for StorageClasses and
// CSIStorageCapacities: topology keyed by deprecated node labels. Sent as `Warning:` headers once
// KindDef has a warnings hook (see the i11-pods branch): `warnings: storageClassWarnings`.

import type { KObject } from '../../kind.js';
import { isObj, objects } from '../workloads/checks.js';

/** Kubernetes' deprecated node labels and what replaces them. */
export const DEPRECATED_NODE_LABELS: Record<string, string> = {
  'beta.kubernetes.io/arch': 'deprecated since v1.14; use "kubernetes.io/arch" instead',
  'beta.kubernetes.io/os': 'deprecated since v1.14; use "kubernetes.io/os" instead',
  'failure-domain.beta.kubernetes.io/region': 'deprecated since v1.17; use "topology.kubernetes.io/region" instead',
  'failure-domain.beta.kubernetes.io/zone': 'deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
  'beta.kubernetes.io/instance-type': 'deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
};

const deprecated = (key: unknown) => (typeof key === 'string' && Object.hasOwn(DEPRECATED_NODE_LABELS, key) ? DEPRECATED_NODE_LABELS[key] : undefined);

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
