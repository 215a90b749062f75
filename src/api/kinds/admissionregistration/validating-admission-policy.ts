// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy: CEL validations applied to the
// requests its matchConstraints select, where a ValidatingAdmissionPolicyBinding binds it (see
// src/apiserver/admission/policy/). Schema, defaults, printer columns and Kubernetes' validation.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { condition, conditionsOf, kindSchema } from '../../meta.js';
import { qualifiedName } from '../../names.js';
import { enumOf, int64, listOf, mapList, str, struct } from '../../schema.js';
import { isObj, type Obj, objects } from '../workloads/checks.js';
import { checkMatchResources, defaultMatchResources, matchResources } from './match-resources.js';
import { compileExpression, MATCH_CONDITION_VARIABLES } from './policy-expressions.js';

const ar = (n: string) => `io.k8s.api.admissionregistration.v1.${n}`;

/** The HTTP reasons a validation may answer with, and their codes. */
export const VALIDATION_REASONS: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };
const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

const spec = struct(ar('ValidatingAdmissionPolicySpec'), 'What a ValidatingAdmissionPolicy checks and on which requests.', {
  paramKind: struct(ar('ParamKind'), 'The kind of the parameter objects bindings refer to.', {
    apiVersion: str('group/version of the parameter kind.'),
    kind: str('The parameter kind.'),
  }),
  matchConstraints: matchResources,
  validations: listOf(
    struct(
      ar('Validation'),
      'One CEL check.',
      {
        expression: str('CEL expression that must evaluate to true.'),
        message: str('Message when the expression is false.'),
        reason: enumOf(Object.keys(VALIDATION_REASONS), 'HTTP reason when the check fails (default Invalid).'),
        messageExpression: str('CEL expression giving the message (a string).'),
      },
      { required: ['expression'] },
    ),
    'CEL checks; all must pass.',
  ),
  failurePolicy: enumOf(['Ignore', 'Fail'], 'What an error (not a false result) does: Fail (default) refuses the request.'),
  auditAnnotations: listOf(
    struct(
      ar('AuditAnnotation'),
      'An audit annotation from a CEL expression.',
      {
        key: str('Annotation key (prefixed with the policy name in the audit event).'),
        valueExpression: str('CEL expression giving the value; null means no annotation.'),
      },
      { required: ['key', 'valueExpression'] },
    ),
    'Audit annotations added to the audit event of matched requests.',
  ),
  matchConditions: mapList(struct(ar('MatchCondition'), 'A CEL condition a request must meet.', { name: str('Condition name.'), expression: str('CEL expression.') }, { required: ['name', 'expression'] }), 'name', 'Further conditions on matched requests; all must be true.'),
  variables: listOf(struct(ar('Variable'), 'A named CEL expression, available as variables.<name>.', { name: str('Variable name.'), expression: str('CEL expression.') }, { required: ['name', 'expression'] }), 'Variables for the other expressions, computed in order.'),
});

const status = struct(ar('ValidatingAdmissionPolicyStatus'), 'What the API server found checking the policy.', {
  observedGeneration: int64('The generation checked.'),
  typeChecking: struct(ar('TypeChecking'), 'Results of type checking the expressions.', {
    expressionWarnings: listOf(struct(ar('ExpressionWarning'), 'A type-checking warning.', { fieldRef: str('Path to the expression.'), warning: str('The warning.') })),
  }),
  conditions: conditionsOf(condition),
});

function checkNamed(path: string, items: Obj[], validName: (n: string) => string[], expr: 'expression', variables?: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  items.forEach((it, i) => {
    const name = typeof it.name === 'string' ? it.name : '';
    if (!name) errs.push(fieldErr.required(`${path}[${i}].name`));
    else {
      for (const e of validName(name)) errs.push(fieldErr.invalid(`${path}[${i}].name`, name, e));
      if (seen.has(name)) errs.push(fieldErr.duplicate(`${path}[${i}].name`, name));
      seen.add(name);
    }
    errs.push(...compileExpression(`${path}[${i}].${expr}`, it[expr], variables).errors);
  });
  return errs;
}

export function validatePolicySpec(s: unknown): FieldError[] {
  if (!isObj(s)) return [fieldErr.required('spec')];
  const errs: FieldError[] = [];
  if (isObj(s.paramKind)) {
    const pk = s.paramKind;
    if (!pk.apiVersion) errs.push(fieldErr.required('spec.paramKind.apiVersion'));
    else if (typeof pk.apiVersion === 'string' && pk.apiVersion.split('/').length > 2) errs.push(fieldErr.invalid('spec.paramKind.apiVersion', pk.apiVersion, 'apiVersion must be a group/version'));
    if (!pk.kind) errs.push(fieldErr.required('spec.paramKind.kind'));
  }
  errs.push(...checkMatchResources('spec.matchConstraints', s.matchConstraints, true));
  const validations = objects(s.validations);
  const audits = objects(s.auditAnnotations);
  if (validations.length === 0 && audits.length === 0) errs.push(fieldErr.required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
  validations.forEach((v, i) => {
    const p = `spec.validations[${i}]`;
    errs.push(...compileExpression(`${p}.expression`, v.expression).errors);
    if (typeof v.message === 'string' && /[\r\n]/.test(v.message)) errs.push(fieldErr.invalid(`${p}.message`, v.message, 'message must not contain line breaks'));
    if (v.messageExpression !== undefined && v.messageExpression !== '') errs.push(...compileExpression(`${p}.messageExpression`, v.messageExpression).errors);
    if (v.reason !== undefined && !(String(v.reason) in VALIDATION_REASONS)) errs.push(fieldErr.notSupported(`${p}.reason`, v.reason, Object.keys(VALIDATION_REASONS)));
  });
  const keys = new Set<string>();
  audits.forEach((a, i) => {
    const p = `spec.auditAnnotations[${i}]`;
    const key = typeof a.key === 'string' ? a.key : '';
    if (!key) errs.push(fieldErr.required(`${p}.key`));
    else {
      for (const e of qualifiedName(`x/${key}`)) errs.push(fieldErr.invalid(`${p}.key`, key, e));
      if (keys.has(key)) errs.push(fieldErr.duplicate(`${p}.key`, key));
      keys.add(key);
    }
    errs.push(...compileExpression(`${p}.valueExpression`, a.valueExpression).errors);
  });
  if (s.failurePolicy !== undefined && s.failurePolicy !== 'Fail' && s.failurePolicy !== 'Ignore') errs.push(fieldErr.notSupported('spec.failurePolicy', s.failurePolicy, ['Fail', 'Ignore']));
  errs.push(...checkNamed('spec.matchConditions', objects(s.matchConditions), qualifiedName, 'expression', MATCH_CONDITION_VARIABLES));
  if (objects(s.matchConditions).length > 64) errs.push(fieldErr.tooLong('spec.matchConditions', 64));
  errs.push(...checkNamed('spec.variables', objects(s.variables), (n) => (CEL_IDENTIFIER.test(n) ? [] : ['name is not a valid CEL identifier']), 'expression'));
  return errs;
}

export const validatingAdmissionPolicy: KindDef = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  kind: 'ValidatingAdmissionPolicy',
  plural: 'validatingadmissionpolicies',
  singular: 'validatingadmissionpolicy',
  namespaced: false,
  categories: ['api-extensions'],
  schema: kindSchema(ar('ValidatingAdmissionPolicy'), 'CEL checks of requests, applied where bound by ValidatingAdmissionPolicyBindings.', { spec, status }),
  subresources: { status: true },
  hasGeneration: true,
  printerColumns: [
    { name: 'Validations', type: 'integer', description: 'How many validations.', cell: (o: KObject) => (Array.isArray((o.spec as Obj | undefined)?.validations) ? ((o.spec as Obj).validations as unknown[]).length : 0) },
    {
      name: 'ParamKind',
      type: 'string',
      description: 'The parameter kind.',
      cell: (o: KObject) => {
        const pk = (o.spec as Obj | undefined)?.paramKind as Obj | undefined;
        return pk ? `${pk.apiVersion}/${pk.kind}` : '<unset>';
      },
    },
  ],
  default: (o) => {
    const s = o.spec as Obj | undefined;
    if (!isObj(s)) return;
    s.failurePolicy ??= 'Fail';
    defaultMatchResources(s.matchConstraints);
  },
  validate: (o) => validatePolicySpec(o.spec),
};
