// Validation and defaulting of webhook configurations, with Kubernetes' messages and field paths
// (admissionregistration/validation): names, client config, rules, policies, selectors and CEL
// match conditions.

import { compileCel } from '../../cel/index.js';
import { fieldErr } from '../../errors.js';
import type { FieldError, KObject } from '../../kind.js';
import { dns1123Label, dns1123Subdomain } from '../../names.js';
import { checkLabelSelector, checkQualifiedName, isObj, objects } from '../workloads/checks.js';

export const MAX_MATCH_CONDITIONS = 64;
const OPERATIONS = ['*', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT'];
const SCOPES = ['Cluster', 'Namespaced', '*'];
const REVIEW_VERSIONS = ['v1', 'v1beta1'];
/** The variables a webhook's matchConditions may use. */
export const MATCH_CONDITION_VARIABLES = ['object', 'oldObject', 'request', 'authorizer'];

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : String(x))) : []);

/** Kubernetes' IsFullyQualifiedName: a DNS subdomain with at least three segments. */
function checkWebhookName(p: string, name: unknown): FieldError[] {
  if (typeof name !== 'string' || name === '') return [fieldErr.required(p)];
  const errs = dns1123Subdomain(name.toLowerCase()).map((m) => fieldErr.invalid(p, name, m));
  if (name.split('.').length < 3) errs.push(fieldErr.invalid(p, name, 'should be a domain with at least three segments separated by dots'));
  return errs;
}

function checkUrl(p: string, raw: string): FieldError[] {
  let u: URL;
  try {
    u = new URL(raw);
  } catch (e) {
    return [fieldErr.invalid(p, raw, `url must be a valid URL: ${(e as Error).message}`)];
  }
  const errs: FieldError[] = [];
  if (u.protocol !== 'https:') errs.push(fieldErr.invalid(p, raw, "'https' is the only allowed URL scheme"));
  if (u.hostname === '') errs.push(fieldErr.invalid(p, raw, 'host must be specified'));
  if (u.username || u.password) errs.push(fieldErr.invalid(p, raw, 'user information is not permitted in the URL'));
  if (raw.includes('#')) errs.push(fieldErr.invalid(p, raw, 'fragments are not permitted in the URL'));
  if (raw.includes('?')) errs.push(fieldErr.invalid(p, raw, 'query parameters are not permitted in the URL'));
  return errs;
}

function checkService(p: string, s: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(fieldErr.required(`${p}.name`, 'service name is required'));
  if (!s.namespace) errs.push(fieldErr.required(`${p}.namespace`, 'service namespace is required'));
  const port = s.port;
  if (typeof port === 'number' && (!Number.isInteger(port) || port < 1 || port > 65535)) errs.push(fieldErr.invalid(`${p}.port`, port, 'port is not valid: must be between 1 and 65535, inclusive'));
  const path = s.path;
  if (typeof path === 'string' && path !== '' && path !== '/') {
    if (!path.startsWith('/')) errs.push(fieldErr.invalid(`${p}.path`, path, "must start with a '/'"));
    else {
      const segs = path.slice(1).replace(/\/$/, '').split('/');
      segs.forEach((seg, i) => {
        if (seg === '') errs.push(fieldErr.invalid(`${p}.path`, path, `segment[${i}] may not be empty`));
        else for (const m of dns1123Subdomain(seg)) errs.push(fieldErr.invalid(`${p}.path`, path, `segment[${i}]: ${m}`));
      });
    }
  }
  return errs;
}

/** A WebhookClientConfig (url xor service), as Kubernetes checks it; CRD conversion webhooks use the same checks. */
export function checkClientConfig(p: string, cc: unknown): FieldError[] {
  const c = isObj(cc) ? cc : {};
  const hasUrl = typeof c.url === 'string';
  const hasService = isObj(c.service);
  if (hasUrl === hasService) return [fieldErr.required(p, 'exactly one of url or service is required')];
  return hasUrl ? checkUrl(`${p}.url`, c.url as string) : checkService(`${p}.service`, c.service as Record<string, unknown>);
}

function checkExclusiveStar(p: string, values: string[], what: string): FieldError[] {
  return values.length > 1 && values.includes('*') ? [fieldErr.invalid(p, values, `if '*' is present, must not specify other ${what}`)] : [];
}

function checkResources(p: string, resources: string[]): FieldError[] {
  if (resources.length === 0) return [fieldErr.required(p)];
  const errs: FieldError[] = [];
  const subsByStarResource = new Set<string>();
  const hasStarAll = resources.includes('*/*');
  const hasStar = resources.includes('*');
  resources.forEach((r, i) => {
    if (r === '') errs.push(fieldErr.required(`${p}[${i}]`));
    else if (r.startsWith('*/')) subsByStarResource.add(r.slice(2));
  });
  if (hasStarAll && resources.length > 1) errs.push(fieldErr.invalid(p, resources, "if '*/*' is present, must not specify other resources"));
  else {
    resources.forEach((r, i) => {
      const [res, sub] = r.split('/', 2);
      if (hasStar && sub === undefined && res !== '*') errs.push(fieldErr.invalid(p, resources, "if '*' is present, must not specify other resources without subresources"));
      if (sub !== undefined && res !== '*' && subsByStarResource.has(sub)) errs.push(fieldErr.invalid(`${p}[${i}]`, r, `if '*/${sub}' is present, must not specify ${r}`));
    });
  }
  return errs;
}

function checkRule(p: string, rule: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const ops = strings(rule.operations);
  if (ops.length === 0) errs.push(fieldErr.required(`${p}.operations`));
  errs.push(...checkExclusiveStar(`${p}.operations`, ops, 'operations'));
  ops.forEach((op, i) => {
    if (!OPERATIONS.includes(op)) errs.push(fieldErr.notSupported(`${p}.operations[${i}]`, op, OPERATIONS));
  });
  const groups = strings(rule.apiGroups);
  if (groups.length === 0) errs.push(fieldErr.required(`${p}.apiGroups`));
  errs.push(...checkExclusiveStar(`${p}.apiGroups`, groups, 'API groups'));
  const versions = strings(rule.apiVersions);
  if (versions.length === 0) errs.push(fieldErr.required(`${p}.apiVersions`));
  errs.push(...checkExclusiveStar(`${p}.apiVersions`, versions, 'API versions'));
  versions.forEach((v, i) => {
    if (v === '') errs.push(fieldErr.required(`${p}.apiVersions[${i}]`, 'version must be non-empty'));
  });
  errs.push(...checkResources(`${p}.resources`, strings(rule.resources)));
  if (rule.scope !== undefined && !SCOPES.includes(rule.scope as string)) errs.push(fieldErr.notSupported(`${p}.scope`, rule.scope, SCOPES));
  return errs;
}

function checkReviewVersions(p: string, v: unknown): FieldError[] {
  const versions = strings(v);
  if (versions.length === 0) return [fieldErr.required(p, `must specify one of ${REVIEW_VERSIONS.join(', ')}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  versions.forEach((ver, i) => {
    for (const m of dns1123Label(ver)) errs.push(fieldErr.invalid(`${p}[${i}]`, ver, m));
    if (seen.has(ver)) errs.push(fieldErr.invalid(`${p}[${i}]`, ver, 'duplicate version'));
    seen.add(ver);
  });
  if (!versions.some((ver) => REVIEW_VERSIONS.includes(ver))) errs.push(fieldErr.invalid(p, versions, `must include at least one of ${REVIEW_VERSIONS.join(', ')}`));
  return errs;
}

function checkMatchConditions(p: string, v: unknown): FieldError[] {
  const list = Array.isArray(v) ? v : [];
  const errs: FieldError[] = [];
  if (list.length > MAX_MATCH_CONDITIONS) {
    // Not compiled: the count alone refuses it, and compiling thousands would be unbounded work.
    return [{ field: p, reason: 'FieldValueTooMany', message: `Too many: ${list.length}: must have at most ${MAX_MATCH_CONDITIONS} items` }];
  }
  const names = new Set<string>();
  objects(list).forEach((c, i) => {
    const q = `${p}[${i}]`;
    const name = typeof c.name === 'string' ? c.name : '';
    if (name === '') errs.push(fieldErr.required(`${q}.name`));
    else {
      errs.push(...checkQualifiedName(`${q}.name`, name));
      if (names.has(name)) errs.push(fieldErr.duplicate(`${q}.name`, name));
      names.add(name);
    }
    const expr = typeof c.expression === 'string' ? c.expression : '';
    if (expr === '') errs.push(fieldErr.required(`${q}.expression`));
    else {
      const compiled = compileCel(expr, { variables: MATCH_CONDITION_VARIABLES });
      if ('error' in compiled) errs.push(fieldErr.invalid(`${q}.expression`, expr, `compilation failed: ${compiled.error}`));
    }
  });
  return errs;
}

function checkWebhook(p: string, w: Record<string, unknown>, mutating: boolean): FieldError[] {
  const errs = checkWebhookName(`${p}.name`, w.name);
  errs.push(...checkClientConfig(`${p}.clientConfig`, w.clientConfig));
  objects(w.rules).forEach((r, i) => {
    errs.push(...checkRule(`${p}.rules[${i}]`, r));
  });
  if (w.sideEffects === undefined || w.sideEffects === null) errs.push(fieldErr.required(`${p}.sideEffects`, 'must specify one of None, NoneOnDryRun'));
  const t = w.timeoutSeconds;
  if (typeof t === 'number' && (t < 1 || t > 30)) errs.push(fieldErr.invalid(`${p}.timeoutSeconds`, t, 'the timeout value must be between 1 and 30 seconds'));
  errs.push(...checkReviewVersions(`${p}.admissionReviewVersions`, w.admissionReviewVersions));
  errs.push(...checkLabelSelector(`${p}.namespaceSelector`, w.namespaceSelector));
  errs.push(...checkLabelSelector(`${p}.objectSelector`, w.objectSelector));
  errs.push(...checkMatchConditions(`${p}.matchConditions`, w.matchConditions));
  if (!mutating && w.reinvocationPolicy !== undefined) errs.push(fieldErr.forbidden(`${p}.reinvocationPolicy`, 'only mutating webhooks may be reinvoked'));
  return errs;
}

export function validateWebhookConfiguration(mutating: boolean) {
  return (o: KObject): FieldError[] => {
    const errs: FieldError[] = [];
    const names = new Set<string>();
    objects((o as { webhooks?: unknown }).webhooks).forEach((w, i) => {
      const p = `webhooks[${i}]`;
      errs.push(...checkWebhook(p, w, mutating));
      if (typeof w.name === 'string' && w.name !== '') {
        if (names.has(w.name)) errs.push(fieldErr.duplicate(`${p}.name`, w.name));
        names.add(w.name);
      }
    });
    return errs;
  };
}

/** v1's defaults, as Kubernetes sets them on write. */
export function defaultWebhookConfiguration(mutating: boolean) {
  return (o: KObject) => {
    for (const w of objects((o as { webhooks?: unknown }).webhooks)) {
      w.failurePolicy ??= 'Fail';
      w.matchPolicy ??= 'Equivalent';
      w.namespaceSelector ??= {};
      w.objectSelector ??= {};
      w.timeoutSeconds ??= 10;
      if (mutating) w.reinvocationPolicy ??= 'Never';
      for (const r of objects(w.rules)) r.scope ??= '*';
      const cc = isObj(w.clientConfig) ? w.clientConfig : undefined;
      if (cc && isObj(cc.service)) cc.service.port ??= 443;
    }
  };
}
