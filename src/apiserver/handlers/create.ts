// POST: create an object (name or generateName), in an existing, non-terminating namespace.

import type { RequestContext } from '../context.js';
import { sliceTurn, warningHeaders } from '../context.js';
import { checkTypeMeta, enforceFieldValidation, isDryRun, prepareForCreate } from '../prepare.js';
import { readRequestBody } from './request-body.js';
import { sendObject } from '../respond.js';
import { sendWritten } from './send-written.js';
import { checkNamespaceAcceptsCreates } from './namespace-lifecycle.js';
import { checkObjectSize, MAX_STORED_OBJECT_BYTES } from '../object-size.js';
import { admit } from '../admission/admit.js';

export async function handleCreate(rc: RequestContext) {
  const { value, duplicates } = await readRequestBody(rc, rc.req.headers['content-type'], rc.def.schema);
  const obj = checkTypeMeta(rc.def, value);
  checkObjectSize(obj);
  await sliceTurn(rc);
  await enforceFieldValidation(rc, obj, duplicates);
  await sliceTurn(rc);
  await checkNamespaceAcceptsCreates(rc, obj.metadata?.name ?? obj.metadata?.generateName ?? '');
  const prepared = await prepareForCreate(rc, obj);
  const dryRun = isDryRun(rc);
  await admit(rc, 'CREATE', prepared, undefined, dryRun);
  await sliceTurn(rc);
  if (dryRun) {
    // What the store would refuse (Objects measures what it encodes), a dry run refuses too.
    checkObjectSize(prepared, MAX_STORED_OBJECT_BYTES);
    return sendObject(rc.req, rc.res, 201, prepared, warningHeaders(rc.warnings));
  }
  await sliceTurn(rc);
  const created = await rc.api.objects(rc.def).create(prepared, { turn: () => sliceTurn(rc) });
  await sliceTurn(rc);
  sendWritten(rc, 201, created, warningHeaders(rc.warnings));
}
