// certificatesigningrequests/approval: where Approved and Denied conditions are set (kubectl
// certificate approve|deny PUTs the whole object here). Only status.conditions is taken from the
// body; the spec, the certificate and all else stay as stored. Who may approve is CertificateApproval's
// question (csr-admission.ts).

import type { KObject } from '../../api/kind.js';
import { badRequest, conflict, methodNotAllowed } from '../../api/errors.js';
import type { Csr } from '../../api/kinds/certificates/csr.js';
import { decodeBodyAsync, readBody } from '../body.js';
import type { RequestContext } from '../context.js';
import { warningHeaders } from '../context.js';
import { checkTypeMeta, enforceFieldValidation, isDryRun, prepareForUpdate } from '../prepare.js';
import { sendObject } from '../respond.js';
import { updateWithRetry } from '../handlers/persist.js';
import { handleGet } from '../handlers/get.js';

export async function handleApproval(rc: RequestContext) {
  if (rc.info.verb === 'get') return handleGet(rc);
  if (rc.info.verb !== 'update') throw methodNotAllowed(`the server does not allow this method on the requested resource (${rc.req.method} certificatesigningrequests/approval)`);
  const { value, duplicates } = await decodeBodyAsync(await readBody(rc.req), rc.req.headers['content-type'], rc.def.schema);
  const body = checkTypeMeta(rc.def, value) as Csr;
  enforceFieldValidation(rc, body, duplicates);
  const rv = body.metadata?.resourceVersion;
  if (rv !== undefined && rv !== '' && !/^\d+$/.test(rv)) throw badRequest(`metadata.resourceVersion must be a resourceVersion returned by the server, not "${rv}"`);
  const expected = rv ? Number(rv) : undefined;
  const result = await updateWithRetry(
    rc,
    (current: KObject, revision) => {
      if (expected !== undefined && expected !== revision) throw conflict({ group: rc.def.group, resource: rc.def.plural }, rc.info.name!, 'the object has been modified; please apply your changes to the latest version and try again');
      const next = structuredClone(current) as Csr;
      next.status = { ...(next.status ?? {}), conditions: structuredClone(body.status?.conditions ?? []) };
      if (next.status.conditions?.length === 0) delete next.status.conditions;
      // The status rules (prepare.ts) apply: only status can differ from what is stored.
      return prepareForUpdate(rc, current, next, { subresource: 'status' });
    },
    expected,
    { dryRun: isDryRun(rc) },
  );
  sendObject(rc.req, rc.res, 200, result.obj, warningHeaders(rc.warnings));
}
