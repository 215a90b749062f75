// PUT: replace an object (optimistic concurrency on metadata.resourceVersion), its status, or a
// namespace's spec.finalizers through /finalize.

import type { KObject } from '../../api/kind.js';
import type { RequestContext } from '../context.js';
import { sliceTurn, warningHeaders } from '../context.js';
import { checkTypeMeta, enforceFieldValidation, isDryRun, prepareForUpdate } from '../prepare.js';
import { readRequestBody } from './request-body.js';
import { badRequest, conflict } from '../../api/errors.js';
import { sendWritten } from './send-written.js';
import { updateWithRetry } from './persist.js';
import { checkObjectSize } from '../object-size.js';
import { cloneJson } from '../../util/clone-json.js';

function expectedRevision(obj: KObject): number | undefined {
  const rv = obj.metadata?.resourceVersion;
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) throw badRequest(`metadata.resourceVersion must be a resourceVersion returned by the server, not "${rv}"`);
  return Number(rv);
}

export async function handleUpdate(rc: RequestContext) {
  const sub = rc.info.subresource;
  const { value, duplicates } = await readRequestBody(rc, rc.req.headers['content-type'], rc.def.schema);
  const obj = checkTypeMeta(rc.def, value);
  checkObjectSize(obj);
  await sliceTurn(rc);
  await enforceFieldValidation(rc, obj, duplicates);
  await sliceTurn(rc);
  const expected = expectedRevision(obj);
  const dryRun = isDryRun(rc);
  const result = await updateWithRetry(
    rc,
    async (current, revision) => {
      if (expected !== undefined && expected !== revision) {
        throw conflict({ group: rc.def.group, resource: rc.def.plural }, rc.info.name!, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      let next: KObject;
      if (sub === 'finalize') {
        // Only spec.finalizers changes through /finalize.
        next = cloneJson(current);
        (next.spec as Record<string, unknown> | undefined) ??= {};
        (next.spec as Record<string, unknown>).finalizers = (obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
        next.metadata!.resourceVersion = current.metadata!.resourceVersion;
        const prepared = await prepareForUpdate(rc, current, next, { subresource: 'finalize' });
        return prepared;
      }
      return prepareForUpdate(rc, current, cloneJson(obj), { subresource: sub });
    },
    expected,
    { dryRun },
  );
  sendWritten(rc, 200, result.obj, warningHeaders(rc.warnings));
}
