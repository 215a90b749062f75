// The ValidatingAdmissionPolicy admission plugin: every write a bound policy matches is checked by
// its CEL validations; failures are acted on as the binding's validationActions say (Deny: the
// request is refused with the validation's reason; Warn: a Warning header; Audit: the audit event's
// validation.policy.admission.k8s.io/validation_failure annotation). Policies and bindings come
// from a watch-fed cache (policy-cache.ts), parameters from storage per request.

import { randomUUID } from 'node:crypto';
import { authorizerValue, prepareCel } from '../../../api/cel/index.js';
import { ApiError, forbidden, type StatusReason } from '../../../api/errors.js';
import type { KindDef, KObject } from '../../../api/kind.js';
import { VALIDATION_REASONS } from '../../../api/kinds/admissionregistration/validating-admission-policy.js';
import { type LabelSelectorObject, selectorFromObject } from '../../../api/labels.js';
import { addAuditAnnotation } from '../../audit/annotations.js';
import type { ApiState } from '../../context.js';
import type { AdmissionPlugin, AdmissionRequest } from '../chain.js';
import type { CompiledPolicy } from './compiled-policy.js';
import { evaluatePolicy, type Failure, type PolicyVars } from './evaluate.js';
import { type MatchAttributes, type MatchResourcesLike, matchedVersion, matchesResources, needsNamespace } from './matching.js';
import { PolicyCache } from './policy-cache.js';
import { evaluateWithAuthorizer, RequestAuthorizer } from '../request-authorizer.js';
import { connectKind } from '../connect.js';
import { objectAsVersion } from '../../storage/versions.js';
import { isScaleAdmission, SCALE_KIND, toScale } from '../../handlers/scale.js';

const GROUP = 'admissionregistration.k8s.io';
/** Never checked by policies, so a bad policy cannot lock its own fix out (as webhooks skip their configurations). */
const EXEMPT = new Set(['validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'validatingwebhookconfigurations', 'mutatingwebhookconfigurations']);
const AUDIT_FAILURE_KEY = 'validation.policy.admission.k8s.io/validation_failure';
/** Parameter objects one selector may bring (each means one evaluation of the policy). */
const MAX_PARAMS = 100;

type Obj = Record<string, unknown>;

interface BindingSpec {
  policyName?: string;
  paramRef?: { name?: string; namespace?: string; selector?: LabelSelectorObject; parameterNotFoundAction?: string };
  matchResources?: MatchResourcesLike;
  validationActions?: string[];
}

export function validatingAdmissionPolicyPlugin(state: ApiState, cache: PolicyCache): AdmissionPlugin {
  return {
    name: 'ValidatingAdmissionPolicy',
    handles: (a) => !(a.rc.info.group === GROUP && EXEMPT.has(a.rc.info.resource)) && (!cache.filled || !cache.empty),
    async validate(a) {
      if (!cache.filled) await cache.start();
      if (!cache.filled) throw new ApiError(403, 'Forbidden', 'not yet ready to handle request');
      await new PolicyRun(state, a).run(cache);
    },
  };
}

/** One request's pass over the bound policies. */
class PolicyRun {
  private attrs: MatchAttributes;
  private namespaceFetched = false;
  /** The variables per version the policies take the request at (matchPolicy Equivalent converts). */
  private vars = new Map<string, Promise<Omit<PolicyVars, 'params'>>>();
  private auth: RequestAuthorizer;
  private denial?: ApiError;
  /** One request uid for every policy's view of the request. */
  private uid = randomUUID();
  private audits: Obj[] = [];

  constructor(
    private state: ApiState,
    private a: AdmissionRequest,
  ) {
    const { info, def } = a.rc;
    this.attrs = {
      operation: a.operation,
      group: info.group,
      version: info.version,
      resource: info.resource,
      subresource: a.subresource,
      name: a.obj?.metadata?.name ?? a.old?.metadata?.name ?? info.name ?? '',
      namespace: info.namespace ?? a.obj?.metadata?.namespace ?? a.old?.metadata?.namespace ?? '',
      namespaced: def.namespaced,
      obj: a.obj,
      old: a.old,
      equivalentVersions: state.registry
        .all()
        .filter((d) => d.group === def.group && d.plural === def.plural && d.version !== info.version)
        .map((d) => d.version),
    };
    this.auth = new RequestAuthorizer(state.authorizer, a.rc.user, { group: info.group, resource: info.resource, subresource: a.subresource, namespace: this.attrs.namespace, name: this.attrs.name });
  }

  async run(cache: PolicyCache) {
    for (const { binding, policy } of [...cache.bound()]) {
      const spec = (binding.spec ?? {}) as BindingSpec;
      const bindingName = binding.metadata?.name ?? '';
      if (needsNamespace(policy.matchConstraints, this.attrs) || needsNamespace(spec.matchResources, this.attrs)) await this.fetchNamespace();
      if (!matchesResources(policy.matchConstraints, this.attrs, true)) continue;
      if (!matchesResources(spec.matchResources, this.attrs, false)) continue;
      let failures: Failure[];
      try {
        failures = await this.evaluate(policy, spec);
      } catch (e) {
        // Storage trouble reading parameters, an object CEL cannot take: the failurePolicy decides.
        failures = policy.failurePolicy === 'Fail' ? [{ message: `failed to evaluate policy: ${e instanceof Error ? e.message : String(e)}`, reason: 'Invalid' }] : [];
      }
      for (const f of failures) this.act(policy.name, bindingName, spec.validationActions ?? [], f);
    }
    if (this.audits.length) addAuditAnnotation(this.a.rc.req, AUDIT_FAILURE_KEY, JSON.stringify(this.audits));
    if (this.denial) throw this.denial;
  }

  private async fetchNamespace() {
    if (this.namespaceFetched) return;
    this.namespaceFetched = true;
    const nsDef = this.state.registry.byResource('', 'v1', 'namespaces');
    if (!nsDef || !this.attrs.namespace) return;
    this.attrs.namespaceObject = (await this.state.objects(nsDef).get(undefined, this.attrs.namespace))?.obj ?? null;
  }

  private baseVars(version: string): Promise<Omit<PolicyVars, 'params'>> {
    let v = this.vars.get(version);
    if (!v) this.vars.set(version, (v = this.varsAt(version)));
    return v;
  }

  private async varsAt(version: string): Promise<Omit<PolicyVars, 'params'>> {
    if (this.attrs.namespaced) await this.fetchNamespace();
    const { rc, operation, obj, old, dryRun, subresource } = this.a;
    // CONNECT shows the connection's options and scale requests the Scale, as Kubernetes does; a
    // policy matched through another served version (Equivalent) sees the object converted to it.
    const scale = isScaleAdmission(rc, subresource);
    const asDef = operation === 'CONNECT' || scale || version === rc.def.version ? rc.def : (this.state.registry.byResource(rc.def.group, version, rc.def.plural) ?? rc.def);
    const requestKind = operation === 'CONNECT' && obj ? connectKind(obj) : scale ? SCALE_KIND : { group: rc.def.group, version: rc.def.version, kind: rc.def.kind };
    const kind = asDef === rc.def ? requestKind : { group: asDef.group, version: asDef.version, kind: asDef.kind };
    const shownObj = scale ? obj && toScale(rc, obj) : await objectAsVersion(obj, rc.def, asDef);
    const shownOld = scale ? old && toScale(rc, old) : await objectAsVersion(old, rc.def, asDef);
    const requestResource = { group: rc.info.group, version: rc.info.version, resource: rc.info.resource };
    const resource = { ...requestResource, version: asDef === rc.def ? rc.info.version : asDef.version };
    const request = {
      uid: this.uid,
      kind,
      resource,
      subResource: subresource,
      requestKind,
      requestResource,
      requestSubResource: subresource,
      name: this.attrs.name,
      namespace: this.attrs.namespace,
      operation,
      userInfo: { username: rc.user.name, uid: rc.user.uid ?? '', groups: rc.user.groups, extra: rc.user.extra ?? {} },
      dryRun,
    };
    return {
      object: operation === 'DELETE' ? null : prepareCel(shownObj ?? null),
      oldObject: operation === 'CREATE' ? null : prepareCel(shownOld ?? null),
      request: prepareCel(request),
      namespaceObject: this.attrs.namespaced ? prepareCel(this.attrs.namespaceObject ?? null) : null,
      authorizer: authorizerValue(this.auth),
    };
  }

  /** The failures of one binding (over each of its parameter objects). */
  private async evaluate(policy: CompiledPolicy, spec: BindingSpec): Promise<Failure[]> {
    const configError = (message: string): Failure[] => (policy.failurePolicy === 'Fail' ? [{ message: `failed to configure binding: ${message}`, reason: 'Invalid' }] : []);
    let params: (KObject | null)[] = [null];
    if (policy.paramKind) {
      const found = await this.params(policy.paramKind, spec);
      if ('error' in found) return configError(found.error);
      params = found.params;
      if (params.length === 0) {
        return spec.paramRef?.parameterNotFoundAction === 'Deny' ? [{ message: 'failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction', reason: 'Invalid' }] : [];
      }
    }
    const base = await this.baseVars(matchedVersion(policy.matchConstraints, this.attrs));
    const out: Failure[] = [];
    for (const param of params) {
      const vars: PolicyVars = { ...base, params: param === null ? null : prepareCel(param) };
      const result = await evaluateWithAuthorizer(this.auth, () => evaluatePolicy(policy, vars));
      if (result.matched) {
        out.push(...result.failures);
        for (const [k, v] of Object.entries(result.annotations)) addAuditAnnotation(this.a.rc.req, k, v);
      }
    }
    return out;
  }

  private async params(paramKind: { apiVersion: string; kind: string }, spec: BindingSpec): Promise<{ params: (KObject | null)[] } | { error: string }> {
    const ref = spec.paramRef;
    // As Kubernetes: a binding without paramRef evaluates the policy once with params null.
    if (!ref) return { params: [null] };
    const slash = paramKind.apiVersion.lastIndexOf('/');
    const def: KindDef | undefined = this.state.registry.byKind(slash < 0 ? '' : paramKind.apiVersion.slice(0, slash), paramKind.apiVersion.slice(slash + 1), paramKind.kind);
    if (!def) return { error: `paramKind kind \`${paramKind.apiVersion}, Kind=${paramKind.kind}\` not known` };
    let namespace: string | undefined;
    if (def.namespaced) {
      namespace = ref.namespace || this.attrs.namespace;
      if (!namespace) return { error: 'cannot use namespaced paramRef in policy binding that matches cluster-scoped resources' };
    }
    const objects = this.state.objects(def);
    if (ref.name) {
      const got = await objects.get(namespace, ref.name);
      return { params: got ? [got.obj] : [] };
    }
    const sel = selectorFromObject(ref.selector ?? {});
    const page = await objects.list(namespace, { limit: 1000 });
    return { params: page.items.filter((o) => sel.matches((o.metadata?.labels ?? {}) as Record<string, string>)).slice(0, MAX_PARAMS) };
  }

  private act(policy: string, binding: string, actions: string[], f: Failure) {
    if (actions.includes('Deny') && !this.denial) {
      // As Kubernetes: admission's Forbidden error (message and details), with the validation's
      // reason and code, and the message as a cause (kubectl shows it for Invalid).
      const reason = (f.reason in VALIDATION_REASONS ? f.reason : 'Invalid') as StatusReason;
      const message = `ValidatingAdmissionPolicy '${policy}' with binding '${binding}' denied request: ${f.message}`;
      const base = forbidden({ group: this.attrs.group, resource: this.attrs.resource }, this.attrs.name, message);
      this.denial = new ApiError(VALIDATION_REASONS[reason], reason, base.message, { ...base.details, causes: [{ message }] });
    }
    if (actions.includes('Warn')) this.a.rc.warnings.push(`Validation failed for ValidatingAdmissionPolicy '${policy}' with binding '${binding}': ${f.message}`);
    if (actions.includes('Audit')) this.audits.push({ message: f.message, policy, binding, expressionIndex: f.expressionIndex ?? 0, validationActions: actions });
  }
}

/** Wires the plugin and its cache into an API server (when the kinds are served). */
export function installValidatingAdmissionPolicy(state: ApiState): { close(): void } | undefined {
  const policyDef = state.registry.byResource(GROUP, 'v1', 'validatingadmissionpolicies');
  const bindingDef = state.registry.byResource(GROUP, 'v1', 'validatingadmissionpolicybindings');
  if (!policyDef || !bindingDef) return undefined;
  const cache = new PolicyCache(state, policyDef, bindingDef);
  state.postStartHooks.push({ name: 'validating-admission-policy-cache', run: () => cache.start() });
  state.admission.register(validatingAdmissionPolicyPlugin(state, cache));
  return { close: () => cache.close() };
}
