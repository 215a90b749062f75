// autoscaling/v2 HorizontalPodAutoscaler defaults, as Kubernetes applies them whenever it decodes
// a v2 object (a v1 object converted to v2 gets them too).

import type { KObject } from '../../kind.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** v1 had an implicit 80% CPU target; v2 spells it out. */
export const DEFAULT_CPU_UTILIZATION = 80;

const scaleUpDefaults = () => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
});
// No stabilization window: the controller's --horizontal-pod-autoscaler-downscale-stabilization applies.
const scaleDownDefaults = (): Obj => ({ selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });

function rulesWithDefaults(given: unknown, defaults: Obj): Obj {
  if (!isObj(given)) return defaults;
  const out = { ...defaults };
  for (const k of ['selectPolicy', 'stabilizationWindowSeconds', 'policies']) if (given[k] !== undefined && given[k] !== null) out[k] = given[k];
  return { ...given, ...out };
}

/** v2 defaults: minReplicas 1, an 80% CPU target when no metric is given, every unset behavior rule filled. */
export function defaultHpaV2(o: KObject) {
  // A spec of the wrong type is left for validation to refuse.
  if (o.spec !== undefined && !isObj(o.spec)) return;
  const spec = (o.spec ??= {}) as Obj;
  spec.minReplicas ??= 1;
  if (spec.metrics === undefined || spec.metrics === null || (Array.isArray(spec.metrics) && spec.metrics.length === 0)) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (isObj(spec.behavior)) {
    spec.behavior.scaleUp = rulesWithDefaults(spec.behavior.scaleUp, scaleUpDefaults());
    spec.behavior.scaleDown = rulesWithDefaults(spec.behavior.scaleDown, scaleDownDefaults());
  }
}
