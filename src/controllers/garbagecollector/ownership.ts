// Which changes matter to the garbage collector: only who owns an object (ownerReferences) and
// whether it is being deleted and how (deletionTimestamp, finalizers). Status updates and spec
// changes do not, and reacting to them re-queued every dependent of every owner on each status
// write (millions of reconciles while a large Deployment rolled out).

import type { KObject } from '../../api/kind.js';
import { deepEqual } from '../../util/equal.js';

export function ownershipChanged(old: KObject, obj: KObject): boolean {
  const a = old.metadata ?? {};
  const b = obj.metadata ?? {};
  return a.deletionTimestamp !== b.deletionTimestamp || !deepEqual(a.ownerReferences ?? [], b.ownerReferences ?? []) || !deepEqual(a.finalizers ?? [], b.finalizers ?? []);
}
