// Protobuf field numbers of the Kubernetes types kubectl sends as protobuf (its typed clients use
// application/vnd.kubernetes.protobuf for `create configmap|secret|namespace|deployment|service|job...`
// and `run`). Numbers are Kubernetes' wire contract (the protobuf tags of the API types); the field
// types come from our schema declarations, so only the numbers live here.

export const FIELD_NUMBERS: Record<string, Record<number, string>> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': { 1: 'name', 2: 'generateName', 3: 'namespace', 4: 'selfLink', 5: 'uid', 6: 'resourceVersion', 7: 'generation', 8: 'creationTimestamp', 9: 'deletionTimestamp', 10: 'deletionGracePeriodSeconds', 11: 'labels', 12: 'annotations', 13: 'ownerReferences', 14: 'finalizers', 17: 'managedFields' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference': { 1: 'kind', 3: 'name', 4: 'uid', 5: 'apiVersion', 6: 'controller', 7: 'blockOwnerDeletion' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector': { 1: 'matchLabels', 2: 'matchExpressions' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement': { 1: 'key', 2: 'operator', 3: 'values' },
  'io.k8s.api.core.v1.ConfigMap': { 1: 'metadata', 2: 'data', 3: 'binaryData', 4: 'immutable' },
  'io.k8s.api.core.v1.Secret': { 1: 'metadata', 2: 'data', 3: 'type', 4: 'stringData', 5: 'immutable' },
  'io.k8s.api.core.v1.Namespace': { 1: 'metadata', 2: 'spec', 3: 'status' },
  'io.k8s.api.core.v1.NamespaceSpec': { 1: 'finalizers' },
  'io.k8s.api.core.v1.NamespaceStatus': { 1: 'phase', 2: 'conditions' },
  'io.k8s.api.core.v1.ServiceAccount': { 1: 'metadata', 2: 'secrets', 3: 'imagePullSecrets', 4: 'automountServiceAccountToken' },
  'io.k8s.api.core.v1.LocalObjectReference': { 1: 'name' },
  'io.k8s.api.core.v1.ObjectReference': { 1: 'kind', 2: 'namespace', 3: 'name', 4: 'uid', 5: 'apiVersion', 6: 'resourceVersion', 7: 'fieldPath' },
  'io.k8s.api.core.v1.Pod': { 1: 'metadata', 2: 'spec', 3: 'status' },
  'io.k8s.api.core.v1.PodTemplateSpec': { 1: 'metadata', 2: 'spec' },
  'io.k8s.api.core.v1.PodSpec': { 1: 'volumes', 2: 'containers', 3: 'restartPolicy', 4: 'terminationGracePeriodSeconds', 5: 'activeDeadlineSeconds', 6: 'dnsPolicy', 7: 'nodeSelector', 8: 'serviceAccountName', 9: 'serviceAccount', 10: 'nodeName', 11: 'hostNetwork', 12: 'hostPID', 13: 'hostIPC', 14: 'securityContext', 15: 'imagePullSecrets', 16: 'hostname', 17: 'subdomain', 18: 'affinity', 19: 'schedulerName', 20: 'initContainers', 21: 'automountServiceAccountToken', 22: 'tolerations', 23: 'hostAliases', 24: 'priorityClassName', 25: 'priority', 26: 'dnsConfig', 27: 'shareProcessNamespace', 28: 'readinessGates', 29: 'runtimeClassName', 30: 'enableServiceLinks', 31: 'preemptionPolicy', 32: 'overhead', 33: 'topologySpreadConstraints', 34: 'ephemeralContainers', 35: 'setHostnameAsFQDN', 36: 'os', 37: 'hostUsers', 38: 'schedulingGates', 39: 'resourceClaims' },
  'io.k8s.api.core.v1.Container': { 1: 'name', 2: 'image', 3: 'command', 4: 'args', 5: 'workingDir', 6: 'ports', 7: 'env', 8: 'resources', 9: 'volumeMounts', 10: 'livenessProbe', 11: 'readinessProbe', 12: 'lifecycle', 13: 'terminationMessagePath', 14: 'imagePullPolicy', 15: 'securityContext', 16: 'stdin', 17: 'stdinOnce', 18: 'tty', 19: 'envFrom', 20: 'terminationMessagePolicy', 21: 'volumeDevices', 22: 'startupProbe', 23: 'resizePolicy', 24: 'restartPolicy' },
  'io.k8s.api.core.v1.ContainerPort': { 1: 'name', 2: 'hostPort', 3: 'containerPort', 4: 'protocol', 5: 'hostIP' },
  'io.k8s.api.core.v1.EnvVar': { 1: 'name', 2: 'value', 3: 'valueFrom' },
  'io.k8s.api.core.v1.ResourceRequirements': { 1: 'limits', 2: 'requests', 3: 'claims' },
  'io.k8s.api.core.v1.PodSecurityContext': {},
  'io.k8s.api.core.v1.Service': { 1: 'metadata', 2: 'spec', 3: 'status' },
  'io.k8s.api.core.v1.ServiceSpec': { 1: 'ports', 2: 'selector', 3: 'clusterIP', 4: 'type', 5: 'externalIPs', 7: 'sessionAffinity', 8: 'loadBalancerIP', 9: 'loadBalancerSourceRanges', 10: 'externalName', 11: 'externalTrafficPolicy', 12: 'healthCheckNodePort', 13: 'publishNotReadyAddresses', 14: 'sessionAffinityConfig', 17: 'ipFamilyPolicy', 18: 'clusterIPs', 19: 'ipFamilies', 20: 'allocateLoadBalancerNodePorts', 21: 'loadBalancerClass', 22: 'internalTrafficPolicy', 23: 'trafficDistribution' },
  'io.k8s.api.core.v1.ServicePort': { 1: 'name', 2: 'protocol', 3: 'port', 4: 'targetPort', 5: 'nodePort', 6: 'appProtocol' },
  'io.k8s.api.apps.v1.Deployment': { 1: 'metadata', 2: 'spec', 3: 'status' },
  'io.k8s.api.apps.v1.DeploymentSpec': { 1: 'replicas', 2: 'selector', 3: 'template', 4: 'strategy', 5: 'minReadySeconds', 6: 'revisionHistoryLimit', 7: 'paused', 9: 'progressDeadlineSeconds' },
  'io.k8s.api.apps.v1.DeploymentStrategy': { 1: 'type', 2: 'rollingUpdate' },
  'io.k8s.api.apps.v1.RollingUpdateDeployment': { 1: 'maxUnavailable', 2: 'maxSurge' },
  'io.k8s.api.batch.v1.Job': { 1: 'metadata', 2: 'spec', 3: 'status' },
  'io.k8s.api.batch.v1.JobSpec': { 1: 'parallelism', 2: 'completions', 3: 'activeDeadlineSeconds', 4: 'selector', 5: 'manualSelector', 6: 'template', 7: 'backoffLimit', 8: 'ttlSecondsAfterFinished', 9: 'completionMode', 10: 'suspend', 11: 'podFailurePolicy', 12: 'backoffLimitPerIndex', 13: 'maxFailedIndexes', 14: 'podReplacementPolicy', 15: 'successPolicy', 16: 'managedBy' },
  'io.k8s.api.batch.v1.CronJob': { 1: 'metadata', 2: 'spec', 3: 'status' },
  'io.k8s.api.batch.v1.CronJobSpec': { 1: 'schedule', 2: 'startingDeadlineSeconds', 3: 'concurrencyPolicy', 4: 'suspend', 5: 'jobTemplate', 6: 'successfulJobsHistoryLimit', 7: 'failedJobsHistoryLimit', 8: 'timeZone' },
  'io.k8s.api.batch.v1.JobTemplateSpec': { 1: 'metadata', 2: 'spec' },
  'io.k8s.api.scheduling.v1.PriorityClass': { 1: 'metadata', 2: 'value', 3: 'globalDefault', 4: 'description', 5: 'preemptionPolicy' },
};

/** Pointer fields in Kubernetes' Go types: a zero value sent for them was set on purpose and is kept (by field name, or "Type.field" for one type's field). */
export const KEEP_ZERO = new Set(['replicas', 'completions', 'parallelism', 'backoffLimit', 'terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit', 'startingDeadlineSeconds', 'ttlSecondsAfterFinished', 'deletionGracePeriodSeconds', 'automountServiceAccountToken', 'immutable', 'suspend', 'enableServiceLinks', 'allocateLoadBalancerNodePorts', 'priority', 'globalDefault', 'io.k8s.api.scheduling.v1.PriorityClass.value', 'controller', 'blockOwnerDeletion', 'manualSelector', 'shareProcessNamespace', 'setHostnameAsFQDN', 'hostUsers']);
