// Ownership by controller references (ControllerRefManager in Kubernetes): a controller claims the
// objects its selector matches. It adopts orphans that match (adding itself as the controller
// owner) and releases objects it owns that stopped matching. Objects owned by another controller are
// never touched. Adoption is only done after a live read confirms the owner still exists and is not
// being deleted, so a stale cache cannot adopt into a dead owner.

import type { KObject, OwnerReference } from '../../api/kind.js';
import type { Selector } from '../../api/labels.js';
import { isNotFound, type ResourceRef, type RestClient } from '../../client/rest.js';
import { controllerRefOf } from './workload-types.js';

export interface Owner {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string };
}

export const controllerRefTo = (o: Owner): OwnerReference => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name!,
  uid: o.metadata.uid!,
  controller: true,
  blockOwnerDeletion: true,
});

export interface ClaimOptions {
  client: RestClient;
  owner: Owner;
  ownerResource: ResourceRef;
  selector: Selector;
  resource: ResourceRef;
}

/** The objects `owner` controls after adopting and releasing as needed. */
export async function claim<T extends KObject>(objs: T[], o: ClaimOptions): Promise<T[]> {
  const uid = o.owner.metadata.uid;
  const claimed: T[] = [];
  let canAdopt: Promise<boolean> | undefined;
  for (const obj of objs) {
    const ref = controllerRefOf(obj);
    const matches = o.selector.matches(obj.metadata?.labels ?? {});
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) claimed.push(obj);
      else if (!o.owner.metadata.deletionTimestamp && !obj.metadata?.deletionTimestamp) await release(obj, uid!, o);
      continue;
    }
    if (!matches || o.owner.metadata.deletionTimestamp || obj.metadata?.deletionTimestamp) continue;
    canAdopt ??= ownerIsLive(o);
    if (!(await canAdopt)) continue;
    const adopted = await adopt(obj, o);
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}

async function ownerIsLive(o: ClaimOptions): Promise<boolean> {
  const live = await o.client.get(o.ownerResource, o.owner.metadata.namespace, o.owner.metadata.name!).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
  return !!live && live.metadata?.uid === o.owner.metadata.uid && !live.metadata?.deletionTimestamp;
}

async function adopt<T extends KObject>(obj: T, o: ClaimOptions): Promise<T | undefined> {
  const refs = [...(obj.metadata?.ownerReferences ?? []), controllerRefTo(o.owner)];
  // resourceVersion makes this a compare-and-swap: if someone else adopted it first, we get a 409.
  const patch = { metadata: { ownerReferences: refs, resourceVersion: obj.metadata?.resourceVersion } };
  return (await o.client.patch(o.resource, obj.metadata?.namespace, obj.metadata!.name!, patch, 'merge').catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)))) as T | undefined;
}

async function release(obj: KObject, uid: string, o: ClaimOptions) {
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid);
  const patch = { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: obj.metadata?.resourceVersion } };
  await o.client.patch(o.resource, obj.metadata?.namespace, obj.metadata!.name!, patch, 'merge').catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
}
