// Which service account each controller acts as (a file of its own: the server issues their
// certificates without loading the controllers).

/**
 * The identity each controller writes as, when the manager is given per-controller credentials (as
 * kube-controller-manager's --use-service-account-credentials): the service account Kubernetes'
 * bootstrap policy binds its system:controller:NAME role to, in kube-system.
 */
export const CONTROLLER_SERVICE_ACCOUNTS = {
  namespace: 'namespace-controller',
  garbagecollector: 'generic-garbage-collector',
  job: 'job-controller',
  statefulset: 'statefulset-controller',
  daemonset: 'daemon-set-controller',
  cronjob: 'cronjob-controller',
  nodelifecycle: 'node-controller',
  replicaset: 'replicaset-controller',
  replicationcontroller: 'replication-controller',
  deployment: 'deployment-controller',
  serviceaccount: 'service-account-controller',
  endpointslice: 'endpointslice-controller',
  endpoints: 'endpoint-controller',
  nodeipam: 'node-controller',
  podgc: 'pod-garbage-collector',
  csrapproving: 'certificate-controller',
  csrsigning: 'certificate-controller',
  csrcleaner: 'certificate-controller',
  tokencleaner: 'token-cleaner',
  rootcacertpublisher: 'root-ca-cert-publisher',
  clusterroleaggregation: 'clusterrole-aggregation-controller',
  resourcequota: 'resourcequota-controller',
  disruption: 'disruption-controller',
  persistentvolumebinder: 'persistent-volume-binder',
  pvcprotection: 'pvc-protection-controller',
  pvprotection: 'pv-protection-controller',
  expand: 'expand-controller',
  ephemeralvolume: 'ephemeral-volume-controller',
  snapshot: 'snapshot-controller',
  horizontalpodautoscaling: 'horizontal-pod-autoscaler',
  attachdetach: 'attachdetach-controller',
  // Kubernetes' service (load balancer) controller's account.
  servicelb: 'service-controller',
  // gifee's: where the built-in ingress controller serves (no Kubernetes counterpart).
  ingressstatus: 'ingress-status-controller',
  // gifee's: rolls node agents onto another build (docs/upgrades.md).
  upgrade: 'upgrade-controller',
} as const;
