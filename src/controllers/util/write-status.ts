// Writing status through the status subresource, retrying on conflict with a fresh read (the
// informer's copy may be a little behind; status is recomputed from the cache next time anyway).

import type { KObject } from '../../api/kind.js';
import { isConflict, isNotFound, type ResourceRef, type RestClient } from '../../client/rest.js';

export async function writeStatus<T extends KObject>(client: RestClient, r: ResourceRef, obj: T, status: unknown): Promise<T | undefined> {
  let current: KObject = obj;
  for (let attempt = 0; ; attempt++) {
    try {
      return (await client.update(r, { ...current, status }, 'status')) as T;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      if (!isConflict(e) || attempt >= 2) throw e;
      const live = await client.get(r, obj.metadata?.namespace, obj.metadata!.name!).catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
      if (!live || live.metadata?.uid !== obj.metadata?.uid) return undefined;
      current = live;
    }
  }
}
