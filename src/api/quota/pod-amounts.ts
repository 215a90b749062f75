// A pod's containers' requests or limits as exact amounts, for quota usage and LimitRange's Pod
// items: the one sidecar-aware rule of api/sidecars.ts (overhead, which the two treat differently,
// is the caller's).

import { effectivePodAmounts, isSidecar, type AmountMath } from '../sidecars.js';
import { type Amount, type Amounts, add, amountsOf, cmp } from './amount.js';

// biome-ignore lint/suspicious/noExplicitAny: objects are untyped JSON here, read defensively.
type J = Record<string, any>;
const isObj = (v: unknown): v is J => !!v && typeof v === 'object' && !Array.isArray(v);
const arr = (v: unknown): J[] => (Array.isArray(v) ? v.filter(isObj) : []);

const exact: AmountMath<Amount> = { add, less: (a, b) => cmp(a, b) < 0 };

/** The effective requests or limits of a pod spec's containers (app containers, sidecars, init steps). */
export function containerAmounts(spec: J, field: 'requests' | 'limits'): Amounts {
  const own = (c: J) => amountsOf(c.resources?.[field]);
  return effectivePodAmounts(
    arr(spec.containers).map(own),
    arr(spec.initContainers).map((c) => ({ amounts: own(c), sidecar: isSidecar(c) })),
    exact,
  );
}
