// The objects tokens name, read straight from the store (one key read each: cheap, and never stale,
// so a deleted pod's token stops working at once).

import type { KObject } from '../../api/kind.js';
import type { ApiState } from '../context.js';

export type BoundKind = 'serviceaccounts' | 'pods' | 'secrets' | 'nodes';

export async function lookup(state: ApiState, resource: BoundKind, namespace: string | undefined, name: string): Promise<KObject | undefined> {
  const def = state.registry.byResource('', 'v1', resource);
  if (!def || !name) return undefined;
  return (await state.objects(def).get(def.namespaced ? namespace : undefined, name))?.obj;
}

/** A bound object still valid for its token: same uid, and not deleted more than 60 s ago (Kubernetes' grace). */
export function stillValid(obj: KObject | undefined, uid: string, nowMs: number): boolean {
  if (!obj || obj.metadata?.uid !== uid) return false;
  const del = obj.metadata?.deletionTimestamp;
  return !del || Date.parse(del) >= nowMs - 60_000;
}
