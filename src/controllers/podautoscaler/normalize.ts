// From the metrics' proposal to the replica count the HPA writes, as Kubernetes normalizes it:
// without spec.behavior, the highest recommendation of the downscale stabilization window (5 min),
// then minReplicas, maxReplicas and the fixed scale-up limit (double, at least 4); with behavior,
// the window of each direction (the lowest recent recommendation bounds a scale up, the highest a
// scale down), then each direction's policies (Pods or Percent per periodSeconds, counted from the
// scale events inside the period, selectPolicy Max/Min/Disabled). The history of recommendations
// and scale events lives here, per HPA, in memory (as in kube-controller-manager).

export interface ScalingPolicy {
  type: 'Pods' | 'Percent' | string;
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled' | string;
  policies?: ScalingPolicy[];
}

export interface Behavior {
  scaleUp?: ScalingRules;
  scaleDown?: ScalingRules;
}

export interface Limited {
  replicas: number;
  /** AbleToScale's reason and message (ReadyForNewScale, ScaleUpStabilized, ScaleDownStabilized). */
  able: { reason: string; message: string };
  /** ScalingLimited: true when the count was cut, with Kubernetes' reason and message. */
  limited: { status: boolean; reason: string; message: string };
}

interface Recommendation {
  replicas: number;
  at: number;
}

interface ScaleEvent {
  change: number;
  at: number;
  outdated: boolean;
}

const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;
const MIN_INT32 = -(2 ** 31);
const MAX_INT32 = 2 ** 31 - 1;

const READY = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const WITHIN = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const TOO_MANY = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const TOO_FEW = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
const UP_LIMIT = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const DOWN_LIMIT = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };

/** The in-memory history of one controller: recommendations and scale events per HPA key. */
export class ScalingHistory {
  private recommendations = new Map<string, Recommendation[]>();
  private upEvents = new Map<string, ScaleEvent[]>();
  private downEvents = new Map<string, ScaleEvent[]>();

  constructor(
    /** --horizontal-pod-autoscaler-downscale-stabilization (default 5 min). */
    readonly downscaleStabilizationMs = 5 * 60_000,
    private now: () => number = Date.now,
  ) {}

  /** The first sight of an HPA seeds its history with the current count (a fresh controller does not scale down at once). */
  recordInitial(key: string, currentReplicas: number) {
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ replicas: currentReplicas, at: this.now() }]);
  }

  forget(key: string) {
    this.recommendations.delete(key);
    this.upEvents.delete(key);
    this.downEvents.delete(key);
  }

  /** Without behavior: the highest recommendation in the downscale window, then the fixed limits. */
  normalize(key: string, currentReplicas: number, proposed: number, minReplicas: number, maxReplicas: number): Limited {
    const now = this.now();
    const cutoff = now - this.downscaleStabilizationMs;
    const recs = this.recommendations.get(key) ?? [];
    let stabilized = proposed;
    let oldIndex = -1;
    recs.forEach((r, i) => {
      if (r.at < cutoff) oldIndex = i;
      else if (r.replicas > stabilized) stabilized = r.replicas;
    });
    if (oldIndex >= 0) recs[oldIndex] = { replicas: proposed, at: now };
    else recs.push({ replicas: proposed, at: now });
    this.recommendations.set(key, recs);
    const able = stabilized !== proposed ? { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' } : READY;

    const scaleUpLimit = Math.trunc(Math.max(SCALE_UP_LIMIT_FACTOR * currentReplicas, SCALE_UP_LIMIT_MINIMUM));
    const [maxAllowed, upReason] = maxReplicas > scaleUpLimit ? [scaleUpLimit, UP_LIMIT] : [maxReplicas, TOO_MANY];
    let replicas = stabilized;
    let why = WITHIN;
    if (stabilized < minReplicas) [replicas, why] = [minReplicas, TOO_FEW];
    else if (stabilized > maxAllowed) [replicas, why] = [maxAllowed, upReason];
    return { replicas, able, limited: { status: replicas !== stabilized, ...why } };
  }

  /** With behavior: per-direction stabilization windows, then the policies' rates and min/max. */
  normalizeWithBehavior(key: string, currentReplicas: number, proposed: number, minReplicas: number, maxReplicas: number, behavior: Behavior): Limited {
    const up = behavior.scaleUp ?? {};
    const down = { ...(behavior.scaleDown ?? {}) };
    // An unset scale-down window is the controller's --horizontal-pod-autoscaler-downscale-stabilization.
    down.stabilizationWindowSeconds ??= Math.trunc(this.downscaleStabilizationMs / 1000);
    const now = this.now();
    const upCutoff = now - (up.stabilizationWindowSeconds ?? 0) * 1000;
    const downCutoff = now - down.stabilizationWindowSeconds * 1000;
    let upRec = proposed;
    let downRec = proposed;
    let oldIndex = -1;
    const recs = this.recommendations.get(key) ?? [];
    recs.forEach((r, i) => {
      if (r.at > upCutoff) upRec = Math.min(r.replicas, upRec);
      if (r.at > downCutoff) downRec = Math.max(r.replicas, downRec);
      if (r.at < upCutoff && r.at < downCutoff) oldIndex = i;
    });
    let stabilized = currentReplicas;
    if (stabilized < upRec) stabilized = upRec;
    if (stabilized > downRec) stabilized = downRec;
    if (oldIndex >= 0) recs[oldIndex] = { replicas: proposed, at: now };
    else recs.push({ replicas: proposed, at: now });
    this.recommendations.set(key, recs);
    let able = READY;
    if (stabilized !== proposed) {
      able =
        proposed >= currentReplicas ? { reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' } : { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
    }

    let replicas = stabilized;
    let why = WITHIN;
    const ups = this.upEvents.get(key) ?? [];
    const downs = this.downEvents.get(key) ?? [];
    if (stabilized > currentReplicas) {
      const limit = Math.max(scaleUpLimit(currentReplicas, ups, downs, up, now), currentReplicas);
      const [maxAllowed, reason] = maxReplicas > limit ? [limit, UP_LIMIT] : [maxReplicas, TOO_MANY];
      if (stabilized > maxAllowed) [replicas, why] = [maxAllowed, reason];
    } else if (stabilized < currentReplicas) {
      const limit = Math.min(scaleDownLimit(currentReplicas, ups, downs, down, now), currentReplicas);
      const [minAllowed, reason] = minReplicas < limit ? [limit, DOWN_LIMIT] : [minReplicas, TOO_FEW];
      if (stabilized < minAllowed) [replicas, why] = [minAllowed, reason];
    }
    return { replicas, able, limited: { status: replicas !== stabilized, ...why } };
  }

  /** Remembers a rescale (only with behavior: the policies count them), reusing an outdated slot. */
  storeScaleEvent(key: string, behavior: Behavior | undefined, prev: number, next: number) {
    if (!behavior) return;
    const now = this.now();
    const upward = next > prev;
    const rules = (upward ? behavior.scaleUp : behavior.scaleDown) ?? {};
    const map = upward ? this.upEvents : this.downEvents;
    const events = map.get(key) ?? [];
    const cutoff = now - longestPeriod(rules) * 1000;
    let reuse = -1;
    events.forEach((e, i) => {
      if (e.at < cutoff) e.outdated = true;
      if (e.outdated) reuse = i;
    });
    const event = { change: Math.abs(next - prev), at: now, outdated: false };
    if (reuse >= 0) events[reuse] = event;
    else events.push(event);
    map.set(key, events);
  }
}

const longestPeriod = (rules: ScalingRules) => Math.max(0, ...(rules.policies ?? []).map((p) => p.periodSeconds));

function changeInPeriod(periodSeconds: number, events: ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.at > cutoff) sum += e.change;
  return sum;
}

/** The most replicas the scale-up rules allow now (Kubernetes' calculateScaleUpLimitWithScalingRules). */
export function scaleUpLimit(current: number, ups: ScaleEvent[], downs: ScaleEvent[], rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const min = rules.selectPolicy === 'Min';
  let result = min ? MAX_INT32 : MIN_INT32;
  for (const p of rules.policies ?? []) {
    const periodStart = current - changeInPeriod(p.periodSeconds, ups, now) + changeInPeriod(p.periodSeconds, downs, now);
    let proposed = periodStart;
    if (p.type === 'Pods') proposed = periodStart + p.value;
    else if (p.type === 'Percent') proposed = Math.ceil(periodStart * (1 + p.value / 100));
    result = min ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** The fewest replicas the scale-down rules allow now (Kubernetes' calculateScaleDownLimitWithBehaviors). */
export function scaleDownLimit(current: number, ups: ScaleEvent[], downs: ScaleEvent[], rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const min = rules.selectPolicy === 'Min';
  let result = min ? MIN_INT32 : MAX_INT32;
  for (const p of rules.policies ?? []) {
    const periodStart = current - changeInPeriod(p.periodSeconds, ups, now) + changeInPeriod(p.periodSeconds, downs, now);
    let proposed = periodStart;
    if (p.type === 'Pods') proposed = periodStart - p.value;
    else if (p.type === 'Percent') proposed = Math.trunc(periodStart * (1 - p.value / 100));
    result = min ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}
