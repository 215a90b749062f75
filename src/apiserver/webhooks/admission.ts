// The MutatingAdmissionWebhook and ValidatingAdmissionWebhook admission plugins: each request is
// matched against the cached configurations (matching.ts), sent as an AdmissionReview to every
// webhook that matches (client.ts), and the answers applied: mutating webhooks one after another,
// their JSON patches applied in turn (and those with reinvocationPolicy IfNeeded called once more if
// a later webhook changed the object); validating webhooks all at once. A webhook that cannot be
// called or answers garbage is decided by its failurePolicy, worded as Kubernetes words it.

import { randomUUID } from 'node:crypto';
import { ApiError, type StatusReason } from '../../api/errors.js';
import type { KindDef, KObject } from '../../api/kind.js';
import type { Logger } from '../../util/log.js';
import type { AdmissionPlugin, AdmissionRequest } from '../admission/chain.js';
import { addAuditAnnotation } from '../audit/annotations.js';
import type { RequestContext } from '../context.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { callWebhook, type ServiceResolver } from './client.js';
import type { WebhookConfigCache } from './config-cache.js';
import { type CompiledWebhook, evaluateMatchConditions, exemptFromWebhooks, objectSelectorMatches, type RequestAttributes, rulesMatch } from './matching.js';
import { type AdmissionRequestBody, type AdmissionResult, admissionReview, reviewVersionFor, verifyAdmissionResponse } from './review.js';
import { connectKind } from '../admission/connect.js';
import { objectAsVersion } from '../storage/versions.js';
import { isScaleAdmission, SCALE_KIND, setScaleReplicas, toScale } from '../handlers/scale.js';
import { evaluateWithAuthorizer, RequestAuthorizer } from '../admission/request-authorizer.js';
import type { Authorizer } from '../authz/types.js';
import { authorizerValue } from '../../api/cel/index.js';

export interface WebhookAdmissionDeps {
  mutating: WebhookConfigCache;
  validating: WebhookConfigCache;
  resolve?: ServiceResolver;
  /** The labels of a namespace (undefined when it does not exist). */
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
  /** Other served versions of a kind, for matchPolicy Equivalent. */
  versionsOf(def: KindDef): KindDef[];
  /** The server's authorizer, for matchConditions' `authorizer` variable (absent: every check has no opinion). */
  authorizer?: Authorizer;
  log: Logger;
}

/** Audit annotations go with the request (audit/annotations.ts), whatever the audit policy. */
function annotate(rc: RequestContext, key: string, value: string) {
  addAuditAnnotation(rc.req, key, value);
}

/** A webhook that matched, and how: the kind it is sent (another version's, under matchPolicy Equivalent). */
interface Invocation {
  hook: CompiledWebhook;
  def: KindDef;
}

/** Kubernetes' "failed calling webhook" error: an internal error for failurePolicy Fail. */
function callFailed(hook: CompiledWebhook, reason: string) {
  return new ApiError(500, 'InternalError', `Internal error occurred: failed calling webhook ${JSON.stringify(hook.name)}: ${reason}`);
}

/** A refusal, as Kubernetes' ToStatusErr builds it from the webhook's status. */
export function refusal(hook: CompiledWebhook, status: AdmissionResult['status']): ApiError {
  const deniedBy = `admission webhook ${JSON.stringify(hook.name)} denied the request`;
  const code = status?.code && status.code >= 400 && status.code <= 599 ? status.code : 400;
  const message = status?.message ? `${deniedBy}: ${status.message}` : status?.reason ? `${deniedBy}: ${status.reason}` : `${deniedBy} without explanation`;
  return new ApiError(code, (status?.reason ?? '') as StatusReason, message);
}

function attributesOf(a: AdmissionRequest, def: KindDef): RequestAttributes {
  return { operation: a.operation, group: def.group, version: def.version, resource: def.plural, subresource: a.subresource, namespaced: def.namespaced, namespace: a.rc.info.namespace ?? '' };
}

/** Which version of the kind a webhook's rules take, if any: the request's own, else (Equivalent) another served one. */
function matchVersion(hook: CompiledWebhook, a: AdmissionRequest, deps: WebhookAdmissionDeps): KindDef | undefined {
  const def = a.rc.def;
  if (rulesMatch(hook, attributesOf(a, def))) return def;
  if (hook.matchPolicy !== 'Equivalent') return undefined;
  return deps.versionsOf(def).find((other) => other !== def && rulesMatch(hook, attributesOf(a, other)));
}

async function selectorsMatch(hook: CompiledWebhook, a: AdmissionRequest, namespaceLabels: () => Promise<Record<string, string> | undefined>): Promise<boolean> {
  if (!objectSelectorMatches(hook, a.obj, a.old)) return false;
  if (hook.namespaceSelector.requirements.length === 0) return true;
  const def = a.rc.def;
  // A Namespace is matched by its own labels; other cluster-scoped objects by any namespaceSelector.
  if (def.group === '' && def.plural === 'namespaces') return hook.namespaceSelector.matches((a.obj ?? a.old)?.metadata?.labels ?? {});
  if (!def.namespaced) return true;
  return hook.namespaceSelector.matches((await namespaceLabels()) ?? {});
}

async function matching(hooks: readonly CompiledWebhook[], a: AdmissionRequest, deps: WebhookAdmissionDeps): Promise<Invocation[]> {
  const out: Invocation[] = [];
  // Read once per request, and only if a webhook has a namespaceSelector to apply.
  let labels: Promise<Record<string, string> | undefined> | undefined;
  const namespaceLabels = () => (labels ??= deps.namespaceLabels(a.rc.info.namespace ?? ''));
  for (const hook of hooks) {
    const def = matchVersion(hook, a, deps);
    if (def && (await selectorsMatch(hook, a, namespaceLabels))) out.push({ hook, def });
  }
  return out;
}

function optionsOf(a: AdmissionRequest) {
  const method = a.rc.req.method;
  const kind = a.operation === 'CREATE' ? 'CreateOptions' : a.operation === 'DELETE' ? 'DeleteOptions' : method === 'PATCH' ? 'PatchOptions' : 'UpdateOptions';
  const o: Record<string, unknown> = { kind, apiVersion: 'meta.k8s.io/v1' };
  if (a.dryRun) o.dryRun = ['All'];
  const fm = a.rc.query.get('fieldManager');
  if (fm && kind !== 'DeleteOptions') o.fieldManager = fm;
  return o;
}

async function requestBody(uid: string, a: AdmissionRequest, inv: Invocation): Promise<AdmissionRequestBody> {
  const req = a.rc.def;
  const u = a.rc.user;
  // A CONNECT's object is the connection's options (PodExecOptions...), of their own kind and version;
  // a scale request's the autoscaling/v1 Scale.
  const connect = a.operation === 'CONNECT';
  const scale = isScaleAdmission(a.rc, a.subresource);
  let obj: KObject | undefined;
  let old: KObject | undefined;
  if (scale) {
    obj = a.obj && toScale(a.rc, a.obj);
    old = a.old && toScale(a.rc, a.old);
  } else {
    obj = a.operation === 'DELETE' ? undefined : connect ? a.obj : await objectAsVersion(a.obj, req, inv.def);
    old = await objectAsVersion(a.old, req, inv.def);
  }
  const kind = connect && a.obj ? connectKind(a.obj) : scale ? SCALE_KIND : { group: inv.def.group, version: inv.def.version, kind: inv.def.kind };
  const body: AdmissionRequestBody = {
    uid,
    kind,
    resource: { group: inv.def.group, version: inv.def.version, resource: inv.def.plural },
    requestKind: connect || scale ? kind : { group: req.group, version: req.version, kind: req.kind },
    requestResource: { group: req.group, version: req.version, resource: req.plural },
    name: a.obj?.metadata?.name ?? a.old?.metadata?.name ?? a.rc.info.name ?? '',
    operation: a.operation,
    userInfo: { username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) },
    object: obj ?? null,
    oldObject: old ?? null,
    dryRun: a.dryRun,
    options: connect ? null : optionsOf(a),
  };
  if (a.subresource) {
    body.subResource = a.subresource;
    body.requestSubResource = a.subresource;
  }
  if (a.rc.def.namespaced && a.rc.info.namespace) body.namespace = a.rc.info.namespace;
  return body;
}

type Outcome = { skip: true } | { result: AdmissionResult; body: AdmissionRequestBody };

/**
 * Decides whether to call (match conditions, dry run), calls and checks the answer. Throws the
 * ApiError the request fails with; returns skip when the webhook is passed over (not matching, or
 * failing open).
 */
async function invoke(inv: Invocation, a: AdmissionRequest, uid: string, mutating: boolean, deps: WebhookAdmissionDeps): Promise<Outcome> {
  const { hook } = inv;
  const failOpen = (reason: string): Outcome => {
    if (hook.failurePolicy === 'Fail') throw callFailed(hook, reason);
    deps.log.warn('failed calling webhook, failing open', { webhook: hook.name, err: reason });
    annotate(a.rc, `failed-open.${mutating ? 'mutation' : 'validating'}.webhook.admission.k8s.io/${hook.configName}/${hook.name}`, hook.name);
    return { skip: true };
  };
  const body = await requestBody(uid, a, inv);
  if (hook.matchConditions.length > 0) {
    const auth = deps.authorizer ? new RequestAuthorizer(deps.authorizer, a.rc.user, { group: a.rc.info.group, resource: a.rc.info.resource, subresource: a.subresource, namespace: body.namespace ?? '', name: body.name }) : undefined;
    const vars = { object: body.object, oldObject: body.oldObject, request: body, authorizer: auth ? authorizerValue(auth) : {} };
    const m = await evaluateWithAuthorizer(auth, () => evaluateMatchConditions(hook, vars));
    if ('error' in m) return failOpen(`failed to evaluate match conditions: ${m.error}`);
    if (!m.match) return { skip: true };
  }
  if (a.dryRun && hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') {
    throw new ApiError(400, 'BadRequest', `admission webhook ${JSON.stringify(hook.name)} does not support dry run`);
  }
  const version = reviewVersionFor(hook.admissionReviewVersions);
  if (!version) return failOpen(`webhook does not accept known AdmissionReview versions: ${hook.admissionReviewVersions.join(', ')}`);
  let answer: unknown;
  try {
    answer = await callWebhook(hook.clientConfig, deps.resolve, admissionReview(version, body), hook.timeoutSeconds);
  } catch (e) {
    return failOpen(`failed to call webhook: ${(e as Error).message}`);
  }
  let result: AdmissionResult;
  try {
    result = verifyAdmissionResponse(uid, version, mutating, answer);
  } catch (e) {
    return failOpen(`received invalid webhook response: ${(e as Error).message}`);
  }
  a.rc.warnings.push(...result.warnings);
  for (const [k, v] of Object.entries(result.auditAnnotations)) annotate(a.rc, `${hook.name}/${k}`, v);
  if (!result.allowed) throw refusal(hook, result.status);
  return { result, body };
}

/** Applies a mutating webhook's patch to a.obj (in place), through the webhook's version of the kind. */
async function applyPatch(inv: Invocation, a: AdmissionRequest, sent: KObject, patch: unknown[]) {
  let patched: unknown;
  try {
    patched = applyJsonPatch(sent, patch);
  } catch (e) {
    throw new ApiError(500, 'InternalError', `Internal error occurred: admission webhook ${JSON.stringify(inv.hook.name)} returned a patch that cannot be applied: ${(e as Error).message}`);
  }
  if (!patched || typeof patched !== 'object' || Array.isArray(patched)) throw new ApiError(500, 'InternalError', `Internal error occurred: admission webhook ${JSON.stringify(inv.hook.name)} patched the object into something else`);
  // What identifies the object is not a webhook's to change: the handler has already decided where it goes.
  const p = patched as KObject;
  for (const [what, before, after] of [
    ['apiVersion', sent.apiVersion, p.apiVersion],
    ['kind', sent.kind, p.kind],
    ['metadata.name', sent.metadata?.name, p.metadata?.name],
    ['metadata.namespace', sent.metadata?.namespace, p.metadata?.namespace],
  ]) {
    if (before !== after) throw new ApiError(500, 'InternalError', `Internal error occurred: admission webhook ${JSON.stringify(inv.hook.name)} attempted to change ${what} from ${JSON.stringify(before ?? '')} to ${JSON.stringify(after ?? '')}`);
  }
  if (isScaleAdmission(a.rc, a.subresource)) {
    // The changed Scale's replicas go into the object it is a view of; nothing else of it is written.
    const replicas = (p.spec as { replicas?: unknown } | undefined)?.replicas;
    if (!Number.isInteger(replicas) || (replicas as number) < 0) throw new ApiError(500, 'InternalError', `Internal error occurred: admission webhook ${JSON.stringify(inv.hook.name)} patched the Scale into an invalid spec.replicas: ${JSON.stringify(replicas ?? null)}`);
    setScaleReplicas(a.rc, a.obj!, replicas as number);
    return;
  }
  const back = (await objectAsVersion(p, inv.def, a.rc.def)) as KObject;
  const target = a.obj as Record<string, unknown>;
  for (const k of Object.keys(target)) delete target[k];
  Object.assign(target, back);
}

export function mutatingWebhookPlugin(deps: WebhookAdmissionDeps): AdmissionPlugin {
  return {
    name: 'MutatingAdmissionWebhook',
    handles: (a) => deps.mutating.webhooks().length > 0 && !exemptFromWebhooks(a.rc.def.group, a.rc.def.plural),
    async mutate(a) {
      const invocations = await matching(deps.mutating.webhooks(), a, deps);
      if (invocations.length === 0) return;
      const uid = randomUUID();
      const snapshot = () => JSON.stringify(a.obj ?? null);
      /** The object as each IfNeeded webhook last saw it. */
      const seen = new Map<Invocation, string>();
      const run = async (inv: Invocation, round: number, index: number) => {
        const before = snapshot();
        const out = await invoke(inv, a, uid, true, deps);
        if ('skip' in out) return;
        if (out.result.patch && out.result.patch.length > 0 && a.obj) {
          await applyPatch(inv, a, out.body.object as KObject, out.result.patch);
          annotate(a.rc, `patch.webhook.admission.k8s.io/round_${round}_index_${index}`, JSON.stringify({ configuration: inv.hook.configName, webhook: inv.hook.name, patchType: 'JSONPatch', mutated: snapshot() !== before }));
        }
        if (inv.hook.reinvocationPolicy === 'IfNeeded') seen.set(inv, snapshot());
      };
      for (const [i, inv] of invocations.entries()) await run(inv, 0, i);
      // Reinvoked once, in order, when a later webhook changed what they saw (Kubernetes' IfNeeded).
      const final = snapshot();
      const again = invocations.filter((inv) => seen.has(inv) && seen.get(inv) !== final);
      for (const [i, inv] of again.entries()) await run(inv, 1, i);
    },
  };
}

export function validatingWebhookPlugin(deps: WebhookAdmissionDeps): AdmissionPlugin {
  return {
    name: 'ValidatingAdmissionWebhook',
    handles: (a) => deps.validating.webhooks().length > 0 && !exemptFromWebhooks(a.rc.def.group, a.rc.def.plural),
    async validate(a) {
      const invocations = await matching(deps.validating.webhooks(), a, deps);
      if (invocations.length === 0) return;
      const uid = randomUUID();
      const settled = await Promise.allSettled(invocations.map((inv) => invoke(inv, a, uid, false, deps)));
      // All are called at once; the first refusal in calling order is the answer.
      for (const s of settled) if (s.status === 'rejected') throw s.reason;
    },
  };
}
