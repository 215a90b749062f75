// DELETE: preconditions, propagation (Foreground/Background/Orphan become finalizers the garbage
// collector honours), finalizers (the object stays, with deletionTimestamp, until they are gone),
// graceful pod deletion, namespaces that empty themselves first, and deletecollection.

import { rfc3339 } from '../../util/time.js';
import type { KObject } from '../../api/kind.js';
import type { RequestContext } from '../context.js';
import { isDryRun } from '../prepare.js';
import { admit } from '../admission/admit.js';
import { decodeBody, readBody } from '../body.js';
import { badRequest, conflict } from '../../api/errors.js';
import { sendObject } from '../respond.js';
import { deleteResponse, deletedList } from './delete-response.js';
import { buildFilter } from '../selectors.js';
import { listObjects } from './list.js';
import { persistUpdate, readyToRemove } from './persist.js';
import { queryBool } from '../../util/http/query-bool.js';
import { cloneJson } from '../../util/clone-json.js';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

async function deleteOptionsOf(rc: RequestContext): Promise<DeleteOptions> {
  const buf = await readBody(rc.req);
  let opts: DeleteOptions = {};
  if (buf.length > 0 && buf.toString().trim() !== '') {
    const { value } = decodeBody(buf, rc.req.headers['content-type'] ?? 'application/json');
    if (!value || typeof value !== 'object') throw badRequest('the DELETE body must be a DeleteOptions object');
    opts = value as DeleteOptions;
  }
  const q = rc.query;
  if (q.has('gracePeriodSeconds')) opts.gracePeriodSeconds = Number(q.get('gracePeriodSeconds'));
  if (q.has('propagationPolicy')) opts.propagationPolicy = q.get('propagationPolicy') as DeleteOptions['propagationPolicy'];
  if (q.has('orphanDependents')) opts.orphanDependents = queryBool(q, 'orphanDependents');
  return checkDeleteOptions(opts);
}

/** Refuses DeleteOptions that make no sense (also those an Eviction carries). */
export function checkDeleteOptions(opts: DeleteOptions): DeleteOptions {
  if (opts.propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(opts.propagationPolicy)) {
    throw badRequest(`propagationPolicy must be Foreground, Background or Orphan, not "${opts.propagationPolicy}"`);
  }
  if (opts.propagationPolicy && opts.orphanDependents !== undefined) {
    throw badRequest('orphanDependents and propagationPolicy cannot both be set: use propagationPolicy');
  }
  // isSafeInteger: 1e22 passes isInteger, then makes an invalid deletionTimestamp (a 500).
  if (opts.gracePeriodSeconds !== undefined && (!Number.isSafeInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)) {
    throw badRequest('gracePeriodSeconds must be a non-negative integer');
  }
  return opts;
}

/** The latest time RFC 3339 (four-digit years) can write. */
const LATEST_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59);
const FOREGROUND = 'foregroundDeletion';
const ORPHAN = 'orphan';

/**
 * Mark or remove one object. Returns the object as it is after the call and whether it is gone.
 * `skipAdmission`: the eviction subresource, whose admission ran on the Eviction (as Kubernetes' eviction deletes the pod without delete admission).
 */
export async function deleteOne(rc: RequestContext, namespace: string | undefined, name: string, opts: DeleteOptions, dryRun: boolean, how: { skipAdmission?: boolean } = {}): Promise<{ obj: KObject; gone: boolean }> {
  const objects = rc.api.objects(rc.def);
  for (let attempt = 0; ; attempt++) {
    const cur = await objects.mustGet(namespace, name);
    const obj = cloneJson(cur.obj);
    const meta = obj.metadata!;
    const ref = { group: rc.def.group, resource: rc.def.plural };
    // Once per object, not per retry: a plugin's verdict does not depend on a concurrent writer.
    if (attempt === 0 && !how.skipAdmission) await admit(rc, 'DELETE', undefined, cur.obj, dryRun);
    if (opts.preconditions?.uid && opts.preconditions.uid !== meta.uid) {
      throw conflict(ref, name, `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${meta.uid}`);
    }
    if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== meta.resourceVersion) {
      throw conflict(ref, name, `Precondition failed: ResourceVersion in precondition: ${opts.preconditions.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
    }
    // Propagation becomes a finalizer the garbage collector acts on.
    const finalizers = new Set(meta.finalizers ?? []);
    const policy = opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : opts.orphanDependents === false ? 'Background' : undefined);
    if (policy === 'Foreground') {
      finalizers.add(FOREGROUND);
      finalizers.delete(ORPHAN);
    } else if (policy === 'Orphan') {
      finalizers.add(ORPHAN);
      finalizers.delete(FOREGROUND);
    } else if (policy === 'Background') {
      finalizers.delete(ORPHAN);
      finalizers.delete(FOREGROUND);
    }
    const alreadyDeleting = !!meta.deletionTimestamp;
    if (finalizers.size > 0 || (meta.finalizers ?? []).length > 0) meta.finalizers = [...finalizers];
    if (meta.finalizers && meta.finalizers.length === 0) delete meta.finalizers;
    if (!alreadyDeleting) {
      rc.def.beginDelete?.(obj);
      const grace = rc.def.deletionGracePeriod?.(obj, opts.gracePeriodSeconds) ?? 0;
      // A huge grace period (from the pod's spec too) must still give a valid RFC 3339 time, not a RangeError.
      meta.deletionTimestamp = rfc3339(Math.min(Date.now() + grace * 1000, LATEST_TIMESTAMP_MS));
      meta.deletionGracePeriodSeconds = grace;
      if (rc.def.hasGeneration) meta.generation = (meta.generation ?? 0) + 1;
    } else if (opts.gracePeriodSeconds === 0 && rc.def.deletionGracePeriod) {
      // Force deletion of an object in its grace period (a terminating pod).
      meta.deletionGracePeriodSeconds = 0;
    }
    if (!readyToRemove(rc.def, obj) && alreadyDeleting && JSON.stringify(obj) === JSON.stringify(cur.obj)) {
      return { obj: cur.obj, gone: false };
    }
    // A dry run answers as the real delete would: the stored object when it would be gone at once
    // (what the store hands back on a delete), else the object as it would be marked.
    if (dryRun) return readyToRemove(rc.def, obj) ? { obj: cur.obj, gone: true } : { obj, gone: false };
    try {
      if (readyToRemove(rc.def, obj)) {
        const deleted = await objects.delete(namespace, name, cur.revision);
        return { obj: deleted, gone: true };
      }
      const updated = await persistUpdate(objects, obj, cur.revision);
      return { obj: updated, gone: false };
    } catch (e) {
      if ((e as { reason?: string }).reason === 'Conflict' && attempt < 10 && !opts.preconditions?.resourceVersion) continue;
      throw e;
    }
  }
}

export async function handleDelete(rc: RequestContext) {
  const opts = await deleteOptionsOf(rc);
  const dryRun = isDryRun(rc) || (opts.dryRun ?? []).includes('All');
  const { obj, gone } = await deleteOne(rc, rc.info.namespace, rc.info.name!, opts, dryRun);
  const { code, body } = deleteResponse(rc.def, obj, gone, opts.orphanDependents);
  sendObject(rc.req, rc.res, code, body);
}

export async function handleDeleteCollection(rc: RequestContext) {
  const opts = await deleteOptionsOf(rc);
  const dryRun = isDryRun(rc) || (opts.dryRun ?? []).includes('All');
  buildFilter(rc); // validate selectors before deleting anything
  const { items, revision } = await listObjects(rc);
  for (const item of items) {
    try {
      await deleteOne(rc, item.metadata?.namespace, item.metadata!.name!, opts, dryRun);
    } catch (e) {
      if ((e as { reason?: string }).reason !== 'NotFound') throw e;
    }
  }
  sendObject(rc.req, rc.res, 200, deletedList(rc.def, items, revision));
}
