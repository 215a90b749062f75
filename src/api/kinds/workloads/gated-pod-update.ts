// While a pod is held by scheduling gates, Kubernetes lets whoever lifts the gates narrow where it
// may run: spec.nodeSelector may gain keys, and each required node affinity term may gain match
// expressions or fields. Nothing may be removed or changed (the pod would then fit more nodes
// than the one who created it allowed). Worded as Kubernetes' validatePodUpdate words it.

import { fieldErr } from '../../errors.js';
import type { FieldError } from '../../kind.js';
import { deepEqual } from '../../../util/equal.js';
import { type Obj, isObj, objects } from './checks.js';

const REQUIRED = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution';

function requiredTerms(spec: Obj): Obj[] | undefined {
  const aff = isObj(spec.affinity) ? spec.affinity : undefined;
  const na = aff && isObj(aff.nodeAffinity) ? aff.nodeAffinity : undefined;
  const req = na && isObj(na.requiredDuringSchedulingIgnoredDuringExecution) ? na.requiredDuringSchedulingIgnoredDuringExecution : undefined;
  return req ? objects(req.nodeSelectorTerms) : undefined;
}

/** Every entry of `old` is still in `now` (more may have been added). */
const onlyAdded = (old: unknown, now: unknown) => objects(old).every((o) => objects(now).some((n) => deepEqual(n, o)));

/** Errors for the node constraints of a gated pod's update (old is gated). */
export function gatedNodeConstraintErrors(spec: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const oldSel = isObj(old.nodeSelector) ? old.nodeSelector : {};
  const sel = isObj(spec.nodeSelector) ? spec.nodeSelector : {};
  if (Object.entries(oldSel).some(([k, v]) => sel[k] !== v)) errs.push(fieldErr.invalid('spec.nodeSelector', spec.nodeSelector ?? null, 'only additions to spec.nodeSelector are allowed (no mutations or deletions)'));
  const oldTerms = requiredTerms(old);
  if (oldTerms && oldTerms.length > 0) {
    const terms = requiredTerms(spec) ?? [];
    if (terms.length !== oldTerms.length) errs.push(fieldErr.invalid(`${REQUIRED}.nodeSelectorTerms`, terms, 'no additions/deletions to non-empty NodeSelectorTerms list are allowed'));
    else {
      oldTerms.forEach((o, i) => {
        if (!onlyAdded(o.matchExpressions, terms[i].matchExpressions) || !onlyAdded(o.matchFields, terms[i].matchFields)) {
          errs.push(fieldErr.invalid(`${REQUIRED}.nodeSelectorTerms[${i}]`, terms[i], 'only additions are allowed (no mutations or deletions)'));
        }
      });
    }
  }
  return errs;
}

/** The spec with the node constraints a gated pod may change put back as they were (for the "nothing else changed" check). */
export function withOldNodeConstraints(munged: Obj, old: Obj): void {
  if (isObj(old.nodeSelector)) munged.nodeSelector = old.nodeSelector;
  else delete munged.nodeSelector;
  // Only node affinity may change; pod (anti-)affinity stays under the general rule.
  const oldAff = isObj(old.affinity) ? old.affinity : undefined;
  const aff: Obj = { ...(isObj(munged.affinity) ? munged.affinity : {}) };
  if (oldAff && isObj(oldAff.nodeAffinity)) aff.nodeAffinity = oldAff.nodeAffinity;
  else delete aff.nodeAffinity;
  if (Object.keys(aff).length === 0 && !oldAff) delete munged.affinity;
  else munged.affinity = aff;
}
