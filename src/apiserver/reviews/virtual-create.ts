// POST of a review: decoded, type-checked and validated like any object (strict field validation,
// 422 with field paths), then answered by the review's own function and returned with 201, never
// stored (Kubernetes' review REST storage does the same: no name, uid or timestamps are set).

import { badRequest, invalid } from '../../api/errors.js';
import type { KObject } from '../../api/kind.js';
import { validateAgainstSchema } from '../../api/validate.js';
import { decodeBodyAsync, readBody } from '../body.js';
import { type RequestContext, warningHeaders } from '../context.js';
import { checkTypeMeta, enforceFieldValidation, isDryRun } from '../prepare.js';
import { sendObject } from '../respond.js';
import type { SubresourceHandler } from '../router.js';

/** Answers one validated review: returns the object to send back (usually the request with its status). */
export type ReviewAnswer = (rc: RequestContext, review: KObject) => Promise<KObject> | KObject;

export async function decodeReview(rc: RequestContext): Promise<KObject> {
  const { value, duplicates } = await decodeBodyAsync(await readBody(rc.req), rc.req.headers['content-type'], rc.def.schema);
  const obj = checkTypeMeta(rc.def, value);
  await enforceFieldValidation(rc, obj, duplicates);
  isDryRun(rc); // only checks the option: a review changes nothing, dry run or not
  const meta = obj.metadata!;
  if (rc.def.namespaced) {
    if (meta.namespace && meta.namespace !== rc.info.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    meta.namespace = rc.info.namespace;
  }
  const errors = [...validateAgainstSchema(rc.def.schema, obj, { unknownFields: 'Ignore' }).errors, ...(rc.def.validate?.(obj) ?? [])];
  if (errors.length > 0) throw invalid(rc.def.kind, rc.def.group, '', errors);
  return obj;
}

export function reviewHandler(answer: ReviewAnswer): SubresourceHandler {
  return async (rc) => {
    const review = await decodeReview(rc);
    const out = await answer(rc, review);
    sendObject(rc.req, rc.res, 201, out, warningHeaders(rc.warnings));
  };
}

/** Serves a review's answer for `group/plural` (all versions of the resource) on this server. */
export function registerReview(virtualCreates: Map<string, SubresourceHandler>, group: string, plural: string, answer: ReviewAnswer) {
  virtualCreates.set(`${group}/${plural}`, reviewHandler(answer));
}
