// networking.k8s.io/v1 IngressClass: an Ingress controller and its parameters. The class annotated
// ingressclass.kubernetes.io/is-default-class=true is given to new Ingresses that name none, by the
// DefaultIngressClass admission plugin (src/apiserver/admission/default-ingress-class.ts).

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { str, struct } from '../../schema.js';
import { dns1123Label, dns1123Subdomain } from '../../names.js';
import { isObj, str as text } from '../workloads/checks.js';
import { validateTypedRef } from './ingress-validation.js';

export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const MAX_CONTROLLER_LENGTH = 250;
const SCOPES = ['Cluster', 'Namespace'];
const HTTP_PATH = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

export const isDefaultIngressClass = (o: KObject) => o.metadata?.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true';

type Params = { apiGroup?: string; kind?: string; name?: string; scope?: string; namespace?: string };
type IC = KObject & { spec?: { controller?: string; parameters?: Params } };

/** "example.com/ingress-controller": a DNS subdomain, "/", an HTTP path. */
function domainPrefixedPath(field: string, v: string): FieldError[] {
  const slash = v.indexOf('/');
  const host = slash < 0 ? v : v.slice(0, slash);
  const path = slash < 0 ? '' : v.slice(slash + 1);
  if (slash < 0 || host === '' || path === '') return [fieldErr.invalid(field, v, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = dns1123Subdomain(host).map((m) => fieldErr.invalid(field, host, m));
  if (!HTTP_PATH.test(path)) errs.push(fieldErr.invalid(field, path, "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"));
  return errs;
}

function validateParameters(params: Params, p: string): FieldError[] {
  const errs = validateTypedRef(params as Record<string, unknown>, p);
  if (params.scope === undefined || params.scope === null) return [...errs, fieldErr.required(`${p}.scope`)];
  if (!SCOPES.includes(params.scope)) return [...errs, fieldErr.notSupported(`${p}.scope`, params.scope, SCOPES)];
  if (params.scope === 'Namespace') {
    if (typeof params.namespace !== 'string') errs.push(fieldErr.required(`${p}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    else errs.push(...dns1123Label(params.namespace).map((m) => fieldErr.invalid(`${p}.namespace`, params.namespace, m)));
  }
  if (params.scope === 'Cluster' && typeof params.namespace === 'string') errs.push(fieldErr.forbidden(`${p}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  return errs;
}

export function validateIngressClass(o: KObject, old?: KObject): FieldError[] {
  const spec = (isObj(o.spec) ? o.spec : {}) as NonNullable<IC['spec']>;
  const errs: FieldError[] = [];
  const controller = text(spec.controller);
  if (controller === '') errs.push(fieldErr.required('spec.controller'));
  else {
    if (controller.length > MAX_CONTROLLER_LENGTH) errs.push(fieldErr.tooLong('spec.controller', MAX_CONTROLLER_LENGTH));
    errs.push(...domainPrefixedPath('spec.controller', controller));
  }
  if (isObj(spec.parameters)) errs.push(...validateParameters(spec.parameters as Params, 'spec.parameters'));
  if (old) {
    const was = text((old as IC).spec?.controller);
    if (was !== controller) errs.push(fieldErr.invalid('spec.controller', controller, 'field is immutable'));
  }
  return errs;
}

export const ingressClass: KindDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  plural: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  schema: kindSchema('io.k8s.api.networking.v1.IngressClass', 'A kind of Ingress: the controller that implements it, and its parameters. Cluster-scoped.', {
    spec: struct('io.k8s.api.networking.v1.IngressClassSpec', 'The controller and its parameters.', {
      controller: str('The controller, as a domain-prefixed path such as "example.com/ingress-controller". Immutable.'),
      parameters: struct(
        'io.k8s.api.networking.v1.IngressClassParametersReference',
        'An object holding configuration for the controller.',
        {
          apiGroup: str('API group of the object; empty for the core group.'),
          kind: str('Kind of the object.'),
          name: str('Name of the object.'),
          scope: str('Cluster (default) or Namespace.'),
          namespace: str('Namespace of the object, when scope is Namespace.'),
        },
        { required: ['kind', 'name'] },
      ),
    }),
  }),
  hasGeneration: true,
  printerColumns: [
    { name: 'Controller', type: 'string', description: 'The controller implementing the class.', cell: (o) => (o as IC).spec?.controller ?? '' },
    {
      name: 'Parameters',
      type: 'string',
      description: 'The configuration object.',
      cell: (o) => {
        const p = (o as IC).spec?.parameters;
        if (!isObj(p)) return '<none>';
        return `${p.kind ?? ''}${p.apiGroup !== undefined ? `.${p.apiGroup}` : ''}/${p.name ?? ''}`;
      },
    },
  ],
  default: (o) => {
    const p = (o as IC).spec?.parameters;
    if (isObj(p)) p.scope ??= 'Cluster';
  },
  validate: validateIngressClass,
};
