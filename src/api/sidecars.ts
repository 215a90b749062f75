// Native sidecar containers (Kubernetes SidecarContainers): an init container with restartPolicy
// Always starts in order with the other init containers but keeps running beside the app
// containers. What makes one, and what a pod with them costs: Kubernetes' effective request (or
// limit) is max(sum(app containers) + sum(sidecars), for each plain init container i: its own +
// sum(sidecars declared before i)), since sidecars started before an init container run while it
// does. One rule for the scheduler's fit, quota usage and LimitRange's Pod items (sidecars.test.ts).

/** Whether an init container is a sidecar: restartPolicy Always, the only value an init container may set. */
export function isSidecar(c: unknown): boolean {
  return !!c && typeof c === 'object' && (c as { restartPolicy?: unknown }).restartPolicy === 'Always';
}

/** How one kind of amount adds up and compares: plain numbers (the scheduler) or exact quantities (quota, LimitRange). */
export interface AmountMath<T> {
  add(a: T, b: T): T;
  less(a: T, b: T): boolean;
}

export type ResourceAmounts<T> = Map<string, T>;

function addInto<T>(into: ResourceAmounts<T>, list: ResourceAmounts<T>, m: AmountMath<T>) {
  for (const [k, v] of list) {
    const have = into.get(k);
    into.set(k, have === undefined ? v : m.add(have, v));
  }
}

function maxInto<T>(into: ResourceAmounts<T>, list: ResourceAmounts<T>, m: AmountMath<T>) {
  for (const [k, v] of list) {
    const have = into.get(k);
    if (have === undefined || m.less(have, v)) into.set(k, v);
  }
}

/**
 * The pod's effective amounts (requests or limits; overhead is the caller's) from each container's
 * own amounts: app containers, and init containers in declaration order, sidecars marked.
 */
export function effectivePodAmounts<T>(apps: ResourceAmounts<T>[], inits: { amounts: ResourceAmounts<T>; sidecar: boolean }[], m: AmountMath<T>): ResourceAmounts<T> {
  const total: ResourceAmounts<T> = new Map();
  for (const a of apps) addInto(total, a, m);
  // The sidecars started so far, and the most any init step needed (sidecars then running included).
  const sidecars: ResourceAmounts<T> = new Map();
  const initMax: ResourceAmounts<T> = new Map();
  for (const { amounts, sidecar } of inits) {
    if (sidecar) {
      addInto(total, amounts, m);
      addInto(sidecars, amounts, m);
      maxInto(initMax, sidecars, m);
    } else {
      const during: ResourceAmounts<T> = new Map(sidecars);
      addInto(during, amounts, m);
      maxInto(initMax, during, m);
    }
  }
  maxInto(total, initMax, m);
  return total;
}
