// TaintToleration: NoSchedule and NoExecute taints keep out pods that do not tolerate them;
// untolerated PreferNoSchedule taints only lower a node's score.

import { defaultNormalize, unresolvable, type Plugin } from '../framework.js';
import { asArray, type Toleration } from '../types.js';
import { tolerated } from '../../api/scheduling/tolerations.js';

export const taintToleration: Plugin = {
  name: 'TaintToleration',
  scoreWeight: 3,
  filter(_s, pod, node) {
    if (node.taints.length === 0) return undefined;
    const tolerations = asArray<Toleration>(pod.pod.spec?.tolerations);
    for (const taint of node.taints) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      if (!tolerated(tolerations, taint)) return unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
    }
    return undefined;
  },
  score(_s, pod, node) {
    if (node.taints.length === 0) return 0;
    const tolerations = asArray<Toleration>(pod.pod.spec?.tolerations).filter((t) => !t?.effect || t.effect === 'PreferNoSchedule');
    let n = 0;
    for (const taint of node.taints) if (taint.effect === 'PreferNoSchedule' && !tolerated(tolerations, taint)) n++;
    return n;
  },
  normalizeScore(_s, _p, scores) {
    defaultNormalize(scores, true);
  },
};
