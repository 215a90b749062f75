// What the RuntimeClass admission plugin does to a pod, as pure functions: the class's overhead
// becomes the pod's (a different one already set is refused), its nodeSelector is merged into the
// pod's (a key with another value is a conflict), and its tolerations are merged with the pod's,
// dropping any toleration another one already covers (Kubernetes' MergeTolerations).

import type { ResourceList } from '../../api/core/index.js';
import { parseQuantity } from '../../api/quantity.js';
import type { Toleration } from '../../api/scheduling/tolerations.js';
import { deepEqual } from '../../util/equal.js';

const quantityValue = (q: string | number): number | string => {
  try {
    return parseQuantity(q);
  } catch {
    return String(q);
  }
};

/** Two resource lists equal by value ("250m" = "0.25"), as Kubernetes' semantic equality compares quantities. */
export function sameResources(a: ResourceList | undefined, b: ResourceList | undefined): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  if (!deepEqual(ka, kb)) return false;
  return ka.every((k) => quantityValue(a![k]) === quantityValue(b![k]));
}

/** The merged nodeSelector, or the conflict message Kubernetes refuses the pod with. */
export function mergeNodeSelector(pod: Record<string, string> | undefined, runtime: Record<string, string> | undefined): { selector?: Record<string, string>; conflict?: string } {
  if (!runtime) return { selector: pod };
  if (!pod) return { selector: { ...runtime } };
  const merged = { ...pod };
  for (const [key, value] of Object.entries(runtime)) {
    if (key in merged && merged[key] !== value) return { conflict: `conflict: runtimeClass.scheduling.nodeSelector[${key}] = ${value}; pod.spec.nodeSelector[${key}] = ${merged[key]}` };
    merged[key] = value;
  }
  return { selector: merged };
}

/** Whether ss tolerates everything t does. */
function isSuperset(ss: Toleration, t: Toleration): boolean {
  if (deepEqual(t, ss)) return true;
  // An empty key with Exists matches every key.
  if ((t.key ?? '') !== (ss.key ?? '') && ((ss.key ?? '') !== '' || ss.operator !== 'Exists')) return false;
  // An empty effect matches every effect.
  if ((t.effect ?? '') !== (ss.effect ?? '') && (ss.effect ?? '') !== '') return false;
  if (ss.effect === 'NoExecute' && ss.tolerationSeconds !== undefined && ss.tolerationSeconds !== null) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null || t.tolerationSeconds > ss.tolerationSeconds) return false;
  }
  switch (ss.operator ?? '') {
    case 'Equal':
    case '':
      return t.operator === 'Equal' && (t.value ?? '') === (ss.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** Beyond this many tolerations only exact duplicates are dropped: the full merge compares every pair. */
const MAX_PAIRWISE = 1000;

/** Both lists, without tolerations that another one covers (of equal ones, the first stays). */
export function mergeTolerations(first: Toleration[] = [], second: Toleration[] = []): Toleration[] {
  const all = [...first, ...second];
  if (all.length > MAX_PAIRWISE) {
    const seen = new Set<string>();
    return all.filter((t) => {
      const key = JSON.stringify([t.key ?? '', t.operator ?? '', t.value ?? '', t.effect ?? '', t.tolerationSeconds ?? null]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  const merged: Toleration[] = [];
  all.forEach((t, i) => {
    if (merged.some((m) => isSuperset(m, t))) return;
    if (all.slice(i + 1).some((t2) => !deepEqual(t, t2) && isSuperset(t2, t))) return;
    merged.push(t);
  });
  return merged;
}
