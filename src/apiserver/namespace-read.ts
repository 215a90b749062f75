// The namespace a request is about, read once per request: namespace lifecycle and PodSecurity both
// need it on every namespaced create, and reading (and decoding) it twice was a measurable part of a
// pod create's CPU. Both see the namespace as it was when the request first asked, a few milliseconds
// earlier at most (Kubernetes' plugins read it from an informer cache, which lags more).

import type { KObject } from '../api/kind.js';
import type { RequestContext } from './context.js';

const reads = new WeakMap<RequestContext, Map<string, Promise<KObject | undefined>>>();

/** The namespace `name` (undefined if it does not exist), read at most once per request. */
export function requestNamespace(rc: RequestContext, name: string): Promise<KObject | undefined> {
  let mine = reads.get(rc);
  if (!mine) reads.set(rc, (mine = new Map()));
  let p = mine.get(name);
  if (!p) {
    const def = rc.api.registry.byResource('', 'v1', 'namespaces');
    p = def
      ? rc.api
          .objects(def)
          .get(undefined, name)
          .then((s) => s?.obj)
      : Promise.resolve(undefined);
    mine.set(name, p);
  }
  return p;
}
