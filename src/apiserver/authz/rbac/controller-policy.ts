// Kubernetes' per-controller ClusterRoles (system:controller:NAME), for the controllers gifee runs,
// each bound to the ServiceAccount kube-system/NAME, as kube-controller-manager's
// --use-service-account-credentials expects. Part of the bootstrap policy (reconcile.ts).

import type { Binding, ClusterRole, PolicyRule } from '../../../api/kinds/rbac/types.js';
import { clusterRole, clusterRoleBinding, events, READ, rule, serviceAccount } from './bootstrap-policy.js';

const controller = (name: string, rules: PolicyRule[]) => clusterRole(`system:controller:${name}`, [...rules, events]);
const apps = ['apps', 'extensions'];

export const controllerClusterRoles: ClusterRole[] = [
  controller('attachdetach-controller', [
    rule(['list', 'watch'], [''], ['persistentvolumes', 'persistentvolumeclaims']),
    rule(READ, [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status']),
    rule(['list', 'watch'], [''], ['pods']),
    rule(['create', 'delete', 'get', 'list', 'watch'], ['storage.k8s.io'], ['volumeattachments']),
    rule(READ, ['storage.k8s.io'], ['csidrivers', 'csinodes']),
  ]),
  clusterRole('system:controller:clusterrole-aggregation-controller', [rule(['escalate', 'get', 'list', 'patch', 'update', 'watch'], ['rbac.authorization.k8s.io'], ['clusterroles'])]),
  controller('certificate-controller', [
    rule(['delete', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/approval', 'certificatesigningrequests/status']),
    // gifee: kubelet-serving too, as k3s does: the approver signs a node's serving certificate for that Node's own names and addresses.
    rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
    rule(['sign'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving', 'kubernetes.io/legacy-unknown']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ]),
  controller('cronjob-controller', [
    rule(['get', 'list', 'update', 'watch'], ['batch'], ['cronjobs']),
    rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['cronjobs/status']),
    rule(['update'], ['batch'], ['cronjobs/finalizers']),
    rule(['delete', 'list', 'watch'], [''], ['pods']),
  ]),
  controller('daemon-set-controller', [
    rule(READ, apps, ['daemonsets']),
    rule(['update'], apps, ['daemonsets/status']),
    rule(['update'], apps, ['daemonsets/finalizers']),
    rule(['list', 'watch'], [''], ['nodes']),
    rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
    rule(['create'], [''], ['pods/binding']),
    rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps'], ['controllerrevisions']),
  ]),
  controller('deployment-controller', [
    // gifee: patch too (the revision annotations are written as a merge patch).
    rule(['get', 'list', 'patch', 'update', 'watch'], apps, ['deployments']),
    rule(['update'], apps, ['deployments/status']),
    rule(['update'], apps, ['deployments/finalizers']),
    rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], apps, ['replicasets']),
    rule(['get', 'list', 'update', 'watch'], [''], ['pods']),
  ]),
  controller('disruption-controller', [
    rule(READ, apps, ['deployments']),
    rule(READ, apps, ['replicasets']),
    rule(READ, [''], ['replicationcontrollers']),
    rule(READ, ['policy'], ['poddisruptionbudgets']),
    rule(READ, ['apps'], ['statefulsets']),
    rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
    rule(['get'], ['*'], ['*/scale']),
    rule(['patch', 'update'], [''], ['pods/status']),
  ]),
  controller('endpoint-controller', [rule(READ, [''], ['pods', 'services']), rule(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['endpoints']), rule(['create'], [''], ['endpoints/restricted'])]),
  controller('endpointslice-controller', [rule(READ, [''], ['nodes', 'pods', 'services']), rule(['update'], [''], ['services/finalizers']), rule(['create', 'delete', 'get', 'list', 'update', 'watch'], ['discovery.k8s.io'], ['endpointslices'])]),
  controller('generic-garbage-collector', [rule(['delete', 'get', 'list', 'patch', 'update', 'watch'], ['*'], ['*'])]),
  // gifee: the job controller also deletes finished Jobs past ttlSecondsAfterFinished (Kubernetes' ttl-after-finished controller).
  // Kubernetes' role: reads HPAs, writes their status and any target's scale, lists the metrics APIs.
  controller('horizontal-pod-autoscaler', [
    rule(['get', 'list', 'watch'], ['autoscaling'], ['horizontalpodautoscalers']),
    rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
    rule(['get', 'update'], ['*'], ['*/scale']),
    rule(['list'], [''], ['pods']),
    rule(['list'], ['metrics.k8s.io'], ['pods']),
    rule(['get', 'list'], ['custom.metrics.k8s.io'], ['*']),
    rule(['get', 'list'], ['external.metrics.k8s.io'], ['*']),
  ]),
  controller('job-controller', [rule(['delete', 'get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']), rule(['update'], ['batch'], ['jobs/status']), rule(['update'], ['batch'], ['jobs/finalizers']), rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods'])]),
  clusterRole('system:controller:namespace-controller', [rule(['delete', 'get', 'list', 'watch'], [''], ['namespaces']), rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']), rule(['delete', 'deletecollection', 'get', 'list', 'watch'], ['*'], ['*'])]),
  controller('node-controller', [rule(['delete', 'get', 'list', 'patch', 'update', 'watch'], [''], ['nodes']), rule(['patch', 'update'], [''], ['nodes/status']), rule(['patch', 'update'], [''], ['pods/status']), rule(['delete', 'get', 'list', 'watch'], [''], ['pods'])]),
  clusterRole('system:controller:pod-garbage-collector', [rule(['delete', 'list', 'watch'], [''], ['pods']), rule(READ, [''], ['nodes']), rule(['patch'], [''], ['pods/status'])]),
  // Quota counts objects of any resource, so it may list and watch everything.
  controller('resourcequota-controller', [rule(['list', 'watch'], ['*'], ['*']), rule(['update'], [''], ['resourcequotas/status'])]),
  controller('replicaset-controller', [rule(['get', 'list', 'update', 'watch'], apps, ['replicasets']), rule(['update'], apps, ['replicasets/status']), rule(['update'], apps, ['replicasets/finalizers']), rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods'])]),
  controller('replication-controller', [rule(['get', 'list', 'update', 'watch'], [''], ['replicationcontrollers']), rule(['update'], [''], ['replicationcontrollers/status']), rule(['update'], [''], ['replicationcontrollers/finalizers']), rule(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods'])]),
  controller('root-ca-cert-publisher', [rule(['create', 'update'], [''], ['configmaps'])]),
  // gifee: the external-snapshotter's snapshot-controller, run in the controller manager (its snapshot-controller-runner role).
  controller('snapshot-controller', [
    rule(READ, [''], ['persistentvolumes']),
    rule(['get', 'list', 'watch', 'update', 'patch'], [''], ['persistentvolumeclaims']),
    rule(READ, ['snapshot.storage.k8s.io'], ['volumesnapshotclasses']),
    rule(['create', 'get', 'list', 'watch', 'update', 'patch', 'delete'], ['snapshot.storage.k8s.io'], ['volumesnapshotcontents']),
    rule(['update', 'patch'], ['snapshot.storage.k8s.io'], ['volumesnapshotcontents/status']),
    rule(['get', 'list', 'watch', 'update', 'patch'], ['snapshot.storage.k8s.io'], ['volumesnapshots']),
    rule(['update', 'patch'], ['snapshot.storage.k8s.io'], ['volumesnapshots/status']),
  ]),
  controller('service-controller', [rule(['get', 'list', 'watch'], [''], ['services']), rule(['patch', 'update'], [''], ['services/status']), rule(['list', 'watch'], [''], ['nodes']), rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])]),
  // gifee: publishes where its built-in ingress controller serves Ingresses (status.loadBalancer), from the nodes that listen.
  controller('ingress-status-controller', [rule(['get', 'list', 'watch'], ['networking.k8s.io'], ['ingresses', 'ingressclasses']), rule(['patch', 'update'], ['networking.k8s.io'], ['ingresses/status']), rule(['list', 'watch'], [''], ['nodes'])]),
  controller('service-account-controller', [rule(['create'], [''], ['serviceaccounts'])]),
  controller('statefulset-controller', [
    rule(['list', 'watch'], [''], ['pods']),
    rule(READ, ['apps'], ['statefulsets']),
    rule(['update'], ['apps'], ['statefulsets/status']),
    rule(['update'], ['apps'], ['statefulsets/finalizers']),
    rule(['create', 'delete', 'get', 'patch', 'update'], [''], ['pods']),
    rule(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['apps'], ['controllerrevisions']),
    rule(['create', 'get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    // gifee: patch too (retention policy owner references are written as a merge patch).
    rule(['delete', 'patch', 'update'], [''], ['persistentvolumeclaims']),
    rule(['update'], [''], ['pods/finalizers']),
  ]),
  controller('persistent-volume-binder', [
    rule(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['persistentvolumes']),
    rule(['update'], [''], ['persistentvolumes/status']),
    rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['update'], [''], ['persistentvolumeclaims/status']),
    rule(['get', 'list', 'watch'], [''], ['pods']),
    rule(READ, ['storage.k8s.io'], ['storageclasses']),
    rule(['get', 'list'], [''], ['nodes']),
    // gifee: a class whose provisioner has no CSIDriver gets a clear warning.
    rule(READ, ['storage.k8s.io'], ['csidrivers']),
  ]),
  controller('pvc-protection-controller', [rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']), rule(['get', 'list', 'watch'], [''], ['pods'])]),
  controller('pv-protection-controller', [rule(['get', 'list', 'update', 'watch'], [''], ['persistentvolumes'])]),
  controller('expand-controller', [
    rule(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']),
    rule(['patch', 'update'], [''], ['persistentvolumeclaims/status']),
    rule(['get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    // gifee: the resizer annotation is written on the claim itself (the status subresource keeps metadata as stored).
    rule(['patch', 'update'], [''], ['persistentvolumeclaims']),
    rule(READ, ['storage.k8s.io'], ['storageclasses']),
  ]),
  controller('ephemeral-volume-controller', [rule(['get', 'list', 'watch'], [''], ['pods']), rule(['update'], [''], ['pods/finalizers']), rule(['create', 'get', 'list', 'watch'], [''], ['persistentvolumeclaims'])]),
  // gifee: cordons, drains (evictions) and switches nodes' agents for an Upgrade (docs/upgrades.md).
  controller('upgrade-controller', [rule(READ, ['gifee.dev'], ['upgrades']), rule(['update', 'patch'], ['gifee.dev'], ['upgrades/status']), rule(['get', 'list', 'watch', 'patch', 'update'], [''], ['nodes']), rule(['get', 'list', 'watch'], [''], ['pods']), rule(['create'], [''], ['pods/eviction'])]),
  controller('ttl-after-finished-controller', [rule(['delete', 'get', 'list', 'watch'], ['batch'], ['jobs'])]),
];

/** system:controller:NAME is bound to the ServiceAccount kube-system/NAME. */
export const controllerClusterRoleBindings: Binding[] = controllerClusterRoles.map((r) => {
  const name = r.metadata?.name ?? '';
  return clusterRoleBinding(name, name, [serviceAccount('kube-system', name.slice('system:controller:'.length))]);
});
