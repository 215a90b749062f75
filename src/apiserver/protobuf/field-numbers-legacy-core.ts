// Protobuf field numbers of core/v1 ReplicationController and Binding: Go clients may send them as
// protobuf (client-go typed clients configured for it, and kube-scheduler-style binders POSTing a
// Binding). Kubernetes' wire numbers (the protobuf tags of its core/v1 types).

export const LEGACY_CORE_FIELD_NUMBERS: Record<string, Record<number, string>> = {
  'io.k8s.api.core.v1.ReplicationController': { 1: 'metadata', 2: 'spec', 3: 'status' },
  'io.k8s.api.core.v1.ReplicationControllerSpec': { 1: 'replicas', 2: 'selector', 3: 'template', 4: 'minReadySeconds' },
  'io.k8s.api.core.v1.Binding': { 1: 'metadata', 2: 'target' },
};
