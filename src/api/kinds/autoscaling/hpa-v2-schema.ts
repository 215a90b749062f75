// autoscaling/v2 HorizontalPodAutoscaler's schema: the storage version, with every metric source
// type and the scaling behavior. Field names and descriptions follow Kubernetes' API reference.

import { conditionsOf, kindSchema, labelSelector } from '../../meta.js';
import { int32, int64, listOf, quantity, str, struct, time } from '../../schema.js';

export const crossVersionObjectReferenceV2 = struct(
  'io.k8s.api.autoscaling.v2.CrossVersionObjectReference',
  'Enough information to identify the referred resource.',
  {
    apiVersion: str('API version of the referent.'),
    kind: str('Kind of the referent, e.g. Deployment.'),
    name: str('Name of the referent.'),
  },
  { required: ['kind', 'name'] },
);

const metricIdentifier = struct(
  'io.k8s.api.autoscaling.v2.MetricIdentifier',
  'A given metric: its name and an optional label selector.',
  {
    name: str('The name of the given metric.'),
    selector: labelSelector,
  },
  { required: ['name'] },
);

const metricTarget = struct(
  'io.k8s.api.autoscaling.v2.MetricTarget',
  'The target value, average value, or average utilization of a specific metric.',
  {
    type: str('Whether the metric type is Utilization, Value, or AverageValue.'),
    value: quantity('The target value of the metric (as a quantity).'),
    averageValue: quantity('The target value of the average of the metric across all relevant pods (as a quantity).'),
    averageUtilization: int32('The target value of the average of the resource metric across all relevant pods, as a percentage of the requested value of the resource for the pods. Only valid for Resource metric source type.'),
  },
  { required: ['type'] },
);

const metricValueStatus = struct('io.k8s.api.autoscaling.v2.MetricValueStatus', 'The current value of a metric.', {
  value: quantity('The current value of the metric (as a quantity).'),
  averageValue: quantity('The current value of the average of the metric across all relevant pods (as a quantity).'),
  averageUtilization: int32('The current value of the average of the resource metric across all relevant pods, as a percentage of the requested value of the resource for the pods.'),
});

const metricSpec = struct(
  'io.k8s.api.autoscaling.v2.MetricSpec',
  'The specification for a single metric to scale on.',
  {
    type: str('The type of metric source: ContainerResource, External, Object, Pods or Resource, each mapping to a matching field in the object.'),
    object: struct(
      'io.k8s.api.autoscaling.v2.ObjectMetricSource',
      'A metric describing a kubernetes object (for example, hits-per-second on an Ingress object).',
      {
        describedObject: crossVersionObjectReferenceV2,
        target: metricTarget,
        metric: metricIdentifier,
      },
      { required: ['describedObject', 'target', 'metric'] },
    ),
    pods: struct(
      'io.k8s.api.autoscaling.v2.PodsMetricSource',
      'A metric describing each pod in the current scale target (for example, transactions-processed-per-second), averaged together before being compared to the target value.',
      { metric: metricIdentifier, target: metricTarget },
      { required: ['metric', 'target'] },
    ),
    resource: struct(
      'io.k8s.api.autoscaling.v2.ResourceMetricSource',
      'A resource metric known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target (e.g. CPU or memory).',
      { name: str('The name of the resource in question.'), target: metricTarget },
      { required: ['name', 'target'] },
    ),
    containerResource: struct(
      'io.k8s.api.autoscaling.v2.ContainerResourceMetricSource',
      'A resource metric known to Kubernetes, as specified in requests and limits, describing a single container in each pod of the current scale target.',
      { name: str('The name of the resource in question.'), target: metricTarget, container: str('The name of the container in the pods of the scaling target.') },
      { required: ['name', 'target', 'container'] },
    ),
    external: struct('io.k8s.api.autoscaling.v2.ExternalMetricSource', 'A global metric that is not associated with any Kubernetes object, e.g. the length of a queue in a cloud messaging service.', { metric: metricIdentifier, target: metricTarget }, { required: ['metric', 'target'] }),
  },
  { required: ['type'] },
);

const metricStatus = struct(
  'io.k8s.api.autoscaling.v2.MetricStatus',
  'The last read state of a single metric.',
  {
    type: str('The type of metric source: ContainerResource, External, Object, Pods or Resource.'),
    object: struct('io.k8s.api.autoscaling.v2.ObjectMetricStatus', 'The current value of a metric describing a kubernetes object.', { metric: metricIdentifier, current: metricValueStatus, describedObject: crossVersionObjectReferenceV2 }, { required: ['metric', 'current', 'describedObject'] }),
    pods: struct('io.k8s.api.autoscaling.v2.PodsMetricStatus', 'The current value of a metric describing each pod in the current scale target.', { metric: metricIdentifier, current: metricValueStatus }, { required: ['metric', 'current'] }),
    resource: struct('io.k8s.api.autoscaling.v2.ResourceMetricStatus', 'The current value of a resource metric known to Kubernetes.', { name: str('The name of the resource in question.'), current: metricValueStatus }, { required: ['name', 'current'] }),
    containerResource: struct(
      'io.k8s.api.autoscaling.v2.ContainerResourceMetricStatus',
      'The current value of a resource metric of a single container in each pod of the current scale target.',
      { name: str('The name of the resource in question.'), current: metricValueStatus, container: str('The name of the container in the pods of the scaling target.') },
      { required: ['name', 'current', 'container'] },
    ),
    external: struct('io.k8s.api.autoscaling.v2.ExternalMetricStatus', 'The current value of a global metric not associated with any Kubernetes object.', { metric: metricIdentifier, current: metricValueStatus }, { required: ['metric', 'current'] }),
  },
  { required: ['type'] },
);

const scalingPolicy = struct(
  'io.k8s.api.autoscaling.v2.HPAScalingPolicy',
  'A single policy which must hold true for a specified past interval.',
  {
    type: str('The scaling policy: Pods or Percent.'),
    value: int32('The amount of change permitted by the policy. It must be greater than zero.'),
    periodSeconds: int32('The window of time for which the policy should hold true. Greater than zero and at most 1800 (30 min).'),
  },
  { required: ['type', 'value', 'periodSeconds'] },
);

const scalingRules = struct('io.k8s.api.autoscaling.v2.HPAScalingRules', 'Scaling behavior for one direction: policies, the policy selection and a stabilization window.', {
  stabilizationWindowSeconds: int32('The number of seconds for which past recommendations should be considered while scaling up or scaling down (0 to 3600).'),
  selectPolicy: str('Which policy should be used: Max (default), Min or Disabled.'),
  policies: listOf(scalingPolicy, 'A list of potential scaling policies which can be used during scaling. At least one policy must be specified.'),
});

export const hpaV2Schema = kindSchema('io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler', 'Automatically manages the replica count of any resource implementing the scale subresource based on the metrics specified.', {
  spec: struct(
    'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec',
    'The desired functionality of the HorizontalPodAutoscaler.',
    {
      scaleTargetRef: crossVersionObjectReferenceV2,
      minReplicas: int32('The lower limit for the number of replicas to which the autoscaler can scale down. Defaults to 1 pod.'),
      maxReplicas: int32('The upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.'),
      metrics: listOf(metricSpec, 'The specifications used to calculate the desired replica count (the maximum replica count across all metrics). Defaults to 80% average CPU utilization.'),
      behavior: struct('io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerBehavior', 'Scaling behavior of the target in both Up and Down directions.', {
        scaleUp: scalingRules,
        scaleDown: scalingRules,
      }),
    },
    { required: ['scaleTargetRef', 'maxReplicas'] },
  ),
  status: struct(
    'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus',
    'The current status of a horizontal pod autoscaler.',
    {
      observedGeneration: int64('The most recent generation observed by this autoscaler.'),
      lastScaleTime: time('The last time the HorizontalPodAutoscaler scaled the number of pods.'),
      currentReplicas: int32('Current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
      desiredReplicas: int32('Desired number of replicas of pods managed by this autoscaler, as last calculated by the autoscaler.'),
      currentMetrics: listOf(metricStatus, 'The last read state of the metrics used by this autoscaler.'),
      conditions: conditionsOf(
        struct(
          'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerCondition',
          'The state of a HorizontalPodAutoscaler at a certain point.',
          {
            type: str('The type of condition: ScalingActive, AbleToScale or ScalingLimited.'),
            status: str('Status of the condition (True, False, Unknown).'),
            lastTransitionTime: time('The last time the condition transitioned from one status to another.'),
            reason: str("The reason for the condition's last transition."),
            message: str('A human-readable explanation containing details about the transition.'),
          },
          { required: ['type', 'status'] },
        ),
        'The conditions required for this autoscaler to scale its target.',
      ),
    },
    { required: ['desiredReplicas'] },
  ),
});
