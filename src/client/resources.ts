// The resources components talk about most, named once so that controllers, the scheduler and the
// agent agree on group, version and plural.

import type { ResourceRef } from './rest.js';

export const R = {
  pods: { group: '', version: 'v1', plural: 'pods' },
  nodes: { group: '', version: 'v1', plural: 'nodes', namespaced: false },
  namespaces: { group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  services: { group: '', version: 'v1', plural: 'services' },
  endpoints: { group: '', version: 'v1', plural: 'endpoints' },
  events: { group: '', version: 'v1', plural: 'events' },
  configmaps: { group: '', version: 'v1', plural: 'configmaps' },
  secrets: { group: '', version: 'v1', plural: 'secrets' },
  serviceaccounts: { group: '', version: 'v1', plural: 'serviceaccounts' },
  persistentvolumes: { group: '', version: 'v1', plural: 'persistentvolumes', namespaced: false },
  persistentvolumeclaims: { group: '', version: 'v1', plural: 'persistentvolumeclaims' },
  replicationcontrollers: { group: '', version: 'v1', plural: 'replicationcontrollers' },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments' },
  replicasets: { group: 'apps', version: 'v1', plural: 'replicasets' },
  statefulsets: { group: 'apps', version: 'v1', plural: 'statefulsets' },
  daemonsets: { group: 'apps', version: 'v1', plural: 'daemonsets' },
  controllerrevisions: { group: 'apps', version: 'v1', plural: 'controllerrevisions' },
  jobs: { group: 'batch', version: 'v1', plural: 'jobs' },
  cronjobs: { group: 'batch', version: 'v1', plural: 'cronjobs' },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices' },
  runtimeclasses: { group: 'node.k8s.io', version: 'v1', plural: 'runtimeclasses', namespaced: false },
  storageclasses: { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', namespaced: false },
  csinodes: { group: 'storage.k8s.io', version: 'v1', plural: 'csinodes', namespaced: false },
  csidrivers: { group: 'storage.k8s.io', version: 'v1', plural: 'csidrivers', namespaced: false },
  csistoragecapacities: { group: 'storage.k8s.io', version: 'v1', plural: 'csistoragecapacities' },
  volumesnapshots: { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots' },
  volumesnapshotcontents: { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshotcontents', namespaced: false },
  volumesnapshotclasses: { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshotclasses', namespaced: false },
  upgrades: { group: 'gifee.dev', version: 'v1alpha1', plural: 'upgrades', namespaced: false },
  certificatesigningrequests: { group: 'certificates.k8s.io', version: 'v1', plural: 'certificatesigningrequests', namespaced: false },
} satisfies Record<string, ResourceRef>;
