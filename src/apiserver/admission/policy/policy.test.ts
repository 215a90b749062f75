import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from './compiled-policy.js';
import { evaluatePolicy, type PolicyVars } from './evaluate.js';
import { type MatchAttributes, matchesResources, ruleMatches } from './matching.js';
import { validatingAdmissionPolicy } from '../../../api/kinds/admissionregistration/validating-admission-policy.js';
import { validatingAdmissionPolicyBinding } from '../../../api/kinds/admissionregistration/validating-admission-policy-binding.js';

const attrs = (o: Partial<MatchAttributes> = {}): MatchAttributes => ({
  operation: 'CREATE',
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  subresource: '',
  name: 'web',
  namespace: 'team-a',
  namespaced: true,
  obj: { metadata: { name: 'web', labels: { app: 'web' } } },
  namespaceObject: { metadata: { name: 'team-a', labels: { environment: 'test' } } },
  ...o,
});

const rule = { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] };

test('resource rules: operations, groups, versions, subresources, wildcards, names, scope', () => {
  assert.equal(ruleMatches(rule, attrs(), false), true);
  assert.equal(ruleMatches(rule, attrs({ operation: 'DELETE' }), false), false);
  assert.equal(ruleMatches(rule, attrs({ subresource: 'scale' }), false), false, '"deployments" does not name deployments/scale');
  assert.equal(ruleMatches({ ...rule, resources: ['deployments/*'] }, attrs({ subresource: 'scale' }), false), true);
  assert.equal(ruleMatches({ ...rule, resources: ['*/scale'] }, attrs({ subresource: 'scale' }), false), true);
  assert.equal(ruleMatches({ ...rule, resources: ['*'] }, attrs({ subresource: 'status' }), false), false);
  assert.equal(ruleMatches({ ...rule, resources: ['*/*'] }, attrs({ subresource: 'status' }), false), true);
  assert.equal(ruleMatches({ ...rule, apiGroups: ['*'], apiVersions: ['*'], operations: ['*'] }, attrs({ operation: 'DELETE' }), false), true);
  assert.equal(ruleMatches({ ...rule, apiVersions: ['v1beta1'] }, attrs({ equivalentVersions: ['v1beta1'] }), false), false);
  assert.equal(ruleMatches({ ...rule, apiVersions: ['v1beta1'] }, attrs({ equivalentVersions: ['v1beta1'] }), true), true, 'matchPolicy Equivalent');
  assert.equal(ruleMatches({ ...rule, resourceNames: ['other'] }, attrs(), false), false);
  assert.equal(ruleMatches({ ...rule, resourceNames: ['web'] }, attrs(), false), true);
  assert.equal(ruleMatches({ ...rule, scope: 'Cluster' }, attrs(), false), false);
  assert.equal(ruleMatches({ ...rule, scope: 'Namespaced' }, attrs(), false), true);
});

test('match resources: selectors, exclusions, and what a binding without rules means', () => {
  assert.equal(matchesResources({ resourceRules: [rule] }, attrs(), true), true);
  assert.equal(matchesResources({}, attrs(), true), false, 'a policy without rules matches nothing');
  assert.equal(matchesResources({}, attrs(), false), true, "a binding without rules keeps the policy's choice");
  assert.equal(matchesResources(undefined, attrs(), false), true);
  assert.equal(matchesResources({ resourceRules: [rule], excludeResourceRules: [{ ...rule, resourceNames: ['web'] }] }, attrs(), true), false);
  assert.equal(matchesResources({ namespaceSelector: { matchLabels: { environment: 'test' } } }, attrs(), false), true);
  assert.equal(matchesResources({ namespaceSelector: { matchLabels: { environment: 'prod' } } }, attrs(), false), false);
  // Cluster-scoped: ignored, except for a Namespace, matched on its own labels.
  assert.equal(matchesResources({ namespaceSelector: { matchLabels: { environment: 'prod' } } }, attrs({ namespaced: false, group: 'rbac.authorization.k8s.io', resource: 'clusterroles' }), false), true);
  const ns = attrs({ namespaced: false, group: '', resource: 'namespaces', obj: { metadata: { name: 'x', labels: { environment: 'prod' } } } });
  assert.equal(matchesResources({ namespaceSelector: { matchLabels: { environment: 'prod' } } }, ns, false), true);
  assert.equal(matchesResources({ objectSelector: { matchLabels: { app: 'web' } } }, attrs(), false), true);
  assert.equal(matchesResources({ objectSelector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] } }, attrs(), false), false);
  // On update, either the old or the new object's labels.
  assert.equal(matchesResources({ objectSelector: { matchLabels: { tier: 'db' } } }, attrs({ operation: 'UPDATE', old: { metadata: { labels: { tier: 'db' } } } }), false), true);
});

const vars = (object: unknown, params: unknown = null): PolicyVars => ({ object, oldObject: null, request: { operation: 'CREATE' }, params, namespaceObject: null, authorizer: null });

const policy = (spec: Record<string, unknown>) => compilePolicy({ metadata: { name: 'p' }, spec: { matchConstraints: { resourceRules: [rule] }, ...spec } });

test('evaluation: validations, messages, messageExpression, reason, variables and params', () => {
  const p = policy({
    variables: [{ name: 'max', expression: 'params == null ? 5 : int(params.data.max)' }],
    validations: [{ expression: 'object.spec.replicas <= variables.max', messageExpression: "'too many replicas: ' + string(object.spec.replicas)", reason: 'Forbidden' }, { expression: "object.metadata.name != 'forbidden'", message: 'bad name' }, { expression: 'object.spec.replicas > 0' }],
  });
  assert.deepEqual(evaluatePolicy(p, vars({ metadata: { name: 'ok' }, spec: { replicas: 3 } })), { matched: true, failures: [], annotations: {} });
  const r = evaluatePolicy(p, vars({ metadata: { name: 'forbidden' }, spec: { replicas: 0 } }, { data: { max: '-1' } }));
  assert.ok(r.matched);
  assert.deepEqual(r.failures, [
    { message: 'too many replicas: 0', reason: 'Forbidden', expressionIndex: 0 },
    { message: 'bad name', reason: 'Invalid', expressionIndex: 1 },
    { message: 'failed expression: object.spec.replicas > 0', reason: 'Invalid', expressionIndex: 2 },
  ]);
});

test('evaluation: errors follow failurePolicy; match conditions; audit annotations', () => {
  const failing = { validations: [{ expression: 'object.spec.missing > 1' }] };
  const fail = evaluatePolicy(policy({ ...failing, failurePolicy: 'Fail' }), vars({ spec: {} }));
  assert.ok(fail.matched);
  assert.match(fail.failures[0].message, /^expression 'object.spec.missing > 1' resulted in error: no such key: missing/);
  assert.deepEqual(evaluatePolicy(policy({ ...failing, failurePolicy: 'Ignore' }), vars({ spec: {} })), { matched: true, failures: [], annotations: {} });
  const badVar = evaluatePolicy(policy({ variables: [{ name: 'n', expression: 'object.spec.missing' }], validations: [{ expression: 'variables.n > 1' }] }), vars({ spec: {} }));
  assert.ok(badVar.matched);
  assert.equal(badVar.failures[0].message, `expression 'variables.n > 1' resulted in error: composited variable "n" fails to evaluate: no such key: missing`);
  const conditional = policy({ matchConditions: [{ name: 'only-big', expression: 'object.spec.replicas > 10' }], validations: [{ expression: 'false' }] });
  assert.deepEqual(evaluatePolicy(conditional, vars({ spec: { replicas: 1 } })), { matched: false });
  assert.equal((evaluatePolicy(conditional, vars({ spec: { replicas: 11 } })) as { failures: unknown[] }).failures.length, 1);
  const audited = policy({
    auditAnnotations: [
      { key: 'replicas', valueExpression: 'string(object.spec.replicas)' },
      { key: 'none', valueExpression: 'null' },
    ],
  });
  assert.deepEqual(evaluatePolicy(audited, vars({ spec: { replicas: 2 } })), { matched: true, failures: [], annotations: { 'p/replicas': '2' } });
});

test('kind validation: compile errors, reasons, actions', () => {
  const errs = validatingAdmissionPolicy.validate!({ spec: { matchConstraints: {}, validations: [{ expression: 'nope(' }, { expression: 'x == 1' }, { expression: 'true', reason: 'Teapot' }], matchConditions: [{ name: 'bad name!', expression: 'variables.x' }] } });
  const fields = errs.map((e) => `${e.field}: ${e.message}`);
  assert.ok(
    fields.some((f) => f.startsWith('spec.matchConstraints.resourceRules: Required value')),
    fields.join('\n'),
  );
  assert.ok(
    fields.some((f) => /^spec.validations\[0\].expression: Invalid value: "nope\(": compilation failed: ERROR: <input>/.test(f)),
    fields.join('\n'),
  );
  assert.ok(
    fields.some((f) => /^spec.validations\[1\].expression: .*undeclared reference to 'x'/.test(f)),
    fields.join('\n'),
  );
  assert.ok(
    fields.some((f) => f.startsWith('spec.validations[2].reason: Unsupported value: "Teapot"')),
    fields.join('\n'),
  );
  assert.ok(
    fields.some((f) => f.startsWith('spec.matchConditions[0].name: Invalid value')),
    fields.join('\n'),
  );
  assert.ok(
    fields.some((f) => /^spec.matchConditions\[0\].expression: .*undeclared reference to 'variables'/.test(f)),
    fields.join('\n'),
  );
  const ok = validatingAdmissionPolicy.validate!({ spec: { matchConstraints: { resourceRules: [rule] }, validations: [{ expression: 'object.spec.replicas <= 5' }] } });
  assert.deepEqual(ok, []);
  const b = validatingAdmissionPolicyBinding.validate!({ spec: { policyName: 'p', validationActions: ['Deny', 'Warn', 'Nope'], paramRef: { name: 'a', selector: {} } } });
  const bf = b.map((e) => `${e.field}: ${e.message}`).join('\n');
  assert.match(bf, /spec.validationActions\[2\]: Unsupported value: "Nope"/);
  assert.match(bf, /must not contain both Deny and Warn/);
  assert.match(bf, /spec.paramRef.name: Forbidden: name and selector are mutually exclusive/);
  assert.match(bf, /spec.paramRef.parameterNotFoundAction: Required value/);
});
