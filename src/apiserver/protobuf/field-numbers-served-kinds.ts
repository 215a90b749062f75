// Protobuf field numbers of storage.k8s.io/v1, networking.k8s.io/v1 and node.k8s.io/v1 (and the core
// types they use): `kubectl create ingress` and client-go typed clients send these as protobuf.
// Numbers are Kubernetes' wire contract (the tags of k8s.io/api's generated.proto).

const storage = (n: string) => `io.k8s.api.storage.v1.${n}`;
const net = (n: string) => `io.k8s.api.networking.v1.${n}`;

export const SERVED_KIND_FIELD_NUMBERS: Record<string, Record<number, string>> = {
  'io.k8s.api.core.v1.TypedLocalObjectReference': { 1: 'apiGroup', 2: 'kind', 3: 'name' },
  'io.k8s.api.core.v1.TopologySelectorTerm': { 1: 'matchLabelExpressions' },
  'io.k8s.api.core.v1.TopologySelectorLabelRequirement': { 1: 'key', 2: 'values' },
  'io.k8s.api.core.v1.Toleration': { 1: 'key', 2: 'operator', 3: 'value', 4: 'effect', 5: 'tolerationSeconds' },

  [storage('StorageClass')]: { 1: 'metadata', 2: 'provisioner', 3: 'parameters', 4: 'reclaimPolicy', 5: 'mountOptions', 6: 'allowVolumeExpansion', 7: 'volumeBindingMode', 8: 'allowedTopologies' },
  [storage('CSIDriver')]: { 1: 'metadata', 2: 'spec' },
  [storage('CSIDriverSpec')]: { 1: 'attachRequired', 2: 'podInfoOnMount', 3: 'volumeLifecycleModes', 4: 'storageCapacity', 5: 'fsGroupPolicy', 6: 'tokenRequests', 7: 'requiresRepublish', 8: 'seLinuxMount' },
  [storage('TokenRequest')]: { 1: 'audience', 2: 'expirationSeconds' },
  [storage('CSINode')]: { 1: 'metadata', 2: 'spec' },
  [storage('CSINodeSpec')]: { 1: 'drivers' },
  [storage('CSINodeDriver')]: { 1: 'name', 2: 'nodeID', 3: 'topologyKeys', 4: 'allocatable' },
  [storage('VolumeNodeResources')]: { 1: 'count' },
  [storage('VolumeAttachment')]: { 1: 'metadata', 2: 'spec', 3: 'status' },
  [storage('VolumeAttachmentSpec')]: { 1: 'attacher', 2: 'source', 3: 'nodeName' },
  [storage('VolumeAttachmentSource')]: { 1: 'persistentVolumeName' },
  [storage('VolumeAttachmentStatus')]: { 1: 'attached', 2: 'attachmentMetadata', 3: 'attachError', 4: 'detachError' },
  [storage('VolumeError')]: { 1: 'time', 2: 'message' },
  [storage('CSIStorageCapacity')]: { 1: 'metadata', 2: 'nodeTopology', 3: 'storageClassName', 4: 'capacity', 5: 'maximumVolumeSize' },

  [net('Ingress')]: { 1: 'metadata', 2: 'spec', 3: 'status' },
  [net('IngressSpec')]: { 1: 'defaultBackend', 2: 'tls', 3: 'rules', 4: 'ingressClassName' },
  [net('IngressBackend')]: { 3: 'resource', 4: 'service' },
  [net('IngressServiceBackend')]: { 1: 'name', 2: 'port' },
  [net('ServiceBackendPort')]: { 1: 'name', 2: 'number' },
  [net('IngressTLS')]: { 1: 'hosts', 2: 'secretName' },
  // Field 2 is the embedded IngressRuleValue, whose field 1 (http) is inlined: see INLINE_MESSAGES.
  [net('IngressRule')]: { 1: 'host' },
  [net('HTTPIngressRuleValue')]: { 1: 'paths' },
  [net('HTTPIngressPath')]: { 1: 'path', 2: 'backend', 3: 'pathType' },
  [net('IngressStatus')]: { 1: 'loadBalancer' },
  [net('IngressLoadBalancerStatus')]: { 1: 'ingress' },
  [net('IngressLoadBalancerIngress')]: { 1: 'ip', 2: 'hostname', 4: 'ports' },
  [net('IngressPortStatus')]: { 1: 'port', 2: 'protocol', 3: 'error' },
  [net('IngressClass')]: { 1: 'metadata', 2: 'spec' },
  [net('IngressClassSpec')]: { 1: 'controller', 2: 'parameters' },
  [net('IngressClassParametersReference')]: { 1: 'apiGroup', 2: 'kind', 3: 'name', 4: 'scope', 5: 'namespace' },
  [net('NetworkPolicy')]: { 1: 'metadata', 2: 'spec' },
  [net('NetworkPolicySpec')]: { 1: 'podSelector', 2: 'ingress', 3: 'egress', 4: 'policyTypes' },
  [net('NetworkPolicyIngressRule')]: { 1: 'ports', 2: 'from' },
  [net('NetworkPolicyEgressRule')]: { 1: 'ports', 2: 'to' },
  [net('NetworkPolicyPeer')]: { 1: 'podSelector', 2: 'namespaceSelector', 3: 'ipBlock' },
  [net('NetworkPolicyPort')]: { 1: 'protocol', 2: 'port', 3: 'endPort' },
  [net('IPBlock')]: { 1: 'cidr', 2: 'except' },

  'io.k8s.api.node.v1.RuntimeClass': { 1: 'metadata', 2: 'handler', 3: 'overhead', 4: 'scheduling' },
  'io.k8s.api.node.v1.Overhead': { 1: 'podFixed' },
  'io.k8s.api.node.v1.Scheduling': { 1: 'nodeSelector', 2: 'tolerations' },
};

/**
 * Go structs embedded in another (their fields appear in the outer object's JSON) travel as one
 * message field: type name -> field number -> the embedded message's own field numbers.
 */
export const INLINE_MESSAGES: Record<string, Record<number, Record<number, string>>> = {
  [net('IngressRule')]: { 2: { 1: 'http' } },
};

/** Pointer fields (and non-pointer booleans the schema requires) whose zero value is meant. */
export const SERVED_KINDS_KEEP_ZERO = [
  'io.k8s.api.storage.v1.CSIDriverSpec.attachRequired',
  'io.k8s.api.storage.v1.CSIDriverSpec.podInfoOnMount',
  'io.k8s.api.storage.v1.CSIDriverSpec.storageCapacity',
  'io.k8s.api.storage.v1.CSIDriverSpec.requiresRepublish',
  'io.k8s.api.storage.v1.CSIDriverSpec.seLinuxMount',
  'io.k8s.api.storage.v1.StorageClass.allowVolumeExpansion',
  'io.k8s.api.storage.v1.VolumeAttachmentStatus.attached',
  'io.k8s.api.storage.v1.VolumeNodeResources.count',
  'io.k8s.api.storage.v1.TokenRequest.expirationSeconds',
  'io.k8s.api.networking.v1.NetworkPolicyPort.port',
  'io.k8s.api.networking.v1.NetworkPolicyPort.endPort',
  'io.k8s.api.core.v1.Toleration.tolerationSeconds',
];
