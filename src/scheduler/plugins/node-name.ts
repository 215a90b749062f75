// NodeName: a pod that names its node fits only that node.

import { unresolvable, type Plugin } from '../framework.js';

export const ERR_NODE_NAME = "node(s) didn't match the requested node name";

export const nodeName: Plugin = {
  name: 'NodeName',
  filter(_s, pod, node) {
    const want = pod.pod.spec?.nodeName;
    return want && want !== node.name ? unresolvable(ERR_NODE_NAME) : undefined;
  },
};
