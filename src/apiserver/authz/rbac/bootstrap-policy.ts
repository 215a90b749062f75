// Kubernetes' bootstrap RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): the default
// ClusterRoles, ClusterRoleBindings, and kube-system/kube-public Roles and RoleBindings, each
// labelled kubernetes.io/bootstrapping=rbac-defaults and annotated autoupdate=true, reconciled at
// every API server start (reconcile.ts). gifee's additions, marked below: /cacerts is public (joining
// agents fetch the CA before they have credentials), OIDC discovery is open to anonymous, the
// bindings kubeadm and k3s create for joining nodes (bootstrap tokens may ask for a node client
// certificate, nodes may renew their own), and the API server's kubelet client identity.

import type { ClusterRole, PolicyRule, Role, Subject } from '../../../api/kinds/rbac/types.js';
import { AUTOUPDATE_ANNOTATION, type Binding, RBAC_API_VERSION, RBAC_GROUP } from '../../../api/kinds/rbac/types.js';
import { STORAGE_SIDECARS_NAMESPACE, STORAGE_SIDECARS_ROLE, STORAGE_SIDECARS_SERVICE_ACCOUNT } from '../../../api/auth/storage-sidecars.js';
import { INGRESS_CONTROLLER_NAMESPACE, INGRESS_CONTROLLER_ROLE, INGRESS_CONTROLLER_SERVICE_ACCOUNT } from '../../../api/auth/ingress-controller.js';

export const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];

/** A resource rule: verbs on resources of groups, optionally only the named objects. */
export const rule = (verbs: string[], groups: string[], resources: string[], names?: string[]): PolicyRule => ({ verbs, apiGroups: groups, resources, ...(names ? { resourceNames: names } : {}) });
const urls = (verbs: string[], paths: string[]): PolicyRule => ({ verbs, nonResourceURLs: paths });
export const events = rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

const meta = (name: string, namespace?: string, labels: Record<string, string> = {}) => ({
  name,
  ...(namespace ? { namespace } : {}),
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels },
  annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
});

export const clusterRole = (name: string, rules: PolicyRule[], labels?: Record<string, string>): ClusterRole => ({ apiVersion: RBAC_API_VERSION, kind: 'ClusterRole', metadata: meta(name, undefined, labels), rules });
const aggregated = (name: string, to: string, labels?: Record<string, string>): ClusterRole => ({
  ...clusterRole(name, [], labels),
  aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' } }] },
});

export const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
export const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
export const serviceAccount = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', apiGroup: '', name, namespace });

export const clusterRoleBinding = (name: string, role: string, subjects: Subject[]): Binding => ({
  apiVersion: RBAC_API_VERSION,
  kind: 'ClusterRoleBinding',
  metadata: meta(name),
  roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
  subjects,
});
const roleBinding = (namespace: string, name: string, role: string, subjects: Subject[]): Binding => ({
  apiVersion: RBAC_API_VERSION,
  kind: 'RoleBinding',
  metadata: meta(name, namespace),
  roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: role },
  subjects,
});
const role = (namespace: string, name: string, rules: PolicyRule[]): Role => ({ apiVersion: RBAC_API_VERSION, kind: 'Role', metadata: meta(name, namespace), rules });

const toView = { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' };
const toEdit = { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' };
const toAdmin = { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' };

export const bootstrapClusterRoles: ClusterRole[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  // gifee: /cacerts is public information too.
  clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/', '/cacerts'])]),
  clusterRole('system:discovery', [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
  clusterRole('system:basic-user', [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])]),
  clusterRole('system:monitoring', [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])]),
  aggregated('admin', 'admin'),
  aggregated('edit', 'edit', toAdmin),
  aggregated('view', 'view', toEdit),
  clusterRole('system:aggregate-to-admin', [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(READ_WRITE, [RBAC_GROUP], ['rolebindings', 'roles'])], toAdmin),
  clusterRole(
    'system:aggregate-to-edit',
    [
      rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
      rule(['impersonate'], [''], ['serviceaccounts']),
      rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
      rule(['create'], [''], ['pods/eviction']),
      rule(WRITE, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
      rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
      rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale']),
      rule(WRITE, ['policy'], ['poddisruptionbudgets']),
      rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
      rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
      // gifee: snapshot.storage.k8s.io is built in; as the external-snapshotter suggests for its CRDs, whoever may edit a namespace may take and delete its snapshots.
      rule(WRITE, ['snapshot.storage.k8s.io'], ['volumesnapshots']),
    ],
    toEdit,
  ),
  clusterRole(
    'system:aggregate-to-view',
    [
      rule(READ, [''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
      rule(READ, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
      rule(READ, [''], ['namespaces']),
      rule(READ, ['discovery.k8s.io'], ['endpointslices']),
      rule(READ, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
      rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
      rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale']),
      rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
      rule(READ, ['snapshot.storage.k8s.io'], ['volumesnapshots']),
    ],
    toView,
  ),
  // As metrics-server's manifest: reading metrics.k8s.io is part of view (and so edit and admin).
  clusterRole('system:aggregated-metrics-reader', [rule(READ, ['metrics.k8s.io'], ['pods', 'nodes'])], { ...toView, ...toEdit, ...toAdmin }),
  clusterRole('system:heapster', [rule(READ, [''], ['events', 'namespaces', 'nodes', 'pods']), rule(READ, ['extensions'], ['deployments'])]),
  clusterRole('system:node', [
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews']),
    rule(READ, [''], ['services']),
    rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status']),
    rule(['patch', 'update'], [''], ['nodes']),
    rule(['create', 'patch', 'update'], [''], ['events']),
    rule(READ, [''], ['pods']),
    rule(['create', 'delete'], [''], ['pods']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['create'], [''], ['pods/eviction']),
    rule(READ, [''], ['configmaps', 'secrets']),
    rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['get'], [''], ['endpoints']),
    rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    rule(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
    rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
    rule(['create'], [''], ['serviceaccounts/token']),
    rule(['get', 'patch', 'update'], [''], ['persistentvolumeclaims/status']),
    rule(READ, ['storage.k8s.io'], ['csidrivers']),
    rule(['create', 'delete', 'get', 'patch', 'update'], ['storage.k8s.io'], ['csinodes']),
    rule(READ, ['node.k8s.io'], ['runtimeclasses']),
  ]),
  clusterRole('system:node-problem-detector', [rule(['get'], [''], ['nodes']), rule(['patch'], [''], ['nodes/status']), events]),
  clusterRole('system:node-proxier', [rule(['list', 'watch'], [''], ['endpoints', 'services']), rule(READ, [''], ['nodes']), events, rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])]),
  clusterRole('system:kubelet-api-admin', [rule(READ, [''], ['nodes']), rule(['proxy'], [''], ['nodes']), rule(['*'], [''], ['nodes/log', 'nodes/metrics', 'nodes/proxy', 'nodes/stats'])]),
  clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])]),
  clusterRole('system:auth-delegator', [rule(['create'], ['authentication.k8s.io'], ['tokenreviews']), rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])]),
  clusterRole('system:kube-aggregator', [rule(READ, [''], ['endpoints', 'services'])]),
  clusterRole('system:kube-controller-manager', [
    events,
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    // gifee: its leader election Lease is kube-system/gifee-controller-manager.
    rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager', 'gifee-controller-manager']),
    rule(['create'], [''], ['secrets', 'serviceaccounts']),
    rule(['delete'], [''], ['secrets']),
    rule(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
    rule(['update'], [''], ['secrets', 'serviceaccounts']),
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    rule(['list', 'watch'], ['*'], ['*']),
    rule(['create'], [''], ['serviceaccounts/token']),
  ]),
  clusterRole('system:kube-dns', [rule(['list', 'watch'], [''], ['endpoints', 'services'])]),
  clusterRole('system:kube-scheduler', [
    events,
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    // gifee: its leader election Lease is kube-system/gifee-scheduler.
    rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler', 'gifee-scheduler']),
    rule(READ, [''], ['nodes']),
    rule(['delete', 'get', 'list', 'watch'], [''], ['pods']),
    rule(['create'], [''], ['bindings', 'pods/binding']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(READ, [''], ['replicationcontrollers', 'services']),
    rule(READ, ['apps', 'extensions'], ['replicasets']),
    rule(READ, ['apps'], ['statefulsets']),
    rule(READ, ['policy'], ['poddisruptionbudgets']),
    rule(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    rule(READ, ['storage.k8s.io'], ['csinodes']),
    rule(READ, [''], ['namespaces']),
    rule(READ, ['storage.k8s.io'], ['csidrivers']),
    rule(READ, ['storage.k8s.io'], ['csistoragecapacities']),
  ]),
  clusterRole('system:volume-scheduler', [rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']), rule(READ, ['storage.k8s.io'], ['storageclasses']), rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumeclaims'])]),
  clusterRole('system:persistent-volume-provisioner', [rule(['create', 'delete', 'get', 'list', 'watch'], [''], ['persistentvolumes']), rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']), rule(READ, ['storage.k8s.io'], ['storageclasses']), rule(['watch'], [''], ['events']), events]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'])]),
  clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'])]),
  clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', [rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client'])]),
  clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet'])]),
  clusterRole('system:certificates.k8s.io:kubelet-serving-approver', [rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kubelet-serving'])]),
  clusterRole('system:certificates.k8s.io:legacy-unknown-approver', [rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/legacy-unknown'])]),
  clusterRole('system:service-account-issuer-discovery', [urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])]),
  // gifee: the agents' built-in CSI sidecars (src/storage), with what external-provisioner's,
  // external-resizer's, external-attacher's and external-snapshotter's RBAC grant (secrets excepted: not read).
  clusterRole(STORAGE_SIDECARS_ROLE, [
    rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']),
    rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['patch', 'update'], [''], ['persistentvolumeclaims/status']),
    rule(READ, ['storage.k8s.io'], ['storageclasses', 'csinodes', 'csidrivers']),
    rule(READ, [''], ['nodes']),
    rule(['get', 'list', 'patch', 'update', 'watch'], ['storage.k8s.io'], ['volumeattachments']),
    rule(['patch', 'update'], ['storage.k8s.io'], ['volumeattachments/status']),
    // The provisioner reads snapshots to restore from; the csi-snapshotter (storage/snapshot-sidecar-rbac.ts) cuts them.
    rule(['get', 'list'], ['snapshot.storage.k8s.io'], ['volumesnapshots']),
    rule(READ, ['snapshot.storage.k8s.io'], ['volumesnapshotclasses']),
    rule(['get', 'list', 'patch', 'update', 'watch'], ['snapshot.storage.k8s.io'], ['volumesnapshotcontents']),
    rule(['patch', 'update'], ['snapshot.storage.k8s.io'], ['volumesnapshotcontents/status']),
    rule(['create', 'list', 'patch', 'update', 'watch'], ['', 'events.k8s.io'], ['events']),
  ]),
  // gifee: the agents' built-in ingress controller (src/agent/ingress): what ingress-nginx's
  // controller ClusterRole grants for routing and certificates (read-only), and events.
  clusterRole(INGRESS_CONTROLLER_ROLE, [
    rule(READ, [''], ['services', 'secrets']),
    rule(READ, ['discovery.k8s.io'], ['endpointslices']),
    rule(READ, ['networking.k8s.io'], ['ingresses', 'ingressclasses']),
    rule(['update'], ['networking.k8s.io'], ['ingresses/status']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
];

const authenticated = group('system:authenticated');
const unauthenticated = group('system:unauthenticated');
const nodes = group('system:nodes');

export const bootstrapClusterRoleBindings: Binding[] = [
  clusterRoleBinding('cluster-admin', 'cluster-admin', [group('system:masters')]),
  clusterRoleBinding('system:monitoring', 'system:monitoring', [group('system:monitoring')]),
  clusterRoleBinding('system:discovery', 'system:discovery', [authenticated]),
  clusterRoleBinding('system:basic-user', 'system:basic-user', [authenticated]),
  clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [authenticated, unauthenticated]),
  // Node agents embed the service proxy and cluster DNS; the Node authorizer grants them what those read.
  clusterRoleBinding('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy')]),
  clusterRoleBinding('system:kube-controller-manager', 'system:kube-controller-manager', [user('system:kube-controller-manager')]),
  clusterRoleBinding('system:kube-dns', 'system:kube-dns', [serviceAccount('kube-system', 'kube-dns')]),
  clusterRoleBinding('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
  clusterRoleBinding('system:volume-scheduler', 'system:volume-scheduler', [user('system:kube-scheduler')]),
  // No subjects, as in Kubernetes: nodes are authorized by the Node authorizer (authz/node/), which
  // limits each to what its own pods use; binding system:nodes here would give every node every Secret.
  clusterRoleBinding('system:node', 'system:node', []),
  // gifee (as kubeadm's): joining with a bootstrap token means asking for a node client certificate, which the approver signs.
  clusterRoleBinding('gifee:node-bootstrapper', 'system:node-bootstrapper', [group('system:bootstrappers')]),
  clusterRoleBinding('gifee:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [group('system:bootstrappers')]),
  clusterRoleBinding('gifee:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [nodes]),
  // The API server's client identity towards node agents (logs, exec, port-forward, metrics).
  clusterRoleBinding('system:kube-apiserver-kubelet-client', 'system:kubelet-api-admin', [user('kube-apiserver-kubelet-client')]),
  // gifee: OIDC discovery is public (Kubernetes documents binding system:unauthenticated for it).
  clusterRoleBinding('system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', [group('system:serviceaccounts'), authenticated, unauthenticated]),
  // gifee: agents act as this account for their storage sidecars (a token bound to their Node; see authz/node).
  clusterRoleBinding(STORAGE_SIDECARS_ROLE, STORAGE_SIDECARS_ROLE, [serviceAccount(STORAGE_SIDECARS_NAMESPACE, STORAGE_SIDECARS_SERVICE_ACCOUNT)]),
  // gifee: and for their ingress controllers.
  clusterRoleBinding(INGRESS_CONTROLLER_ROLE, INGRESS_CONTROLLER_ROLE, [serviceAccount(INGRESS_CONTROLLER_NAMESPACE, INGRESS_CONTROLLER_SERVICE_ACCOUNT)]),
];

export const bootstrapRoles: Role[] = [
  role('kube-system', 'extension-apiserver-authentication-reader', [rule(READ, [''], ['configmaps'], ['extension-apiserver-authentication'])]),
  role('kube-system', 'system::leader-locking-kube-controller-manager', [rule(['watch'], [''], ['configmaps']), rule(['get', 'update'], [''], ['configmaps'], ['kube-controller-manager'])]),
  role('kube-system', 'system::leader-locking-kube-scheduler', [rule(['watch'], [''], ['configmaps']), rule(['get', 'update'], [''], ['configmaps'], ['kube-scheduler'])]),
  role('kube-system', 'system:controller:bootstrap-signer', [rule(READ, [''], ['secrets'])]),
  role('kube-system', 'system:controller:token-cleaner', [rule(['delete', 'get', 'list', 'watch'], [''], ['secrets']), events]),
  // gifee: the agents' storage sidecars publish their nodes' CSIStorageCapacity objects here (external-provisioner's capacity RBAC, namespaced as its Role is).
  role(STORAGE_SIDECARS_NAMESPACE, STORAGE_SIDECARS_ROLE, [rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['storage.k8s.io'], ['csistoragecapacities'])]),
  role('kube-public', 'system:controller:bootstrap-signer', [rule(READ, [''], ['configmaps']), rule(['update'], [''], ['configmaps'], ['cluster-info']), events]),
];

export const bootstrapRoleBindings: Binding[] = [
  roleBinding(STORAGE_SIDECARS_NAMESPACE, STORAGE_SIDECARS_ROLE, STORAGE_SIDECARS_ROLE, [serviceAccount(STORAGE_SIDECARS_NAMESPACE, STORAGE_SIDECARS_SERVICE_ACCOUNT)]),
  roleBinding('kube-system', 'system::extension-apiserver-authentication-reader', 'extension-apiserver-authentication-reader', [user('system:kube-controller-manager'), user('system:kube-scheduler')]),
  roleBinding('kube-system', 'system::leader-locking-kube-controller-manager', 'system::leader-locking-kube-controller-manager', [user('system:kube-controller-manager'), serviceAccount('kube-system', 'kube-controller-manager')]),
  roleBinding('kube-system', 'system::leader-locking-kube-scheduler', 'system::leader-locking-kube-scheduler', [user('system:kube-scheduler'), serviceAccount('kube-system', 'kube-scheduler')]),
  roleBinding('kube-system', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [serviceAccount('kube-system', 'bootstrap-signer')]),
  roleBinding('kube-system', 'system:controller:token-cleaner', 'system:controller:token-cleaner', [serviceAccount('kube-system', 'token-cleaner')]),
  roleBinding('kube-public', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [serviceAccount('kube-system', 'bootstrap-signer')]),
];
