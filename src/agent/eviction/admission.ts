// The kubelet's admission under node pressure: a node short of memory still takes pods that
// request memory (they are protected by their requests) but refuses BestEffort ones unless they
// tolerate the memory-pressure taint; a node under disk or PID pressure refuses every pod. Critical
// pods are always admitted. A refused pod is failed with reason Evicted, as the kubelet does, so
// its controller makes a replacement the scheduler can place elsewhere.

import type { PodSpec } from '../../api/core/index.js';
import { tolerated } from '../../api/scheduling/tolerations.js';
import { TAINT_MEMORY_PRESSURE } from '../../api/well-known.js';
import { qosClass } from '../pods/container-config.js';
import type { Pod } from '../pods/types.js';
import { PRESSURE_CONDITIONS } from './pressure.js';
import type { PressureCondition } from './thresholds.js';

/** system-cluster-critical and above. */
export const CRITICAL_PRIORITY = 2_000_000_000;

/** undefined when the pod may run here; else the kubelet's message ("The node had condition: [MemoryPressure]. "). */
export function admissionRefusal(pod: Pod, inPressure: Set<PressureCondition>): string | undefined {
  if (inPressure.size === 0) return undefined;
  if ((pod.spec.priority ?? 0) >= CRITICAL_PRIORITY) return undefined;
  if (inPressure.size === 1 && inPressure.has('MemoryPressure')) {
    if (qosClass(pod) !== 'BestEffort') return undefined;
    const tolerations = (pod.spec as Pick<PodSpec, 'tolerations'>).tolerations;
    if (tolerated(tolerations, { key: TAINT_MEMORY_PRESSURE, effect: 'NoSchedule' })) return undefined;
  }
  // In the kubelet's order of conditions, formatted as Go prints a slice.
  return `The node had condition: [${PRESSURE_CONDITIONS.filter((c) => inPressure.has(c)).join(' ')}]. `;
}
