// certificatesigningrequests/approval: where Approved and Denied conditions are set (kubectl
// certificate approve|deny PUTs the whole object here; a merge or JSON patch works too). Only
// status.conditions is taken from the body; the spec, the certificate and all else stay as stored.
// Who may approve is CertificateApproval's question (csr-admission.ts).

import type { KObject } from '../../api/kind.js';
import { badRequest, conflict, methodNotAllowed, unsupportedMediaType } from '../../api/errors.js';
import type { Csr, CsrCondition } from '../../api/kinds/certificates/csr.js';
import { decodeBodyAsync, readBody } from '../body.js';
import type { RequestContext } from '../context.js';
import { warningHeaders } from '../context.js';
import { checkTypeMeta, enforceFieldValidation, isDryRun, prepareForUpdate } from '../prepare.js';
import { sendObject } from '../respond.js';
import { updateWithRetry } from '../handlers/persist.js';
import { handleGet } from '../handlers/get.js';
import { patchTypeOf } from '../handlers/patch.js';
import { applyPatch } from '../patch/index.js';

export async function handleApproval(rc: RequestContext) {
  if (rc.info.verb === 'get') return handleGet(rc);
  if (rc.info.verb === 'update') return putApproval(rc);
  if (rc.info.verb === 'patch') return patchApproval(rc);
  throw methodNotAllowed(`the server does not allow this method on the requested resource (${rc.req.method} certificatesigningrequests/approval)`);
}

/** The stored request with only its conditions replaced; the status rules (prepare.ts) keep all else as stored. */
function withConditions(rc: RequestContext, current: KObject, conditions: CsrCondition[] | undefined): Promise<KObject | null> {
  const next = structuredClone(current) as Csr;
  next.status = { ...(next.status ?? {}), conditions: structuredClone(conditions ?? []) };
  if (next.status.conditions?.length === 0) delete next.status.conditions;
  return prepareForUpdate(rc, current, next, { subresource: 'status' });
}

async function putApproval(rc: RequestContext) {
  const { value, duplicates } = await decodeBodyAsync(await readBody(rc.req), rc.req.headers['content-type'], rc.def.schema);
  const body = checkTypeMeta(rc.def, value) as Csr;
  await enforceFieldValidation(rc, body, duplicates);
  const rv = body.metadata?.resourceVersion;
  if (rv !== undefined && rv !== '' && !/^\d+$/.test(rv)) throw badRequest(`metadata.resourceVersion must be a resourceVersion returned by the server, not "${rv}"`);
  const expected = rv ? Number(rv) : undefined;
  const result = await updateWithRetry(
    rc,
    (current: KObject, revision) => {
      if (expected !== undefined && expected !== revision) throw conflict({ group: rc.def.group, resource: rc.def.plural }, rc.info.name!, 'the object has been modified; please apply your changes to the latest version and try again');
      return withConditions(rc, current, body.status?.conditions);
    },
    expected,
    { dryRun: isDryRun(rc) },
  );
  sendObject(rc.req, rc.res, 200, result.obj, warningHeaders(rc.warnings));
}

async function patchApproval(rc: RequestContext) {
  const type = patchTypeOf(rc);
  if (type === 'apply') throw unsupportedMediaType('application/apply-patch+yaml: server-side apply is not served on certificatesigningrequests/approval; use a merge or JSON patch');
  const { value: patch } = await decodeBodyAsync(await readBody(rc.req), 'application/json');
  const result = await updateWithRetry(
    rc,
    (current: KObject) => {
      const patched = checkTypeMeta(rc.def, applyPatch(structuredClone(current), type, patch, rc.def.schema)) as Csr;
      const rv = patched.metadata?.resourceVersion;
      if (rv && rv !== current.metadata?.resourceVersion) throw conflict({ group: rc.def.group, resource: rc.def.plural }, rc.info.name!, 'the object has been modified; please apply your changes to the latest version and try again');
      return withConditions(rc, current, patched.status?.conditions);
    },
    undefined,
    { dryRun: isDryRun(rc) },
  );
  sendObject(rc.req, rc.res, 200, result.obj, warningHeaders(rc.warnings));
}
