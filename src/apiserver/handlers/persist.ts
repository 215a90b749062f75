// Writing an updated object back, with the one rule every write shares: an object that is being
// deleted and has no finalizers left is removed from the store instead of updated.

import type { KindDef, KObject } from '../../api/kind.js';
import { sliceTurn, type RequestContext } from '../context.js';
import type { Objects } from '../storage/objects.js';
import { admit } from '../admission/admit.js';
import { cloneJson } from '../../util/clone-json.js';

/** A deleting object is gone once nothing holds it: no finalizers, nothing its kind holds it for (holdsDeletion). */
export function readyToRemove(def: KindDef, obj: KObject): boolean {
  const meta = obj.metadata ?? {};
  if (!meta.deletionTimestamp) return false;
  if ((meta.finalizers ?? []).length > 0) return false;
  return !def.holdsDeletion?.(obj);
}

/** Store `next` over the object at `revision`; remove it instead when nothing holds its deletion.
 *  `turn`: the request's checkpoint, between encoding and writing (Objects.update). */
export async function persistUpdate(objects: Objects, next: KObject, revision: number, turn?: () => Promise<void> | undefined): Promise<KObject> {
  if (readyToRemove(objects.def, next)) {
    const deleted = await objects.delete(next.metadata!.namespace, next.metadata!.name!, revision);
    return deleted;
  }
  return objects.update(next, revision, { turn });
}

/**
 * Read-modify-write with retries: `mutate` returns the next object or null for no change; the
 * admission chain then sees it (UPDATE). With `dryRun` the admitted object is returned unstored.
 * With `expectedRv` (the client sent a resourceVersion) a conflict is the client's to resolve: no retry.
 * `mutate` gets the object as stored and must not change it (it is the old object admission sees
 * and what a no-op answers with): the next object is built on a copy (the mutations copy what they
 * change; a large object's copy is a whole-object pass, and copying it here as well cost one more).
 */
export async function updateWithRetry(rc: RequestContext, mutate: (current: Readonly<KObject>, revision: number) => KObject | null | Promise<KObject | null>, expectedRv?: number, opts: { dryRun?: boolean } = {}): Promise<{ obj: KObject; changed: boolean }> {
  const objects = rc.api.objects(rc.def);
  for (let attempt = 0; ; attempt++) {
    await sliceTurn(rc);
    const cur = await objects.mustGet(rc.info.namespace, rc.info.name!, { turn: () => sliceTurn(rc) });
    // Checkpoints between whole-object passes: a large object's update is several slices, not one
    // long block of the event loop (util/event-loop-slice.ts).
    await sliceTurn(rc);
    let next = await mutate(cur.obj, cur.revision);
    // A no-op update of a value stored with an old encryption key still writes it (key rotation).
    if (!next && cur.stale && !opts.dryRun) next = cloneJson(cur.obj);
    if (!next) return { obj: cur.obj, changed: false };
    await sliceTurn(rc);
    await admit(rc, 'UPDATE', next, cur.obj, !!opts.dryRun);
    if (opts.dryRun) return { obj: next, changed: true };
    await sliceTurn(rc);
    try {
      // Nothing over the object limit reaches the store: Objects measures the text it encodes.
      return { obj: await persistUpdate(objects, next, expectedRv ?? cur.revision, () => sliceTurn(rc)), changed: true };
    } catch (e) {
      const reason = (e as { reason?: string }).reason;
      if (reason === 'Conflict' && expectedRv === undefined && attempt < 10) continue;
      throw e;
    }
  }
}
