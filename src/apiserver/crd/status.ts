// The status a CRD should have, computed from the naming decision (kube-apiserver's naming and
// establishing controllers): acceptedNames, NamesAccepted and Established conditions, and the
// storage version added to storedVersions. Transition times are kept when a condition's status
// did not change, so several API servers computing the same status write nothing.

import { rfc3339 } from '../../util/time.js';
import type { Crd, CrdCondition, CrdNames } from '../../api/crd/types.js';
import { storageVersionOf } from '../../api/crd/types.js';
import type { NamesDecision } from '../../api/crd/names.js';

const now = () => rfc3339();

function setCondition(conditions: CrdCondition[], c: Omit<CrdCondition, 'lastTransitionTime'>) {
  const i = conditions.findIndex((x) => x.type === c.type);
  const old = i >= 0 ? conditions[i] : undefined;
  const next: CrdCondition = { type: c.type, status: c.status, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now(), reason: c.reason, message: c.message };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
}

const clean = (n: CrdNames): CrdNames => Object.fromEntries(Object.entries(n).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as CrdNames;

/** The status the CRD should have; undefined when it already has it. */
export function desiredStatus(crd: Crd, decision: NamesDecision): Crd['status'] | undefined {
  const cur = crd.status ?? {};
  const conditions = structuredClone(cur.conditions ?? []);
  setCondition(conditions, { type: 'NamesAccepted', ...decision.condition });
  const accepted = decision.condition.status === 'True';
  const established = conditions.find((c) => c.type === 'Established')?.status === 'True';
  // Once established a CRD stays so (its names are kept); a new one waits for its names.
  if (accepted || established) setCondition(conditions, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' });
  else setCondition(conditions, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
  const storedVersions = [...(cur.storedVersions ?? [])];
  const storage = storageVersionOf(crd);
  if ((accepted || established) && storage && !storedVersions.includes(storage)) storedVersions.push(storage);
  const next = { ...cur, conditions, acceptedNames: clean({ plural: '', kind: '', ...decision.accepted }), storedVersions };
  return JSON.stringify(next) === JSON.stringify({ ...cur, conditions: cur.conditions, acceptedNames: cur.acceptedNames, storedVersions: cur.storedVersions }) ? undefined : next;
}
