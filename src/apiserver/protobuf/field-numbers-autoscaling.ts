// Protobuf field numbers of autoscaling's HorizontalPodAutoscaler (v1 and v2): `kubectl autoscale`
// creates one with its typed client, which sends protobuf. Kubernetes' wire contract.

const ref = (v: string) => ({ [`io.k8s.api.autoscaling.${v}.CrossVersionObjectReference`]: { 1: 'kind', 2: 'name', 3: 'apiVersion' } });

export const AUTOSCALING_FIELD_NUMBERS: Record<string, Record<number, string>> = {
  'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler': { 1: 'metadata', 2: 'spec', 3: 'status' },
  'io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec': { 1: 'scaleTargetRef', 2: 'minReplicas', 3: 'maxReplicas', 4: 'targetCPUUtilizationPercentage' },
  'io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerStatus': { 1: 'observedGeneration', 2: 'lastScaleTime', 3: 'currentReplicas', 4: 'desiredReplicas', 5: 'currentCPUUtilizationPercentage' },
  ...ref('v1'),
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler': { 1: 'metadata', 2: 'spec', 3: 'status' },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec': { 1: 'scaleTargetRef', 2: 'minReplicas', 3: 'maxReplicas', 4: 'metrics', 5: 'behavior' },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus': { 1: 'observedGeneration', 2: 'lastScaleTime', 3: 'currentReplicas', 4: 'desiredReplicas', 5: 'currentMetrics', 6: 'conditions' },
  ...ref('v2'),
  'io.k8s.api.autoscaling.v2.MetricSpec': { 1: 'type', 2: 'object', 3: 'pods', 4: 'resource', 5: 'external', 7: 'containerResource' },
  'io.k8s.api.autoscaling.v2.ObjectMetricSource': { 1: 'describedObject', 2: 'target', 3: 'metric' },
  'io.k8s.api.autoscaling.v2.PodsMetricSource': { 1: 'metric', 2: 'target' },
  'io.k8s.api.autoscaling.v2.ResourceMetricSource': { 1: 'name', 2: 'target' },
  'io.k8s.api.autoscaling.v2.ContainerResourceMetricSource': { 1: 'name', 2: 'target', 3: 'container' },
  'io.k8s.api.autoscaling.v2.ExternalMetricSource': { 1: 'metric', 2: 'target' },
  'io.k8s.api.autoscaling.v2.MetricIdentifier': { 1: 'name', 2: 'selector' },
  'io.k8s.api.autoscaling.v2.MetricTarget': { 1: 'type', 2: 'value', 3: 'averageValue', 4: 'averageUtilization' },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerBehavior': { 1: 'scaleUp', 2: 'scaleDown' },
  'io.k8s.api.autoscaling.v2.HPAScalingRules': { 1: 'selectPolicy', 2: 'policies', 3: 'stabilizationWindowSeconds' },
  'io.k8s.api.autoscaling.v2.HPAScalingPolicy': { 1: 'type', 2: 'value', 3: 'periodSeconds' },
};
