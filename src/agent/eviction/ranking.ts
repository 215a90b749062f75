// Which pod goes first under memory pressure, in the kubelet's order: pods using more memory than
// they requested before pods within their requests, then lower priority before higher, then the
// one furthest above its request. Pods whose usage could not be measured come first at each step,
// as in the kubelet (nothing vouches for them). BestEffort pods request nothing, so any use puts
// them in the first group; a Guaranteed pod within its request is in the last one.

export interface MemoryCandidate {
  uid: string;
  /** spec.priority (0 when unset). */
  priority: number;
  /** The pod's memory request in bytes (sum of its containers'; an init container's if larger). */
  request: number;
  /** Working set in bytes; undefined when it could not be read. */
  usage?: number;
}

type Cmp = (a: MemoryCandidate, b: MemoryCandidate) => number;

/** Unmeasured first. */
const measured = (a: MemoryCandidate, b: MemoryCandidate) => (a.usage === undefined ? 0 : 1) - (b.usage === undefined ? 0 : 1);

const exceedsRequests: Cmp = (a, b) => {
  if (a.usage === undefined || b.usage === undefined) return measured(a, b);
  return Number(b.usage > b.request) - Number(a.usage > a.request);
};
const byPriority: Cmp = (a, b) => a.priority - b.priority;
const aboveRequest: Cmp = (a, b) => {
  if (a.usage === undefined || b.usage === undefined) return measured(a, b);
  return b.usage - b.request - (a.usage - a.request);
};

/** PID pressure, as the kubelet ranks it: lower priority first, then the pod with the most processes. */
export interface PidCandidate {
  uid: string;
  priority: number;
  /** Processes and threads; undefined when unknown (ranked first, as unmeasured pods are). */
  processes?: number;
}

export function rankForPidEviction<T extends PidCandidate>(pods: T[]): T[] {
  return [...pods].sort((a, b) => a.priority - b.priority || (a.processes === undefined ? 0 : 1) - (b.processes === undefined ? 0 : 1) || (b.processes ?? 0) - (a.processes ?? 0));
}

export function rankForMemoryEviction<T extends MemoryCandidate>(pods: T[]): T[] {
  const order: Cmp[] = [exceedsRequests, byPriority, aboveRequest];
  return [...pods].sort((a, b) => {
    for (const cmp of order) {
      const r = cmp(a, b);
      if (r !== 0) return r;
    }
    return 0;
  });
}
