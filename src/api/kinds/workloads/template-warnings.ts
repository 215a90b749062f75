// Helpers for the warnings of kinds that embed a pod template: Kubernetes warns about a template on
// create and again on an update that changed it.

import type { KObject } from '../../kind.js';
import { isObj, objects, type Obj } from './checks.js';
import { pvcSpecWarnings, templateWarnings } from './pod-warnings.js';

export { templateWarnings };

export const specOf = (o: KObject): Obj => (isObj(o.spec) ? o.spec : {});

/** A CronJob's pod template (spec.jobTemplate.spec.template). */
export function jobTemplateOf(o: KObject): unknown {
  const jt = specOf(o).jobTemplate;
  return isObj(jt) && isObj(jt.spec) ? jt.spec.template : undefined;
}

/** A StatefulSet's volumeClaimTemplates: fractional storage sizes. */
export function claimTemplateWarnings(templates: unknown): string[] {
  return objects(templates).flatMap((t, i) => pvcSpecWarnings(t.spec, `spec.volumeClaimTemplates[${i}]`));
}

export { dropDisabledTemplateFields } from './disabled-fields.js';
