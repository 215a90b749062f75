// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate the
// node.kubernetes.io/unschedulable:NoSchedule taint (DaemonSet pods do).

import { unresolvable, type Plugin } from '../framework.js';
import { asArray, type Toleration } from '../types.js';
import { tolerated } from '../../api/scheduling/tolerations.js';
import { TAINT_UNSCHEDULABLE } from '../../api/well-known.js';

export const ERR_UNSCHEDULABLE = 'node(s) were unschedulable';
const UNSCHEDULABLE_TAINT = { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' };

export const nodeUnschedulable: Plugin = {
  name: 'NodeUnschedulable',
  filter(_s, pod, node) {
    if (!node.node.spec?.unschedulable) return undefined;
    return tolerated(asArray<Toleration>(pod.pod.spec?.tolerations), UNSCHEDULABLE_TAINT) ? undefined : unresolvable(ERR_UNSCHEDULABLE);
  },
};
