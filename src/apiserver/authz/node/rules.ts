// What every node may do regardless of the graph: Kubernetes' system:node rules (NodeRules in its
// bootstrap policy), which the node authorizer checks itself after its graph-based decisions.
// gifee's agent also runs the service proxy and cluster DNS in-process under the node's identity,
// so the rules kube-proxy's system:node-proxier role grants (list/watch Services, Endpoints and
// EndpointSlices) are added, and pods are listed/watched cluster-wide for DNS' pod records. The
// agent also enforces NetworkPolicies: it lists and watches them and namespaces.

import type { Attributes } from '../types.js';

interface Rule {
  verbs: string[];
  groups: string[];
  resources: string[];
}

const READ = ['get', 'list', 'watch'];

export const NODE_RULES: readonly Rule[] = [
  // Checking API access (the agent port's webhook authentication and authorization).
  { verbs: ['create'], groups: ['authentication.k8s.io'], resources: ['tokenreviews'] },
  { verbs: ['create'], groups: ['authorization.k8s.io'], resources: ['subjectaccessreviews', 'localsubjectaccessreviews'] },
  { verbs: READ, groups: [''], resources: ['services'] },
  // Registering its Node and reporting status (NodeRestriction limits this to its own Node).
  { verbs: ['create', 'get', 'list', 'watch', 'update', 'patch'], groups: [''], resources: ['nodes'] },
  { verbs: ['update', 'patch'], groups: [''], resources: ['nodes/status'] },
  { verbs: ['create', 'update', 'patch'], groups: ['', 'events.k8s.io'], resources: ['events'] },
  { verbs: READ, groups: [''], resources: ['pods'] },
  // Mirror pods (NodeRestriction: only bound to itself), status of its pods, evictions of its pods.
  { verbs: ['create', 'delete'], groups: [''], resources: ['pods'] },
  { verbs: ['update', 'patch'], groups: [''], resources: ['pods/status'] },
  { verbs: ['create'], groups: [''], resources: ['pods/eviction'] },
  { verbs: ['get'], groups: [''], resources: ['endpoints'] },
  // Its own certificates (NodeRestriction / the CSR approver check the name).
  { verbs: ['create', 'get', 'list', 'watch'], groups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'] },
  { verbs: ['get'], groups: ['storage.k8s.io'], resources: ['volumeattachments'] },
  { verbs: READ, groups: ['node.k8s.io'], resources: ['runtimeclasses'] },
  { verbs: ['get', 'watch', 'list', 'create', 'update', 'patch', 'delete'], groups: ['storage.k8s.io'], resources: ['csinodes'] },
  { verbs: READ, groups: ['storage.k8s.io'], resources: ['csidrivers'] },
  // system:node-proxier (the agent's service proxy and DNS).
  { verbs: ['list', 'watch'], groups: [''], resources: ['endpoints'] },
  { verbs: READ, groups: ['discovery.k8s.io'], resources: ['endpointslices'] },
  // NetworkPolicy enforcement on the node (as a CNI's node agent, e.g. Calico's felix or
  // kube-router): policies, and namespaces' labels for namespaceSelector peers.
  { verbs: ['list', 'watch'], groups: ['networking.k8s.io'], resources: ['networkpolicies'] },
  { verbs: ['list', 'watch'], groups: [''], resources: ['namespaces'] },
];

/** Whether one of NODE_RULES allows a resource request (non-resource paths: none). */
export function nodeRulesAllow(a: Attributes): boolean {
  if (!a.resourceRequest) return false;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  const group = a.apiGroup ?? '';
  return NODE_RULES.some((r) => r.verbs.includes(a.verb) && r.groups.includes(group) && r.resources.includes(resource));
}
