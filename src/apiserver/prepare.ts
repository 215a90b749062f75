// Turning a request body into an object fit to store: type checks, unknown-field policy, server-set
// metadata, defaulting, validation and generation, the same for create, update, patch and apply.
// Admission plugins (admission/chain.ts) run after this, on the prepared object.

import { rfc3339 } from '../util/time.js';
import { randomUUID } from 'node:crypto';
import { apiVersionOf, type KindDef, type KObject } from '../api/kind.js';
import { defaultObjectSliced } from '../api/defaults.js';
import { pruneUnknownFieldsSliced, validateAgainstSchemaSliced } from '../api/validate.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../api/validate-meta.js';
import { deepEqual } from '../util/equal.js';
import { badRequest, invalid } from '../api/errors.js';
import { sliceTurn, type RequestContext } from './context.js';
import { recordUpdateSliced } from './patch/index.js';
import { otherVersionsOf } from './storage/versions.js';
import { cloneJson } from '../util/clone-json.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(rc: RequestContext): FieldValidation {
  const v = rc.query.get('fieldValidation');
  if (!v) return 'Warn'; // Kubernetes' server default since 1.27
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation must be one of Strict, Warn or Ignore, not "${v}"`);
}

/** The options kind a verb's query parameters decode into (named in its 422). */
const OPTIONS_KIND: Record<string, string> = { create: 'CreateOptions', update: 'UpdateOptions', patch: 'PatchOptions', delete: 'DeleteOptions', deletecollection: 'DeleteOptions' };

/**
 * ?dryRun=All (repeatable). Anything else is refused as ValidateDryRun does: 422 on the verb's
 * options kind, e.g. `CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value:
 * []string{"True"}: supported values: "All"`.
 */
export function isDryRun(rc: RequestContext): boolean {
  const d = rc.query.getAll('dryRun');
  if (d.some((v) => v !== 'All')) {
    const shown = `[]string{${d.map((v) => JSON.stringify(v)).join(', ')}}`;
    const kind = OPTIONS_KIND[rc.info.verb] ?? 'CreateOptions';
    throw invalid(kind, 'meta.k8s.io', '', [{ field: 'dryRun', reason: 'FieldValueNotSupported', message: `Unsupported value: ${shown}: supported values: "All"` }]);
  }
  return d.length > 0;
}

/** The field manager: ?fieldManager=, else the User-Agent's product name (as Kubernetes does). */
export function fieldManagerOf(rc: RequestContext): string {
  const m = rc.query.get('fieldManager');
  if (m) {
    if (m.length > 128) throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
    return m;
  }
  const ua = String(rc.req.headers['user-agent'] ?? 'unknown');
  return ua.split('/')[0].slice(0, 128) || 'unknown';
}

/** The object in a body must be an object of this endpoint's kind and version. */
export function checkTypeMeta(def: KindDef, body: unknown): KObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`the request body must be a ${def.kind} object, not ${Array.isArray(body) ? 'a list' : typeof body}`);
  }
  const obj = body as KObject;
  const want = apiVersionOf(def);
  if (obj.kind !== undefined && obj.kind !== def.kind) {
    throw badRequest(`the kind in the body (${String(obj.kind)}) does not match the endpoint's kind (${def.kind}): send it to its own resource path`);
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== want) {
    throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${want})`);
  }
  obj.apiVersion = want;
  obj.kind = def.kind;
  if (obj.metadata !== undefined && (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata))) {
    throw badRequest('metadata must be an object');
  }
  obj.metadata ??= {};
  return obj;
}

/** Apply the unknown/duplicate field policy: Strict fails with 400, Warn adds warnings, Ignore drops
 *  them. Both walks of the object go in slices (a large pod's are tens of milliseconds each). */
export async function enforceFieldValidation(rc: RequestContext, obj: KObject, duplicates: string[]) {
  const mode = fieldValidationOf(rc);
  // Ignore reports nothing: only the pruning below is needed.
  const { unknownFields } = mode === 'Ignore' ? { unknownFields: [] } : await validateAgainstSchemaSliced(rc.def.schema, obj, { unknownFields: mode }, () => sliceTurn(rc));
  const problems = [...duplicates.map((d) => `duplicate field "${d}"`), ...unknownFields.map((f) => `unknown field "${f}"`)];
  if (problems.length > 0) {
    if (mode === 'Strict') throw badRequest(`strict decoding error: ${problems.join(', ')}`);
    if (mode === 'Warn') rc.warnings.push(...problems);
  }
  // Always: Ignore collects nothing yet must still prune (and nulls of non-nullable fields go too).
  await sliceTurn(rc);
  await pruneUnknownFieldsSliced(rc.def.schema, obj, () => sliceTurn(rc));
}

/**
 * Validate after defaulting; 422 Invalid with every problem at once. The event loop may get a turn
 * between the passes (metadata and schema, then the kind's rules).
 */
export async function validateObjectSliced(rc: RequestContext, obj: KObject, old?: KObject, subresource?: string) {
  const { def } = rc;
  // A binding changes only spec.nodeName, which the kind's own update rules forbid to other writers.
  const kindRules = def.validate && subresource !== 'binding';
  const errors = old ? validateObjectMetaUpdate(def, obj, old) : validateObjectMeta(def, obj);
  await sliceTurn(rc);
  errors.push(...(await validateAgainstSchemaSliced(def.schema, obj, { unknownFields: 'Ignore' }, () => sliceTurn(rc))).errors);
  const parts = !kindRules ? [] : def.validateParts ? def.validateParts(obj, old) : [() => def.validate!(obj, old)];
  for (const part of parts) {
    await sliceTurn(rc);
    errors.push(...part());
  }
  if (errors.length > 0) throw invalid(def.kind, def.group, obj.metadata?.name ?? obj.metadata?.generateName ?? '', errors);
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
export function generateSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

/** Fields written only through subresources (status), dropped or kept from the old object on the main resource. */
export function statusFieldsOf(def: KindDef): string[] {
  return def.statusFields ?? (def.subresources?.status ? ['status'] : []);
}

/** Everything but metadata and status: what a generation counts changes of. */
function specOf(def: KindDef, obj: KObject): Record<string, unknown> {
  const skip = new Set(['metadata', 'apiVersion', 'kind', ...statusFieldsOf(def)]);
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!skip.has(k)) rest[k] = v;
  return rest;
}

/** Equal but for resourceVersion and the times in managedFields: such a write would change nothing. */
export function sameObject(a: KObject, b: KObject): boolean {
  const strip = (o: KObject) => {
    const { resourceVersion: _rv, managedFields, ...meta } = o.metadata ?? {};
    const mf = managedFields?.map(({ time: _t, ...rest }) => rest);
    return { ...o, metadata: { ...meta, managedFields: mf } };
  };
  return deepEqual(strip(a), strip(b));
}

export async function prepareForCreate(rc: RequestContext, obj: KObject, manager = fieldManagerOf(rc)): Promise<KObject> {
  const { def } = rc;
  const meta = obj.metadata!;
  if (rc.info.namespace && meta.namespace && meta.namespace !== rc.info.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (def.namespaced) meta.namespace = rc.info.namespace ?? meta.namespace;
  else delete meta.namespace;
  if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
  if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${generateSuffix()}`;
  // Server-owned metadata: never taken from the client on create.
  meta.uid = randomUUID();
  meta.creationTimestamp = rfc3339();
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.selfLink;
  if (def.hasGeneration) meta.generation = 1;
  else delete meta.generation;
  for (const f of statusFieldsOf(def)) delete obj[f];
  // Turns of the event loop between whole-object passes (context.ts, sliceTurn).
  await defaultObjectSliced(def, obj, () => sliceTurn(rc));
  await sliceTurn(rc);
  if (def.initialStatus) obj.status = def.initialStatus(obj);
  def.prepareCreate?.(obj, rc.warnings);
  await sliceTurn(rc);
  await validateObjectSliced(rc, obj);
  await sliceTurn(rc);
  if (def.warnings) rc.warnings.push(...def.warnings(obj));
  delete meta.managedFields;
  await sliceTurn(rc);
  return recordUpdateSliced(undefined, obj, { manager, schema: def.schema, apiVersion: apiVersionOf(def), now: nowSeconds() }, () => sliceTurn(rc));
}

export const nowSeconds = () => rfc3339();

/**
 * Prepare an update of `old` to `obj` through the main resource or a subresource ('status').
 * Returns null when nothing would change (so no write and no new resourceVersion).
 */
export async function prepareForUpdate(rc: RequestContext, old: KObject, obj: KObject, opts: { subresource?: string; manager?: string; skipManagedFields?: boolean } = {}): Promise<KObject | null> {
  const { def } = rc;
  const meta = obj.metadata!;
  const oldMeta = old.metadata!;
  if (rc.info.namespace && meta.namespace && meta.namespace !== rc.info.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (meta.name && meta.name !== oldMeta.name) {
    throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${oldMeta.name})`);
  }
  meta.name = oldMeta.name;
  if (def.namespaced) meta.namespace = oldMeta.namespace;
  // Server-owned metadata is carried over whatever the client sent.
  meta.uid = oldMeta.uid;
  meta.creationTimestamp = oldMeta.creationTimestamp;
  if (oldMeta.deletionTimestamp) {
    meta.deletionTimestamp = oldMeta.deletionTimestamp;
    if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
  } else {
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
  }
  delete meta.selfLink;
  const statusFields = statusFieldsOf(def);
  if (opts.subresource === 'status') {
    // Only status changes through /status; everything else stays as stored (metadata labels/annotations too? Kubernetes keeps them).
    const keep = new Set(statusFields);
    for (const k of Object.keys(obj)) if (k !== 'metadata' && !keep.has(k) && k !== 'apiVersion' && k !== 'kind') delete obj[k];
    for (const [k, v] of Object.entries(old)) if (k !== 'metadata' && !keep.has(k) && k !== 'apiVersion' && k !== 'kind') obj[k] = cloneJson(v);
    obj.metadata = { ...cloneJson(oldMeta), resourceVersion: meta.resourceVersion, managedFields: meta.managedFields };
  } else {
    for (const f of statusFields) {
      if (old[f] === undefined) delete obj[f];
      else obj[f] = cloneJson(old[f]);
    }
  }
  // Turns of the event loop between whole-object passes (context.ts, sliceTurn).
  await sliceTurn(rc);
  if (!opts.subresource) def.prepareUpdate?.(obj, old);
  await defaultObjectSliced(def, obj, () => sliceTurn(rc));
  await sliceTurn(rc);
  // Generation counts spec changes (and the start of deletion).
  if (def.hasGeneration) {
    const g = oldMeta.generation ?? 1;
    obj.metadata!.generation = deepEqual(specOf(def, obj), specOf(def, old)) ? g : g + 1;
  } else {
    delete obj.metadata!.generation;
  }
  await sliceTurn(rc);
  await validateObjectSliced(rc, obj, old, opts.subresource);
  await sliceTurn(rc);
  if (def.warnings && !opts.subresource) rc.warnings.push(...def.warnings(obj, old));
  if (opts.skipManagedFields) return obj;
  obj.metadata!.managedFields = oldMeta.managedFields;
  await sliceTurn(rc);
  if (sameObject(obj, old)) return null;
  await sliceTurn(rc);
  return recordUpdateSliced(old, obj, { manager: opts.manager ?? fieldManagerOf(rc), schema: def.schema, apiVersion: apiVersionOf(def), subresource: opts.subresource, now: nowSeconds(), otherVersions: otherVersionsOf(rc.api.registry, def) }, () => sliceTurn(rc));
}
