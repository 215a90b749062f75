// Disruption budget arithmetic, shared by the disruption controller (which computes a budget's
// status) and the API server's eviction subresource (which spends it). Pure functions, worded and
// rounded as Kubernetes' disruption controller and intstr.GetScaledValueFromIntOrPercent.

import { rfc3339 } from '../../../util/time.js';
import type { KObject } from '../../kind.js';
import { type LabelSelectorObject, selectorFromObject } from '../../labels.js';

export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';
export const SYNC_FAILED = 'SyncFailed';
/** The cause type of a 429 from the eviction subresource. */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';
/** An eviction recorded in status.disruptedPods counts as done for this long; then the pod counts again if it is still there. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;
/** Kubernetes' MaxDisruptedPodSize: evictions the controller has not confirmed yet. */
export const MAX_DISRUPTED_PODS = 2000;

export interface PdbSpec {
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  selector?: LabelSelectorObject | null;
  unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
}

export interface PdbCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface PdbStatus {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: PdbCondition[];
}

export type Pdb = KObject & { spec?: PdbSpec; status?: PdbStatus };

const PERCENT = /^([0-9]+)%$/;

/**
 * An int-or-percent resolved against `total`: an integer as is, "N%" as N% of total, rounded up or
 * down. Throws on any other string (Kubernetes' "invalid value for IntOrString").
 */
export function scaledValue(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = PERCENT.exec(v);
  if (!m) throw new Error(`invalid value for IntOrString: invalid value "${v}": a percentage must be digits followed by '%'`);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** Whether the budget needs the owning controllers' scale (percentages, maxUnavailable) rather than the count of matching pods. */
export const needsScale = (spec: PdbSpec): boolean => (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null ? true : typeof spec.minAvailable === 'string');

/**
 * desiredHealthy from the spec: maxUnavailable subtracts from the expected count (never below 0),
 * minAvailable is taken as is or as a percentage of the expected count, rounded up.
 * `expected` is the controllers' scale when needsScale(spec), else the number of matching pods.
 */
export function desiredHealthyOf(spec: PdbSpec, expected: number): number {
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) return Math.max(0, expected - scaledValue(spec.maxUnavailable, expected, true));
  if (spec.minAvailable !== undefined && spec.minAvailable !== null) return scaledValue(spec.minAvailable, expected, true);
  return 0;
}

/** Healthy pods beyond the desired count; none while the budget expects no pods (a safe state for a budget that has not seen its pods yet). */
export function disruptionsAllowedOf(currentHealthy: number, desiredHealthy: number, expected: number): number {
  const allowed = currentHealthy - desiredHealthy;
  return expected <= 0 || allowed <= 0 ? 0 : allowed;
}

/**
 * The budget's selector as the eviction subresource reads it: an empty or missing selector matches
 * nothing there (Kubernetes: "a PDB with a nil or empty selector ... should match nothing").
 */
export function evictionSelects(pdb: Pdb, labels: Record<string, string>): boolean {
  const sel = pdb.spec?.selector;
  if (!sel) return false;
  const hasTerms = Object.keys(sel.matchLabels ?? {}).length > 0 || (sel.matchExpressions ?? []).length > 0;
  return hasTerms && selectorFromObject(sel).matches(labels);
}

/** The controller's view: in policy/v1 an empty selector selects every pod of the namespace, a missing one none. */
export function controllerSelects(pdb: Pdb, labels: Record<string, string>): boolean {
  const sel = pdb.spec?.selector;
  if (!sel) return false;
  return selectorFromObject(sel).matches(labels);
}

const nowRfc3339 = (ms: number) => rfc3339(ms);

/**
 * Sets a condition as apimachinery's meta.SetStatusCondition does: lastTransitionTime changes only
 * when the status changes; reason, message and observedGeneration are always replaced.
 */
export function setCondition(conditions: PdbCondition[], c: Omit<PdbCondition, 'lastTransitionTime'>, now = Date.now()): PdbCondition[] {
  const old = conditions.find((x) => x.type === c.type);
  const next: PdbCondition = { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : nowRfc3339(now) };
  return old ? conditions.map((x) => (x === old ? next : x)) : [...conditions, next];
}

/** DisruptionAllowed True/SufficientPods while disruptions are allowed, else False/InsufficientPods (pdbhelper.UpdateDisruptionAllowedCondition). */
export function withDisruptionAllowedCondition(status: PdbStatus, now = Date.now()): PdbStatus {
  const allowed = status.disruptionsAllowed > 0;
  const conditions = setCondition(status.conditions ?? [], { type: DISRUPTION_ALLOWED, status: allowed ? 'True' : 'False', reason: allowed ? SUFFICIENT_PODS : INSUFFICIENT_PODS, message: '', observedGeneration: status.observedGeneration }, now);
  return { ...status, conditions };
}

/** Whether the DisruptionAllowed condition agrees with the status (pdbhelper.ConditionsAreUpToDate). */
export function conditionUpToDate(status: PdbStatus | undefined): boolean {
  const c = status?.conditions?.find((x) => x.type === DISRUPTION_ALLOWED);
  if (!c || !status) return false;
  return c.observedGeneration === status.observedGeneration && (c.status === 'True') === status.disruptionsAllowed > 0;
}
