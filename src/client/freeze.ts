// Objects in informer caches are shared by every consumer in the process, so they are frozen once
// on arrival: a consumer that mutates one by mistake gets a TypeError at the mutation instead of
// silently changing what every other controller sees. Consumers copy (structuredClone or spread)
// before changing anything.

/** Freeze o and everything reachable from it; already frozen parts are skipped. */
export function deepFreeze<T>(o: T): T {
  if (o === null || typeof o !== 'object' || Object.isFrozen(o)) return o;
  Object.freeze(o);
  for (const v of Object.values(o as object)) if (v !== null && typeof v === 'object') deepFreeze(v);
  return o;
}
