// Adding and removing finalizers (and annotations) with a merge patch carrying the resourceVersion
// the decision was made on: a concurrent change makes it a conflict, retried from fresh state.

import type { KObject } from '../api/kind.js';
import { isNotFound, type ResourceRef, type RestClient } from './rest.js';

export const hasFinalizer = (o: KObject, f: string) => (o.metadata?.finalizers ?? []).includes(f);

/** obj with `add` finalizers added and `remove` ones removed; obj itself when nothing changes, undefined when it is gone. */
export async function changeFinalizers<T extends KObject>(client: RestClient, r: ResourceRef, obj: T, add: string[], remove: string[] = []): Promise<T | undefined> {
  const had = obj.metadata?.finalizers ?? [];
  const want = [...had.filter((f) => !remove.includes(f)), ...add.filter((f) => !had.includes(f))];
  if (want.length === had.length && want.every((f, i) => f === had[i])) return obj;
  const patch = { metadata: { finalizers: want, resourceVersion: obj.metadata?.resourceVersion } };
  return (await client.patch(r, obj.metadata?.namespace, obj.metadata!.name!, patch, 'merge').catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)))) as T | undefined;
}

/** obj with annotation `key` set to `value`. */
export async function annotate<T extends KObject>(client: RestClient, r: ResourceRef, obj: T, key: string, value: string): Promise<T | undefined> {
  if (obj.metadata?.annotations?.[key] === value) return obj;
  const patch = { metadata: { annotations: { [key]: value }, resourceVersion: obj.metadata?.resourceVersion } };
  return (await client.patch(r, obj.metadata?.namespace, obj.metadata!.name!, patch, 'merge').catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)))) as T | undefined;
}
