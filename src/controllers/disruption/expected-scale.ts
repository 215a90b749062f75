// The denominator of a percentage budget (and the base of maxUnavailable): the sum of the scale of
// the controllers owning the budget's pods, as Kubernetes' disruption controller finds them:
// Deployments through their ReplicaSets, bare ReplicaSets, StatefulSets from the shared caches, and
// any other owner (ReplicationController...) through its scale subresource. A pod with no
// controller is "unmanaged" (the budget's status then cannot be exact); an owner whose scale
// cannot be found is an error the budget reports as SyncFailed.

import type { KObject, OwnerReference } from '../../api/kind.js';
import type { InformerLike } from '../../client/informer.js';
import { isNotFound, type ResourceRef, type RestClient, resourcePath } from '../../client/rest.js';
import { controllerRef } from '../util/pod-state.js';

const replicasOf = (o: KObject | undefined) => (o?.spec as { replicas?: number } | undefined)?.replicas ?? 1;
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const isApps = (ref: OwnerReference) => ['apps', 'extensions'].includes(groupOf(ref.apiVersion));

/** Owners reached through their scale subresource: the resource a kind is served as (Kubernetes uses its RESTMapper). */
const SCALE_RESOURCES: Record<string, Omit<ResourceRef, 'group'>> = {
  ReplicationController: { version: 'v1', plural: 'replicationcontrollers' },
};

export interface ScaleCaches {
  replicaSets: InformerLike;
  deployments: InformerLike;
  statefulSets: InformerLike;
  client: RestClient;
}

export class ExpectedScaleError extends Error {}

/** The scale of the controller `ref` names in `namespace`, identified by uid; undefined when it is not found. */
export async function controllerScale(c: ScaleCaches, ref: OwnerReference, namespace: string): Promise<{ uid: string; scale: number } | undefined> {
  const key = `${namespace}/${ref.name}`;
  if (ref.kind === 'ReplicaSet' && isApps(ref)) {
    const rs = c.replicaSets.get(key);
    if (rs && rs.metadata?.uid === ref.uid) {
      const owner = controllerRef(rs);
      if (owner?.kind === 'Deployment' && isApps(owner)) {
        const d = c.deployments.get(`${namespace}/${owner.name}`);
        if (d && d.metadata?.uid === owner.uid) return { uid: owner.uid, scale: replicasOf(d) };
      }
      return { uid: ref.uid, scale: replicasOf(rs) };
    }
    return undefined;
  }
  if (ref.kind === 'StatefulSet' && groupOf(ref.apiVersion) === 'apps') {
    const ss = c.statefulSets.get(key);
    return ss && ss.metadata?.uid === ref.uid ? { uid: ref.uid, scale: replicasOf(ss) } : undefined;
  }
  const known = SCALE_RESOURCES[ref.kind];
  const group = groupOf(ref.apiVersion);
  const r: ResourceRef = known ? { group: '', ...known } : { group, version: ref.apiVersion.split('/').pop() ?? 'v1', plural: `${ref.kind.toLowerCase()}s` };
  try {
    const scale = (await c.client.request('GET', resourcePath(r, namespace, ref.name, 'scale'))) as KObject;
    if (scale.metadata?.uid !== ref.uid) return undefined;
    return { uid: ref.uid, scale: (scale.spec as { replicas?: number } | undefined)?.replicas ?? 0 };
  } catch (e) {
    // Not found, or a kind without a scale subresource (a DaemonSet): no controller with a scale.
    const code = (e as { code?: number }).code;
    if (isNotFound(e) || code === 404 || code === 405) return undefined;
    throw e;
  }
}

/** Sum of the scales of the pods' controllers (each counted once), and the names of pods without one. */
export async function expectedScale(c: ScaleCaches, pods: KObject[]): Promise<{ expected: number; unmanaged: string[] }> {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  const seen = new Set<string>();
  for (const pod of pods) {
    const ref = controllerRef(pod);
    if (!ref) {
      unmanaged.push(pod.metadata?.name ?? '');
      continue;
    }
    if (seen.has(ref.uid)) continue;
    seen.add(ref.uid);
    const found = await controllerScale(c, ref, pod.metadata?.namespace ?? '');
    if (!found) throw new ExpectedScaleError(`found no controllers for pod "${pod.metadata?.name}"`);
    scales.set(found.uid, found.scale);
  }
  let expected = 0;
  for (const s of scales.values()) expected += s;
  return { expected, unmanaged };
}
