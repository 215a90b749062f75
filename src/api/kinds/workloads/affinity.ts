// Where a pod may run: node and inter-pod (anti-)affinity, tolerations of node taints, and
// topology spread constraints.

import { labelSelector } from '../../meta.js';
import { enumOf, int32, int64, listOf, mapList, str, struct } from '../../schema.js';
import { coreName as core } from './refs.js';

export const NODE_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];

export const nodeSelectorRequirement = struct(
  core('NodeSelectorRequirement'),
  'A requirement on a node label or field.',
  {
    key: str('Label or field key.'),
    operator: enumOf(NODE_SELECTOR_OPERATORS, 'How the key relates to the values.'),
    values: listOf(str(), 'Values: non-empty for In and NotIn, empty for Exists and DoesNotExist, one integer for Gt and Lt.'),
  },
  { required: ['key', 'operator'] },
);

export const nodeSelectorTerm = struct(
  core('NodeSelectorTerm'),
  'Requirements that must all hold (an empty term matches nothing).',
  {
    matchExpressions: listOf(nodeSelectorRequirement, 'Requirements on node labels.'),
    matchFields: listOf(nodeSelectorRequirement, 'Requirements on node fields (metadata.name).'),
  },
  { mapType: 'atomic' },
);

export const nodeSelector = struct(
  core('NodeSelector'),
  'Terms of which at least one must match a node.',
  {
    nodeSelectorTerms: listOf(nodeSelectorTerm, 'The terms, ORed.'),
  },
  { required: ['nodeSelectorTerms'], mapType: 'atomic' },
);

export const preferredSchedulingTerm = struct(
  core('PreferredSchedulingTerm'),
  'A weighted node preference.',
  {
    weight: int32('Weight in the range 1-100.'),
    preference: nodeSelectorTerm,
  },
  { required: ['weight', 'preference'] },
);

export const nodeAffinity = struct(core('NodeAffinity'), 'Rules about which nodes the pod is scheduled to.', {
  requiredDuringSchedulingIgnoredDuringExecution: nodeSelector,
  preferredDuringSchedulingIgnoredDuringExecution: listOf(preferredSchedulingTerm, 'Preferences; nodes matching more total weight win.'),
});

export const podAffinityTerm = struct(
  core('PodAffinityTerm'),
  'A set of pods, and the topology domain in which to be (or not be) near them.',
  {
    labelSelector: labelSelector,
    namespaces: listOf(str(), "Namespaces to look in; the pod's own when empty and no namespaceSelector."),
    topologyKey: str('Node label whose value defines a domain, e.g. kubernetes.io/hostname.'),
    namespaceSelector: labelSelector,
    matchLabelKeys: listOf(str(), 'Label keys whose values from this pod are added to labelSelector as key in (value).'),
    mismatchLabelKeys: listOf(str(), 'Label keys whose values from this pod are added to labelSelector as key notin (value).'),
  },
  { required: ['topologyKey'] },
);

export const weightedPodAffinityTerm = struct(
  core('WeightedPodAffinityTerm'),
  'A weighted inter-pod preference.',
  {
    weight: int32('Weight in the range 1-100.'),
    podAffinityTerm: podAffinityTerm,
  },
  { required: ['weight', 'podAffinityTerm'] },
);

const podAffinityFields = (verb: string) => ({
  requiredDuringSchedulingIgnoredDuringExecution: listOf(podAffinityTerm, `Terms that must all hold: schedule only ${verb} matching pods.`),
  preferredDuringSchedulingIgnoredDuringExecution: listOf(weightedPodAffinityTerm, `Weighted preferences to schedule ${verb} matching pods.`),
});

export const podAffinity = struct(core('PodAffinity'), 'Rules to place the pod near other pods.', podAffinityFields('near'));
export const podAntiAffinity = struct(core('PodAntiAffinity'), 'Rules to keep the pod away from other pods.', podAffinityFields('away from'));

export const affinity = struct(core('Affinity'), 'Scheduling constraints of the pod.', {
  nodeAffinity: nodeAffinity,
  podAffinity: podAffinity,
  podAntiAffinity: podAntiAffinity,
});

export const toleration = struct(core('Toleration'), 'Lets the pod schedule onto (or stay on) nodes with a matching taint.', {
  key: str('Taint key; empty with operator Exists matches every taint.'),
  operator: str('Exists or Equal (default).'),
  value: str('Taint value to match; empty for Exists.'),
  effect: str('Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; empty matches all.'),
  tolerationSeconds: int64('For NoExecute: how long the pod stays after the taint appears; forever when unset.'),
});

export const topologySpreadConstraint = struct(
  core('TopologySpreadConstraint'),
  'How evenly matching pods must spread across topology domains.',
  {
    maxSkew: int32('Largest allowed difference in matching pods between two domains (at least 1).'),
    topologyKey: str('Node label defining the domains.'),
    whenUnsatisfiable: enumOf(['DoNotSchedule', 'ScheduleAnyway'], 'What to do when the constraint cannot be met.'),
    labelSelector: labelSelector,
    minDomains: int32('Minimum number of eligible domains; fewer count the global minimum as 0.'),
    nodeAffinityPolicy: enumOf(['Honor', 'Ignore'], "Whether the pod's node affinity limits the domains counted (default Honor)."),
    nodeTaintsPolicy: enumOf(['Honor', 'Ignore'], 'Whether node taints limit the domains counted (default Ignore).'),
    matchLabelKeys: listOf(str(), 'Label keys whose values from this pod are ANDed into labelSelector.'),
  },
  { required: ['maxSkew', 'topologyKey', 'whenUnsatisfiable'] },
);

export const topologySpreadConstraints = mapList(topologySpreadConstraint, 'topologyKey', 'Spread constraints, all of which apply.', ['topologyKey', 'whenUnsatisfiable']);
