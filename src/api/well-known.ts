// Well-known label, annotation and taint keys, spelled once. Kubernetes' own keys
// (k8s.io/api/core/v1 well_known_labels.go and well_known_taints.go, discovery/v1) as the
// components here set and read them.

// Node labels the node agent sets and the scheduler, endpoint and node-restriction code read.
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_OS = 'kubernetes.io/os';
export const LABEL_ARCH = 'kubernetes.io/arch';
export const LABEL_OS_BETA = 'beta.kubernetes.io/os';
export const LABEL_ARCH_BETA = 'beta.kubernetes.io/arch';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_REGION = 'topology.kubernetes.io/region';
export const LABEL_INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
export const LABEL_INSTANCE_TYPE_BETA = 'beta.kubernetes.io/instance-type';
export const LABEL_ZONE_FAILURE_DOMAIN_BETA = 'failure-domain.beta.kubernetes.io/zone';
export const LABEL_REGION_FAILURE_DOMAIN_BETA = 'failure-domain.beta.kubernetes.io/region';
/** Nodes with this label are never load balancer addresses or announcers. */
export const LABEL_EXCLUDE_FROM_EXTERNAL_LOAD_BALANCERS = 'node.kubernetes.io/exclude-from-external-load-balancers';

// EndpointSlice labels (discovery.k8s.io/v1).
/** The Service an EndpointSlice belongs to. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** Which controller manages an EndpointSlice. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';

// Pod annotations.
/** A mirror pod: the API's copy of a static pod its node runs from a file (never evicted, mounted or drained). */
export const ANNOTATION_MIRROR_POD = 'kubernetes.io/config.mirror';

// Node taints the node lifecycle controller and the node agent set, and tolerations name.
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
