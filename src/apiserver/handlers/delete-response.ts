// What a DELETE answers, as kube-apiserver's generic registry and delete handler do: the object
// while it is still there (finalizers, a grace period, a terminating namespace); once it is gone,
// the object itself for the kinds whose storage sets ReturnDeletedObject, and a Success Status
// naming it for every other kind. 200 in every case but one: 202 when the object is not gone yet
// and the client asked for cascading with orphanDependents=false (kept for old clients by
// Kubernetes; propagationPolicy alone never makes a 202).

import { apiVersionOf, type KindDef, type KObject } from '../../api/kind.js';
import { successStatus } from '../respond.js';

/**
 * group/plural of the kinds whose Kubernetes storage sets ReturnDeletedObject (the kinds whose
 * DELETE the OpenAPI document declares as returning the kind, not Status; namespaces too, whose
 * REST wrapper hides it from OpenAPI). Kinds served later are already listed.
 */
export const RETURNS_DELETED_OBJECT = new Set<string>([
  '/pods',
  '/services',
  '/serviceaccounts',
  '/namespaces',
  '/persistentvolumes',
  '/persistentvolumeclaims',
  '/podtemplates',
  '/resourcequotas',
  'storage.k8s.io/storageclasses',
  'storage.k8s.io/csidrivers',
  'storage.k8s.io/csinodes',
  'storage.k8s.io/volumeattachments',
  'storage.k8s.io/volumeattributesclasses',
  'resource.k8s.io/deviceclasses',
  'resource.k8s.io/resourceclaims',
  'resource.k8s.io/resourceclaimtemplates',
  'resource.k8s.io/resourceslices',
]);

export function deleteResponse(def: KindDef, obj: KObject, gone: boolean, orphanDependents: boolean | undefined): { code: number; body: unknown } {
  const code = !gone && orphanDependents === false ? 202 : 200;
  if (!gone || RETURNS_DELETED_OBJECT.has(`${def.group}/${def.plural}`)) return { code, body: obj };
  return { code, body: successStatus({ name: obj.metadata?.name, group: def.group, kind: def.plural, uid: obj.metadata?.uid }) };
}

/** deletecollection answers with the list of the objects it deleted, as they were listed. */
export function deletedList(def: KindDef, items: KObject[], revision: number): KObject {
  return { kind: def.listKind ?? `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(revision) }, items } as KObject;
}
