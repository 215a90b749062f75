// PATCH: JSON patch, merge patch, strategic merge patch and server-side apply, on an object or its
// status. A patch that changes nothing writes nothing (same resourceVersion), which is what makes
// `kubectl apply` twice a no-op.

import { queryBool } from '../../util/http/query-bool.js';
import { apiVersionOf, type KObject } from '../../api/kind.js';
import type { RequestContext } from '../context.js';
import { sliceTurn, warningHeaders } from '../context.js';
import { checkTypeMeta, enforceFieldValidation, isDryRun, nowSeconds, prepareForCreate, prepareForUpdate, sameObject } from '../prepare.js';
import { mediaType } from '../body.js';
import { readRequestBody } from './request-body.js';
import { badRequest, conflict, unsupportedMediaType } from '../../api/errors.js';
import { sendObject } from '../respond.js';
import { sendWritten } from './send-written.js';
import { applyPatch, serverSideApply } from '../patch/index.js';
import { updateWithRetry } from './persist.js';
import { admit } from '../admission/admit.js';
import { checkNamespaceAcceptsCreates } from './namespace-lifecycle.js';
import { checkObjectSize, MAX_STORED_OBJECT_BYTES } from '../object-size.js';
import { otherVersionsOf, prefetchOtherVersions, versionViewOf } from '../storage/versions.js';
import { cloneJson } from '../../util/clone-json.js';

const patchTypes: Record<string, 'json' | 'merge' | 'strategic' | 'apply'> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

export function patchTypeOf(rc: RequestContext) {
  const type = mediaType(rc.req.headers['content-type']);
  const t = patchTypes[type];
  if (!t) throw unsupportedMediaType(type || '(none)');
  if (t === 'strategic' && rc.def.custom) {
    throw unsupportedMediaType(`${type}: strategic merge patch is not supported for custom resources; use a merge patch or server-side apply`);
  }
  return t;
}

export async function handlePatch(rc: RequestContext) {
  const type = patchTypeOf(rc);
  const { value: patch, duplicates } = await readRequestBody(rc, type === 'apply' ? 'application/apply-patch+yaml' : 'application/json');
  if (type === 'apply') return handleApply(rc, patch, duplicates);
  const dryRun = isDryRun(rc);
  const sub = rc.info.subresource;
  const result = await updateWithRetry(
    rc,
    async (current) => {
      // The patch works on a copy: prepareForUpdate compares the result with `current`.
      const copy = cloneJson(current);
      await sliceTurn(rc);
      const patched = checkTypeMeta(rc.def, applyPatch(copy, type, patch, rc.def.schema));
      await sliceTurn(rc);
      // The merged object (stored form: defaults and managedFields included), before validation or
      // field tracking work on it.
      checkObjectSize(patched, MAX_STORED_OBJECT_BYTES);
      await sliceTurn(rc);
      await enforceFieldValidation(rc, patched, duplicates);
      await sliceTurn(rc);
      // A resourceVersion in the patch is a precondition, as in Kubernetes.
      const rv = patched.metadata?.resourceVersion;
      if (rv && rv !== current.metadata?.resourceVersion) {
        throw conflict({ group: rc.def.group, resource: rc.def.plural }, rc.info.name!, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      return prepareForUpdate(rc, current, patched, { subresource: sub });
    },
    undefined,
    { dryRun },
  );
  await sliceTurn(rc);
  sendWritten(rc, 200, result.obj, warningHeaders(rc.warnings));
}

async function handleApply(rc: RequestContext, patch: unknown, duplicates: string[]) {
  const manager = rc.query.get('fieldManager');
  if (!manager) throw badRequest('PATCH with application/apply-patch+yaml (server-side apply) requires a fieldManager query parameter');
  const force = queryBool(rc.query, 'force') === true;
  const dryRun = isDryRun(rc);
  const applied = checkTypeMeta(rc.def, patch);
  checkObjectSize(applied);
  await sliceTurn(rc);
  await enforceFieldValidation(rc, applied, duplicates);
  await sliceTurn(rc);
  if (applied.metadata?.name && applied.metadata.name !== rc.info.name) {
    throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${rc.info.name})`);
  }
  const opts = { manager, force, schema: rc.def.schema, apiVersion: apiVersionOf(rc.def), subresource: rc.info.subresource, now: nowSeconds(), otherVersions: otherVersionsOf(rc.api.registry, rc.def) };
  const objects = rc.api.objects(rc.def);
  const existing = await objects.get(rc.info.namespace, rc.info.name!);
  if (!existing) {
    // Apply creates what does not exist yet.
    await checkNamespaceAcceptsCreates(rc, rc.info.name!);
    const base: KObject = { apiVersion: applied.apiVersion, kind: applied.kind, metadata: { name: rc.info.name, namespace: rc.info.namespace } };
    const merged = serverSideApply(undefined, applied, opts);
    const obj = await prepareForCreate(rc, { ...merged, metadata: { ...base.metadata, ...merged.metadata } }, manager);
    // prepareForCreate recorded an Update entry; an apply owns its fields as Apply instead.
    obj.metadata!.managedFields = merged.metadata?.managedFields;
    await admit(rc, 'CREATE', obj, undefined, dryRun);
    if (dryRun) return sendObject(rc.req, rc.res, 201, obj, warningHeaders(rc.warnings));
    return sendWritten(rc, 201, await objects.create(obj), warningHeaders(rc.warnings));
  }
  const result = await updateWithRetry(
    rc,
    async (current) => {
      // Managers at another version of a webhook-converted kind: their ownership is compared at
      // their version, through conversions fetched ahead (the apply itself is synchronous).
      const otherAt = current.metadata?.managedFields?.some((e) => e.apiVersion && e.apiVersion !== opts.apiVersion);
      const webhook = otherAt && versionViewOf(rc.def)?.async;
      const otherVersions = webhook ? await prefetchOtherVersions(rc.api.registry, rc.def, (others) => serverSideApply(cloneJson(current), applied, { ...opts, otherVersions: others })) : opts.otherVersions;
      await sliceTurn(rc);
      const merged = serverSideApply(current, applied, { ...opts, otherVersions });
      await sliceTurn(rc);
      checkObjectSize(merged, MAX_STORED_OBJECT_BYTES);
      await sliceTurn(rc);
      const next = await prepareForUpdate(rc, current, merged, { subresource: rc.info.subresource, skipManagedFields: true });
      if (!next || sameObject(next, current)) return null;
      return next;
    },
    undefined,
    { dryRun },
  );
  sendWritten(rc, 200, result.obj, warningHeaders(rc.warnings));
}
