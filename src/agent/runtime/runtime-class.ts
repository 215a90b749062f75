// Which runtime handler runs a pod. A pod naming a RuntimeClass runs only if the class exists and
// its handler is one this agent has (only "runc"): otherwise its sandbox is never created and the
// pod stays waiting with a FailedCreatePodSandBox event saying why, as the kubelet does when the
// container runtime has no such handler. Never run silently with another handler.
// Lookups are cached briefly: a pod retrying its sandbox every two seconds must not turn into a
// GET per retry.

import type { KObject } from '../../api/kind.js';
import { R } from '../../client/resources.js';
import { isNotFound, type RestClient } from '../../client/rest.js';

/** The handlers this agent can run pods with (the process runtime stands in for runc). */
export const RUNTIME_HANDLERS = ['runc'];

const CACHE_MS = 10_000;

/** Why a pod naming RuntimeClass `name` (found as `rc`, or not found) cannot run here; undefined when it can. */
export function runtimeClassProblem(name: string, rc: { handler?: unknown } | undefined, handlers: readonly string[] = RUNTIME_HANDLERS): string | undefined {
  if (!rc) return `RuntimeClass ${JSON.stringify(name)} not found`;
  const handler = typeof rc.handler === 'string' ? rc.handler : '';
  if (!handlers.includes(handler)) return `no runtime for ${JSON.stringify(handler)} is configured (this node's runtime handlers: ${handlers.join(', ')})`;
  return undefined;
}

export type RuntimeClassLookup = (name: string) => Promise<KObject | undefined>;

/** Looks RuntimeClasses up through the API, remembering each answer (found or not) for a few seconds. */
export function cachedRuntimeClassLookup(client: Pick<RestClient, 'get'>, now: () => number = Date.now): RuntimeClassLookup {
  const cache = new Map<string, { at: number; rc: KObject | undefined }>();
  return async (name) => {
    const hit = cache.get(name);
    if (hit && now() - hit.at < CACHE_MS) return hit.rc;
    let rc: KObject | undefined;
    try {
      rc = await client.get(R.runtimeclasses, undefined, name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (cache.size > 256) cache.clear();
    cache.set(name, { at: now(), rc });
    return rc;
  };
}

/** The sandbox error for a pod's runtimeClassName, or undefined when the pod may run here. */
export async function checkRuntimeClass(runtimeClassName: unknown, lookup: RuntimeClassLookup): Promise<string | undefined> {
  if (typeof runtimeClassName !== 'string' || runtimeClassName === '') return undefined;
  return runtimeClassProblem(runtimeClassName, (await lookup(runtimeClassName)) as { handler?: unknown } | undefined);
}
