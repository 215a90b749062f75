// Taints and tolerations as Kubernetes' component-helpers define them, in one place for every
// component that asks "may this pod be (or stay) on this node": the scheduler, the DaemonSet
// controller and the node lifecycle controller's taint eviction.

import type { Node } from '../core/index.js';

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

/**
 * Kubernetes' ToleratesTaint: the effect must match (empty tolerates every effect), then the key
 * (empty with Exists tolerates every key), then for Equal the value. Equal needs a key: an empty
 * key with Equal is invalid in the API and so tolerates nothing here.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (!t || typeof t !== 'object') return false;
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator || 'Equal';
  if (op === 'Exists') return true;
  if (op === 'Equal') return !!t.key && (t.value ?? '') === (taint.value ?? '');
  return false;
}

export const tolerated = (tolerations: readonly Toleration[] | undefined, taint: Taint) => (tolerations ?? []).some((t) => toleratesTaint(t, taint));

/** The taints of a node object (tolerating malformed specs). */
export function taintsOfNode(node: object): Taint[] {
  const taints: unknown = (node as Node).spec?.taints;
  return Array.isArray(taints) ? (taints.filter((t) => t && typeof t === 'object' && typeof (t as Taint).key === 'string') as Taint[]) : [];
}
