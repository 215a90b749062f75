// Protobuf field numbers of ResourceQuota and LimitRange (`kubectl create quota` sends protobuf),
// from Kubernetes' core/v1 generated.proto.

export const QUOTA_FIELD_NUMBERS: Record<string, Record<number, string>> = {
  'io.k8s.api.core.v1.ResourceQuota': { 1: 'metadata', 2: 'spec', 3: 'status' },
  'io.k8s.api.core.v1.ResourceQuotaSpec': { 1: 'hard', 2: 'scopes', 3: 'scopeSelector' },
  'io.k8s.api.core.v1.ResourceQuotaStatus': { 1: 'hard', 2: 'used' },
  'io.k8s.api.core.v1.ScopeSelector': { 1: 'matchExpressions' },
  'io.k8s.api.core.v1.ScopedResourceSelectorRequirement': { 1: 'scopeName', 2: 'operator', 3: 'values' },
  'io.k8s.api.core.v1.LimitRange': { 1: 'metadata', 2: 'spec' },
  'io.k8s.api.core.v1.LimitRangeSpec': { 1: 'limits' },
  'io.k8s.api.core.v1.LimitRangeItem': { 1: 'type', 2: 'max', 3: 'min', 4: 'default', 5: 'defaultRequest', 6: 'maxLimitRequestRatio' },
};
