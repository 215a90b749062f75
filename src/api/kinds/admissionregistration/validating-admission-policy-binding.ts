// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding: applies a
// ValidatingAdmissionPolicy to (a subset of) the requests it matches, with parameters and actions.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema, labelSelector } from '../../meta.js';
import { enumOf, listOf, str, struct } from '../../schema.js';
import { checkLabelSelector, isObj, type Obj } from '../workloads/checks.js';
import { checkMatchResources, defaultMatchResources, matchResources } from './match-resources.js';

const ar = (n: string) => `io.k8s.api.admissionregistration.v1.${n}`;
export const VALIDATION_ACTIONS = ['Deny', 'Warn', 'Audit'];

const spec = struct(ar('ValidatingAdmissionPolicyBindingSpec'), 'Which policy, with which parameters, on which requests, with which actions.', {
  policyName: str('The ValidatingAdmissionPolicy bound.'),
  paramRef: struct(ar('ParamRef'), 'Where the parameters are: one object by name, or every object a selector matches.', {
    name: str('Name of the parameter object.'),
    namespace: str("Namespace of the parameter objects (for namespaced paramKinds; default: the request's namespace)."),
    selector: labelSelector,
    parameterNotFoundAction: enumOf(['Allow', 'Deny'], 'What to do when no parameter object is found.'),
  }),
  matchResources: matchResources,
  // A set, but without a strategic-merge patch strategy (as in Kubernetes): replaced whole by patches.
  validationActions: listOf(enumOf(VALIDATION_ACTIONS), 'Deny refuses the request, Warn returns a warning, Audit records it in the audit event.', { listType: 'set' }),
});

function validateSpec(s: unknown): FieldError[] {
  if (!isObj(s)) return [fieldErr.required('spec')];
  const errs: FieldError[] = [];
  if (typeof s.policyName !== 'string' || !s.policyName) errs.push(fieldErr.required('spec.policyName'));
  if (isObj(s.paramRef)) {
    const p = s.paramRef;
    if (p.name !== undefined && p.selector !== undefined) errs.push(fieldErr.forbidden('spec.paramRef.name', 'name and selector are mutually exclusive'));
    if (p.name === undefined && p.selector === undefined) errs.push(fieldErr.required('spec.paramRef', 'one of name or selector must be set'));
    errs.push(...checkLabelSelector('spec.paramRef.selector', p.selector));
    if (p.parameterNotFoundAction === undefined) errs.push(fieldErr.required('spec.paramRef.parameterNotFoundAction'));
    else if (p.parameterNotFoundAction !== 'Allow' && p.parameterNotFoundAction !== 'Deny') errs.push(fieldErr.notSupported('spec.paramRef.parameterNotFoundAction', p.parameterNotFoundAction, ['Allow', 'Deny']));
  }
  errs.push(...checkMatchResources('spec.matchResources', s.matchResources, false));
  const actions = Array.isArray(s.validationActions) ? s.validationActions : [];
  if (actions.length === 0) errs.push(fieldErr.required('spec.validationActions'));
  const seen = new Set<unknown>();
  actions.forEach((a, i) => {
    if (!VALIDATION_ACTIONS.includes(a as string)) errs.push(fieldErr.notSupported(`spec.validationActions[${i}]`, a, VALIDATION_ACTIONS));
    if (seen.has(a)) errs.push(fieldErr.duplicate(`spec.validationActions[${i}]`, a));
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn')) errs.push(fieldErr.invalid('spec.validationActions', actions, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'));
  return errs;
}

export const validatingAdmissionPolicyBinding: KindDef = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  plural: 'validatingadmissionpolicybindings',
  singular: 'validatingadmissionpolicybinding',
  namespaced: false,
  categories: ['api-extensions'],
  schema: kindSchema(ar('ValidatingAdmissionPolicyBinding'), 'Binds a ValidatingAdmissionPolicy to requests, with parameters and actions.', { spec }),
  hasGeneration: true,
  printerColumns: [
    { name: 'PolicyName', type: 'string', description: 'The bound policy.', cell: (o: KObject) => String((o.spec as Obj | undefined)?.policyName ?? '') },
    {
      name: 'ParamRef',
      type: 'string',
      description: 'The parameters.',
      cell: (o: KObject) => {
        const p = (o.spec as Obj | undefined)?.paramRef as Obj | undefined;
        if (!p) return '<unset>';
        return p.namespace ? `${p.namespace}/${p.name ?? '*'}` : String(p.name ?? '*');
      },
    },
  ],
  default: (o) => {
    const s = o.spec as Obj | undefined;
    if (!isObj(s)) return;
    if (isObj(s.matchResources)) defaultMatchResources(s.matchResources);
  },
  validate: (o) => validateSpec(o.spec),
};
