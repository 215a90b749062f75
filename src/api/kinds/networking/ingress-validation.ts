// Kubernetes' validation of networking.k8s.io/v1 Ingress: rules (hosts, and a path per pathType:
// Exact and Prefix absolute without '//', '/./', '/../', '%2f', nor ending '/..' or '/.';
// ImplementationSpecific absolute when set), backends (a service with a port name or number, or a
// resource, never both), TLS hosts and secret names, the class, and the load balancer status.
// Values an older object already had stay allowed on update, as Kubernetes allows them.

import { fieldErr } from '../../errors.js';
import type { FieldError, KObject } from '../../kind.js';
import { dns1123Subdomain } from '../../names.js';
import { type Obj, isObj, isSet, objects, portNameErrors, str } from '../workloads/checks.js';
import { dns1035Label, hostErrors, isIPAddress, pathSegmentName } from './hosts.js';

export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const INVALID_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_SUFFIXES = ['/..', '/.'];

interface Options {
  allowInvalidSecretName: boolean;
  allowInvalidWildcardHostRule: boolean;
}

const invalidMsgs = (field: string, value: string, msgs: string[]) => msgs.map((m) => fieldErr.invalid(field, value, m));

/** A typed local object reference (a resource backend, a class's parameters); absent kind and name are the schema's errors. */
export function validateTypedRef(ref: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof ref.apiGroup === 'string') errs.push(...invalidMsgs(`${p}.apiGroup`, ref.apiGroup, dns1123Subdomain(ref.apiGroup)));
  for (const k of ['kind', 'name']) {
    if (ref[k] === '') errs.push(fieldErr.required(`${p}.${k}`));
    else if (typeof ref[k] === 'string') errs.push(...invalidMsgs(`${p}.${k}`, ref[k], pathSegmentName(ref[k])));
  }
  return errs;
}

export function validateBackend(b: unknown, p: string): FieldError[] {
  const backend = isObj(b) ? b : {};
  const hasResource = isObj(backend.resource);
  const hasService = isObj(backend.service);
  if (hasResource && hasService) return [fieldErr.invalid(p, '', 'cannot set both resource and service backends')];
  if (hasResource) return validateTypedRef(backend.resource as Obj, `${p}.resource`);
  if (!hasService) return [fieldErr.invalid(p, '', 'resource or service backend is required')];
  const svc = backend.service as Obj;
  const errs: FieldError[] = [];
  const name = str(svc.name);
  if (name === '') errs.push(fieldErr.required(`${p}.service.name`));
  else errs.push(...invalidMsgs(`${p}.service.name`, name, dns1035Label(name)));
  const port = isObj(svc.port) ? svc.port : {};
  const portName = str(port.name);
  const portNumber = typeof port.number === 'number' ? port.number : 0;
  if (portName && portNumber) errs.push(fieldErr.invalid(p, '', 'cannot set both port name & port number'));
  else if (portName) errs.push(...invalidMsgs(`${p}.service.port.name`, portName, portNameErrors(portName)));
  else if (portNumber) {
    if (portNumber < 1 || portNumber > 65535) errs.push(fieldErr.invalid(`${p}.service.port.number`, portNumber, 'must be between 1 and 65535, inclusive'));
  } else errs.push(fieldErr.required(p, 'port name or number is required'));
  return errs;
}

function validatePath(path: Obj, p: string): FieldError[] {
  if (!isSet(path.pathType)) return [fieldErr.required(`${p}.pathType`, 'pathType must be specified')];
  const errs: FieldError[] = [];
  const value = str(path.path);
  switch (path.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) errs.push(fieldErr.invalid(`${p}.path`, value, 'must be an absolute path'));
      for (const seq of INVALID_SEQUENCES) if (value.includes(seq)) errs.push(fieldErr.invalid(`${p}.path`, value, `must not contain '${seq}'`));
      for (const suffix of INVALID_SUFFIXES) if (value.endsWith(suffix)) errs.push(fieldErr.invalid(`${p}.path`, value, `cannot end with '${suffix}'`));
      break;
    case 'ImplementationSpecific':
      if (value !== '' && !value.startsWith('/')) errs.push(fieldErr.invalid(`${p}.path`, value, 'must be an absolute path'));
      break;
    // Any other pathType is the schema's enum error (Exact, ImplementationSpecific, Prefix).
  }
  errs.push(...validateBackend(path.backend, `${p}.backend`));
  return errs;
}

/** A rule's http paths (at least one), at p (spec.rules[i]). */
function validateRuleValue(rule: Obj, p: string): FieldError[] {
  if (!isObj(rule.http)) return [];
  const paths = objects(rule.http.paths);
  const errs: FieldError[] = paths.length === 0 ? [fieldErr.required(`${p}.http.paths`)] : [];
  paths.forEach((path, i) => {
    errs.push(...validatePath(path, `${p}.http.paths[${i}]`));
  });
  return errs;
}

function validateRules(rules: Obj[], opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((rule, i) => {
    const p = `spec.rules[${i}]`;
    const host = str(rule.host);
    let wildcard = false;
    if (host) {
      if (isIPAddress(host)) errs.push(fieldErr.invalid(`${p}.host`, host, 'must be a DNS name, not an IP address'));
      wildcard = host.includes('*');
      errs.push(...invalidMsgs(`${p}.host`, host, hostErrors(host)));
    }
    if (!wildcard || !opts.allowInvalidWildcardHostRule) errs.push(...validateRuleValue(rule, p));
  });
  return errs;
}

function validateTLS(tls: Obj[], opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  tls.forEach((t, i) => {
    const p = `spec.tls[${i}]`;
    (Array.isArray(t.hosts) ? t.hosts : []).forEach((h, j) => {
      const host = str(h);
      errs.push(...invalidMsgs(`${p}.hosts[${j}]`, host, hostErrors(host)));
    });
    const secret = str(t.secretName);
    if (secret && !opts.allowInvalidSecretName) errs.push(...invalidMsgs(`${p}.secretName`, secret, dns1123Subdomain(secret)));
  });
  return errs;
}

/** Go prints a nil or empty []IngressRule this way in the "either defaultBackend or rules" error. */
const goRules = (rules: unknown) => (Array.isArray(rules) ? 'networking.IngressRule{}' : 'networking.IngressRule(nil)');

function validateStatus(status: unknown): FieldError[] {
  const lb = isObj(status) && isObj(status.loadBalancer) ? status.loadBalancer : {};
  const errs: FieldError[] = [];
  objects(lb.ingress).forEach((ing, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    const ip = str(ing.ip);
    if (ip && !isIPAddress(ip)) errs.push(fieldErr.invalid(`${p}.ip`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    const hostname = str(ing.hostname);
    if (hostname) {
      errs.push(...invalidMsgs(`${p}.hostname`, hostname, dns1123Subdomain(hostname)));
      if (isIPAddress(hostname)) errs.push(fieldErr.invalid(`${p}.hostname`, hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

function optionsFor(old: KObject | undefined): Options {
  const spec = old && isObj(old.spec) ? old.spec : undefined;
  if (!spec) return { allowInvalidSecretName: false, allowInvalidWildcardHostRule: false };
  return {
    allowInvalidSecretName: objects(spec.tls).some((t) => str(t.secretName) !== '' && dns1123Subdomain(str(t.secretName)).length > 0),
    allowInvalidWildcardHostRule: objects(spec.rules).some((r) => str(r.host).includes('*') && validateRuleValue(r, '').length > 0),
  };
}

export function validateIngress(o: KObject, old?: KObject): FieldError[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const opts = optionsFor(old);
  const errs: FieldError[] = [];
  const rules = objects(spec.rules);
  if (rules.length === 0 && !isObj(spec.defaultBackend)) {
    errs.push({ field: 'spec', reason: 'FieldValueInvalid', message: `Invalid value: []${goRules(spec.rules)}: either \`defaultBackend\` or \`rules\` must be specified` });
  }
  if (isObj(spec.defaultBackend)) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  errs.push(...validateRules(rules, opts));
  errs.push(...validateTLS(objects(spec.tls), opts));
  if (typeof spec.ingressClassName === 'string') errs.push(...invalidMsgs('spec.ingressClassName', spec.ingressClassName, dns1123Subdomain(spec.ingressClassName)));
  if (!old) {
    const annotation = o.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION];
    if (annotation !== undefined && typeof spec.ingressClassName === 'string' && annotation !== spec.ingressClassName) {
      errs.push(fieldErr.invalid(`annotations.${INGRESS_CLASS_ANNOTATION}`, annotation, 'must match `ingressClassName` when both are specified'));
    }
  }
  errs.push(...validateStatus(o.status));
  return errs;
}
