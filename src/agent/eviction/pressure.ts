// Which pressure conditions the node reports, without flapping: a condition turns True as soon as a
// threshold of its signal is crossed, and turns False only once no threshold of it has been crossed
// for the whole transition period (the kubelet's --eviction-pressure-transition-period, 5m).
// Reasons and messages are the kubelet's, so dashboards and `kubectl describe node` read the same.

import { conditionOf, type PressureCondition, type Threshold } from './thresholds.js';

export const PRESSURE_CONDITIONS: PressureCondition[] = ['MemoryPressure', 'DiskPressure', 'PIDPressure'];

export class PressureTracker {
  /** When each condition's signals were last seen crossing a threshold (ms). */
  private lastObserved = new Map<PressureCondition, number>();

  constructor(private transitionMs: number) {}

  /** Record the thresholds met at nowMs; returns the conditions in pressure now. */
  observe(met: Threshold[], nowMs: number): Set<PressureCondition> {
    for (const t of met) this.lastObserved.set(conditionOf(t.signal), nowMs);
    const out = new Set<PressureCondition>();
    for (const [cond, at] of this.lastObserved) {
      if (nowMs - at < this.transitionMs || met.some((t) => conditionOf(t.signal) === cond)) out.add(cond);
      else this.lastObserved.delete(cond);
    }
    return out;
  }
}

export interface NodeCondition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

const TEXT: Record<PressureCondition, { true: [string, string]; false: [string, string] }> = {
  MemoryPressure: { true: ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'], false: ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available'] },
  DiskPressure: { true: ['KubeletHasDiskPressure', 'kubelet has disk pressure'], false: ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure'] },
  PIDPressure: { true: ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'], false: ['KubeletHasSufficientPID', 'kubelet has sufficient PID available'] },
};

/** The three pressure conditions; lastTransitionTime kept from prev while the status stays the same. */
export function pressureConditions(inPressure: Set<PressureCondition>, prev: NodeCondition[], now: string): NodeCondition[] {
  return PRESSURE_CONDITIONS.map((type) => {
    const status = inPressure.has(type) ? 'True' : 'False';
    const [reason, message] = TEXT[type][status === 'True' ? 'true' : 'false'];
    const old = prev.find((c) => c.type === type);
    return { type, status, reason, message, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now };
  });
}

/** The node event the kubelet records when a pressure condition changes ("NodeHasInsufficientMemory"). */
export function conditionEventReason(c: NodeCondition): string {
  return c.reason.replace(/^Kubelet/, 'Node');
}
