// The HPA's conditions (AbleToScale, ScalingActive, ScalingLimited): set in place by type, the
// transition time moving only when the status changes, as Kubernetes' setConditionInList does.

import { rfc3339 } from '../../util/time.js';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

export function setCondition(list: Condition[], c: Condition, now: Date): Condition[] {
  const out = list.map((x) => ({ ...x }));
  let existing = out.find((x) => x.type === c.type);
  if (!existing) {
    existing = { type: c.type, status: c.status, reason: '', message: '' };
    out.push(existing);
  }
  if (existing.status !== c.status || !existing.lastTransitionTime) existing.lastTransitionTime = rfc3339(now);
  existing.status = c.status;
  existing.reason = c.reason;
  existing.message = c.message;
  return out;
}
