// Reading a Deployment's ReplicaSets (deployment util in Kubernetes): which one runs the current
// template, sums of their replica counts, and the orders rollouts work in.

import { deepEqual } from '../../util/equal.js';
import type { PodTemplate, ReplicaSet } from '../util/workload-types.js';
import { DESIRED_REPLICAS, intAnnotation, POD_TEMPLATE_HASH, revisionOf } from './annotations.js';
import { replicasOf, type Deployment } from './types.js';

const created = (rs: ReplicaSet) => (rs.metadata.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : 0);
const specReplicas = (rs: ReplicaSet) => rs.spec.replicas ?? 1;

/** Oldest first; ties broken by name. */
export const byCreation = (a: ReplicaSet, b: ReplicaSet) => created(a) - created(b) || (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0);
/** Lowest revision first. */
export const byRevision = (a: ReplicaSet, b: ReplicaSet) => revisionOf(a) - revisionOf(b) || byCreation(a, b);
/** Largest first, newer first among equals (where added replicas go). */
export const bySizeNewer = (a: ReplicaSet, b: ReplicaSet) => specReplicas(b) - specReplicas(a) || byCreation(b, a);
/** Largest first, older first among equals (where removed replicas come from). */
export const bySizeOlder = (a: ReplicaSet, b: ReplicaSet) => specReplicas(b) - specReplicas(a) || byCreation(a, b);

/** Null and absent mean the same to the API (kubectl's undo sends creationTimestamp: null). */
export function withoutNulls<T>(v: T): T {
  if (Array.isArray(v)) return v.map(withoutNulls) as T;
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null && x !== undefined)
        .map(([k, x]) => [k, withoutNulls(x)]),
    ) as T;
  return v;
}

function withoutHash(t: PodTemplate | undefined): PodTemplate {
  const c = withoutNulls(t ?? {});
  if (c.metadata?.labels) {
    delete c.metadata.labels[POD_TEMPLATE_HASH];
    if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
  }
  return c;
}

/** Templates equal apart from the pod-template-hash label. */
export const equalIgnoreHash = (a: PodTemplate | undefined, b: PodTemplate | undefined) => deepEqual(withoutHash(a), withoutHash(b));

/** The oldest ReplicaSet whose template is the deployment's: the "new" one. */
export function findNewReplicaSet(d: Deployment, rss: ReplicaSet[]): ReplicaSet | undefined {
  return rss
    .slice()
    .sort(byCreation)
    .find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

export const sumSpecReplicas = (rss: (ReplicaSet | undefined)[]) => rss.reduce((n, rs) => n + (rs ? specReplicas(rs) : 0), 0);
export const sumStatusReplicas = (rss: (ReplicaSet | undefined)[]) => rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
export const sumReady = (rss: (ReplicaSet | undefined)[]) => rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
export const sumAvailable = (rss: (ReplicaSet | undefined)[]) => rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);

export const activeOnly = (rss: (ReplicaSet | undefined)[]) => rss.filter((rs): rs is ReplicaSet => !!rs && specReplicas(rs) > 0);

/** The only ReplicaSet with replicas, or the newest if none has any; undefined if several do. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = oldRSs.slice().sort((a, b) => byCreation(b, a));
  const active = activeOnly([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** The new ReplicaSet has every desired replica, available, for the current desired count. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = intAnnotation(rs, DESIRED_REPLICAS);
  if (desired === undefined) return false;
  const want = replicasOf(d);
  return specReplicas(rs) === want && desired === want && (rs.status?.availableReplicas ?? 0) === want;
}
