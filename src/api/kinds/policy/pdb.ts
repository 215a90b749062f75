// policy/v1 PodDisruptionBudget: how many pods of an application may be down at once through
// voluntary disruptions (evictions, `kubectl drain`). The disruption controller keeps its status;
// the pods/eviction subresource spends status.disruptionsAllowed (src/apiserver/eviction.ts).

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { condition, conditionsOf, kindSchema, labelSelector } from '../../meta.js';
import { enumOf, int32, int64, intOrString, mapOf, struct, time } from '../../schema.js';
import { ageColumn, at, nameColumn } from '../workloads/columns.js';
import { checkLabelSelector, checkNonNegative, checkNotMoreThan100Percent, checkPositiveIntOrPercent, isObj, isSet } from '../workloads/checks.js';

const policy = (n: string) => `io.k8s.api.policy.v1.${n}`;

export const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

const pdbSpec = struct(policy('PodDisruptionBudgetSpec'), 'The desired availability of the pods a PodDisruptionBudget selects.', {
  minAvailable: intOrString('Pods (count or percentage) that must stay available after an eviction. Mutually exclusive with maxUnavailable.'),
  maxUnavailable: intOrString('Pods (count or percentage) that may be unavailable after an eviction. Mutually exclusive with minAvailable.'),
  selector: labelSelector,
  unhealthyPodEvictionPolicy: enumOf(UNHEALTHY_POD_EVICTION_POLICIES, 'When unhealthy (not ready) running pods may be evicted: IfHealthyBudget (default) only while the application is not disrupted, AlwaysAllow whatever the budget.'),
});

const pdbStatus = struct(
  policy('PodDisruptionBudgetStatus'),
  'What the disruption controller last observed of a PodDisruptionBudget.',
  {
    observedGeneration: int64('The generation the controller last acted on.'),
    disruptedPods: mapOf(time(), 'Pods evicted by the API server whose deletion the controller has not observed yet, with the time of their eviction.'),
    disruptionsAllowed: int32('Pod disruptions allowed now.'),
    currentHealthy: int32('Healthy pods now.'),
    desiredHealthy: int32('The minimum number of healthy pods wanted.'),
    expectedPods: int32('Pods counted by the budget (the scale of their controllers, or the matching pods).'),
    conditions: conditionsOf(condition, 'DisruptionAllowed: whether an eviction is allowed now (reasons SufficientPods, InsufficientPods, SyncFailed).'),
  },
  { required: ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] },
);

const intOrPercentCell = (v: unknown) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v : 'N/A');

function validateSpec(spec: unknown): FieldError[] {
  if (!isObj(spec)) return [];
  const errs: FieldError[] = [];
  if (isSet(spec.minAvailable) && isSet(spec.maxUnavailable)) errs.push(fieldErr.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  for (const f of ['minAvailable', 'maxUnavailable']) {
    if (isSet(spec[f])) errs.push(...checkPositiveIntOrPercent(`spec.${f}`, spec[f]), ...checkNotMoreThan100Percent(`spec.${f}`, spec[f]));
  }
  errs.push(...checkLabelSelector('spec.selector', spec.selector));
  const policyName = spec.unhealthyPodEvictionPolicy;
  if (isSet(policyName) && !UNHEALTHY_POD_EVICTION_POLICIES.includes(policyName as string)) errs.push(fieldErr.notSupported('spec.unhealthyPodEvictionPolicy', policyName, UNHEALTHY_POD_EVICTION_POLICIES));
  return errs;
}

function validateStatus(status: unknown): FieldError[] {
  if (!isObj(status)) return [];
  return ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'].flatMap((f) => checkNonNegative(`status.${f}`, status[f]));
}

export const podDisruptionBudget: KindDef = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  schema: kindSchema(policy('PodDisruptionBudget'), 'The maximum disruption an application (a set of pods) may suffer at once.', { spec: pdbSpec, status: pdbStatus }),
  subresources: { status: true },
  hasGeneration: true,
  initialStatus: () => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }),
  printerColumns: [
    nameColumn,
    { name: 'Min Available', type: 'string', description: 'The minimum number of pods that must be available.', cell: (o: KObject) => intOrPercentCell(at(o, 'spec', 'minAvailable')) },
    { name: 'Max Unavailable', type: 'string', description: 'The maximum number of pods that may be unavailable.', cell: (o: KObject) => intOrPercentCell(at(o, 'spec', 'maxUnavailable')) },
    { name: 'Allowed Disruptions', type: 'integer', description: 'Calculated number of pods that may be disrupted at this time.', cell: (o: KObject) => Number(at(o, 'status', 'disruptionsAllowed') ?? 0) },
    ageColumn,
  ],
  validate: (obj) => [...validateSpec(obj.spec), ...validateStatus(obj.status)],
};
